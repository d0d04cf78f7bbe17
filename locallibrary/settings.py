"""Settings for LocalLibrary in production and development, read from the environment.

Every variable is read once, here, with its development default beside it (README.md lists
them all). A `.env` file at the project root fills in what the real environment leaves unset.
Test runs change nothing here: their differences live on the test side (conftest.py,
locallibrary/test_runner.py, the `env` section of pyproject.toml).
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A value written `\$...` is a literal dollar sign, not a reference to another variable.
env.escape_proxy = True
# The real environment wins over `.env` (which `make run` writes for development).
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


# Security
DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY and os.environ.get("DJANGO_SECRET_KEY", "").startswith("$"):
    # Set, but to a reference to a variable that is not (the value itself is not printed).
    sys.exit(
        "DJANGO_SECRET_KEY starts with $, so it names another variable, which is not set "
        "(write \\$ for a literal dollar sign)."
    )
if not SECRET_KEY:
    if not DEBUG:
        sys.exit(
            "DJANGO_SECRET_KEY is not set: it is required when DJANGO_DEBUG is off "
            "(set it in the environment or in .env)."
        )
    SECRET_KEY = "django-insecure-development-only-key"


def comma_separated(name, default):
    """A list setting, forgiving the spaces people put after commas ("a.com, b.com")."""
    return [item.strip() for item in env.list(name, default=default) if item.strip()]


ALLOWED_HOSTS = comma_separated("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = comma_separated("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# The PaaS router terminates TLS and marks forwarded requests with X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = not DEBUG
# The PaaS health probe speaks plain HTTP to the app.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 0 if DEBUG else 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_SECURE = not DEBUG
CSRF_FAILURE_VIEW = "catalog.accounts.csrf_failure"

# How many proxies stand in front of the site and append the client's address to
# X-Forwarded-For (the PaaS router: 1). 0 means none: the socket's address is the client's.
# Set too high, any visitor could pick the address the lockout counts: see README.md.
trusted_proxies = env.str("DJANGO_TRUSTED_PROXIES", default="").strip() or "0"
if not trusted_proxies.isdigit():
    sys.exit(
        f"DJANGO_TRUSTED_PROXIES={trusted_proxies!r} is not a whole number "
        "(the number of proxies in front of the site, 0 for none)."
    )
TRUSTED_PROXIES = int(trusted_proxies)

# Every response carries an enforcing Content-Security-Policy (django-csp): scripts, styles,
# fonts and images only from the site itself (no inline script or style attribute), and no
# framing. Images may also be data: URLs (the admin's and the site's CSS use a few).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Browser features the site never uses, switched off for it and anything it might embed.
PERMISSIONS_POLICY = {
    "camera": [],
    "geolocation": [],
    "microphone": [],
    "payment": [],
    "usb": [],
}


# Application definition
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "catalog.apps.CatalogConfig",
]

MIDDLEWARE = [
    # First, so a database connection error raised in any middleware below answers 503 too.
    "locallibrary.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Security of the accounts: the CSP, Permissions-Policy and private-page headers on every
    # response, and 405 for a method no page handles, before any session or CSRF work.
    "catalog.security.CSPMiddleware",
    "catalog.security.SecurityHeadersMiddleware",
    "catalog.security.PageMethodsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a refused login into the site's lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "locallibrary.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "catalog.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "locallibrary.wsgi.application"
# `manage.py test` (the tutorial's way to run tests) with the test side's few differences.
TEST_RUNNER = "locallibrary.test_runner.TestRunner"


# Database
# SQLite in the project by default; DATABASE_URL (postgres://...) for a real server.
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Connections stay open between requests, checked before reuse.
DATABASES["default"].update({"CONN_MAX_AGE": 600, "CONN_HEALTH_CHECKS": True})
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tuned for a web server whichever file it is: several workers writing sessions at
    # once wait their turn instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": ("PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A server that stops answering (a dropped host, not a refused port) fails the
    # connection in seconds, so pages answer 503, not hang past gunicorn's worker timeout.
    # DATABASE_URL's own ?connect_timeout= wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Cache and sessions
REDIS_URL = env.str("REDIS_URL", default="")
# django-redis rather than Django's own RedisCache: its IGNORE_EXCEPTIONS turns a connection
# error in any cache call (sessions, and every later use of the cache) into a miss, so a dead
# Redis degrades the site instead of failing it, without a hand-written try/except around each
# call; its socket timeouts keep a dead or paused Redis from holding up a page for more than a
# fraction of a second per call. Its log of ignored errors goes through a filter that lets one
# line a minute through (LOGGING below).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.25,
                "SOCKET_TIMEOUT": 0.25,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "locallibrary.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The templates' {% cache %} fragments (page furniture, and the catalog's lists and details
# under its version) live in each server process's memory, whatever REDIS_URL says: a
# fragment is read on every page, faster from memory than over the network, and a Redis
# outage then never slows a page by a socket timeout per fragment. Each process draws a
# fragment once per version of the catalog; the oldest go first when the cache is full.
CACHES["template_fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "template-fragments",
    "OPTIONS": {"MAX_ENTRIES": 5000},
}

SESSION_ENGINES = {
    "db": "django.contrib.sessions.backends.db",
    # Django's cached_db, made safe for Redis outages (locallibrary/session_backends/cached_db.py).
    "cached_db": "locallibrary.session_backends.cached_db",
}
session_engine_name = env.str("DJANGO_SESSION_ENGINE", default="").strip() or "db"
if session_engine_name not in SESSION_ENGINES:
    sys.exit(
        f"DJANGO_SESSION_ENGINE={session_engine_name!r} is not one of: "
        + ", ".join(SESSION_ENGINES)
    )
if session_engine_name == "cached_db" and not REDIS_URL:
    # A per-process cache would let each app server see stale sessions.
    sys.exit("DJANGO_SESSION_ENGINE=cached_db needs REDIS_URL (a cache shared by all servers).")
SESSION_ENGINE = SESSION_ENGINES[session_engine_name]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG


# Login lockout (django-axes): 5 failed logins in a row for one user name from one client
# address refuse that pair for 15 minutes, on the site's login and the admin's. Counted in
# the database, which every server shares; librarians see and lift lockouts in the admin
# ("Access attempts"), and `manage.py axes_reset_username <name>` lifts one from a shell.
AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out pair before the password is checked; steps aside for Django's test
    # client login(), which gives no request.
    "catalog.accounts.LockoutBackend",
    # Django's ModelBackend, with a user's permissions loaded in one query.
    "catalog.accounts.PermissionsBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Tries during the lockout neither count nor extend it: it ends 15 minutes after the 5th.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "catalog.accounts.client_ip_address"
AXES_USERNAME_CALLABLE = "catalog.accounts.lockout_username"
AXES_LOCKOUT_CALLABLE = "catalog.accounts.lockout_response"
# Successful logins are not logged for ever: only the failures a lockout needs are kept.
AXES_DISABLE_ACCESS_LOG = True


# Password validation
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_REDIRECT_URL = "/"
# No LOGOUT_REDIRECT_URL: logging out shows registration/logged_out.html (tutorial part 8).


# Internationalization
LANGUAGE_CODE = "en-us"
# "Today" (renewals, due dates, overdue) is the library's local date in this zone.
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True


# Static files (CSS, images), served by whitenoise with hashed, compressed names.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


# E-mail: SMTP when a host is configured, the console otherwise.
EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default="")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env.str("DJANGO_EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("DJANGO_EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Seconds a slow mail server may hold up the request that sends the mail.
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str(
    "DJANGO_DEFAULT_FROM_EMAIL", default="LocalLibrary <library@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL


# Logging: everything to the console, where gunicorn and the PaaS collect it.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # An outage of Redis or of the database: one warning a minute per process, not one per
    # request (locallibrary/log_filters.py).
    "filters": {
        "cache_unavailable": {"()": "locallibrary.log_filters.CacheUnavailable"},
        "once_a_minute": {"()": "locallibrary.log_filters.OncePerInterval"},
    },
    "loggers": {
        "locallibrary.cache": {"filters": ["cache_unavailable"]},
        "locallibrary.database": {"filters": ["once_a_minute"]},
    },
}
