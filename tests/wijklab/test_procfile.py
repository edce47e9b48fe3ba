"""The production processes: the Procfile names them, `make run-prod` runs exactly those (README "Deployment")."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_the_procfile_names_the_release_step_and_the_three_process_types():
    processes = {name: command.strip() for name, command in _procfile().items()}
    assert list(processes) == ["release", "web", "worker", "beat"]
    assert "manage.py migrate" in processes["release"]
    assert "collectstatic" in processes["release"]
    assert processes["web"].startswith("uvicorn wijklab.asgi:application")
    assert "--workers" in processes["web"]
    assert processes["worker"].startswith("celery -A wijklab worker")
    assert processes["beat"].startswith("celery -A wijklab beat")


def test_make_run_prod_runs_the_release_step_then_web_worker_and_beat():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nrun-prod:", 1)[1].split("\n\n", 1)[0]
    started = [line.split(" start ", 1)[1].split()[-3:] for line in recipe.splitlines() if "honcho start" in line]
    assert started[0][-1] == "release"
    assert started[1] == ["web", "worker", "beat"]
    assert re.search(r"^honcho==", (ROOT / "requirements.txt").read_text(), re.MULTILINE)
