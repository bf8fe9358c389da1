"""An employment centre's register of open openings in the database, for the benchmarks
that need one at a city's scale (``synthetic.make_openings``, verified employers)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import sqlalchemy as sa
from synthetic import make_openings

from app.clock import local_today
from models import Employer, EmployerStatus, Opening, Shift, db


def load_open_register(n: int, employer_prefix: str, seed: int = 0) -> int:
    """Insert `n` open openings (posted over the last 20 days) of verified employers named
    ``{employer_prefix}{code}``, in bulk; flushes. Returns how many employers."""
    openings = make_openings(n, seed=seed)
    employers = {code: Employer(name=f"{employer_prefix}{code}",
                                normalized_name=f"{employer_prefix}{code}",
                                district="310115", status=EmployerStatus.VERIFIED)
                 for code in sorted(set(openings["employer_id"]))}
    db.session.add_all(employers.values())
    db.session.flush()
    today = local_today()
    db.session.execute(sa.insert(Opening), [{
        "employer_id": employers[o.employer_id].id, "title": o.title,
        "description": o.description, "category_code": o.category, "category_confirmed": True,
        "pay_min": None if np.isnan(o.pay_min) else int(o.pay_min),
        "pay_max": None if np.isnan(o.pay_max) else int(o.pay_max),
        "pay_months": int(o.pay_months), "district": o.district,
        "accommodation": bool(o.accommodation), "shift": Shift(o.shift),
        "education_min": int(o.education_min), "experience_min": float(o.experience_min),
        "certificates_required": list(o.certificates_required),
        "environments": list(o.environments), "headcount": int(o.headcount),
        "posted_on": today - timedelta(days=i % 20)}
        for i, o in enumerate(openings.itertuples(index=False))])
    return len(employers)
