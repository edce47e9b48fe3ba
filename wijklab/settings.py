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
    # The second factor at sign-in: time-based codes from an authenticator app (README "Security settings").
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "channels",
    "csp",
    # Counts failed sign-ins and locks out (README "Sign-in security").
    "axes",
    "wijklab",
    "assignments",
    "teams",
    # The team chat, a package of teams with its own app config (receivers, tasks).
    "teams.chat",
    "supervision",
]

MIDDLEWARE = [
    # First: the health checks answer a load balancer that asks by the process's own address.
    "wijklab.middleware.HealthChecksAnyHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise: static files need no policy and keep their own long Cache-Control.
    "csp.middleware.CSPMiddleware",
    # Cache-Control: no-store on everything a signed-in person gets (pages, exports, the API).
    "wijklab.middleware.NoStoreWhenSignedInMiddleware",
    # Before SessionMiddleware: it tells the chat's sockets about a request's changes once the session is saved.
    "teams.chat.middleware.SocketSessionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed the second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # After authentication: the client address for audit entries, and refused accesses (403/404) logged.
    "wijklab.middleware.AuditMiddleware",
    # After LocaleMiddleware and authentication: the signed-in person's own language.
    "wijklab.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages (it says why) and before the login check (which then sends to the log-in page).
    "wijklab.middleware.SessionTimeoutMiddleware",
    # After the timeout and before the login check: a person who must use a second factor and whose
    # session has not passed one gets its set-up page and nothing else (SECOND_FACTOR_REQUIRED).
    "wijklab.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "frontend.middleware.LoginRequiredPagesMiddleware",
    "frontend.middleware.RuleViolationMessageMiddleware",
    # Last: turns a sign-in axes refused into the Dutch lockout page (AXES_LOCKOUT_CALLABLE).
    "axes.middleware.AxesMiddleware",
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
        # libpq waits forever for a server that does not answer (a host that is down drops the
        # packets); a request, or the pool's few connecting threads, would hang with it.
        _db["OPTIONS"].setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5, minimum=1))
        # PostgreSQL compiles a query to machine code when its estimated cost is high: the overview
        # grid's query (a few hundred rows, estimated at thousands) spent 97 ms compiling to run in
        # 30 (docs/benchmarks.md). Pages here run many short queries, which JIT never pays back.
        # A DATABASE_URL with ?options=… of its own keeps those (a pooler that refuses startup
        # options: DB_JIT=true sends none, README).
        if not env_bool("DB_JIT", False):
            _db["OPTIONS"].setdefault("options", "-c jit=off")
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
                # While the server is down the pool retries each connection with a doubling delay
                # until it gives up after this many seconds; the next request then starts afresh.
                # psycopg_pool's 5 minutes let the delay grow to minutes, so a database that came
                # back after a long outage went unused for as long again (tests/faults).
                "reconnect_timeout": env_int("DB_POOL_RECONNECT_TIMEOUT", 10, minimum=1),
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
                #
                # socket_timeout: redis-py 8 reads every reply within 5 s by default, and the core
                # layer's receive blocks in BZPOPMIN for exactly 5 s (brpop_timeout): an idle
                # socket's empty reply raced the read timeout and the socket was closed with 1013
                # (tests/faults/test_redis_restart_mid_chat.py). Longer than that wait, still bounded;
                # a connection attempt to a Redis that does not answer gives up sooner.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": env_int("REDIS_MAX_CONNECTIONS", 1000, minimum=1),
                        "driver_info": None,
                        "socket_timeout": 10,
                        "socket_connect_timeout": 3,
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

# Seconds after which an open chat socket checks again whether its person may still read the
# chat, for changes no signal announces (known losses close a socket at once); 0 = never.
CHAT_ACCESS_RECHECK_SECONDS = env_int("CHAT_ACCESS_RECHECK_SECONDS", 120)

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
    # It is also how long the jobs of a worker killed outright (kill -9, out of memory, a lost
    # host) wait before another worker runs them (README "Background work").
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 2 * 3600, minimum=1),
    # Before every key of the broker (queues, the unacknowledged set), for two instances sharing one Redis.
    "global_keyprefix": os.environ.get("CELERY_BROKER_PREFIX", ""),
    # An unreachable Redis answers a request within seconds (the job is then kept, wijklab.celery).
    "socket_connect_timeout": 3,
}
# Periodic work is scheduled here and nowhere else (README "Background work"). Each job is
# idempotent and can also be run by hand.
from celery.schedules import crontab  # noqa: E402 - kept next to the schedule it builds

# The daily digest of notifications for people who chose it (wijklab/mail.py; also
# `manage.py notifications_digest`). Its module is not a tasks.py, so it is imported by name.
CELERY_IMPORTS = ("wijklab.digest_tasks",)
# AVG: days after archiving a cohort that its students' personal data is erased (docs/privacy.md).
ARCHIVED_COHORT_RETENTION_DAYS = env_int("ARCHIVED_COHORT_RETENTION_DAYS", 365, minimum=1)

