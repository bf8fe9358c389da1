"""Training and certificates: pages."""

from flask import Blueprint, render_template

from app.auth.access import allow
from models import Role

bp = Blueprint("training", __name__, url_prefix="/training")


@bp.get("/")
@allow(Role.BUREAU, Role.ADMIN)
def index():
    return render_template("training/index.html")
