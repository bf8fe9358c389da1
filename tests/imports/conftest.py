"""Fixtures the import tests share: the upload folder and a signed-in bureau clerk."""

import pytest

from models import Role, db


@pytest.fixture
def import_dir(app, tmp_path):
    """Uploads kept under the test's own folder."""
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")
    return tmp_path / "imports"


@pytest.fixture
def clerk(client, make, auth):
    """A bureau clerk signed in, the pages in English."""
    user = make.user(Role.BUREAU, username="clerk")
    db.session.commit()
    auth.login("clerk")
    client.get("/lang/en")
    return user
