"""Configuration classes; every setting can be set from the environment (QIBU_*)."""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "qibu-development-key-change-me"  # noqa: S105 (refused in production)


def _env(name, default=None):
    return os.environ.get(f"QIBU_{name}", default)


def _env_int(name, default):
    return int(_env(name, default))


def _env_bool(name, default):
    return str(_env(name, default)).strip().lower() in {"1", "true", "yes", "on"}


def _sqlite_url(path):
    return f"sqlite:///{path}"


class Config:
    """Settings shared by every environment. Each line is documented in README.md."""

    SECRET_KEY = _env("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _env(
        "DATABASE_URL", _sqlite_url(BASE_DIR / "instance" / "qibu.sqlite3")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = _env("TIMEZONE", "Asia/Shanghai")
    LANGUAGES = ("zh_CN", "en")
    LANGUAGE_COOKIE = "qibu_lang"
    SESSION_COOKIE_NAME = "qibu_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", "0")
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    IDLE_TIMEOUT = timedelta(minutes=_env_int("IDLE_TIMEOUT_MINUTES", 30))
    # wrong passwords slow the next attempt down (app/auth/operations.py): after
    # LOGIN_MAX_FAILURES at one account from one address each further attempt from there
    # waits LOGIN_FIRST_DELAY_SECONDS, then twice as long each time, up to
    # LOGIN_MAX_DELAY_MINUTES; after
    # LOGIN_ACCOUNT_MAX_FAILURES from anywhere, any attempt at the account waits up to
    # LOGIN_ACCOUNT_MAX_DELAY_SECONDS only (an attacker elsewhere never locks the user
    # out); after LOGIN_ADDRESS_MAX_FAILURES at any accounts, the address waits too
    LOGIN_MAX_FAILURES = _env_int("LOGIN_MAX_FAILURES", 5)
    LOGIN_FIRST_DELAY_SECONDS = _env_int("LOGIN_FIRST_DELAY_SECONDS", 2)
    LOGIN_MAX_DELAY_MINUTES = _env_int("LOGIN_MAX_DELAY_MINUTES", 15)
    LOGIN_ACCOUNT_MAX_FAILURES = _env_int("LOGIN_ACCOUNT_MAX_FAILURES", 10)
    LOGIN_ACCOUNT_MAX_DELAY_SECONDS = _env_int("LOGIN_ACCOUNT_MAX_DELAY_SECONDS", 30)
    LOGIN_ADDRESS_MAX_FAILURES = _env_int("LOGIN_ADDRESS_MAX_FAILURES", 20)
    LOGIN_FAILURE_MEMORY_HOURS = _env_int("LOGIN_FAILURE_MEMORY_HOURS", 24)
    MAX_CONTENT_LENGTH = _env_int("MAX_UPLOAD_MB", 10) * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    ADMIN_REQUIRES_TOTP = _env_bool("ADMIN_REQUIRES_TOTP", "1")
    REAUTH_MINUTES = _env_int("REAUTH_MINUTES", 15)
    RETENTION_DAYS = _env_int("RETENTION_DAYS", 730)
    # client addresses (login sessions and throttles, the audit trail's "from where")
    IP_RETENTION_DAYS = _env_int("IP_RETENTION_DAYS", 180)
    # key for encrypting names and phone numbers and for hashing ID numbers; derived from
    # SECRET_KEY when not set (development only: production requires its own, backed up)
    DATA_KEY = _env("DATA_KEY", "")
    KIOSK_IDLE_SECONDS = _env_int("KIOSK_IDLE_SECONDS", 90)
    # forms carry one-time keys (app/submissions.py): a key older than this is refused as
    # out of date, and `qibu purge` forgets spent keys after it
    SUBMISSION_KEY_DAYS = _env_int("SUBMISSION_KEY_DAYS", 7)
    SUBMISSION_KEYS_REQUIRED = True
    # wrong badge codes slow down the kiosk device that typed them (app/kiosk/throttle.py)
    KIOSK_FREE_TRIES = _env_int("KIOSK_FREE_TRIES", 2)
    KIOSK_FIRST_DELAY_SECONDS = _env_int("KIOSK_FIRST_DELAY_SECONDS", 5)
    KIOSK_MAX_DELAY_SECONDS = _env_int("KIOSK_MAX_DELAY_SECONDS", 60)
    KIOSK_CODE_MAX_FAILURES = _env_int("KIOSK_CODE_MAX_FAILURES", 10)
    KIOSK_CODE_MAX_DELAY_SECONDS = _env_int("KIOSK_CODE_MAX_DELAY_SECONDS", 300)
    KIOSK_FAILURE_WINDOW_MINUTES = _env_int("KIOSK_FAILURE_WINDOW_MINUTES", 10)
    CACHE_DIR = _env("CACHE_DIR", str(BASE_DIR / "instance" / "cache"))
    IMPORT_DIR = _env("IMPORT_DIR", str(BASE_DIR / "instance" / "imports"))
    IMPORT_MAX_ROWS = _env_int("IMPORT_MAX_ROWS", 20000)
    IMPORT_KEEP_HOURS = _env_int("IMPORT_KEEP_HOURS", 24)
    # seconds after which an import's confirm lock held from another host counts as left
    # by a dead worker (gunicorn's 30 s request timeout × 4); app/imports/store.py
    IMPORT_CONFIRM_TIMEOUT = _env_int("IMPORT_CONFIRM_TIMEOUT", 120)
    # hours a file an export job made (a fair's sheets, shortlists) can be downloaded by
    # its starter; `qibu purge` deletes it after (app/jobs/files.py)
    JOB_FILE_HOURS = _env_int("JOB_FILE_HOURS", 24)
    SEED_DIR = _env("SEED_DIR", str(BASE_DIR / "seed_data"))
    # the job-title classifier's training file; empty: SEED_DIR/category_training.csv
    CATEGORY_TRAINING_FILE = _env("CATEGORY_TRAINING_FILE", "")
    # jobs (app/jobs/): with REDIS_URL set they go on an RQ queue run by `qibu worker`;
    # without, each runs in a thread of the web process that started it (JOBS_SYNC: in the
    # request itself). A running job whose worker gave no sign of life for
    # JOBS_HEARTBEAT_SECONDS counts as dead and may be tried again.
    REDIS_URL = _env("REDIS_URL", "")
    JOBS_QUEUE = _env("JOBS_QUEUE", "qibu")
    JOBS_SYNC = _env_bool("JOBS_SYNC", "0")
    JOBS_HEARTBEAT_SECONDS = _env_int("JOBS_HEARTBEAT_SECONDS", 120)
    JOBS_TIMEOUT_SECONDS = _env_int("JOBS_TIMEOUT_SECONDS", 3600)
    # argon2id cost (OWASP minimum profile: 19 MiB, 2 passes, 1 lane)
    ARGON2_TIME_COST = _env_int("ARGON2_TIME_COST", 2)
    ARGON2_MEMORY_KIB = _env_int("ARGON2_MEMORY_KIB", 19 * 1024)


