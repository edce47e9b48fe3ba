import pytest


def test_me_describes_a_student_with_niveau(client_for, student5):
    response = client_for(student5).get("/api/me/")
    assert response.status_code == 200
    assert response.json() == {
        "id": student5.pk,
        "username": "youssef",
        "display_name": "Youssef El Amrani",
        "role": "student",
        "niveau": 5,
    }


def test_me_describes_a_supervisor_with_kind(client_for, werkbegeleider, organisation):
    data = client_for(werkbegeleider).get("/api/me/").json()
    assert data["role"] == "supervisor"
    assert data["kind"] == "werkbegeleider"
    assert data["organisation"] == {"id": organisation.pk, "name": organisation.name}
    assert "niveau" not in data


def test_me_describes_an_organisation_contact_without_niveau(client_for, org_contact, organisation):
    data = client_for(org_contact).get("/api/me/").json()
    assert data["role"] == "organisation"
    assert data["organisation"]["name"] == organisation.name
    assert "niveau" not in data
    assert "kind" not in data


def test_me_needs_authentication(client_for, db):
    assert client_for(None).get("/api/me/").status_code in {401, 403}


@pytest.mark.django_db
def test_token_authentication_works(api_client, student4):
    from tests.factories import api_token

    response = api_client.get("/api/me/", headers={"authorization": f"Token {api_token(student4)}"})
    assert response.status_code == 200
    assert response.json()["username"] == "sanne"


def test_schema_and_docs_are_served_offline(client_for, student4):
    client = client_for(student4)
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar" in docs
    assert "cdn." not in docs
