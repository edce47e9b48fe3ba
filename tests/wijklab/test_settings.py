"""Settings come from the environment; bad values stop start-up with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "CHANNEL_LAYER_BACKEND"}
    }
    clean.update(env)
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='wijklab.settings'; "
        "from django.conf import settings; "
        "print(settings.DEBUG, settings.DATABASES['default']['ENGINE'], "
        "settings.CHANNEL_LAYERS['default']['BACKEND'], settings.CELERY_TASK_ALWAYS_EAGER, settings.SESSION_ENGINE)"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_no_environment_gives_the_local_runtime(tmp_path):
    result = load_settings(WIJKLAB_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "django.db.backends.sqlite3",
        "channels.layers.InMemoryChannelLayer",
        "True",
        "django.contrib.sessions.backends.db",
    ]


def test_database_and_redis_urls_switch_to_production_services():
    result = load_settings(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/x", REDIS_URL="redis://127.0.0.1:6379/0", SECRET_KEY="s"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "django.db.backends.postgresql",
        "channels_redis.pubsub.RedisPubSubChannelLayer",
        "False",
        # Sessions read from the shared Redis cache, written through to the database.
        "wijklab.sessions",  # cached_db that reads the database when Redis is unreachable
    ]


def _database_settings(**env: str) -> dict:
    import json

    clean = {k: v for k, v in os.environ.items() if not k.startswith("DB_") and k != "DATABASE_URL"}
    clean.update(SECRET_KEY="s", **env)
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE']='wijklab.settings'; "
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "o = d.get('OPTIONS', {}); r = {'CONN_MAX_AGE': d['CONN_MAX_AGE'], 'pool': o.get('pool')}; "
        "r.update({'connect_timeout': o['connect_timeout']} if 'connect_timeout' in o else {}); "
        "r.update({'options': o['options']} if 'options' in o else {}); "
        "print(json.dumps(r))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_postgresql_uses_a_connection_pool_per_process_and_no_persistent_connections():
    url = "postgres://postgres@127.0.0.1:5432/x"
    assert _database_settings(DATABASE_URL=url) == {
        "CONN_MAX_AGE": 0,
        "pool": {"min_size": 2, "max_size": 10, "timeout": 10, "reconnect_timeout": 10},
        "connect_timeout": 5,
        "options": "-c jit=off",
    }
    sized = _database_settings(
        DATABASE_URL=url,
        DB_POOL_MIN_SIZE="1",
        DB_POOL_MAX_SIZE="4",
        DB_POOL_TIMEOUT="3",
        DB_POOL_RECONNECT_TIMEOUT="20",
        DB_CONNECT_TIMEOUT="2",
    )
    assert sized["pool"] == {"min_size": 1, "max_size": 4, "timeout": 3, "reconnect_timeout": 20}
    assert sized["connect_timeout"] == 2
    # Without the pool, DB_CONN_MAX_AGE decides again (as it does for a SQLite DATABASE_URL).
    assert _database_settings(DATABASE_URL=url, DB_POOL_MAX_SIZE="0", DB_CONN_MAX_AGE="30") == {
        "CONN_MAX_AGE": 30,
        "pool": None,
        "connect_timeout": 5,
        "options": "-c jit=off",
    }
    assert _database_settings(DATABASE_URL="sqlite:////tmp/x.sqlite3", DB_CONN_MAX_AGE="5")["CONN_MAX_AGE"] == 5


def test_postgresql_runs_without_jit_unless_asked_or_the_url_says_otherwise():
    url = "postgres://postgres@127.0.0.1:5432/x"
    assert "options" not in _database_settings(DATABASE_URL=url, DB_JIT="true")
    own = _database_settings(DATABASE_URL=url + "?options=-c%20statement_timeout%3D5000")
    assert own["options"] == "-c statement_timeout=5000"
    assert "options" not in _database_settings(DATABASE_URL="sqlite:////tmp/x.sqlite3")


def test_channel_layer_backend_picks_one_of_the_measured_redis_layers():
    result = load_settings(
        REDIS_URL="redis://127.0.0.1:6379/0",
        SECRET_KEY="s",
        CHANNEL_LAYER_BACKEND="channels_redis.core.RedisChannelLayer",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[2] == "channels_redis.core.RedisChannelLayer"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "misschien"}, "DEBUG must be a boolean"),
        ({"DATABASE_URL": "mysql://x@y/z", "SECRET_KEY": "s"}, "DATABASE_URL must point to PostgreSQL"),
        ({"DATABASE_URL": "nonsense", "SECRET_KEY": "s"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://127.0.0.1", "SECRET_KEY": "s"}, "REDIS_URL must start with redis://"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1/x"}, "SECRET_KEY must be set"),
        (
            {"REDIS_URL": "redis://127.0.0.1", "SECRET_KEY": "s", "REDIS_MAX_CONNECTIONS": "veel"},
            "REDIS_MAX_CONNECTIONS",
        ),
        (
            {"REDIS_URL": "redis://127.0.0.1", "SECRET_KEY": "s", "CHANNEL_LAYER_BACKEND": "channels.layers.Nope"},
            "CHANNEL_LAYER_BACKEND must be one of",
        ),
        ({"CHAT_DB_THREADS": "-1"}, "CHAT_DB_THREADS must be at least 0"),
        (
            {"DATABASE_URL": "postgres://postgres@127.0.0.1/x", "SECRET_KEY": "s", "DB_CONN_MAX_AGE": "60"},
            "DB_CONN_MAX_AGE must be 0 while the connection pool is on",
        ),
        (
            {"DATABASE_URL": "postgres://postgres@127.0.0.1/x", "SECRET_KEY": "s", "DB_POOL_MIN_SIZE": "20"},
            "DB_POOL_MIN_SIZE (20) must not exceed DB_POOL_MAX_SIZE (10)",
        ),
        ({"GC_GEN0_THRESHOLD": "veel"}, "GC_GEN0_THRESHOLD must be a whole number"),
    ],
)
def test_bad_values_stop_start_up_with_a_clear_message(env, message):
    result = load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_the_readme_lists_every_environment_variable_the_settings_read():
    """An operator learns every knob from the README's tables, not from reading settings.py."""
    import re

    settings_source = (ROOT / "wijklab" / "settings.py").read_text()
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"`([A-Z][A-Z0-9_<>]*)`", readme))
    read = set(re.findall(r'(?:environ\.get|env_bool|env_int|env_list)\(\s*"([A-Z][A-Z0-9_]*)"', settings_source))
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "GC_GEN0_THRESHOLD"} <= read  # the pattern finds them
    # The institution providers' variables are read as OIDC_<KEY>_<NAME>.
    from wijklab.settings import _OIDC_REQUIRED

    read |= {f"OIDC_<P>_{name}" for name in [*_OIDC_REQUIRED, "SIGN_ALGO", "SCOPES"]}
    assert sorted(read - documented) == []


