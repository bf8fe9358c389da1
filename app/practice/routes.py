"""Job practice: pages."""

from flask import Blueprint, render_template

from app.auth.access import allow
from models import Role

bp = Blueprint("practice", __name__, url_prefix="/practice")


@bp.get("/")
@allow(Role.BUREAU, Role.EMPLOYMENT, Role.ADMIN)
def index():
    return render_template("practice/index.html")
