"""What one password sign-in costs with the real hashers: PBKDF2 (Django's default, before) against Argon2 (now).

Not a test: run it by hand (see docs/benchmarks.md, "Sign-in"). It makes a
throw-away database the way the test suite does (``test_<name>``: in memory
for SQLite, a fresh PostgreSQL database when DATABASE_URL points at one) and
signs in ``--signins`` accounts per variant and round through Django's test
client, a POST of username and password to the sign-in page (the whole stack:
middleware, django-axes, the session, the audit log), every sign-in timed on
its own. The variants, run in a rotating order in each of ``--rounds`` rounds:

- ``pbkdf2``: PASSWORD_HASHERS with PBKDF2 first, accounts with PBKDF2 hashes
  (the project before Argon2; Django 5.2's 1,000,000 iterations);
- ``argon2``: the project's PASSWORD_HASHERS (Argon2 first), Argon2 hashes;
- ``upgrade``: the project's PASSWORD_HASHERS and a PBKDF2 hash, i.e. the
  first sign-in after the switch: verify PBKDF2, hash again with Argon2, save;
- ``md5 floor`` (the baseline): MD5 first and an MD5 hash (what the tests
  use), i.e. the stack around the hasher with next to no hashing cost.

The hashers alone are timed too: ``check_password`` in-process, no request.

    .venv/bin/python bench/signin.py --signins 20 --rounds 5
"""

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "een-lang-wachtwoord-2026"  # noqa: S105 - throw-away accounts in a throw-away database
VARIANTS = ["pbkdf2", "argon2", "upgrade", "md5 floor"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--signins", type=int, default=20, help="sign-ins per variant and round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijklab.settings")
    os.environ.setdefault("SECRET_KEY", "bench")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import check_password, identify_hasher, make_password
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()
    project_hashers = list(settings.PASSWORD_HASHERS)
    pbkdf2_first = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"] + [
        h for h in project_hashers if not h.endswith(".PBKDF2PasswordHasher")
    ]
    md5_first = ["django.contrib.auth.hashers.MD5PasswordHasher", *project_hashers]
    hashers = {"pbkdf2": pbkdf2_first, "argon2": project_hashers, "upgrade": project_hashers, "md5 floor": md5_first}
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from wijklab.models import User

        with override_settings(PASSWORD_HASHERS=md5_first):
            encoded = {kind: make_password(PASSWORD, hasher=kind) for kind in ("pbkdf2_sha256", "argon2", "md5")}
        stored = {
            "pbkdf2": encoded["pbkdf2_sha256"],
            "argon2": encoded["argon2"],
            "upgrade": encoded["pbkdf2_sha256"],
            "md5 floor": encoded["md5"],
        }
        print(f"PBKDF2: {encoded['pbkdf2_sha256'].split('$')[1]} iterations; Argon2: {encoded['argon2'].split('$')[3]}")

        checks = ["check_password pbkdf2_sha256", "check_password argon2"]
        figures: dict[str, list[float]] = {name: [] for name in [*VARIANTS, *checks]}
        round_medians: dict[str, list[float]] = {name: [] for name in VARIANTS}
        orders = []
        serial = 0
        for round_no in range(args.rounds):
            order = VARIANTS[round_no % len(VARIANTS) :] + VARIANTS[: round_no % len(VARIANTS)]
            orders.append(order)
            for variant in order:
                with override_settings(PASSWORD_HASHERS=hashers[variant]):
                    samples = []
                    for _ in range(args.signins):
                        serial += 1
                        username = f"bench{serial}"
                        User.objects.create(username=username, password=stored[variant])
                        client = Client(REMOTE_ADDR=f"10.{serial // 65536 % 256}.{serial // 256 % 256}.{serial % 256}")
                        started = time.perf_counter()
                        response = client.post("/inloggen/", {"username": username, "password": PASSWORD})
                        samples.append((time.perf_counter() - started) * 1000)
                        assert response.status_code == 302, (variant, response.status_code)
                        after = User.objects.get(username=username).password
                        expected = {"pbkdf2": "pbkdf2_sha256", "md5 floor": "md5"}.get(variant, "argon2")
                        assert identify_hasher(after).algorithm == expected, (variant, after[:20])
                    figures[variant] += samples
                    round_medians[variant].append(statistics.median(samples))
            with override_settings(PASSWORD_HASHERS=project_hashers):
                for kind in ("pbkdf2_sha256", "argon2"):
                    for _ in range(max(3, args.signins // 4)):
                        started = time.perf_counter()
                        assert check_password(PASSWORD, encoded[kind], setter=None)
                        figures[f"check_password {kind}"].append((time.perf_counter() - started) * 1000)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(
        f"{args.signins} sign-ins per variant and round, {args.rounds} rounds, {connection.vendor}, "
        f"Python {platform.python_version()}, Django {django.get_version()}"
    )
    print("orders: " + "; ".join(",".join(o) for o in orders))
    print(f"{'variant':30} {'median ms':>10} {'min ms':>8} {'max ms':>8}   round medians")
    for name, values in figures.items():
        rounds = " ".join(f"{m:.0f}" for m in round_medians.get(name, []))
        print(f"{name:30} {statistics.median(values):10.0f} {min(values):8.0f} {max(values):8.0f}   {rounds}")


if __name__ == "__main__":
    main()