class DevelopmentConfig(Config):
    """Local use with `make run`."""

    DEBUG = False


class TestingConfig(Config):
    """The test suite; QIBU_TEST_DATABASE_URL selects PostgreSQL."""

    TESTING = True
    SECRET_KEY = "qibu-testing-key"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL", "sqlite://")
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_KIB = 1024
    IMPORT_DIR = str(Path(tempfile.gettempdir()) / "qibu-test-imports")
    WTF_CSRF_ENABLED = False  # tests/app/test_csrf.py turns it back on
    SUBMISSION_KEYS_REQUIRED = False  # tests/app/test_idempotent_forms.py turns it on
    ADMIN_REQUIRES_TOTP = False  # tests/app/test_second_factor.py turns it back on
    JOBS_SYNC = _env_bool("JOBS_SYNC", "1")  # tests/app/test_jobs_queue.py uses Redis


class ProductionConfig(Config):
    """Deployment under gunicorn; refuses to start without keys of its own
    (`production_problems`)."""

    PRODUCTION = True
    SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", "1")
    PREFERRED_URL_SCHEME = "https"


MIN_KEY_BYTES = 32


def production_problems(config) -> list[str]:
    """What keeps `config` from running in production, one sentence each (none: fine).

    The secret key signs sessions; the data key encrypts names and hashes ID numbers. A
    short secret key can be guessed offline from one signed cookie, and a data key derived
    from it would fall with it; so both must be long, and separate.
    """
    if not config.get("PRODUCTION"):
        return []
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if secret == DEFAULT_SECRET_KEY or len(secret.encode("utf-8")) < MIN_KEY_BYTES:
        problems.append(f"QIBU_SECRET_KEY must be a random value of at least {MIN_KEY_BYTES} "
                        "bytes (not the development key).")
    data_key = config.get("DATA_KEY") or ""
    if not data_key:
        problems.append("QIBU_DATA_KEY must be set: production does not derive the data key "
                        "from the secret key.")
    elif len(data_key.encode("utf-8")) < MIN_KEY_BYTES:
        problems.append(f"QIBU_DATA_KEY must be a random value of at least {MIN_KEY_BYTES} "
                        "bytes.")
    elif data_key == secret:
        problems.append("QIBU_DATA_KEY must differ from QIBU_SECRET_KEY.")
    return problems


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_environment():
    """Return the config class named by QIBU_ENV (development by default)."""
    name = _env("ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"QIBU_ENV={name!r} is not one of {', '.join(CONFIGS)}"
        ) from None
