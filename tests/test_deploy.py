"""deploy/: the environment file lists every setting, nginx agrees with the app's upload
limit and proxy settings, the systemd units run commands that exist, and run-local.sh
starts the whole set and passes its smoke test (slow)."""

from __future__ import annotations

import ast
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
CONFIG = ROOT / "app" / "config.py"
ENV_EXAMPLE = DEPLOY / "qibu.env.example"
ENV_READERS = ("app", "models", "matching", "surveys")
CONFIG_READERS = {"_env", "_env_int", "_env_bool"}
SMOKE_REDIS_DB = 14
SMOKE_TIMEOUT = 150


def names_read_by_config(source: str) -> set[str]:
    """QIBU_* names app/config.py reads through its _env helpers."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in CONFIG_READERS and node.args
                and isinstance(node.args[0], ast.Constant)):
            names.add(f"QIBU_{node.args[0].value}")
    return names


def names_read_elsewhere() -> set[str]:
    """QIBU_* names written out whole as strings in the code and gunicorn.conf.py
    (os.environ.get("QIBU_..."), click's envvar=..., constants)."""
    literal = re.compile(r"""["'](QIBU_[A-Z0-9_]+)["']""")
    files = [ROOT / "gunicorn.conf.py"]
    for package in ENV_READERS:
        files += (ROOT / package).rglob("*.py")
    return {name for path in files for name in literal.findall(path.read_text("utf-8"))}


def names_listed(example: str) -> set[str]:
    """Names the example sets, shows commented out, or describes in a comment line."""
    return set(re.findall(r"^#?\s*(QIBU_[A-Z0-9_]+)\b", example, flags=re.MULTILINE))


def unlisted(config_source: str, example: str) -> list[str]:
    return sorted((names_read_by_config(config_source) | names_read_elsewhere())
                  - names_listed(example))


def test_the_environment_file_lists_every_setting_the_app_reads():
    config = CONFIG.read_text("utf-8")
    read = names_read_by_config(config)
    assert {"QIBU_SECRET_KEY", "QIBU_DATA_KEY", "QIBU_DATABASE_URL", "QIBU_REDIS_URL",
            "QIBU_ENV", "QIBU_MAX_UPLOAD_MB"} <= read
    assert {"QIBU_BIND", "QIBU_WORKERS", "QIBU_NEW_PASSWORD"} <= names_read_elsewhere()
    assert unlisted(config, ENV_EXAMPLE.read_text("utf-8")) == []


def test_a_setting_added_to_config_but_not_to_the_environment_file_is_caught():
    config = CONFIG.read_text("utf-8") + '\nNEW_THING = _env_int("NIGHTLY_BLOCK_ROWS", 5000)\n'
    assert unlisted(config, ENV_EXAMPLE.read_text("utf-8")) == ["QIBU_NIGHTLY_BLOCK_ROWS"]


def test_the_environment_file_sets_the_production_essentials():
    settings = dict(re.findall(r"^(QIBU_[A-Z0-9_]+)=(.*)$", ENV_EXAMPLE.read_text("utf-8"),
                               flags=re.MULTILINE))
    assert settings["QIBU_ENV"] == "production"
    assert settings["QIBU_TRUSTED_PROXIES"] == "1"  # one hop: the host's nginx
    assert settings["QIBU_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert settings["QIBU_REDIS_URL"].startswith("redis://")
    assert settings["QIBU_SECRET_KEY"] != settings["QIBU_DATA_KEY"]


def _default_of(name: str) -> int:
    for node in ast.walk(ast.parse(CONFIG.read_text("utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "_env_int" and node.args[0].value == name):
            return node.args[1].value
    raise AssertionError(f"{name} is not read with _env_int")


def test_nginx_accepts_the_uploads_the_app_accepts():
    snippet = (DEPLOY / "nginx" / "qibu-locations.conf").read_text("utf-8")
    limits = re.findall(r"^\s*client_max_body_size\s+(\d+)m;", snippet, flags=re.MULTILINE)
    assert limits == [str(_default_of("MAX_UPLOAD_MB"))]


def test_nginx_sets_the_forwarded_headers_proxyfix_trusts():
    factory = (ROOT / "app" / "factory.py").read_text("utf-8")
    trusted = re.search(r"ProxyFix\(app\.wsgi_app, ([^)]*)\)", factory).group(1)
    assert trusted == "x_for=hops, x_proto=hops, x_host=hops"
    snippet = (DEPLOY / "nginx" / "qibu-locations.conf").read_text("utf-8")
    headers = dict(re.findall(r"proxy_set_header (X-Forwarded-[A-Za-z]+) (\S+);", snippet))
    assert headers == {"X-Forwarded-For": "$remote_addr", "X-Forwarded-Proto": "$scheme",
                       "X-Forwarded-Host": "$host"}
    site = (DEPLOY / "nginx" / "qibu.conf").read_text("utf-8")
    assert "include /etc/nginx/snippets/qibu-locations.conf;" in site
    assert re.search(r"location /static/ \{\s*alias /opt/qibu/app/static/;\s*expires 7d;", site)


def test_the_units_run_commands_qibu_has(app):
    commands = []
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        for line in unit.read_text("utf-8").splitlines():
            if line.startswith("ExecStart="):
                commands += re.findall(r"/opt/qibu/\.venv/bin/qibu ([a-z-]+)", line)
    assert sorted(commands) == ["backup", "match", "purge", "worker"]
    assert set(commands) <= set(app.cli.commands)
    web = (DEPLOY / "systemd" / "qibu-web@.service").read_text("utf-8")
    assert "--config /opt/qibu/gunicorn.conf.py" in web and "--bind 127.0.0.1:%i" in web
    ranking = (DEPLOY / "systemd" / "qibu-ranking.service").read_text("utf-8")
    assert "qibu match rank-city --months" in ranking
    assert "rank-city" in app.cli.commands["match"].commands
    for timer in ("qibu-purge.timer", "qibu-backup.timer", "qibu-ranking.timer"):
        assert "WantedBy=qibu-scheduler.target" in (DEPLOY / "systemd" / timer).read_text()


# --- the whole set on this machine ------------------------------------------------------

def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _free_base_port() -> int:
    """A port p with p, p+1 and p+2 free on loopback (nginx and the two web processes)."""
    for base in range(20000 + os.getpid() % 1000 * 20, 40000, 20):
        sockets = []
        try:
            for port in range(base, base + 3):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise AssertionError("no three free ports on loopback")


@pytest.fixture
def scratch_postgres():
    """A fresh PostgreSQL database beside the test database, dropped afterwards."""
    url = os.environ.get("QIBU_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("run-local.sh needs PostgreSQL: this test runs when "
                    "QIBU_TEST_DATABASE_URL is a PostgreSQL URL (CI's PostgreSQL pass)")
    parts = urlsplit(url)
    if not _answers(parts.hostname or "127.0.0.1", parts.port or 5432):
        pytest.skip(f"PostgreSQL at {parts.hostname}:{parts.port} does not answer")
    import psycopg

    name = f"{parts.path.lstrip('/') or 'qibu'}_deploy_smoke"
    admin_url = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def smoke_redis():
    """Redis db 14 of the test Redis (the queue tests use 15), emptied before and after."""
    test_url = os.environ.get("QIBU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    parts = urlsplit(test_url)
    if not _answers(parts.hostname or "127.0.0.1", parts.port or 6379):
        pytest.skip(f"Redis at {parts.hostname}:{parts.port} does not answer")
    import redis

    url = urlunsplit((parts.scheme, parts.netloc, f"/{SMOKE_REDIS_DB}", "", ""))
    connection = redis.Redis.from_url(url)
    connection.flushdb()
    yield url
    connection.flushdb()
    connection.close()


@pytest.mark.slow
def test_run_local_starts_the_set_and_passes_the_smoke_test(scratch_postgres, smoke_redis):
    """Two gunicorn web processes, a worker (and nginx when installed) on loopback; the
    demo organizer plans the demo fair through them as a job the worker runs."""
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "gunicorn").exists() or not (bin_dir / "qibu").exists():
        pytest.skip(f"gunicorn or qibu is not installed in {bin_dir}")
    env = {key: value for key, value in os.environ.items() if not key.startswith("QIBU_")}
    env.update(QIBU_DATABASE_URL=scratch_postgres, QIBU_REDIS_URL=smoke_redis,
               QIBU_LOCAL_PORT=str(_free_base_port()), QIBU_VENV=str(bin_dir.parent))
    started = time.monotonic()
    run = subprocess.run(["bash", str(DEPLOY / "run-local.sh")], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=SMOKE_TIMEOUT, check=False)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    for seen in ("ok  log in as the demo organizer", "ok  plan the fair: a job is queued",
                 "ok  the worker ran job 1 to done", "ok  the job's page says the plan was made",
                 "smoke test passed", "[run-local] stopped"):
        assert seen in output, output
    web = re.findall(r"ok  GET http://127\.0\.0\.1:(\d+)/healthz", output)
    assert len(web) == (3 if shutil.which("nginx") else 2), output
    print(f"run-local.sh: {time.monotonic() - started:.1f} s")
