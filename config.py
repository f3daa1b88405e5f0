"""Application configuration, read from the environment with development defaults."""

import contextlib
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("WIPO_INSTANCE_PATH", BASE_DIR / "instance"))


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _names(name: str, default: str) -> tuple[str, ...]:
    """A comma-separated list from the environment."""
    return tuple(item.strip() for item in os.environ.get(name, default).split(",") if item.strip())


def instance_secret_key(instance_dir: Path) -> str:
    """Return the secret key stored in the instance folder, creating it on first use.

    The key is never committed: the instance folder is ignored by git. Several processes
    may start at once (gunicorn workers, the job worker): each writes its candidate to a
    file of its own, then links it into place, which fails if another was first; everyone
    then uses the one key that won.
    """
    path = instance_dir / "secret_key"
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        fd, candidate = tempfile.mkstemp(dir=instance_dir, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
            os.chmod(candidate, 0o600)
            with contextlib.suppress(FileExistsError):  # another process was first: use its key
                os.link(candidate, path)
        finally:
            os.unlink(candidate)
    return path.read_text().strip()


class Config:
    """Settings for development and production; every value can come from the environment."""

    INSTANCE_PATH = INSTANCE_DIR
    SECRET_KEY = os.environ.get("SECRET_KEY")  # None: generated into the instance folder
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'wipo_training.sqlite'}"
    )
    # Pooled connections are tested when they were idle, not on every request (database.py).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": False}
    #: How long a request waits for a lock held by another writer (SQLite's busy timeout,
    #: PostgreSQL's lock_timeout); past it the request answers 503 with Retry-After.
    DATABASE_TIMEOUT_MS = int(os.environ.get("DATABASE_TIMEOUT_MS", "15000"))

    # Sessions: a signed cookie that names a server-side login session (see auth.models).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE")
    #: Idle timeout: a session cookie not used for this long is refused by the server.
    PERMANENT_SESSION_LIFETIME = timedelta(
        minutes=int(os.environ.get("IDLE_TIMEOUT_MINUTES", "120"))
    )
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    #: Absolute lifetime: a sign-in session ends this long after sign-in, however busy.
    SESSION_ABSOLUTE_LIFETIME = timedelta(
        hours=float(os.environ.get("SESSION_ABSOLUTE_LIFETIME_HOURS", "12"))
    )
    #: Roles that must sign in with a second factor (an authenticator app); the others may
    #: turn it on. Comma-separated in the environment.
    TWO_FACTOR_REQUIRED_ROLES = _names("TWO_FACTOR_REQUIRED_ROLES", "admin,coordinator,staff")
    #: Codes of how many 30-second steps before and after now are accepted, for clocks that
    #: drift (RFC 6238 section 6 recommends at most one).
    TOTP_VALID_WINDOW = int(os.environ.get("TOTP_VALID_WINDOW", "1"))
    #: How passwords are hashed (werkzeug's method string, e.g. "scrypt:32768:8:1"); an unknown
    #: email at sign-in is checked against a hash made the same way, so it costs the same.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(20 * 1024 * 1024)))
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # Throttling of failed sign-ins; memory by default, Redis when scaled out.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    #: Off only to measure throughput (bench/web.py): one client at 1,000 requests a second
    #: is exactly what the throttle is there to stop.
    RATELIMIT_ENABLED = _flag("RATELIMIT_ENABLED", default=True)
    #: Failed sign-ins to one account from one address (the limit a person meets).
    LOGIN_FAILURE_LIMIT = os.environ.get("LOGIN_FAILURE_LIMIT", "5 per 5 minutes")
    #: Failed sign-ins to one account from all addresses (guessing spread over many machines);
    #: higher, so that a stranger cannot lock someone out with five tries.
    LOGIN_ACCOUNT_FAILURE_LIMIT = os.environ.get("LOGIN_ACCOUNT_FAILURE_LIMIT", "20 per hour")
    #: Failed sign-ins from one address to any account: a classroom shares one address.
    LOGIN_ADDRESS_FAILURE_LIMIT = os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "50 per 5 minutes")
    #: A device that has signed in to an account before (it holds a signed device cookie for
    #: it) meets none of the three limits above for that account, only this one of its own:
    #: a stranger's failures cannot lock the owner out (OWASP, "device cookies").
    LOGIN_DEVICE_FAILURE_LIMIT = os.environ.get("LOGIN_DEVICE_FAILURE_LIMIT", "5 per 5 minutes")
    #: Wrong second-factor codes for one account (after its right password).
    LOGIN_CODE_FAILURE_LIMIT = os.environ.get("LOGIN_CODE_FAILURE_LIMIT", "5 per 5 minutes")
    #: "Forgot your password?" requests for one email address, and from one address.
    PASSWORD_RESET_LIMIT = os.environ.get("PASSWORD_RESET_LIMIT", "3 per hour")
    PASSWORD_RESET_ADDRESS_LIMIT = os.environ.get("PASSWORD_RESET_ADDRESS_LIMIT", "30 per hour")

    # JSON API (flask-smorest)
    API_TITLE = "wipo_training API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    PER_PAGE = 25

    #: The address printed on certificates (QR codes and /verify links point there). Unset:
    #: the address the issuing request came to (a batch job keeps its starter's); set it in
    #: production, behind a proxy (documents/services.py: public_base_url).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    #: The job queue (jobs.py) through Redis, for workers on several machines; unset, a SQLite
    #: file in the instance folder (jobs.sqlite), read by the workers of this machine.
    HUEY_REDIS_URL = os.environ.get("HUEY_REDIS_URL", "")
    #: Run background jobs inside the request that starts them, without a worker (tests).
    HUEY_IMMEDIATE = _flag("HUEY_IMMEDIATE")
    #: Processes a certificate batch renders its PDFs in (documents/services.py: run_batch);
    #: two roughly double a batch's speed on two cores, taking a core each from the web.
    PDF_WORKERS = int(os.environ.get("PDF_WORKERS", "1"))
    #: A running job of another machine's worker (workers sharing Redis), whose process cannot
    #: be asked after, is taken for interrupted when it has not moved for this long (jobs.py).
    JOB_STALE_AFTER = timedelta(minutes=float(os.environ.get("JOB_STALE_AFTER_MINUTES", "15")))

    # Email (invitations, password reset links); without MAIL_SERVER the app shows the link
    # to copy instead. "Forgot your password?" emails a link only when PUBLIC_BASE_URL (or
    # Flask's TRUSTED_HOSTS) is set: the address in it must not come from the Host header.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _flag("MAIL_USE_TLS")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_FROM = os.environ.get("MAIL_FROM", "wipo-training@localhost")

    #: Country codes outside ISO 3166-1 this installation accepts, e.g.
    #: {"XK": {"name": "Kosovo", "region": "Europe", "subregion": "Southern Europe"}}.
    EXTRA_COUNTRIES: dict = {}


class TestConfig(Config):
    """Settings for the test suite: its own database, fast hashes, no surprises."""

    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    HUEY_IMMEDIATE = True
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105  (a hash method name, cheap for tests)  # nosec B105
    #: A test signs in as the same account many times a second (tests/test_access.py: every
    #: route for every role), and each sign-in needs a code not used before: the sign-in
    #: helpers take the next unused time step, so codes up to this many steps ahead are
    #: accepted. The second-factor tests set it back to the default of 1.
    TOTP_VALID_WINDOW = 2000