CELERY_BEAT_SCHEDULE = {
    # Preferences close the night after the cohort's last day to choose (idempotent).
    "preferences-close-due": {
        "task": "assignments.tasks.close_due_preferences",
        "schedule": crontab(hour=0, minute=5),
    },
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
    # The audit log keeps entries AUDIT_RETENTION_DAYS; this is the only path that deletes any.
    "audit-log-retention": {
        "task": "wijklab.tasks.prune_audit_log",
        "schedule": crontab(hour=3, minute=0),
    },
    # AVG: personal data of cohorts archived longer than ARCHIVED_COHORT_RETENTION_DAYS (idempotent).
    "erase-expired-cohorts": {
        "task": "supervision.tasks.erase_expired_cohorts",
        "schedule": crontab(hour=3, minute=15),
    },
    # Chat: mention e-mails whose own delayed job was lost (each mention is settled once).
    "chat-mention-emails": {
        "task": "teams.chat.tasks.send_due_mention_emails",
        "schedule": 5 * 60,
    },
    # Notification mails whose own delayed job was lost (each notification is mailed once).
    "notification-mails": {
        "task": "wijklab.digest_tasks.send_due_notification_mails",
        "schedule": 5 * 60,
    },
}
# Seconds a person's notification mail waits for more (wijklab.mail.notification_mail_schedule):
# everything that happens for them meanwhile (a formation published, a busy afternoon of team
# changes) goes out in that one mail. Eager Celery (local mode) sends at once.
NOTIFICATION_MAIL_DELAY = env_int("NOTIFICATION_MAIL_DELAY", 180)

# How long the audit log keeps an entry (sign-ins, refusals, reads of feedback, …; docs/audit.md).
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 730, minimum=1)

AUTH_USER_MODEL = "wijklab.User"
# Argon2 (argon2-cffi), Django's recommended hasher, stores every new password. The others stay so
# that older hashes still verify: Django rewrites such a hash as Argon2 at the user's next sign-in.
# Sign-in cost of both: docs/benchmarks.md, "Sign-in" (bench/signin.py).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
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
# Where django.core.mail.backends.filebased.EmailBackend writes each mail (trying mail out, tests).
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", DATA_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Wijklab <noreply@wijklab.local>")


def local_site_url(host: str, port: str) -> str:
    """The address ``make run`` serves on (HOST, PORT), as the links in mails need it when SITE_URL is unset."""
    host = host.strip() or "127.0.0.1"
    if host in {"0.0.0.0", "::", "[::]"}:  # noqa: S104 - listening on every interface: this machine's own address
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port.strip() or '8000'}"


# The site's public address, which every link in a mail (and the institution sign-in's redirect URI)
# starts with; never taken from a request's Host header. Production sets it (https://…); unset, it is
# the address `make run` serves on, from HOST and PORT (default http://127.0.0.1:8000).
SITE_URL = os.environ.get("SITE_URL", "").strip() or local_site_url(
    os.environ.get("HOST", ""), os.environ.get("PORT", "")
)

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
    # First: refuses every sign-in of a locked-out username or address before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Answers only inside the institution sign-in's callback (wijklab/oidc.py).
    "wijklab.oidc.InstitutionBackend",
]

# --- HTTPS, cookies, headers and sessions (README "Security settings") ---
# Outside the local mode (DEBUG off) every protection is on unless the operator turns it off
# explicitly with its variable; `manage.py check --deploy --fail-level WARNING` passes with only
# DEBUG, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL set (tests/wijklab/test_security_settings.py).
# Servers the tests start on plain http on 127.0.0.1 set what they need (tests/servers.py).
_SECURE_BY_DEFAULT = not DEBUG


def proxy_ssl_header(raw: str) -> tuple[str, str] | None:
    """``SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https"`` as Django's ``("HTTP_X_FORWARDED_PROTO", "https")``."""
    if not raw.strip():
        return None
    name, sep, value = raw.partition(":")
    name, value = name.strip(), value.strip()
    if not sep or not name or not value or not all(c.isalnum() or c == "-" for c in name):
        raise ImproperlyConfigured(
            f'SECURE_PROXY_SSL_HEADER must look like "X-Forwarded-Proto: https" (header: value), got {raw!r}.'
        )
    return "HTTP_" + name.upper().replace("-", "_"), value


SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _SECURE_BY_DEFAULT)
# The proxy or load balancer checks health over plain http from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$"]
# Only set when the proxy in front overwrites this header on every request: a client could
# otherwise claim https itself. (uvicorn already takes X-Forwarded-Proto from FORWARDED_ALLOW_IPS.)
SECURE_PROXY_SSL_HEADER = proxy_ssl_header(os.environ.get("SECURE_PROXY_SSL_HEADER", ""))
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if _SECURE_BY_DEFAULT else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading commits the whole registered domain to https in every browser for months; that is
# the domain owner's decision, so it is opt-in, and Django's reminder of it (W021) is silenced.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# --- Brute-force protection (django-axes; README "Sign-in security") ---
# A username, and an address, is locked out after LOGIN_FAILURE_LIMIT failed sign-ins for
# LOGIN_LOCKOUT_MINUTES: a username guessed from many addresses and an address trying many
# usernames are both stopped; the lock ends by itself, so nobody can lock an account for good.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A successful sign-in does not wipe the count: with the address a lockout parameter, an
# attacker with an account of their own could otherwise reset it between guesses.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "wijklab.client_address.lockout_response"
# The client address: REMOTE_ADDR, unless the operator says how many proxies in front of the
# app append to X-Forwarded-For (wijklab/client_address.py). Unset, that header is ignored.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "wijklab.client_address.client_address"
# Successful sign-ins are not logged by axes (only the failures it counts).
AXES_DISABLE_ACCESS_LOG = True
# The password-reset form (axes does not see it: it signs nobody in): at most this many reset mails
# per account per hour, and this many requests per client address per hour (a school's network shares
# one address); beyond that the form answers the same as always and sends nothing
# (wijklab.services.password_reset_admit).
PASSWORD_RESET_MAILS_PER_ACCOUNT = env_int("PASSWORD_RESET_MAILS_PER_ACCOUNT", 3, minimum=1)
PASSWORD_RESET_REQUESTS_PER_ADDRESS = env_int("PASSWORD_RESET_REQUESTS_PER_ADDRESS", 30, minimum=1)
# Personal API tokens one person may have at a time (wijklab.services.api_token_create).
API_TOKENS_PER_USER = env_int("API_TOKENS_PER_USER", 10, minimum=1)

# --- The second factor (django-otp, TOTP; README "Security settings", docs/second-factor.md) ---
# Anyone who signs in with a password may turn it on. With this on (the default outside the local
# mode) coordinators, staff and superusers must: signing in with a password only brings them to its
# set-up page, and the admin asks for it too. Signing in with an institution (OIDC) is exempt: the
# institution's provider asks for its own second factor.
SECOND_FACTOR_REQUIRED = env_bool("SECOND_FACTOR_REQUIRED", _SECURE_BY_DEFAULT)
# The name an authenticator app shows beside the code.
OTP_TOTP_ISSUER = "Wijklab"
# Seconds a correct password waits for its code before the sign-in starts over.
SECOND_FACTOR_PENDING_SECONDS = 5 * 60

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _SECURE_BY_DEFAULT)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", SESSION_COOKIE_SECURE)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request (each request renews it,
# wijklab.middleware.SessionTimeoutMiddleware) and at the latest SESSION_ABSOLUTE_TIMEOUT seconds
# after signing in. The local mode keeps Django's two weeks for the demo.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60 if _SECURE_BY_DEFAULT else 14 * 24 * 3600, minimum=60)
SESSION_ABSOLUTE_TIMEOUT = env_int(
    "SESSION_ABSOLUTE_TIMEOUT", 12 * 3600 if _SECURE_BY_DEFAULT else 14 * 24 * 3600, minimum=60
)
if SESSION_ABSOLUTE_TIMEOUT < SESSION_IDLE_TIMEOUT:
    raise ImproperlyConfigured(
        f"SESSION_ABSOLUTE_TIMEOUT ({SESSION_ABSOLUTE_TIMEOUT}) must not be shorter than "
        f"SESSION_IDLE_TIMEOUT ({SESSION_IDLE_TIMEOUT})."
    )
# The stored session expires after the idle time; the middleware and the chat socket extend it. The
# cookie has no expiry date of its own: it lasts as long as the browser, and the server decides
# when the session ends (wijklab.account_services).
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Content-Security-Policy (django-csp): only this site's own files. No inline script, handler
# or style attribute anywhere, no eval (htmx is configured without it in base.html). The API
# documentation pages relax style-src for themselves only (wijklab/urls.py).
from csp.constants import NONE, SELF  # noqa: E402 - kept next to the policy it builds

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        # 'self' also covers this host's ws:// and wss:// (the chat).
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

REST_FRAMEWORK = {
    # Personal API tokens first (``Authorization: Bearer <token>``, or the older ``Token <token>``;
    # stored hashed, wijklab/api_auth.py): its challenge makes a missing or refused token a 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "wijklab.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's defaults, with JSON read and written by our own classes: a lone surrogate or a deeply
    # nested body is a 400, never a 500 (wijklab/api_support.py).
    "DEFAULT_PARSER_CLASSES": [
        "wijklab.api_support.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "wijklab.api_support.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
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
    # The 400/401/403/404/409/415/429 answers with one shared error shape (wijklab/api_support.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "wijklab.api_support.document_errors",
    ],
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
