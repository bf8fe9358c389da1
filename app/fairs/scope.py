"""Which fairs an organizer may see and run: the ones they organize (`fair_organizers`),
whether they created the fair or it was shared with them; administrators all.

Every page under a fair (`/fairs/<fair_id>/…`, in the fair blueprints) is guarded once,
here, before its view runs: another organizer's fair answers 404, as if it did not
exist, and the attempt is kept in the audit trail. Lists of fairs use `visible_fairs`.
"""

import sqlalchemy as sa
from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.audit import log_event
from models import Fair, Role, StaffUser, StateError, db, fair_organizers

GUARDED_BLUEPRINTS = frozenset({"fairs", "fairday", "after", "fairkiosks"})


def organizes(user, fair_id: int) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(
        fair_organizers.c.fair_id == fair_id, fair_organizers.c.user_id == user.id)))


def visible_fairs(user):
    """A clause on `Fair` for the fairs this user may see in lists."""
    if user.role is not Role.ORGANIZER:
        return sa.true()
    return Fair.id.in_(sa.select(fair_organizers.c.fair_id)
                       .where(fair_organizers.c.user_id == user.id))


def guard_fair_pages():
    """Before any fair page: an organizer reaches only the fairs they organize."""
    if request.blueprint not in GUARDED_BLUEPRINTS or not current_user.is_authenticated:
        return None
    if current_user.role is not Role.ORGANIZER:
        return None  # administrators see all; other roles are held by the pages' rules
    fair_id = (request.view_args or {}).get("fair_id")
    if fair_id is None or organizes(current_user, fair_id):
        return None
    if db.session.get(Fair, fair_id) is not None:
        log_event("access_refused", reason="not_organizer", fair=fair_id, path=request.path)
        db.session.commit()
    abort(404)


def share_fair(fair: Fair, organizer: StaffUser) -> bool:
    """Let another organizer run this fair too; False if they already do."""
    if organizer.role is not Role.ORGANIZER or not organizer.active:
        raise StateError(_l("Only an active fair organizer can be added."))
    if organizer in fair.organizers:
        return False
    fair.organizers.append(organizer)
    db.session.flush()
    log_event("fair_shared", fair, organizer=organizer.username)
    return True


def organizers_to_add(fair: Fair) -> list[StaffUser]:
    """Active organizers who do not run this fair yet."""
    current = {user.id for user in fair.organizers}
    return [user for user in db.session.scalars(
        sa.select(StaffUser).where(StaffUser.role == Role.ORGANIZER, StaffUser.active)
        .order_by(StaffUser.username)) if user.id not in current]
