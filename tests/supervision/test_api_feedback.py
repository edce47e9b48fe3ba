"""POST/GET /api/feedback/: input errors, and visibility role by role, field by field."""

import datetime as dt

import pytest
from django.urls import reverse

from supervision.models import FeedbackEntry, FeedbackKind
from teams.models import SupervisionAssignment

URL = "/api/feedback/"
ALL_FIELDS = {
    "id",
    "student",
    "author",
    "author_kind",
    "kind",
    "team",
    "date",
    "comment",
    "show_author",
    "is_observation",
    "scores",
    "created_at",
}


def test_a_supervisor_posts_feedback(client_for, team, mbo_docent, student4, op_tijd, today):
    response = client_for(mbo_docent).post(
        URL,
        {
            "student": student4.pk,
            "kind": "supervisor",
            "scores": [{"criterion": op_tijd.pk, "level": 3}],
            "comment": "Op tijd en goed voorbereid.",
            "date": today.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == ALL_FIELDS
    assert body["author"] == {"id": mbo_docent.pk, "display_name": "Marieke Verhoeven"}
    assert body["team"] == {"id": team.pk, "name": "Team Zonnebloem"}
    assert body["scores"] == [
        {
            "criterion": op_tijd.pk,
            "criterion_name": "Op tijd en aanwezig",
            "category": "werknemersvaardigheden",
            "level": 3,
            "level_label": "Voldoende",
            "descriptor": op_tijd.descriptors.get(level=3).text,
        }
    ]
    # Level-blind payload: nothing about the student's niveau.
    assert "niveau" not in response.content.decode()


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"scores": [{"criterion": 999_999, "level": 3}]}, "scores", "hoort niet bij de rubric"),
        ({"scores": [{"criterion": "OP_TIJD", "level": 7}]}, "scores", "van 1 (onvoldoende) tot en met 4 (goed)"),
        ({"date": "2999-01-01"}, "date", "De datum mag niet in de toekomst liggen."),
        ({"date": "gisteren"}, "date", "Geef een geldige datum als JJJJ-MM-DD."),
        ({"comment": "", "scores": []}, "non_field_errors", "Geef minstens één beoordeling of schrijf een opmerking."),
        ({"student": "OUTSIDER"}, "student", "Deze student bestaat niet of je begeleidt deze student niet."),
        ({"student": "abc"}, "student", "Kies een student: geef het nummer van de student."),
        ({"kind": "self"}, "kind", "Als begeleider"),
        ({"scores": "veel"}, "scores", "lijst"),
    ],
)
def test_bad_input_is_a_400_with_a_dutch_field_error_and_nothing_is_saved(
    client_for, team, mbo_docent, student4, outsider_student, op_tijd, payload, field, message
):
    data = {"student": student4.pk, "comment": "Iets", **payload}
    if data["student"] == "OUTSIDER":
        data["student"] = outsider_student.pk
    if isinstance(data.get("scores"), list):
        data["scores"] = [
            {**s, "criterion": op_tijd.pk if s["criterion"] == "OP_TIJD" else s["criterion"]} for s in data["scores"]
        ]
    response = client_for(mbo_docent).post(URL, data, format="json")
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()[field])
    assert not FeedbackEntry.objects.exists()


def test_errors_follow_accept_language(client_for, team, mbo_docent, student4):
    response = client_for(mbo_docent).post(
        URL, {"student": student4.pk, "comment": ""}, format="json", headers={"accept-language": "en"}
    )
    assert response.status_code == 400
    # Dutch is the source; English comes from the merged translations (or falls back to Dutch).
    assert response.json()["non_field_errors"]


def test_coordinators_may_not_post_feedback(client_for, team, coordinator, student4):
    response = client_for(coordinator).post(URL, {"student": student4.pk, "comment": "x"}, format="json")
    assert response.status_code == 403
    assert not FeedbackEntry.objects.exists()


def test_anonymous_callers_get_401_or_403(client_for, team, student4):
    assert client_for(None).post(URL, {"student": student4.pk, "comment": "x"}, format="json").status_code in {401, 403}
    assert client_for(None).get(URL).status_code in {401, 403}


def test_students_post_self_and_peer_feedback(client_for, team, student4, student6, op_tijd):
    client = client_for(student4)
    own = client.post(URL, {"kind": "self", "scores": [{"criterion": op_tijd.pk, "level": 2}]}, format="json")
    assert own.status_code == 201
    assert own.json()["student"]["id"] == student4.pk
    peer = client.post(URL, {"student": student6.pk, "kind": "peer", "comment": "Goed gedaan"}, format="json")
    assert peer.status_code == 201
    assert peer.json()["kind"] == "peer"


