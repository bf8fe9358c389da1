"""An import's progress seen from every web host when Redis is configured (issue 19,
deliverable 2): the upload is checked on one host while its page polls another."""

import pytest

from app.imports.store import SharedProgress, UploadStore
from tests.conftest import REDIS_URL


@pytest.fixture
def progress_redis(redis_connection):
    """The test Redis, emptied of this module's keys afterwards."""
    yield redis_connection
    for key in redis_connection.scan_iter("qibu-test-progress:*"):
        redis_connection.delete(key)


def test_progress_written_on_one_host_is_read_on_another(progress_redis, tmp_path):
    shared = SharedProgress(progress_redis, "qibu-test-progress", ttl=60)
    host_a = UploadStore(tmp_path / "a", shared_progress=shared)
    host_b = UploadStore(tmp_path / "b", shared_progress=shared)
    alone = UploadStore(tmp_path / "c")  # no Redis: its own folder only
    token = host_a.new_token()

    host_a.write_progress(token, "checking", 1200, 10000)
    assert host_b.progress(token) == {"stage": "checking", "done": 1200, "total": 10000}
    assert alone.progress(token) is None
    assert not (tmp_path / "a").exists()  # nothing of it in the host's folder

    host_b.delete_folder(token)  # saved or cancelled on B: gone for A too
    assert host_a.progress(token) is None


def test_progress_without_redis_stays_in_the_hosts_folder(tmp_path):
    host = UploadStore(tmp_path / "a")
    token = host.new_token()
    host.write_progress(token, "saving", 5, 10)
    assert host.progress(token) == {"stage": "saving", "done": 5, "total": 10}
    assert (tmp_path / "a" / token / "progress.json").is_file()


def test_shared_progress_expires_with_the_upload(progress_redis, tmp_path):
    shared = SharedProgress(progress_redis, "qibu-test-progress", ttl=3600)
    host = UploadStore(tmp_path / "a", shared_progress=shared)
    token = host.new_token()
    host.write_progress(token, "reading")
    assert 3500 < progress_redis.ttl(f"qibu-test-progress:import:{token}:progress") <= 3600


def test_the_import_pages_keep_progress_in_redis_when_it_is_configured(
        app, client, make, auth, progress_redis, tmp_path):
    import io

    from models import Role, db
    from tests.app.test_jobs_queue import work_burst
    from tests.imports.test_survey_import import row, workbook

    app.config.update(REDIS_URL=REDIS_URL, JOBS_QUEUE="qibu-test-progress", JOBS_SYNC=False,
                      IMPORT_DIR=str(tmp_path / "imports"))
    facility = make.facility(code="SH-RP")
    make.user(Role.BUREAU, username="rp-clerk", facility_id=facility.id)
    db.session.commit()
    auth.login("rp-clerk")
    client.get("/lang/en")
    uploaded = client.post("/bureau/import/", data={"file": (
        io.BytesIO(workbook([row("RP0001", "任进度")])), "surveys.xlsx")},
        content_type="multipart/form-data")
    # the check is a job on the queue: the page goes to it, a worker takes it
    assert uploaded.headers["Location"].startswith("/jobs/")
    assert "Waiting to start" in client.get(uploaded.headers["Location"]).get_data(as_text=True)
    work_burst(app)
    job = client.get(uploaded.headers["Location"] + ".json").get_json()
    assert job["state"] == "done" and job["follow"]
    token = job["url"].rsplit("/", 1)[1]
    stored = progress_redis.get(f"qibu-test-progress:import:{token}:progress")
    assert stored is not None and b'"stage": "done"' in stored
    assert not (tmp_path / "imports" / token / "progress.json").exists()
    assert client.get(f"/bureau/import/{token}/progress").get_json()["label"] == "Done."
