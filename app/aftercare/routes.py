"""Follow-up after release: pages."""

from flask import Blueprint, render_template

from app.auth.access import allow
from models import Role

bp = Blueprint("aftercare", __name__, url_prefix="/aftercare")


@bp.get("/")
@allow(Role.SOCIAL_WORKER, Role.BUREAU, Role.ADMIN)
def home():
    return render_template("aftercare/home.html")