# --- visibility, role by role, field by field ---------------------------------------


@pytest.fixture
def entries(team, history, student4, student5, student6, mbo_docent, org_contact):
    """Feedback on student4 of every kind, and one entry by an organisation contact acting as werkbegeleider."""
    SupervisionAssignment.objects.create(supervisor=org_contact, team=team)
    return {
        "supervisor": history(student=student4, author=mbo_docent, levels={"Op tijd en aanwezig": 3}, comment="Docent"),
        "anonymous_peer": history(
            student=student4, author=student5, kind=FeedbackKind.PEER, comment="Anoniem", days_ago=1
        ),
        "named_peer": history(
            student=student4, author=student6, kind=FeedbackKind.PEER, comment="Met naam", show_author=True, days_ago=2
        ),
        "self": history(student=student4, author=student4, kind=FeedbackKind.SELF, comment="Zelf", days_ago=3),
        "werkbegeleider_contact": history(
            student=student4, author=org_contact, comment="Als werkbegeleider", days_ago=4
        ),
    }


# (viewer, entries they see, entries whose author they see). None: a 404 for ?student=.
VISIBILITY = [
    ("student4", {"supervisor", "anonymous_peer", "named_peer", "self", "werkbegeleider_contact"}, "all_but_anonymous"),
    ("mbo_docent", {"supervisor", "anonymous_peer", "named_peer", "self", "werkbegeleider_contact"}, "all"),
    ("hbo_docent", {"supervisor", "anonymous_peer", "named_peer", "self", "werkbegeleider_contact"}, "all"),
    ("werkbegeleider", {"supervisor", "anonymous_peer", "named_peer", "self", "werkbegeleider_contact"}, "all"),
    ("coordinator", {"supervisor", "anonymous_peer", "named_peer", "self", "werkbegeleider_contact"}, "all"),
    ("student5", {"anonymous_peer"}, "all"),  # a teammate sees only what they wrote
    # As the team's werkbegeleider: the feedback on the team's students, like every supervisor of them.
    ("org_contact", {"supervisor", "anonymous_peer", "named_peer", "self", "werkbegeleider_contact"}, "all"),
    ("outsider_student", None, None),
    ("other_supervisor", None, None),
    ("other_coordinator", None, None),
    ("other_org_contact", None, None),
]


@pytest.mark.parametrize(("viewer", "visible", "authors"), VISIBILITY)
def test_feedback_visibility_role_by_role_and_field_by_field(
    request, client_for, entries, student4, viewer, visible, authors
):
    user = request.getfixturevalue(viewer)
    response = client_for(user).get(URL, {"student": student4.pk})
    if visible is None:
        assert response.status_code == 404
        for entry in entries.values():
            assert client_for(user).get(f"{URL}{entry.pk}/").status_code == 404
        return
    assert response.status_code == 200
    by_id = {e.pk: name for name, e in entries.items()}
    results = {by_id[row["id"]]: row for row in response.json()["results"]}
    assert set(results) == visible
    for name, row in results.items():
        entry = entries[name]
        assert set(row) == ALL_FIELDS
        hidden = authors == "all_but_anonymous" and name == "anonymous_peer"
        if hidden:
            assert row["author"] is None
            assert row["author_kind"] == ""
            assert "Youssef" not in str(row)
        else:
            assert row["author"] == {"id": entry.author_id, "display_name": entry.author.get_display_name()}
        assert row["comment"] == entry.comment
        assert row["student"] == {"id": student4.pk, "display_name": "Sanne de Vries"}
        # The detail answers exactly the same.
        assert client_for(user).get(f"{URL}{entry.pk}/").json() == row


def test_organisation_contacts_see_no_feedback_fields_on_students_they_do_not_supervise(
    client_for, entries, other_org_contact, org_contact, student4
):
    # The contact of the team's organisation who is not a werkbegeleider there sees nothing at all.
    SupervisionAssignment.objects.filter(supervisor=org_contact).delete()
    response = client_for(org_contact).get(URL)
    assert response.status_code == 200
    # Only what they wrote themselves remains theirs.
    assert [r["comment"] for r in response.json()["results"]] == ["Als werkbegeleider"]
    assert client_for(other_org_contact).get(URL).json()["results"] == []


