from unittest import mock

import pytest
from django.db.utils import OperationalError


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_answers(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] is True


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_does_not(client, settings):
    settings.REDIS_URL = ""
    with mock.patch("wijklab.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": False}}


@pytest.mark.django_db
def test_healthz_checks_redis_when_configured(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] is False


@pytest.mark.django_db
def test_healthz_reports_a_live_redis(client, settings, redis_url):
    settings.REDIS_URL = redis_url
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "redis": True}


def test_livez_answers_without_touching_the_database_or_redis(client, settings):
    # No django_db mark: any database access would raise here.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # unreachable: liveness does not ask
    response = client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_reuses_one_redis_connection(client, settings, redis_url):
    """A load balancer asks every few seconds: the checks share the process's pool."""
    import redis

    settings.REDIS_URL = redis_url
    probe = redis.Redis.from_url(redis_url)
    name = "wijklab-healthz-test"

    def connections_named() -> int:
        return sum(1 for c in probe.client_list() if c.get("name") == name)

    from wijklab import views

    views._redis_pool.cache_clear()
    pool = views._redis_pool(redis_url)
    pool.connection_kwargs["client_name"] = name
    try:
        for _ in range(5):
            assert client.get("/healthz").status_code == 200
        assert connections_named() == 1
    finally:
        pool.disconnect()
        views._redis_pool.cache_clear()
        probe.close()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/livez"])
def test_a_load_balancer_asking_by_the_process_address_gets_an_answer(settings, path):
    # It asks at the process's own address, which is no site name in ALLOWED_HOSTS.
    from django.test import Client

    settings.REDIS_URL = ""
    settings.ALLOWED_HOSTS = ["wijklab.example.nl"]
    by_address = Client(HTTP_HOST="10.0.0.5:8000", raise_request_exception=False)
    response = by_address.get(path)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert "no-cache" in response["Cache-Control"]
    # Every other path keeps Django's host check.
    assert by_address.get("/").status_code == 400
    assert by_address.get("/inloggen/").status_code == 400
    # With the site's own name the check goes through the whole stack, headers and all.
    by_name = Client(HTTP_HOST="wijklab.example.nl")
    assert "Content-Security-Policy" in by_name.get(path)
