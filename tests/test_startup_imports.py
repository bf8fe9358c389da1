"""Start-up imports only what serving pages needs: scikit-learn and SciPy come on first use.

Each check runs in a fresh interpreter, since this one has long imported everything.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("sklearn", "scipy", "joblib", "highspy")


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def test_building_the_app_imports_no_scikit_learn_or_scipy(tmp_path):
    modules = _modules_after(
        "from app import create_app\n"
        "from app.config import TestingConfig\n"
        f"create_app(TestingConfig, CACHE_DIR={str(tmp_path)!r})"
    )
    assert "app.corner.routes" in modules  # every page was registered
    assert _heavy(modules) == []


def test_the_matcher_is_imported_on_first_use():
    modules = _modules_after("import matching\nmatching.rank_openings")
    assert "sklearn" in modules
    assert "matching.ranking" in modules
    assert "matching.plan" not in modules  # only the submodules asked for


def test_every_name_the_matcher_exports_resolves():
    names = _modules_after(
        "import matching\n"
        "missing = [n for n in matching.__all__ if getattr(matching, n, None) is None]\n"
        "assert not missing, missing"
    )
    assert "matching.plan" in names
