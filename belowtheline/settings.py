"""Settings, read from the environment in this one place.

Every value has a safe default so that `make demo` runs with no configuration at all:
SQLite under var/, local-memory cache, DEBUG off, a secret key generated once and kept
in var/.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BTL_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """Prefer SECRET_KEY; otherwise keep a generated key in var/ so sessions survive restarts."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # the API docs page, served from its own static files (no CDN)
    "belowtheline",
    "belowtheline.sites",
    "belowtheline.accounts",
    "belowtheline.discussion",
    "belowtheline.moderation",
    "belowtheline.integrations",
    "belowtheline.imports",
    "belowtheline.portability",
    "belowtheline.triage",
    "belowtheline.demo",
]

MIDDLEWARE = [
    # /healthz and /readyz, before host checks and the HTTPS redirect: see health.py
    "belowtheline.health.HealthMiddleware",
    # Retry-After on every 429 and 503 (ratelimit.py)
    "belowtheline.ratelimit.RetryAfterMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Dynamic HTML and JSON, Brotli for clients that prefer it, else gzipped
    # (belowtheline/compression.py). Static files never get here (WhiteNoise answers them
    # above, pre-compressed), nor is anything already carrying Content-Encoding (cached
    # thread bodies are stored gzipped) compressed twice. BREACH: the secret in our pages is
    # the CSRF token, which Django masks afresh in every response, and Django's gzip adds
    # random padding to each body (its "Heal the BREACH" mitigation), so compression leaks
    # no secret through the length.
    "belowtheline.compression.CompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Signed subscriber tokens and API keys (Authorization: Bearer …): see accounts/middleware.py
    "belowtheline.accounts.middleware.BearerAuthMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "belowtheline.security.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "belowtheline.urls"
WSGI_APPLICATION = "belowtheline.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'btl.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=0)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        # WAL lets readers carry on while one writer writes; IMMEDIATE takes the write lock
        # at BEGIN, so two posters queue behind the busy timeout instead of failing with
        # "database is locked" when a read transaction tries to upgrade.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        # A file, not :memory:, so that threads and the browser's live server share it.
        config["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
        # Opening SQLite and running the PRAGMAs costs more than most of our reads take:
        # `btl serve` keeps one connection per thread (BTL_DB_CONN_MAX_AGE, as PostgreSQL).
        config["CONN_MAX_AGE"] = int(os.environ.get("BTL_DB_CONN_MAX_AGE", "0"))
        config["CONN_HEALTH_CHECKS"] = True
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config["OPTIONS"] = {**config.get("OPTIONS", {}), **_postgres_connections()}
        if "pool" not in config["OPTIONS"]:
            config["CONN_MAX_AGE"] = int(os.environ.get("BTL_DB_CONN_MAX_AGE", "0"))
            config["CONN_HEALTH_CHECKS"] = True
    return config


def _postgres_connections() -> dict:
    """A psycopg connection pool per process (Django 5.1+), or persistent connections.

    Opening a PostgreSQL connection costs a few milliseconds and a server process, which
    is more than most of our requests take: so a web server keeps them. `btl serve` sets
    BTL_DB_POOL_SIZE to its threads per process, so a process never holds more connections
    than it can use at once and PostgreSQL sees at most workers × threads per machine.
    BTL_DB_POOL_SIZE=0 there means one persistent connection per thread instead
    (BTL_DB_CONN_MAX_AGE seconds, health-checked), which suits an external pooler such as
    PgBouncer in transaction mode, where a second pool is useless. Other processes (the
    test suite, `btl worker`, shells, another WSGI server unless told) open a connection
    per request or task, as Django does by default: a pool they did not size could starve
    their threads.
    """
    size = int(os.environ.get("BTL_DB_POOL_SIZE") or 0)
    if size <= 0:
        return {}
    return {
        "pool": {
            "min_size": 1,
            "max_size": size,
            # A request waiting this long for a connection is refused (an error page)
            # rather than piling up behind a stuck database.
            "timeout": float(os.environ.get("BTL_DB_POOL_TIMEOUT", "10")),
            # Idle connections beyond min_size are closed after a minute.
            "max_idle": 60,
        }
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("BTL_CACHE_PREFIX", "btl"),
            # A Redis that has gone away must cost a request a fraction of a second, not
            # hang it: callers decide what to do without it (see ratelimit.py).
            "OPTIONS": {
                "socket_connect_timeout": float(os.environ.get("BTL_REDIS_TIMEOUT", "0.5")),
                "socket_timeout": float(os.environ.get("BTL_REDIS_TIMEOUT", "0.5")),
                "health_check_interval": 30,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Django's database sessions and its ModelBackend, each reading its row with SQL written
# once: see accounts/sessions.py and accounts/backends.py.
SESSION_ENGINE = "belowtheline.accounts.sessions"
AUTHENTICATION_BACKENDS = ["belowtheline.accounts.backends.AccountBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("BTL_STATIC_ROOT") or VAR_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request otherwise
# Two ways to serve static files, chosen explicitly rather than by whether a manifest
# happens to lie in var/ (a stale one left by an old `make demo` would break pages and
# tests with "missing manifest entry" after a static file is added):
# - BTL_STATIC_MANIFEST=1, which `btl serve` sets for its workers after running
#   collectstatic: hashed names (style.3f2a9c.css), pre-compressed .gz and .br siblings, and
#   WhiteNoise sends hashed names with a year's `Cache-Control: immutable`. Production.
# - otherwise (tests, `btl runserver`, shells): files straight from the apps, no collect step.
BTL_STATIC_MANIFEST = _env_bool("BTL_STATIC_MANIFEST")
BTL_MANIFEST_STORAGE = {"BACKEND": "belowtheline.static_storage.CompressedHashedStorage"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": BTL_MANIFEST_STORAGE
    if BTL_STATIC_MANIFEST
    else {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not BTL_STATIC_MANIFEST
# Only the hashed copies are kept and compressed (the manifest always names them): half the
# brotli work at collect time.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True

# Behind a load balancer or nginx: how many proxies of ours append to X-Forwarded-For (per-
# address limits count the client they saw, see ratelimit.client_address), and whether they
# terminate TLS and say so in X-Forwarded-Proto (then cookies are sent over HTTPS only).
BTL_PROXY_COUNT = int(os.environ.get("BTL_PROXY_COUNT", "0") or 0)
if _env_bool("BTL_BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Plain-HTTP requests that reach us through the proxy are sent to HTTPS (health checks
    # are answered before this), and browsers are told to stay on HTTPS: a year by
    # default, BTL_HSTS_SECONDS=0 to turn it off while trying TLS out.
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("BTL_HSTS_SECONDS", str(365 * 24 * 3600)))
    # The comments host is its own name (comments.example.com): nothing under it is served
    # over plain HTTP.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preloading is asked for a registrable domain (the publisher's own), never a comments
# host: the publisher's decision, so the check asking us to preload is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"  # only the embed is framed, by the site's origins (its own CSP)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# Background work (webhook deliveries) goes through Django's tasks framework, as backported
# by django-tasks, on the database backend: SQLite installs need nothing more, and a queued
# task survives a restart. `btl worker` runs it.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("BTL_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# The publication shown on "/" when an install serves several.
BTL_FRONT_SITE = os.environ.get("BTL_FRONT_SITE", "demo")

# Seconds the WSGI fast path (belowtheline/fastpath.py) may answer a hot thread from memory
# before asking Django again, which re-reads the thread's version. A change shows on every
# other process within 1.5 times this (0.75 s by default). 0 turns the fast path off.
# Webhooks go only to public addresses unless this is on (a receiver on this machine in
# development): see integrations/destinations.py.
BTL_WEBHOOK_ALLOW_PRIVATE = _env_bool("BTL_WEBHOOK_ALLOW_PRIVATE")
BTL_THREAD_FRESHNESS = float(os.environ.get("BTL_THREAD_FRESHNESS", "0.5"))

# Writes per user per window, as "count/seconds". Generous for people, tight for scripts.
BTL_RATE_LIMITS = {
    "comment": os.environ.get("BTL_RATE_COMMENT", "10/60"),
    "report": os.environ.get("BTL_RATE_REPORT", "30/3600"),
    "recommend": os.environ.get("BTL_RATE_RECOMMEND", "120/60"),
    "signup": os.environ.get("BTL_RATE_SIGNUP", "10/3600"),
    "login": os.environ.get("BTL_RATE_LOGIN", "20/300"),
    # Readers' data (accounts/data_rights.py): reset emails per address, downloads and
    # deletion attempts (a password is typed) and verification emails per account.
    "password_reset": os.environ.get("BTL_RATE_PASSWORD_RESET", "5/3600"),
    "data_download": os.environ.get("BTL_RATE_DATA_DOWNLOAD", "5/3600"),
    "account_deletion": os.environ.get("BTL_RATE_ACCOUNT_DELETION", "10/3600"),
    "verification_email": os.environ.get("BTL_RATE_VERIFICATION_EMAIL", "5/3600"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BTL_LOG_LEVEL", "INFO")},
}

CSRF_FAILURE_VIEW = "belowtheline.views.csrf_failure"
