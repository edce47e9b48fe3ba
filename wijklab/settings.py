"""Wijklab settings, read from the environment only.

With no environment at all this is a working local instance: SQLite under
``var/``, an in-memory channel layer, eager Celery and console e-mail.
``DATABASE_URL`` switches to PostgreSQL and ``REDIS_URL`` to the Redis
channel layer and Celery broker.
"""

import os
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false, 1/0, yes/no), got {raw!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
# Local mode is the no-set-up default: the only mode where DEBUG may default on.
LOCAL_MODE = not DATABASE_URL and not REDIS_URL

DATA_DIR = Path(os.environ.get("WIJKLAB_DATA_DIR", BASE_DIR / "var"))

DEBUG = env_bool("DEBUG", LOCAL_MODE)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not LOCAL_MODE:
        raise ImproperlyConfigured("SECRET_KEY must be set when DATABASE_URL or REDIS_URL is configured.")
    SECRET_KEY = "local-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # daphne first: its runserver serves ASGI (websockets) in development.
    "daphne",
    # Before django.contrib.admin so our registration/ templates win.
    "frontend",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "channels",
    "wijklab",
    "assignments",
    "teams",
    # The team chat, a package of teams with its own app config (receivers, tasks).
    "teams.chat",
    "supervision",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After LocaleMiddleware and authentication: the signed-in person's own language.
    "wijklab.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "frontend.middleware.LoginRequiredPagesMiddleware",
    "frontend.middleware.RuleViolationMessageMiddleware",
]

ROOT_URLCONF = "wijklab.urls"
WSGI_APPLICATION = "wijklab.wsgi.application"
ASGI_APPLICATION = "wijklab.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.navigation",
            ],
        },
    },
]

if DATABASE_URL:
    try:
        _db = dj_database_url.parse(DATABASE_URL)
    except Exception as exc:  # dj-database-url raises several types for bad URLs
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
    if _db.get("ENGINE") not in {
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    }:
        raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL (postgres://…) or SQLite.")
    # Persistent connections are off by default: under ASGI every request runs on a thread of
    # its own, and a connection kept for reuse by that thread was never reused nor closed.
    _conn_max_age = env_int("DB_CONN_MAX_AGE", 0)
    _db["CONN_MAX_AGE"] = _conn_max_age
    if _db["ENGINE"] == "django.db.backends.postgresql":
        _db.setdefault("OPTIONS", {})
        _db["CONN_HEALTH_CHECKS"] = True
        # psycopg's connection pool, one per process: a request (or a chat database call)
        # borrows a connection and gives it back when it ends, so a process never holds more
        # than DB_POOL_MAX_SIZE. Size it so processes × DB_POOL_MAX_SIZE stays below the
        # server's max_connections (README "Deployment"). 0 turns the pool off.
        _pool_max = env_int("DB_POOL_MAX_SIZE", 10)
        if _pool_max:
            if _conn_max_age:
                raise ImproperlyConfigured(
                    "DB_CONN_MAX_AGE must be 0 while the connection pool is on (DB_POOL_MAX_SIZE > 0): "
                    "the pool keeps the connections."
                )
            _pool_min = env_int("DB_POOL_MIN_SIZE", 2)
            if _pool_min > _pool_max:
                raise ImproperlyConfigured(
                    f"DB_POOL_MIN_SIZE ({_pool_min}) must not exceed DB_POOL_MAX_SIZE ({_pool_max})."
                )
            _db["OPTIONS"]["pool"] = {
                "min_size": _pool_min,
                "max_size": _pool_max,
                # Seconds a request waits for a free connection before it fails.
                "timeout": env_int("DB_POOL_TIMEOUT", 10, minimum=1),
            }
    DATABASES = {"default": _db}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "wijklab.sqlite3",
            # SQLite serialises writers; a busy timeout turns "database is
            # locked" into a short wait when the chat and a page write at once.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }

# The Redis channel layers the chat is tested and measured with (bench/chat.py); the first is the default.
_CHANNEL_LAYER_BACKENDS = (
    "channels_redis.pubsub.RedisPubSubChannelLayer",
    "channels_redis.core.RedisChannelLayer",
)

if REDIS_URL:
    _parsed = urlparse(REDIS_URL)
    if _parsed.scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(f"REDIS_URL must start with redis://, rediss:// or unix://, got {REDIS_URL!r}.")
    # Redis pub/sub, chosen on the figures in docs/benchmarks.md (the chat catches up
    # from the database either way).
    CHANNEL_LAYER_BACKEND = os.environ.get("CHANNEL_LAYER_BACKEND", "").strip() or _CHANNEL_LAYER_BACKENDS[0]
    if CHANNEL_LAYER_BACKEND not in _CHANNEL_LAYER_BACKENDS:
        raise ImproperlyConfigured(
            f"CHANNEL_LAYER_BACKEND must be one of {', '.join(_CHANNEL_LAYER_BACKENDS)}, got {CHANNEL_LAYER_BACKEND!r}."
        )
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": CHANNEL_LAYER_BACKEND,
            "CONFIG": {
                # redis-py caps its async pool at 100 connections by default and
                # raises at once when full; many simultaneous websocket
                # handshakes need more. driver_info=None skips CLIENT SETINFO,
                # whose version lookup (importlib.metadata, per new connection)
                # made a burst of handshakes grow the pool ever faster (bench/chat.py).
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": env_int("REDIS_MAX_CONNECTIONS", 1000, minimum=1),
                        "driver_info": None,
                    }
                ],
                "capacity": 1500,
                "expiry": 30,
                "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "wijklab"),
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_PREFIX", "wijklab"),
            # One connection pool per process instead of one per chat socket (teams/chat/cache.py).
            "OPTIONS": {
                "pool_class": "teams.chat.cache.SharedConnectionPool",
                # A Redis that does not answer (a host gone, not a refused port) costs a request
                # seconds, not forever: callers then treat it as unreachable (wijklab.errors).
                "socket_connect_timeout": 2,
                "socket_timeout": 2,
            },
        }
    }
    # Sessions are read from the shared cache, written through to the database (which stays
    # the truth): every chat socket's handshake reads the session, and from PostgreSQL that
    # read cost more than the rest of the log-in (docs/benchmarks.md).
    # wijklab.sessions: Django's cached_db, but an unreachable Redis is a cache miss, not an error.
    SESSION_ENGINE = "wijklab.sessions"
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Threads (each with its own database connection) for the chat consumer's
# database work per process; 0 = Django's single thread-sensitive thread.
# Two measured best on 2 cores (docs/benchmarks.md): more threads fight the
# event loop for the GIL.
CHAT_DB_THREADS = env_int("CHAT_DB_THREADS", 2)

