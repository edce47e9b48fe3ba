"""The real demo data (``seed_demo``), loaded once per test module that asks for ``demo``.

Seeding takes seconds, so it runs once per module inside one outer
transaction that is rolled back when the module is done: no other module
(nor the named people of ``tests/conftest.py``) ever sees it.
Each test still gets its own savepoint through pytest-django's ``db``
fixture, so whatever a test changes is undone after it.

Every feedback entry, score and chat message gets a unique marker in its
text (``ZQfb12QZ`` …). A page that shows a marker shows that very object, so
"nobody sees feedback they may not see" becomes a plain text search, also
in CSV, PDF and JSON.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat
from django.test.utils import override_settings

from supervision.models import FeedbackEntry, Score
from teams.models import Membership, Message, MessageRevision, SupervisionAssignment, Team
from wijklab.models import Role, StudentProfile, User

MARKER = re.compile(r"ZQ(fb|sc|msg|rev)(\d+)QZ")


def marker(kind: str, pk: int) -> str:
    return f"ZQ{kind}{pk}QZ"


def _append_marker(model: type, field_name: str, kind: str) -> None:
    """``field = field || ' ZQ<kind><id>QZ'`` in one UPDATE, on SQLite and PostgreSQL alike."""
    model.objects.update(
        **{
            field_name: Concat(
                F(field_name),
                Value(f" ZQ{kind}"),
                Cast("pk", output_field=CharField()),
                Value("QZ"),
                output_field=CharField(),
            )
        }
    )


@dataclass
class Demo:
    """The seeded demo, with what each marker belongs to."""

    users: dict[str, User]
    feedback_author: dict[int, int] = field(default_factory=dict)  # entry id -> author id
    feedback_student: dict[int, int] = field(default_factory=dict)  # entry id -> student id
    score_entry: dict[int, int] = field(default_factory=dict)  # score id -> entry id
    message_team: dict[int, int] = field(default_factory=dict)  # message id -> team id
    revision_team: dict[int, int] = field(default_factory=dict)  # revision id -> team id
    team_organisation: dict[int, int] = field(default_factory=dict)  # team id -> organisation id
    team_members: dict[int, set[int]] = field(default_factory=dict)  # team id -> active member ids

    def user(self, username: str) -> User:
        # Fresh from the database: a test may have changed it.
        return User.objects.select_related("organisation").get(username=username)

    def entry_of(self, kind: str, pk: int) -> int:
        return pk if kind == "fb" else self.score_entry[pk]

    def team_of(self, kind: str, pk: int) -> int:
        return self.message_team[pk] if kind == "msg" else self.revision_team[pk]

    def teams_of_organisation(self, organisation_id: int | None) -> set[int]:
        return {t for t, o in self.team_organisation.items() if o == organisation_id}

    def team_of_student(self, student_id: int) -> int | None:
        return next((t for t, members in self.team_members.items() if student_id in members), None)


def _load() -> Demo:
    call_command("seed_demo", stdout=StringIO())
    _append_marker(FeedbackEntry, "comment", "fb")
    _append_marker(Score, "descriptor", "sc")
    _append_marker(Message, "body", "msg")
    _append_marker(MessageRevision, "body", "rev")
    demo = Demo(users={u.username: u for u in User.objects.all()})
    for pk, author, student in FeedbackEntry.objects.values_list("pk", "author_id", "student_id"):
        demo.feedback_author[pk] = author
        demo.feedback_student[pk] = student
    demo.score_entry = dict(Score.objects.values_list("pk", "entry_id"))
    demo.message_team = dict(Message.objects.values_list("pk", "team_id"))
    demo.revision_team = dict(MessageRevision.objects.values_list("pk", "message__team_id"))
    demo.team_organisation = dict(Team.objects.values_list("pk", "assignment__organisation_id"))
    for team_id, student_id in Membership.objects.filter(left_at__isnull=True).values_list("team_id", "student_id"):
        demo.team_members.setdefault(team_id, set()).add(student_id)
    _check_the_demo_is_what_these_tests_expect(demo)
    return demo


def _check_the_demo_is_what_these_tests_expect(demo: Demo) -> None:
    """The tests are only as good as the data: fail loudly if the demo lost what they rely on."""
    assert len(demo.team_organisation) >= 3, "the demo has too few teams"
    assert len(set(demo.team_organisation.values())) >= 2, "the demo's teams all belong to one organisation"
    assert demo.message_team, "the demo has no chat messages"
    assert len(demo.feedback_author) >= 20, "the demo has too little feedback"
    assert set(StudentProfile.objects.values_list("niveau", flat=True)) == {4, 5, 6}
    contacts = set(User.objects.filter(role=Role.ORGANISATION).values_list("username", flat=True))
    assert {"dock", "welzijncapelle", "buurtwerk", "wijkteam"} <= contacts


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Demo]:
    from wijklab.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    with (
        django_db_blocker.unblock(),
        override_settings(
            # Forty demo accounts with the real hasher cost seconds; nothing here measures hashing.
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            LANGUAGE_CODE="nl",
            CELERY_TASK_ALWAYS_EAGER=True,
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        ),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _load()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def werkbegeleider_teams(user: User) -> set[int]:
    return set(SupervisionAssignment.objects.filter(supervisor=user, team__isnull=False).values_list("team", flat=True))
