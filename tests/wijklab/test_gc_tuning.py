"""The ASGI process freezes its start-up objects and collects the young generation less often.

Each case runs in a process of its own: the tuning happens once, when
``wijklab.asgi`` is imported, and lasts for the life of the process, so only a
fresh process shows what it did (and the defaults it started from).
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = (
    "import gc, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'wijklab.settings'; "
    "default = gc.get_threshold(); "
    "import wijklab.asgi; "
    "print(default[0], gc.get_threshold()[0], gc.get_threshold()[1:] == default[1:], gc.get_freeze_count())"
)


def probe(tmp_path: Path, **env: str) -> tuple[int, int, bool, int]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "GC_GEN0_THRESHOLD"}
    }
    clean.update(env, WIJKLAB_DATA_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    default, gen0, rest_unchanged, frozen = result.stdout.split()
    return int(default), int(gen0), rest_unchanged == "True", int(frozen)


def test_the_asgi_application_freezes_start_up_and_raises_the_young_threshold(tmp_path):
    default, gen0, rest_unchanged, frozen = probe(tmp_path)
    assert default == 700  # Python's own, before the application loads
    assert gen0 == 50_000
    assert rest_unchanged
    # Django, the apps and the URL routes: tens of thousands of objects out of every later collection.
    assert frozen > 20_000


def test_the_threshold_follows_the_environment(tmp_path):
    _default, gen0, _rest, frozen = probe(tmp_path, GC_GEN0_THRESHOLD="10000")
    assert gen0 == 10_000
    assert frozen > 20_000


def test_zero_leaves_pythons_defaults(tmp_path):
    default, gen0, _rest, frozen = probe(tmp_path, GC_GEN0_THRESHOLD="0")
    assert gen0 == default
    assert frozen == 0


def test_garbage_from_start_up_is_collected_not_frozen():
    code = (
        "import gc\n"
        "gc.disable()  # nothing but tune_for_server may collect the cycle\n"
        "from wijklab.gc_tuning import tune_for_server\n"
        "class Node:\n"
        "    pass\n"
        "a, b = Node(), Node()\n"
        "a.other, b.other = b, a\n"
        "import weakref\n"
        "alive = weakref.ref(a)\n"
        "del a, b\n"
        "tune_for_server(50_000)\n"
        "print(alive() is None)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