def test_students_never_see_other_students_feedback(
    client_for, entries, student5, outsider_student, history, mbo_docent
):
    history(student=student5, author=mbo_docent, comment="Over Youssef")
    rows = client_for(outsider_student).get(URL).json()["results"]
    assert rows == []
    comments = {r["comment"] for r in client_for(student5).get(URL).json()["results"]}
    assert comments == {"Over Youssef", "Anoniem"}


def test_a_student_id_that_is_not_a_number_is_a_404(client_for, entries, mbo_docent):
    assert client_for(mbo_docent).get(URL, {"student": "abc"}).status_code == 404


def test_list_filters_by_kind_and_is_paginated(client_for, entries, mbo_docent, student4):
    body = client_for(mbo_docent).get(URL, {"student": student4.pk, "kind": "peer"}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert {r["kind"] for r in body["results"]} == {"peer"}


def test_list_query_count_does_not_grow_with_entries(
    client_for, team, mbo_docent, student4, history, django_assert_max_num_queries, django_assert_num_queries
):
    client = client_for(mbo_docent)
    for i in range(3):
        history(student=student4, author=mbo_docent, levels={"Op tijd en aanwezig": 3, "Reflecteren": 2}, days_ago=i)
    with django_assert_max_num_queries(20) as few:
        client.get(URL, {"student": student4.pk})
    for i in range(15):
        history(student=student4, author=mbo_docent, levels={"Op tijd en aanwezig": 3, "Reflecteren": 2}, days_ago=i)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(URL, {"student": student4.pk})
    assert response.json()["count"] == 18


def test_the_feedback_detail_of_a_deleted_or_unknown_entry_is_a_404(client_for, entries, mbo_docent):
    assert client_for(mbo_docent).get(f"{URL}999999/").status_code == 404


def test_the_schema_documents_the_supervision_endpoints(client_for, student4):
    schema = client_for(student4).get(reverse("api-schema"), {"format": "json"}).json()
    for path in ["/api/rubrics/", "/api/feedback/", "/api/feedback/{id}/", "/api/students/{id}/progress/"]:
        assert path in schema["paths"]


def test_posting_a_date_a_year_ago_is_refused(client_for, team, mbo_docent, student4, today):
    old = (today - dt.timedelta(days=400)).isoformat()
    response = client_for(mbo_docent).post(URL, {"student": student4.pk, "comment": "x", "date": old}, format="json")
    assert response.status_code == 400
    assert response.json()["date"] == ["De datum ligt meer dan een jaar terug."]


HUGE = "99999999999999999999999"


def test_ids_too_large_for_the_database_are_not_found_never_a_500(client_for, client, team, mbo_docent, coordinator):
    api = client_for(mbo_docent)
    assert api.get(URL, {"student": HUGE}).status_code == 404
    assert api.get(f"{URL}{HUGE}/").status_code == 404
    assert api.get(f"/api/students/{HUGE}/progress/").status_code == 404
    response = api.post(URL, {"student": int(HUGE), "team": int(HUGE), "comment": "x"}, format="json")
    assert response.status_code == 400
    assert "student" in response.json()
    client.force_login(mbo_docent)
    assert client.get(f"/studenten/{HUGE}/voortgang/").status_code == 404
    assert client.post(reverse("supervision-log"), {"student": HUGE, "comment": "x"}).status_code == 400
    client.force_login(coordinator)
    assert client.get(f"/coordinatie/rubric/{HUGE}/").status_code == 404
    assert client.post(f"/coordinatie/begeleiders/{HUGE}/verwijderen/").status_code == 404
    assert client.post(reverse("supervision-assign-add"), {"team": HUGE, "supervisor": HUGE}).status_code == 404


def test_with_the_broker_down_feedback_is_stored_once_and_its_mail_kept_for_later(
    client_for, team, mbo_docent, student4, op_tijd, today, monkeypatch, django_capture_on_commit_callbacks
):
    from celery.app.task import Task
    from django.core import mail
    from kombu.exceptions import OperationalError

    from wijklab.models import PendingTask
    from wijklab.services import pending_tasks_send

    def refuse(self, *args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(mbo_docent).post(
            URL,
            {"student": student4.pk, "kind": "supervisor", "comment": "Goed gedaan.", "date": today.isoformat()},
            format="json",
        )
    assert response.status_code == 201, response.content
    assert FeedbackEntry.objects.filter(student=student4, comment="Goed gedaan.").count() == 1
    assert list(PendingTask.objects.values_list("name", flat=True)) == ["supervision.tasks.send_feedback_email"]

    monkeypatch.undo()
    assert pending_tasks_send() == 1
    assert [m.to for m in mail.outbox] == [[student4.email]]
