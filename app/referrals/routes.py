"""Targeted referrals: pages."""

from flask import Blueprint, render_template

from app.auth.access import allow
from models import Role

bp = Blueprint("referrals", __name__, url_prefix="/referrals")


@bp.get("/")
@allow(Role.BUREAU, Role.EMPLOYMENT, Role.ADMIN)
def index():
    return render_template("referrals/index.html")