def _site_url_and_invitation_link(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "HOST", "PORT", "DATABASE_URL", "REDIS_URL"}}
    clean.update(env)
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='wijklab.settings'; django.setup(); "
        "from django.conf import settings; from wijklab.invitation_services import invitation_link; "
        "print(settings.SITE_URL, invitation_link('abc'))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize(
    ("host", "port", "site_url"),
    [
        ("", "", "http://127.0.0.1:8000"),
        ("127.0.0.1", "8123", "http://127.0.0.1:8123"),
        ("localhost", "8123", "http://localhost:8123"),
        # Listening on every interface: the links name this machine's own address.
        ("0.0.0.0", "9000", "http://127.0.0.1:9000"),
        ("::1", "8000", "http://[::1]:8000"),
    ],
)
def test_the_local_site_url_is_the_address_make_run_serves_on(host, port, site_url):
    from wijklab.settings import local_site_url

    assert local_site_url(host, port) == site_url


def test_links_in_mails_use_the_address_the_server_runs_on():
    # `PORT=8123 make run`: the Makefile passes HOST and PORT on to the server it starts.
    assert _site_url_and_invitation_link(PORT="8123") == [
        "http://127.0.0.1:8123",
        "http://127.0.0.1:8123/uitnodiging/abc/",
    ]
    # Production says where the site is; HOST and PORT are then only where the server listens.
    assert _site_url_and_invitation_link(SITE_URL="https://wijklab.example.nl", HOST="0.0.0.0", PORT="9000") == [
        "https://wijklab.example.nl",
        "https://wijklab.example.nl/uitnodiging/abc/",
    ]


def test_make_run_passes_host_and_port_to_what_it_starts_and_says_what_it_does():
    makefile = (ROOT / "Makefile").read_text()
    assert "run: export HOST := $(HOST)" in makefile
    assert "run: export PORT := $(PORT)" in makefile
    result = subprocess.run(
        ["make", "-n", "run", "PORT=8123"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    assert result.returncode == 0, result.stderr
    assert "runserver 127.0.0.1:8123" in result.stdout
    steps = result.stdout
    assert steps.index("Database bijwerken") < steps.index("manage.py migrate") < steps.index("Demodata klaarzetten")
    assert steps.index("Demodata klaarzetten") < steps.index("manage.py seed_demo")
    # The one-time install announces itself before pip runs.
    stamp_rule = makefile.split("$(STAMP): requirements.txt", 1)[1].split("\n\n", 1)[0]
    assert stamp_rule.index("Installeren van de afhankelijkheden (eenmalig, ~1 minuut)") < stamp_rule.index(
        "pip install"
    )
