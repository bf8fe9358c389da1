"""Home pages per role and /healthz."""

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from app.aftercare.todo import bureau_todo
from app.auth.access import ALL_ROLES, allow, public, role_required_home
from app.clock import local_today
from app.fairs.scope import visible_fairs
from app.main import queries
from models import Role, db

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(role_required_home(current_user)))


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


@bp.route("/bureau", methods=["GET", "POST"])
@allow(Role.BUREAU)
def bureau_home():
    # a search may be a name: it comes by POST only (the form carries it, CSRF-checked),
    # so it is never in a URL, the browser's history or the access log; a ?q= is ignored
    search = request.form.get("q", "").strip() if request.method == "POST" else ""
    page = queries.facility_seekers(current_user.facility_id, search,
                                    _page_number(request.form if search else request.args))
    return render_template(
        "main/bureau_home.html",
        facility=current_user.facility,
        page=page,
        search=search,
        stats=queries.facility_stats(current_user.facility_id),
        fairs=queries.facility_fairs(current_user.facility_id),
        todo=_bureau_todo_counts(),
    )


def _bureau_todo_counts() -> dict:
    """How many of the facility's to-do items (app/aftercare/todo.py) are overdue, and
    how many due soon."""
    today = local_today()
    items = bureau_todo(current_user.facility_id, today)
    overdue = sum(1 for item in items if item.overdue(today))
    return {"overdue": overdue, "soon": len(items) - overdue}


@bp.get("/employment")
@allow(Role.EMPLOYMENT)
def employment_home():
    search = request.args.get("q", "").strip()
    return render_template(
        "main/employment_home.html",
        page=queries.openings_page(search, _page_number(request.args)),
        search=search,
        stats=queries.employment_stats(),
    )


@bp.get("/organizer")
@allow(Role.ORGANIZER)
def organizer_home():
    return render_template("main/organizer_home.html",
                           fairs=queries.fairs_overview(visible_fairs(current_user)))


def _page_number(values) -> int:
    try:
        return max(1, int(values.get("page", 1)))
    except ValueError:
        return 1


__all__ = ["ALL_ROLES", "bp"]
