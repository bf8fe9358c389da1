"""Remember the column mapping a user confirmed for a file layout, and offer it again.

A bureau's own sheet or a job board's export keeps its layout from one month to the
next: once the user has said which column holds what and saved the import, the next
file laid out the same way is read the same way without asking again.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from models import ImportMapping, StaffUser, db


def recall_mapping(user: StaffUser | None, kind: str, layout: str) -> dict[int, str] | None:
    """The mapping `user` confirmed for files of `kind` laid out as `layout`, if any."""
    if user is None or not layout:
        return None
    stored = db.session.scalar(sa.select(ImportMapping.mapping).where(
        ImportMapping.user_id == user.id, ImportMapping.kind == kind,
        ImportMapping.layout == layout))
    return {int(c): key for c, key in stored.items()} if stored else None


def remember_mapping(user: StaffUser | None, kind: str, layout: str,
                     mapping: Mapping[str, str], file_headers: Mapping[str, str]) -> None:
    """Keep the mapping a saved import was read with for `user`'s next file of that
    layout (every file column: its key, or '' for a column left out); flush only."""
    if user is None or not layout:
        return
    complete = {str(c): mapping.get(str(c), "") for c in file_headers}
    row = db.session.scalar(sa.select(ImportMapping).where(
        ImportMapping.user_id == user.id, ImportMapping.kind == kind,
        ImportMapping.layout == layout))
    if row is not None:
        row.mapping = complete
        db.session.flush()
        return
    try:  # a second tab saving the same layout at the same moment must not undo the import
        with db.session.begin_nested():
            db.session.add(ImportMapping(user_id=user.id, kind=kind, layout=layout,
                                         mapping=complete))
    except sa.exc.IntegrityError:
        pass
