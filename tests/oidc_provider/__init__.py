"""A real OpenID Connect provider for the tests of "Inloggen met SURFconext / eduID".

Wijklab's institution sign-in (wijklab/oidc.py) is tested against a provider
that speaks the protocol for real, not against mocked HTTP calls. This package
is a tiny Django project of its own, run as a separate process on a free port
of 127.0.0.1:

- ``settings.py``: django-oauth-toolkit in OIDC mode (``OIDC_ENABLED``,
  ``PKCE_REQUIRED``), an RSA key generated when the process starts (its public
  half at ``/o/.well-known/jwks.json``), the issuer ``http://127.0.0.1:<port>/o``,
  its own SQLite file in a temporary directory, and cookie names of its own
  (a browser shares cookies between ports of one host);
- ``validators.py``: puts ``email``, ``email_verified`` and ``name`` in the ID
  token and the userinfo answer (``OAuth2Validator.get_additional_claims``);
- ``accounts.py``: the people who can log in there (one whose verified e-mail
  the tests invite, one with the same e-mail unverified, one unknown to
  Wijklab), their password, and Wijklab's client id and secret;
- ``__main__.py``: migrates, creates those accounts and the confidential
  client (RS256, no consent screen, Wijklab's callback as redirect URI), then
  serves with a threaded ``wsgiref`` server;
- ``fixtures.py``: ``start_provider(tmp, redirect_uris=[...])`` starts it and
  waits for ``/healthz``; the session fixture ``oidc_provider`` does that for
  Django's test client (redirect URI ``http://testserver/inloggen/instelling/terug/``),
  and the browser tests' server fixture (tests/e2e/conftest.py) for its own
  port. ``OidcProvider.env("surfconext")`` gives the ``OIDC_SURFCONEXT_*``
  variables that point Wijklab at it; ``log_in_at_provider`` fills in its
  log-in form with ``requests`` and returns where it sends the browser back.

The endpoints: authorization ``/o/authorize/``, token ``/o/token/``, userinfo
``/o/userinfo/``, JWKS ``/o/.well-known/jwks.json``, discovery
``/o/.well-known/openid-configuration``; the log-in form is ``/inloggen/``.
Try it by hand: ``OIDC_PROVIDER_DB=/tmp/p.sqlite3 OIDC_PROVIDER_ISSUER=http://127.0.0.1:9000/o
python -m tests.oidc_provider --port 9000 --redirect-uri http://127.0.0.1:8000/inloggen/instelling/terug/``.
"""
