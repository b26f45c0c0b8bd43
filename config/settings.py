"""MOps Desk settings: one file, every deployment difference comes from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# The built-in key is for development only: `check --deploy` refuses it (config/checks.py).
DEV_SECRET_KEY = "dev-insecure-mops-desk-key-change-me-in-production-0123456789"
SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_filters",
    "django_q",
    "audit",
    "governance",
    "sla",
    "campaigns",
    "tasks",
    "knowledge",
    "worklists",
    "kpis",
    "integrations",
    "config",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out login into a 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "django.template.context_processors.i18n",
                "config.context_processors.nav",
                "integrations.context_processors.notifications",
            ],
        },
    },
]

# SQLite by default (WAL, IMMEDIATE transactions so concurrent writers queue instead of
# failing with "database is locked"); PostgreSQL when DATABASE_URL says so.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Login throttling (django-axes): 5 failures for a username from one address lock it for 15 min.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# Content Security Policy (django-csp): everything from our own origin; no inline scripts.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],  # the admin and our templates use style attributes
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Production hardening: on whenever DEBUG is off (checked by `manage.py check --deploy`).
if not DEBUG:
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    X_FRAME_OPTIONS = "DENY"
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "ja")
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Tokyo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "media/"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "mops-desk@example.com")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # JSON with a depth limit and no NUL characters (campaigns/params.py); forms and uploads as usual.
    "DEFAULT_PARSER_CLASSES": [
        "campaigns.params.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    # /api/token/: "login" per client address, "login_username" per username (config/auth_views.py).
    # Throttle counters live in the default cache: use a shared cache (REDIS_URL) when several
    # processes serve the API, or each process counts on its own.
    "DEFAULT_THROTTLE_RATES": {
        "login": os.environ.get("MOPS_TOKEN_RATE_PER_ADDRESS", "20/min"),
        "login_username": os.environ.get("MOPS_TOKEN_RATE_PER_USERNAME", "10/min"),
    },
    # Proxies in front of the app whose X-Forwarded-For we trust (0: use the peer address).
    "NUM_PROXIES": int(os.environ.get("MOPS_NUM_PROXIES", "0")),
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    # Swagger UI served from our own static files (no CDN: works offline and under CSP).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Requests and tasks both have a "state"/"from_state": give each choice set its own name.
    "ENUM_NAME_OVERRIDES": {
        "RequestStateEnum": "campaigns.models.State.choices",
        "TaskStateEnum": "tasks.models.TaskState.choices",
    },
    "TITLE": "MOps Desk API",
    "DESCRIPTION": "Campaign requests, approvals, tickets and SLAs for marketing operations.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# django-q2: ORM broker on one machine, Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
Q_CLUSTER: dict = {
    "name": "mopsdesk",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 3,
    "catch_up": False,
    "sync": env_bool("Q_SYNC", False),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
    # Shared by every process, so API throttles count across workers.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    Q_CLUSTER["orm"] = "default"

# Tasks are generated automatically on approval unless MOps prefers to press "generate".
MOPS_AUTO_GENERATE_TASKS = env_bool("MOPS_AUTO_GENERATE_TASKS", True)
MOPS_CURRENCY = os.environ.get("MOPS_CURRENCY", "JPY")

# integrations: outgoing webhooks, e-mail notifications, marketing calendar feed.
# Absolute links in mails, webhook payloads and the iCalendar feed.
MOPS_BASE_URL = os.environ.get("MOPS_BASE_URL", "http://127.0.0.1:8000")
# Webhooks may not target this server, localhost or private/link-local networks unless this is on.
MOPS_WEBHOOKS_ALLOW_LOCAL = env_bool("MOPS_WEBHOOKS_ALLOW_LOCAL", False)
MOPS_WEBHOOKS_TIMEOUT = float(os.environ.get("MOPS_WEBHOOKS_TIMEOUT", "5"))
MOPS_WEBHOOKS_MAX_ATTEMPTS = int(os.environ.get("MOPS_WEBHOOKS_MAX_ATTEMPTS", "6"))
# Local hour (in each user's time zone) after which the daily digest goes out.
MOPS_DIGEST_HOUR = int(os.environ.get("MOPS_DIGEST_HOUR", "8"))
# Unique OpenAPI enum names for the integrations API (generic names like "StatusEnum" collide).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "WebhookDeliveryStatusEnum": "integrations.models.DeliveryStatus",
        "WebhookFormatEnum": "integrations.models.PayloadFormat",
        "WebhookLanguageEnum": "integrations.models.Language",
        "WebhookEventEnum": "integrations.events.Event",
    }
)

# --- Production runtime (issue 16): static files, health, structured logs ------------------
# whitenoise serves collected static files from gunicorn (right after SecurityMiddleware).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "config.middleware.RequestLogMiddleware"
)
if not DEBUG:
    # runserver serves static files in development; gunicorn relies on whitenoise.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed names in production (forever-cacheable); plain files in development and tests.
    # STATIC_COMPRESS=0 skips the gzip/brotli copies (minutes of CPU on a small machine: load tests).
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_COMPRESS", True)
        else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}
# Load balancers probe /health/ over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
# A worker is reported dead when its last heartbeat (config.jobs.heartbeat, every minute) is older.
MOPS_HEALTH_WORKER_MAX_AGE = int(os.environ.get("MOPS_HEALTH_WORKER_MAX_AGE", "180"))
# Reviews stuck in "running" longer than this were orphaned by a dead worker: reclaimed.
MOPS_REVIEW_STALE_AFTER = int(os.environ.get("MOPS_REVIEW_STALE_AFTER", str(Q_CLUSTER["timeout"] + 300)))
# The running quarter's KPI report is cached this long (seconds); closed quarters are stored (kpis/store.py).
MOPS_KPI_RUNNING_TTL = int(os.environ.get("MOPS_KPI_RUNNING_TTL", "300"))
MOPS_REVIEW_MAX_ATTEMPTS = int(os.environ.get("MOPS_REVIEW_MAX_ATTEMPTS", "3"))

# Logs: one JSON object per line in production (LOG_FORMAT=json, the default when DEBUG is off),
# readable text in development. 4xx answers are logged by RequestLogMiddleware as one line, no traceback.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
# Development stays as quiet as before (runserver prints its own request lines).
LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING" if DEBUG else "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Our access line replaces Django's per-4xx warnings; 5xx still log with their traceback.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "django-q": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}
# Q_QUEUE: a queue of its own on a shared Redis (e.g. one per test process or per staging copy).
if os.environ.get("Q_QUEUE"):
    Q_CLUSTER["cluster_name"] = os.environ["Q_QUEUE"]
# A file-based mail backend (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend) needs a folder.
if os.environ.get("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
# Where collectstatic writes and uploads live (a volume in production, a scratch folder in the load test).
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", str(STATIC_ROOT)))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(MEDIA_ROOT)))
