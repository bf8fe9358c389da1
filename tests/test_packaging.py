"""Packaging: current metadata, a lock that matches pyproject.toml, public APIs only.

These run offline. `.ci/check-lock` re-resolves pyproject.toml with uv for the full check,
and `.ci/check-install-log` looks for deprecation warnings in the real install's log.
"""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCK = (ROOT / "requirements.lock").read_text(encoding="utf-8")


def locked_pins() -> dict[str, list[tuple[Version, str, int]]]:
    """name → [(version, marker text, number of hashes)] from requirements.lock."""
    pins: dict[str, list[tuple[Version, str, int]]] = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", LOCK):
        first = entry.split("\\", 1)[0].strip()
        if not first or first.startswith("#"):
            continue
        requirement = Requirement(first)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", first
        pins.setdefault(canonicalize_name(requirement.name), []).append(
            (Version(specifier.version), str(requirement.marker or ""),
             entry.count("--hash=sha256:")))
    return pins


def declared() -> list[Requirement]:
    project = PYPROJECT["project"]
    extras = project["optional-dependencies"]
    return [Requirement(text) for text in project["dependencies"]] + [
        Requirement(text) for name in ("test", "lock") for text in extras[name]]


def test_license_is_an_spdx_expression_and_setuptools_supports_it():
    project = PYPROJECT["project"]
    assert project["license"] == "AGPL-3.0-or-later"
    assert not any(c.startswith("License ::") for c in project.get("classifiers", []))
    (setuptools,) = [Requirement(r) for r in PYPROJECT["build-system"]["requires"]
                     if Requirement(r).name == "setuptools"]
    # PEP 639 license expressions: setuptools 77
    assert not setuptools.specifier.contains("76.9")


def test_every_pin_has_hashes():
    pins = locked_pins()
    assert len(pins) > 30
    for name, versions in pins.items():
        for version, _, hashes in versions:
            assert hashes >= 1, f"{name}=={version} has no hash"


@pytest.mark.parametrize("requirement", declared(), ids=str)
def test_every_declared_dependency_is_locked_within_its_range(requirement):
    """A dependency added to pyproject.toml without `make lock`, or given a range its
    pin no longer meets, fails here (the full re-resolution is `.ci/check-lock`)."""
    pins = locked_pins().get(canonicalize_name(requirement.name))
    assert pins, f"{requirement.name} is not in requirements.lock: run make lock"
    for version, marker, _ in pins:
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.lock pins {requirement.name}=={version} ({marker or 'always'}), "
            f"outside {requirement}: run make lock")
    for extra in requirement.extras:
        # psycopg[binary] → psycopg-binary
        assert canonicalize_name(f"{requirement.name}-{extra}") in locked_pins()


def test_the_installed_versions_are_the_locked_ones():
    from importlib.metadata import PackageNotFoundError, version

    environment = default_environment()
    for name, versions in locked_pins().items():
        wanted = [v for v, marker, _ in versions
                  if not marker or Requirement(f"x; {marker}").marker.evaluate(environment)]
        if not wanted:
            continue
        try:
            installed = Version(version(name))
        except PackageNotFoundError:
            pytest.fail(f"{name} is locked but not installed: make reinstalls from the lock")
        assert installed in wanted, f"{name} {installed} installed, {wanted} locked"


def test_reportlab_uses_its_c_accelerator():
    from reportlab.lib import rl_accel

    assert rl_accel.fp_str.__module__ == "_rl_accel"
    assert rl_accel.escapePDF.__module__ == "_rl_accel"


def test_no_private_scipy_module_is_imported():
    pattern = re.compile(r"scipy\.[\w.]*\._|from scipy[\w.]* import _")
    for folder in ("matching", "app"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert not pattern.search(text), path


def test_the_plan_solver_prints_nothing():
    """highspy prints a banner on stdout when its first instance enables callbacks; the
    plan's solver turns output off first (a fresh process: the banner shows once)."""
    code = ("from matching.plan import _QuietHighs\n"
            "h = _QuietHighs()\n"
            "h.run()\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True, timeout=120)
    assert result.stdout == ""


def test_readme_gunicorn_lines_have_no_shared_control_socket():
    lines = [line for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
             if re.search(r"bin/gunicorn\s", line)]
    assert lines
    for line in lines:
        assert "--no-control-socket" in line or "--control-socket " in line, line
