"""Run the test provider: ``python -m tests.oidc_provider --port N --redirect-uri URI [...]``.

The fixture (tests/oidc_provider/fixtures.py) sets OIDC_PROVIDER_DB and
OIDC_PROVIDER_ISSUER and starts this; it migrates its own SQLite file, creates
the accounts and Wijklab's client, then serves until terminated.
"""

import argparse
import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    # A browser may hold a connection open while Wijklab's server calls the token endpoint.
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        sys.stderr.write(f"provider: {format % args}\n")


def prepare(redirect_uris: list[str]) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from oauth2_provider.models import Application

    from tests.oidc_provider.accounts import ACCOUNTS, CLIENT_ID, CLIENT_SECRET, PASSWORD

    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    user_model = get_user_model()
    # Idempotent, so a provider tried by hand can be started again on the same file.
    for username, claims in ACCOUNTS.items():
        user, _created = user_model.objects.get_or_create(username=username)
        user.email = claims["email"]
        user.set_password(PASSWORD)
        user.save()
    Application.objects.update_or_create(
        client_id=CLIENT_ID,
        defaults={
            "name": "Wijklab (tests)",
            "client_secret": CLIENT_SECRET,
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": " ".join(redirect_uris),
            "algorithm": Application.RS256_ALGORITHM,
            # Like SURFconext for a registered service: no consent screen of its own.
            "skip_authorization": True,
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redirect-uri", action="append", required=True)
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    import django

    django.setup()
    prepare(args.redirect_uri)
    from django.core.wsgi import get_wsgi_application

    server = make_server(
        "127.0.0.1", args.port, get_wsgi_application(), server_class=ThreadingWSGIServer, handler_class=QuietHandler
    )
    print(f"provider: serving on 127.0.0.1:{args.port}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
