"""Start-up guidance: pages."""

from flask import Blueprint, render_template

from app.auth.access import allow
from models import Role

bp = Blueprint("startup", __name__, url_prefix="/startup")


@bp.get("/")
@allow(Role.BUREAU, Role.ADMIN)
def index():
    return render_template("startup/index.html")
