"""One settings module, read from environment variables with development-safe defaults.

SQLite under ./var/ by default; PostgreSQL (or any database) when DATABASE_URL is set.
Every variable is listed in .env.example.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    """NAME as a yes/no; unset or empty (as in .env.example): the default."""
    raw = os.environ.get(name, "").strip().lower()
    return raw in {"1", "true", "yes", "on"} if raw else default


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, "").strip() or default)


def env_secret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file named by NAME_FILE."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


DATA_DIR = Path(os.environ.get("PARINDEX_DATA_DIR", "var")).resolve()
DEBUG = env_bool("DEBUG", False)
# The development key is published in the repository: it signs nothing in production. Without
# SECRET_KEY (or SECRET_KEY_FILE) the application refuses to start unless DEBUG is on (or the
# test suite runs: pytest sets PYTEST_VERSION; or mypy's django plugin reads the settings).
DEV_SECRET_KEY = "dev-only-insecure-key-set-SECRET_KEY-in-production"  # noqa: S105 - published
SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or os.environ.get("PYTEST_VERSION") or "mypy" in sys.modules):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. In production set SECRET_KEY (or SECRET_KEY_FILE) to a long "
            "random value (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(50))'`); "
            "for development set DEBUG=true to use the built-in development key."
        )
    SECRET_KEY = DEV_SECRET_KEY
elif SECRET_KEY == DEV_SECRET_KEY and not DEBUG:
    # copied from the repository into production: as good as none
    raise ImproperlyConfigured(
        "SECRET_KEY is the development key published in the repository: set a long random "
        "value of your own in production."
    )
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin.apps.SimpleAdminConfig",  # read-only, superuser only: web/admin_site.py
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "parindex.accounts",
    "parindex.assessment",
    "parindex.audit",
    "parindex.surveys",
    "parindex.results",
    "parindex.api",
    "parindex.web",
    "parindex.setup",
    "parindex.plans",
    "parindex.targets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "parindex.web.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "parindex.web.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "parindex.urls"
WSGI_APPLICATION = "parindex.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "parindex.web.context.nav",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        # DATABASE_URL unset or empty (.env.example): SQLite under the data directory
        os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{DATA_DIR / 'parindex.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        # a connection closed by the server (restart, idle timeout) is replaced, not a 500
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Authentication: Argon2, lockout after repeated failures (django-axes), session expiry.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"

# E-mail: one-time links to set a password (new accounts, "Quên mật khẩu?"), notifications
# and reminders. The console backend prints the mails (an empty variable means unset); set
# EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST, EMAIL_PORT,
# EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or "django.core.mail.backends.console.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = int(os.environ.get("EMAIL_PORT") or 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or "parindex <no-reply@localhost>"
# The address links in e-mails sent outside a request (command line) start with.
SITE_URL = (os.environ.get("SITE_URL") or "http://127.0.0.1:8000").rstrip("/")
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_DAYS", 7) * 86400
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# HTTPS=true: the site is served over TLS only (directly or behind a reverse proxy).
HTTPS = env_bool("HTTPS", False)
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG and HTTPS)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31_536_000)  # one year
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
    # The header's "preload" only allows the domain into the browsers' preload list (the
    # operator submits it there); HSTS_PRELOAD=false leaves it out, a choice: not warned.
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
# TRUST_PROXY=true only behind a reverse proxy that sets X-Forwarded-Proto itself (and strips
# the client's): Django then takes the request as HTTPS when the proxy says so.
if env_bool("TRUST_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content security policy (django-csp 4): only our own origin; scripts need a nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Internationalisation: Vietnamese first, English second.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Ho_Chi_Minh")
FORMAT_MODULE_PATH = ["parindex.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
# Uploaded files (evidence, plan attachments, survey imports): on the local disk under
# MEDIA_ROOT by default; in an S3-compatible object storage (AWS S3, MinIO, Ceph, a cloud
# provider's) when STORAGE_S3_BUCKET is set. Either way they are read back only through the
# application's permission-checked views: no file is ever given a public address.
STORAGE_S3_BUCKET = os.environ.get("STORAGE_S3_BUCKET", "").strip()
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "parindex.common.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if STORAGE_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": STORAGE_S3_BUCKET,
            # unset: AWS itself; MinIO and the others: their address, e.g. https://s3.example.vn
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL", "").strip() or None,
            "region_name": os.environ.get("S3_REGION", "").strip() or None,
            # unset: boto3's own chain (an instance role, ~/.aws, AWS_* variables)
            "access_key": env_secret("S3_ACCESS_KEY_ID") or None,
            "secret_key": env_secret("S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("S3_PREFIX", "").strip().strip("/"),
            # "path" for most self-hosted servers (MinIO); "virtual" or unset for AWS
            "addressing_style": os.environ.get("S3_ADDRESSING_STYLE", "").strip() or None,
            "signature_version": "s3v4",
            # a name already taken gets another, as on disk (never overwritten)
            "file_overwrite": False,
            # no ACL sent: the bucket's own (private, public access blocked) applies
            "default_acl": None,
            # any address the storage makes is signed and short-lived (the views do not use
            # them: files are streamed through the application)
            "querystring_auth": True,
            "querystring_expire": 300,
        },
    }
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_MB", 20) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Cache: computed rankings shared between worker processes (parindex.results.selectors).
# CACHE_URL=redis://127.0.0.1:6379/0 (Redis), "db" (a table in the database, created by
# `migrate`), or empty / "locmem" for a memory cache in each process (development, or a
# single worker process).
CACHE_URL = os.environ.get("CACHE_URL", "").strip()
# Several sites (or test runs) sharing one Redis keep apart by their key prefix.
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "").strip() or "parindex"
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
elif CACHE_URL == "db":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "parindex_cache",
        }
    }
elif CACHE_URL in ("", "locmem"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ValueError(f"CACHE_URL: redis://…, db or locmem, not {CACHE_URL!r}")

# Long work runs as tasks: immediately in development and tests, through the database
# backend with `manage.py db_worker` in production (TASKS_BACKEND=database).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.backend.DatabaseBackend"
        if os.environ.get("TASKS_BACKEND") == "database"
        else "django_tasks.backends.immediate.ImmediateBackend"
    }
}
# A running survey import whose worker wrote nothing for this long (seconds) is taken as
# interrupted (the worker was killed) and marked failed, to be started again. It must exceed
# the longest write phase of one import (rows + survey points in one transaction: about a
# minute for a million rows), during which no progress can be seen from outside.
SURVEY_JOB_STALE_AFTER = env_int("SURVEY_JOB_STALE_AFTER", 900)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