# The ASGI process's young-generation GC threshold, after freezing the start-up
# objects (wijklab/gc_tuning.py, measured in docs/benchmarks.md); 0 = Python's defaults.
GC_GEN0_THRESHOLD = env_int("GC_GEN0_THRESHOLD", 50_000)

CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Europe/Amsterdam"
# A job is acknowledged when it is done, not when a worker takes it: a worker killed halfway
# leaves it to the next one. Every task is safe to run twice (a mail goes out once, through a
# sent-record; a formation run is computed once), README "Background work".
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis hands an unacknowledged job to another worker after this. Longer than the longest
    # job (a formation run: at most 300 s of solving) and than the longest countdown (a chat
    # mention's mail waits 15 minutes), or a job would run twice while the first still works.
    "visibility_timeout": 2 * 3600,
    # An unreachable Redis answers a request within seconds (the job is then kept, wijklab.celery).
    "socket_connect_timeout": 3,
}
# Periodic work is scheduled here and nowhere else (README "Background work"). Each job is
# idempotent and can also be run by hand.
from celery.schedules import crontab  # noqa: E402 - kept next to the schedule it builds

# The daily digest of notifications for people who chose it (wijklab/mail.py; also
# `manage.py notifications_digest`). Its module is not a tasks.py, so it is imported by name.
CELERY_IMPORTS = ("wijklab.digest_tasks",)
CELERY_BEAT_SCHEDULE = {
    "notifications-daily-digest": {
        "task": "wijklab.digest_tasks.daily_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    # Supervision: Monday morning reminders to supervisors and a digest to docenten
    # (idempotent per ISO week; also `manage.py supervision_weekly`).
    "supervision-weekly-reminders": {
        "task": "supervision.tasks.weekly_reminders",
        "schedule": crontab(day_of_week="mon", hour=7, minute=30),
    },
    "supervision-weekly-digests": {
        "task": "supervision.tasks.weekly_digests",
        "schedule": crontab(day_of_week="mon", hour=7, minute=45),
    },
    # Jobs kept in the database while the broker was unreachable (wijklab.celery.enqueue).
    "send-pending-tasks": {
        "task": "wijklab.tasks.send_pending_tasks",
        "schedule": 60,
    },
    # Chat: mention e-mails whose own delayed job was lost (each mention is settled once).
    "chat-mention-emails": {
        "task": "teams.chat.tasks.send_due_mention_emails",
        "schedule": 5 * 60,
    },
}

AUTH_USER_MODEL = "wijklab.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "wijklab" / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
# whitenoise warns at every start when STATIC_ROOT is missing; collectstatic fills it in production.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
# Serve from the finders so no collectstatic step is needed locally or in CI.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Wijklab <noreply@wijklab.local>")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# --- Sign-in with an institution: SURFconext (students, docenten) and eduID (everyone else) ---
# OpenID Connect, authorization code flow with PKCE, state and nonce (mozilla-django-oidc; wijklab/oidc.py).
# A provider is on when any of its OIDC_<PROVIDER>_* variables is set, and then every required
# one must be; with none set the provider is off and its buttons and routes are gone.
OIDC_PROVIDER_LABELS = {"surfconext": "SURFconext", "eduid": "eduID"}
_OIDC_REQUIRED = {
    "ISSUER": "ISSUER",
    "AUTHORIZATION_ENDPOINT": "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "TOKEN_ENDPOINT": "OIDC_OP_TOKEN_ENDPOINT",
    "USERINFO_ENDPOINT": "OIDC_OP_USER_ENDPOINT",
    "JWKS_ENDPOINT": "OIDC_OP_JWKS_ENDPOINT",
    "CLIENT_ID": "OIDC_RP_CLIENT_ID",
    "CLIENT_SECRET": "OIDC_RP_CLIENT_SECRET",
}
# Asymmetric algorithms only: the ID token is checked against the provider's published keys (JWKS).
_OIDC_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _oidc_url(name: str, value: str) -> str:
    parsed = urlparse(value)
    # Plain http only on this machine (the test suite's provider, trying it out locally).
    if not parsed.netloc or not (
        parsed.scheme == "https" or (parsed.scheme == "http" and parsed.hostname in _LOOPBACK_HOSTS)
    ):
        raise ImproperlyConfigured(f"{name} must be an https:// URL, got {value!r}.")
    return value


def oidc_provider_from_env(key: str) -> dict[str, str] | None:
    """The settings of one institution provider from OIDC_<KEY>_*, or None when none is set."""
    prefix = f"OIDC_{key.upper()}_"
    names = [*_OIDC_REQUIRED, "SIGN_ALGO", "SCOPES"]
    raw = {name: os.environ.get(prefix + name, "").strip() for name in names}
    if not any(raw.values()):
        return None
    provider = {"key": key, "label": OIDC_PROVIDER_LABELS[key]}
    for name, setting in _OIDC_REQUIRED.items():
        if not raw[name]:
            raise ImproperlyConfigured(
                f"{prefix}{name} must be set: {OIDC_PROVIDER_LABELS[key]} sign-in is half configured "
                f"(set all of {', '.join(prefix + n for n in _OIDC_REQUIRED)}, or none)."
            )
        value = raw[name]
        if name.endswith("ENDPOINT") or name == "ISSUER":
            value = _oidc_url(prefix + name, value)
        provider[setting] = value
    algorithm = raw["SIGN_ALGO"] or "RS256"
    if algorithm not in _OIDC_ALGORITHMS:
        raise ImproperlyConfigured(
            f"{prefix}SIGN_ALGO must be one of {', '.join(_OIDC_ALGORITHMS)}, got {algorithm!r}."
        )
    provider["OIDC_RP_SIGN_ALGO"] = algorithm
    scopes = raw["SCOPES"] or "openid email profile"
    if "openid" not in scopes.split():
        raise ImproperlyConfigured(f"{prefix}SCOPES must contain openid, got {scopes!r}.")
    provider["OIDC_RP_SCOPES"] = scopes
    return provider


OIDC_PROVIDERS = {
    key: provider for key in OIDC_PROVIDER_LABELS if (provider := oidc_provider_from_env(key)) is not None
}
# The library's own settings, the same for both providers (wijklab/oidc.py reads the rest per provider).
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc-callback"
OIDC_CREATE_USER = False  # accounts come from invitations only
OIDC_STORE_ACCESS_TOKEN = False
OIDC_STORE_ID_TOKEN = False
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10, minimum=1)
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    # Answers only inside the institution sign-in's callback (wijklab/oidc.py).
    "wijklab.oidc.InstitutionBackend",
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG and not LOCAL_MODE and env_bool("HTTPS", False))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "wijklab.api_support.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "wijklab.api_support.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Wijklab API",
    "DESCRIPTION": "Mixed-level student teams on neighbourhood assignments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" field; give each choice set its own schema name.
    "ENUM_NAME_OVERRIDES": {
        "AssignmentStatusEnum": "assignments.models.AssignmentStatus",
        "TeamStatusEnum": "teams.models.TeamStatus",
        "TaskStatusEnum": "teams.models.TaskStatus",
        "FormationRunStatusEnum": "teams.models.FormationRun.Status",
        "FormationRunKindEnum": "teams.models.FormationRun.Kind",
        "DuoRoleEnum": "teams.models.DuoRole",
        "RoleEnum": "wijklab.models.Role",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Password shared by every demo account (documented in the README).
DEMO_PASSWORD = "wijklab-demo"  # noqa: S105 - public demo accounts only
