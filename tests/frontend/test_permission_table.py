"""Who may do what, route by route (pretix style): one table, every route, every role.

The table below names, for each route of the project, the demo object that
fills its ids and who may use it. The test walks the URL resolver, so a new
route the table does not know fails ``test_every_route_is_in_the_table``:
nothing slips through. For each role it then checks:

- anonymous: 401/403 from the API, a redirect to the log-in page from pages;
- a role that may not see the object: 404, exactly as for an id that does not
  exist (a 403 is only accepted where it is the same answer for a missing id:
  "not for your role", which tells nothing about the object);
- a role that may see the object but not change it: 403/404 on every unsafe
  method (pages may also redirect back with an error message), and nothing
  in the database changed;
- never a 500; methods a route does not have answer 405.

Roles are people of the demo (``seed_demo``) around one team, Team
Maashaven: student4 is in it, wijkteam is its assignment's organisation
(and acts as its werkbegeleider), docent.mbo supervises it.
"""

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse

from assignments.models import Assignment, AssignmentStatus
from supervision.models import Category, Criterion, FeedbackEntry
from teams.chat import services as chat_services
from teams.models import Attachment, Duo, FormationRun, Message, SupervisionAssignment, Task, Team
from tests.conftest import count_queries
from tests.factories import CohortFactory, UserFactory, pdf_bytes
from tests.frontend.crawling import Route, all_routes
from wijklab.models import Invitation, Role, StudentImport, User
from wijklab.services import api_token_create

# --- the roles ----------------------------------------------------------------------

ANON = "anonymous"
MEMBER = "student4"  # in Team Maashaven
OTHER_TEAM = "kevin.vandam"  # a student of the same cohort in another team
TEAMLESS = "mila.bakker"  # a student of the same cohort in no team
ORG = "wijkteam"  # the organisation of the team's assignment; acts as the team's werkbegeleider
OTHER_ORG = "dock"  # another organisation (it owns the draft assignment)
DOCENT = "docent.mbo"  # supervises the team
OTHER_DOCENT = "docent.mbo2"  # supervises other teams
WERKBEGELEIDER = "werkbegeleider"  # DOCK's werkbegeleider, of another team
COORDINATOR = "coordinator"  # coordinates the demo cohort
OUTSIDER = "outsider"  # a coordinator of another cohort: nothing of this one is theirs

ROLES = [
    ANON,
    MEMBER,
    OTHER_TEAM,
    TEAMLESS,
    ORG,
    OTHER_ORG,
    DOCENT,
    OTHER_DOCENT,
    WERKBEGELEIDER,
    COORDINATOR,
    OUTSIDER,
]
EVERYONE = frozenset(ROLES) - {ANON}
STUDENTS = frozenset({MEMBER, OTHER_TEAM, TEAMLESS})
ORGANISATIONS = frozenset({ORG, OTHER_ORG})
SUPERVISORS = frozenset({DOCENT, OTHER_DOCENT, WERKBEGELEIDER})
COORDINATORS = frozenset({COORDINATOR, OUTSIDER})
NOBODY: frozenset[str] = frozenset()

# Who may see what (docs/design.md "Visibility").
TEAM = frozenset({MEMBER, ORG, DOCENT, COORDINATOR})  # the team, its roster, tasks and duos
CHAT = frozenset({MEMBER, ORG, DOCENT})  # its chat: not the coordinator
# student4's progress, its PDF and the feedback on them: also their werkbegeleider, whichever account
# kind carries it (wijkteam here; docs/visibility.md).
PROGRESS = frozenset({MEMBER, DOCENT, ORG, COORDINATOR})
DRAFT = frozenset({OTHER_ORG, COORDINATOR})  # DOCK's draft assignment
OPEN = EVERYONE - {OUTSIDER}  # an open assignment of the cohort (wijkteam's)
OPEN_EDITORS = frozenset({ORG, COORDINATOR})
DRAFT_EDITORS = frozenset({OTHER_ORG, COORDINATOR})
WRITES_FEEDBACK = frozenset({DOCENT, ORG})  # on student4: their docent and the werkbegeleider

GET, POST, PUT, PATCH, DELETE = "GET", "POST", "PUT", "PATCH", "DELETE"
UNSAFE = (POST, PUT, PATCH, DELETE)
NOT_FOUND = 404
MISSING_ID = 987_654


# --- the table --------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One method of one route on one object, and what each role gets.

    ``ok``: it works (GET: 200; unsafe methods are not sent for them: what
    they change is the business of each area's own tests). ``sees``: may see
    the object but not do this — refused, nothing changed. ``gate``: refused
    for their role whatever the id (403). ``answers``: a documented other
    answer. Every other logged-in role: 404.
    """

    route: str
    method: str
    obj: str | None
    ok: frozenset[str]
    sees: frozenset[str] = NOBODY
    gate: frozenset[str] = NOBODY
    body: dict | list | None = None
    answers: dict[str, int] = field(default_factory=dict)
    why: str = ""

    def expected(self, role: str) -> str:
        if role in self.answers:
            return f"status {self.answers[role]}"
        if role in self.ok:
            return "ok"
        if role in self.gate:
            return "gate"
        if role in self.sees:
            return "refused" if self.method != GET else "status 403"
        return "not found"


def get(route: str, obj: str | None, ok: Iterable[str], **kw: object) -> Case:
    return Case(route, GET, obj, frozenset(ok), **kw)


def write(route: str, method: str, obj: str | None, ok: Iterable[str], sees: Iterable[str] = (), **kw: object) -> Case:
    ok = frozenset(ok)
    return Case(route, method, obj, ok, sees=frozenset(sees) - ok, **kw)


def public(route: str, method: str = GET) -> Case:
    return Case(route, method, None, frozenset(ROLES))


# Complete, valid bodies: the refusals below are about who asks, not about what they send.
TASK = {
    "phase": "verkenning",
    "title": "Proef",
    "description": "Even bellen",
    "owner": "member_id",
    "due_on": "2026-12-01",
    "status": "todo",
}
ASSIGNMENT = {
    "title": "Proef",
    "description": "Een **proef**.",
    "neighbourhood": "neighbourhood_id",
    "phase": "verkenning",
    "competences": "competence_ids",
    "team_size_min": 3,
    "team_size_max": 5,
    "min_niveau_4": 1,
    "min_niveau_5": 0,
    "min_niveau_6": 1,
    "requires_hbo": False,
    "starts_on": "2026-10-01",
    "ends_on": "2027-01-31",
}
IMPORT_MAPPING = {"name": "Naam", "email": "E-mail", "niveau": "Niveau", "school": "School"}

TABLE: list[Case] = [
    # --- identity, schema, health -------------------------------------------------------------
    get("api-me", None, EVERYONE),
    public("api-schema"),  # the OpenAPI description: no data, documented as public (docs/api.md)
    public("api-docs"),
    public("api-redoc"),
    public("healthz"),
    public("livez"),
    public("set_language", POST),
    public("login"),
    # The second step of a sign-in with an authenticator app: without a correct password first, back to "login".
    public("login-code"),
    public("login-code", POST),
    public("password_reset"),
    public("password_reset_done"),
    public("password_reset_confirm"),
    public("password_reset_complete"),
    public("logout", POST),  # (sent from a client of its own: it ends the session)
    # --- sign-in with an institution (SURFconext / eduID; provider configured by ``world``) -------
    public("oidc-start"),  # a redirect to the provider
    public("oidc-callback"),  # without a flow of one's own: the "failed" page
    public("oidc-failed"),
    # --- pages without an object --------------------------------------------------------------
    get("home", None, EVERYONE),
    get("notifications", None, EVERYONE),
    write("notifications-read", POST, None, EVERYONE),
    get("assignments", None, EVERYONE),
    get("assignment-create", None, ORGANISATIONS | COORDINATORS, gate=STUDENTS | SUPERVISORS),
    write(
        "assignment-create", POST, None, ORGANISATIONS | COORDINATORS, gate=STUDENTS | SUPERVISORS, body={"title": "x"}
    ),
    write("assignment-validate", POST, None, ORGANISATIONS | COORDINATORS, gate=STUDENTS | SUPERVISORS),
    get("preferences", None, STUDENTS, gate=EVERYONE - STUDENTS),
    write("preferences", POST, None, STUDENTS, gate=EVERYONE - STUDENTS),
    get("team-list", None, EVERYONE),
    write(
        "team-create",
        POST,
        None,
        {ORG, COORDINATOR},
        sees=EVERYONE,
        body={"assignment": "open_assignment", "name": "Team Proef"},
        why="an assignment not open for your teams: back with a message",
    ),
    get("chat-index", None, EVERYONE),
    # "Mijn studenten" and its CSV: docenten, werkbegeleiders of both account kinds, coordinators.
    get("supervision-overview", None, SUPERVISORS | COORDINATORS | {ORG}),
    get("supervision-overview-csv", None, SUPERVISORS | COORDINATORS | {ORG}),
    get("supervision-log", None, SUPERVISORS | {ORG}),  # wijkteam writes as werkbegeleider
    get("supervision-observe", None, SUPERVISORS | {ORG}),
    get("supervision-self", None, STUDENTS),
    write("supervision-self", POST, None, STUDENTS, body="self_form"),
    get("supervision-peer", None, STUDENTS),
    write("supervision-peer", POST, None, STUDENTS, body="peer_form"),
    get("supervision-my-progress", None, STUDENTS),
    get("supervision-assign", None, COORDINATORS),
    get("supervision-assign-team", "team", {COORDINATOR}),  # teams_for_coordination: the outsider's 404
    write(
        "supervision-assign-add",
        POST,
        None,
        {COORDINATOR},
        body={"team": "team", "supervisor": "other_docent_id"},
    ),
    get("supervision-rubric", None, COORDINATORS),
    write("supervision-rubric", POST, None, COORDINATORS, body="rubric_form"),
    # --- assignments ---------------------------------------------------------------------------
    get("api-assignment-list", None, EVERYONE),
    write(
        "api-assignment-list",
        POST,
        None,
        ORGANISATIONS | COORDINATORS,
        gate=STUDENTS | SUPERVISORS,
        body=ASSIGNMENT,
    ),
    get("api-assignment-detail", "draft", DRAFT),
    get("api-assignment-detail", "open_assignment", OPEN),
    write("api-assignment-detail", PATCH, "draft", DRAFT_EDITORS, body=ASSIGNMENT),
    write("api-assignment-detail", PATCH, "open_assignment", OPEN_EDITORS, sees=OPEN, body=ASSIGNMENT),
    *[
        write(f"api-assignment-{action}", POST, obj, editors, sees=seers)
        for action in ("publish", "cancel", "start", "complete")
        for obj, editors, seers in [("draft", DRAFT_EDITORS, DRAFT), ("open_assignment", OPEN_EDITORS, OPEN)]
    ],
    get("api-preferences", None, STUDENTS, gate=EVERYONE - STUDENTS),
    write(
        "api-preferences",
        PUT,
        None,
        STUDENTS,
        gate=EVERYONE - STUDENTS,
        body=[{"assignment": "open_assignment", "rank": 1, "motivation": "Lijkt me mooi"}],
    ),
    write("api-cohort-preferences-close", POST, "cohort", {COORDINATOR}),
    write("api-cohort-preferences-open", POST, "cohort", {COORDINATOR}),
    get("assignment-detail", "draft", DRAFT),
    get("assignment-detail", "open_assignment", OPEN),
    get("assignment-edit", "draft", DRAFT_EDITORS),
    get("assignment-edit", "open_assignment", OPEN_EDITORS, sees=OPEN),
    write("assignment-edit", POST, "open_assignment", OPEN_EDITORS, sees=OPEN, body={"title": "Gewijzigd"}),
    write("assignment-edit", POST, "draft", DRAFT_EDITORS, body={"title": "Gewijzigd"}),
    write("assignment-validate-edit", POST, "open_assignment", OPEN_EDITORS, sees=OPEN, body={"_field": "title"}),
    *[
        write(f"assignment-{action}", POST, obj, editors, sees=seers)
        for action in ("publish", "cancel", "start", "complete")
        for obj, editors, seers in [("draft", DRAFT_EDITORS, DRAFT), ("open_assignment", OPEN_EDITORS, OPEN)]
    ],
    write("preference-add", POST, "open_assignment", STUDENTS, gate=EVERYONE - STUDENTS),
    write("preference-add", POST, "draft", NOBODY, gate=EVERYONE - STUDENTS),
    write("cohort-preferences", POST, "cohort", {COORDINATOR}, body={"action": "close"}),
    # --- teams (API) ------------------------------------------------------------------------------
    get("api-teams", None, EVERYONE),
    write(
        "api-teams",
        POST,
        None,
        {ORG, COORDINATOR},
        gate=STUDENTS | SUPERVISORS,
        body={"assignment": "open_assignment", "name": "Team Proef"},
        answers={OTHER_ORG: 400, OUTSIDER: 400},
        why="someone else's assignment is a field error: 'Onbekende opdracht'",
    ),
    get("api-teams-open", None, STUDENTS, gate=EVERYONE - STUDENTS),
    get("api-team-detail", "team", TEAM),
    write("api-team-detail", PATCH, "team", {COORDINATOR}, sees=TEAM, body={"status": "closed"}),
    # Joining looks the team up among the student's cohort (a closed team says why it is closed).
    write("api-team-join", POST, "team", NOBODY, gate=EVERYONE - STUDENTS, answers=dict.fromkeys(STUDENTS, 409)),
    write("api-team-leave", POST, "team", NOBODY, sees={MEMBER}, gate=EVERYONE - STUDENTS, answers={MEMBER: 409}),
    write(
        "api-team-move",
        POST,
        "team",
        {COORDINATOR},
        sees=TEAM,
        body={"student": "teamless_id", "override": True, "reason": "Proef"},
    ),
    write("api-team-remove", POST, "team", {COORDINATOR}, sees=TEAM, body={"student": "teammate_id", "reason": "x"}),
    get("api-team-changes", "team", {COORDINATOR}, sees=TEAM),
    get("api-team-tasks", "team", TEAM),
    write("api-team-tasks", POST, "team", {MEMBER}, sees=TEAM, body=TASK),
    get("api-team-duos", "team", TEAM),
    write(
        "api-team-duos",
        POST,
        "team",
        {MEMBER},
        sees=TEAM,
        body={"members": "duo_members", "roles": "duo_roles"},
    ),
    get("api-task-detail", "task", TEAM),
    write("api-task-detail", PATCH, "task", {MEMBER}, sees=TEAM, body=TASK),
    write("api-task-detail", DELETE, "task", {MEMBER}, sees=TEAM),
    write("api-duo-detail", PATCH, "duo", {MEMBER}, sees=TEAM, body={"carries_youth_case": False, "roles": "duo_swap"}),
    write("api-duo-detail", DELETE, "duo", {MEMBER}, sees=TEAM),
    # --- chat (API) ---------------------------------------------------------------------------------
    get("api-chat-overview", None, EVERYONE),
    get("api-chat-messages", "team", CHAT),
    write("api-chat-messages", POST, "team", CHAT, body={"body": "Hallo", "client_id": "proef-1"}),
    # Editing, deleting: only the author (student5 here), within 15 minutes.
    write("api-chat-message", PATCH, "message", NOBODY, sees=CHAT, body={"body": "Anders"}),
    write("api-chat-message", DELETE, "message", NOBODY, sees=CHAT),
    write("api-chat-hide", POST, "message", {DOCENT}, sees=CHAT, body={"reason": "Proef"}),
    get("api-chat-revisions", "message", {DOCENT}, answers={MEMBER: 404, ORG: 404}),  # author and supervisors
    write("api-chat-read", POST, "team", CHAT, body={"last_id": 1}),
    write("api-chat-attachments", POST, "team", CHAT, body="attachment_upload"),
    get("api-chat-attachment", "attachment", CHAT),
    # --- formation (API) ---------------------------------------------------------------------------
    # Only the coordinator of the cohort; for everyone else the run does not exist (the list is empty).
    get("api-formation-runs", None, EVERYONE),
    write("api-formation-runs", POST, None, {COORDINATOR}, body={"cohort": "cohort", "time_limit_s": 1}),
    get("api-formation-run", "formation_run", {COORDINATOR}),
    write(
        "api-formation-run-moves",
        POST,
        "formation_run",
        {COORDINATOR},
        body={"student": "teamless_id", "to_assignment": "open_assignment"},
    ),
    write(
        "api-formation-run-locks", POST, "formation_run", {COORDINATOR}, body={"student": "teamless_id", "locked": True}
    ),
    write("api-formation-run-rerun", POST, "formation_run", {COORDINATOR}),
    write("api-formation-run-publish", POST, "formation_run", {COORDINATOR}),
    # --- supervision (API) -----------------------------------------------------------------------
    get("api-rubrics", None, EVERYONE),
    get("api-feedback", None, EVERYONE),
    write(
        "api-feedback",
        POST,
        None,
        WRITES_FEEDBACK,
        body="feedback_on_member",
        gate={COORDINATOR, OUTSIDER},
        answers=dict.fromkeys((STUDENTS | SUPERVISORS | {OTHER_ORG}) - WRITES_FEEDBACK, 400),
        why="a student you do not supervise is a field error (supervision/api.py, the same for a missing id)",
    ),
    get("api-feedback-detail", "feedback", PROGRESS),
    get("api-student-progress", "student", PROGRESS),
    # --- teams (pages) ------------------------------------------------------------------------------
    get("team-detail", "team", TEAM),
    write("team-join", POST, "team", NOBODY, sees=STUDENTS, gate=EVERYONE - STUDENTS),
    write("team-leave", POST, "team", NOBODY, sees=TEAM),
    write("team-move", POST, "team", {COORDINATOR}, sees=TEAM, body={"student": "teamless_id"}),
    write("team-remove", POST, "team", {COORDINATOR}, sees=TEAM, body={"student": "teammate_id", "reason": "x"}),
    write("team-status", POST, "team", {COORDINATOR}, sees=TEAM, body={"status": "closed"}),
    write(
        "team-duo-create",
        POST,
        "team",
        {MEMBER},
        sees=TEAM,
        body={"procesrol": "teammate_id", "begeleidingsrol": "member_id"},
    ),
    write("team-task-create", POST, "team", {MEMBER}, sees=TEAM, body={"phase": "verkenning", "title": "Proef"}),
    write("duo-youth-case", POST, "duo", {MEMBER}, sees=TEAM),
    write("duo-dissolve", POST, "duo", {MEMBER}, sees=TEAM),
    write("task-status", POST, "task", {MEMBER}, sees=TEAM, body={"status": "done"}),
    get("task-edit", "task", {MEMBER}, sees=TEAM - {MEMBER}),
    write("task-edit", POST, "task", {MEMBER}, sees=TEAM, body={"title": "Proef", "phase": "verkenning"}),
    get("task-delete", "task", {MEMBER}, sees=TEAM - {MEMBER}),
    write("task-delete", POST, "task", {MEMBER}, sees=TEAM),
    get("chat-page", "team", CHAT),
    write("chat-page", POST, "team", CHAT, body={"body": "Hallo", "client_id": "proef-2"}),
    # --- supervision (pages) ------------------------------------------------------------------------
    get("supervision-progress", "student", PROGRESS),
    get("supervision-progress-pdf", "student", PROGRESS),
    get("supervision-feedback-list", "student", PROGRESS),
    # --- AVG: own data, erasure (a wrong confirmation: the coordinator reaches the form, nothing is erased)
    get("privacy-my-data", None, STUDENTS),
    get("privacy-my-data-download", None, STUDENTS),
    get("privacy-student-erase", "student", {COORDINATOR}),
    write(
        "privacy-student-erase",
        POST,
        "student",
        {COORDINATOR},
        body={"confirmation": "niet de naam"},
        answers={COORDINATOR: 400},
    ),
    write(
        "supervision-log",
        POST,
        None,
        WRITES_FEEDBACK,
        body="feedback_form",
        answers={OTHER_DOCENT: 400, WERKBEGELEIDER: 400},
        why="a student you do not supervise is a form error, the same for a missing id",
    ),
    write(
        "supervision-observe",
        POST,
        None,
        WRITES_FEEDBACK,
        body="observation_form",
        answers={OTHER_DOCENT: 400, WERKBEGELEIDER: 400},
        why="a student you do not supervise is a form error, the same for a missing id",
    ),
    write("supervision-assign-remove", POST, "link", {COORDINATOR}),
    # The general rubric belongs to no cohort: every coordinator may edit it (supervision/services.py).
    get("supervision-criterion", "criterion", COORDINATORS),
    write("supervision-criterion", POST, "criterion", COORDINATORS, body="criterion_form"),
    write("supervision-criterion-active", POST, "criterion", COORDINATORS, body={"active": "0"}),
    # A criterion of the demo cohort only: its coordinator.
    get("supervision-criterion", "cohort_criterion", {COORDINATOR}),
    write("supervision-criterion", POST, "cohort_criterion", {COORDINATOR}, body="criterion_form"),
    write("supervision-criterion-active", POST, "cohort_criterion", {COORDINATOR}, body={"active": "0"}),
    # --- formation (pages) and self-join ------------------------------------------------------------
    # Only the coordinator of the cohort; for everyone else the cohort's formation and its runs do not exist.
    get("cohort-formation", "cohort", {COORDINATOR}),
    write("cohort-formation", POST, "cohort", {COORDINATOR}, body={"time_limit": "1", "seed": "1"}),
    get("formation-run", "formation_run", {COORDINATOR}),
    get("formation-run-progress", "formation_run", {COORDINATOR}),
    get("formation-run-check", "formation_run", {COORDINATOR}),
    write("formation-run-move", POST, "formation_run", {COORDINATOR}, body={"student": "teamless_id", "to": "uit"}),
    write("formation-run-lock", POST, "formation_run", {COORDINATOR}, body={"student": "teamless_id", "locked": "1"}),
    write("formation-run-rerun", POST, "formation_run", {COORDINATOR}),
    get("formation-run-publish", "formation_run", {COORDINATOR}),
    write("formation-run-publish", POST, "formation_run", {COORDINATOR}),
    write("cohort-self-join", POST, "cohort", {COORDINATOR}, body={"action": "reopen"}),
    write("api-cohort-self-join-reopen", POST, "cohort", {COORDINATOR}),
    write("api-cohort-self-join-close", POST, "cohort", {COORDINATOR}),
    # --- import: only the coordinators of the cohort, for its own imports -------------------------
    get("cohort-import", "cohort", {COORDINATOR}),
    write("cohort-import", POST, "cohort", {COORDINATOR}, body="import_upload"),
    get("cohort-import-preview", "student_import", {COORDINATOR}),
    get("cohort-import-mapping", "student_import", {COORDINATOR}),
    write("cohort-import-mapping", POST, "student_import", {COORDINATOR}, body=IMPORT_MAPPING),
    write("cohort-import-confirm", POST, "student_import", {COORDINATOR}),
    write("cohort-import-discard", POST, "student_import", {COORDINATOR}),
    write("api-cohort-imports", POST, "cohort", {COORDINATOR}, body="import_upload"),
    write("api-import-confirm", POST, "student_import", {COORDINATOR}),
    # --- invitations ----------------------------------------------------------------------------------
    # The demo cohort's invitations: its coordinator only (another cohort's coordinator: 404).
    get("cohort-invitations", "cohort", {COORDINATOR}),
    write("cohort-invitations", POST, "cohort", {COORDINATOR}, body="invite_form"),
    # Organisation contacts invite colleagues of their own organisation; nobody else has the page.
    get("organisation-invite", None, ORGANISATIONS),
    write(
        "organisation-invite", POST, None, ORGANISATIONS, body={"email": "collega@example.nl", "kind": "organisation"}
    ),
    # The demo's pending invitation (the coordinator's) and one wijkteam sent to a colleague.
    write("invitation-resend", POST, "invitation", {COORDINATOR}),
    write("invitation-revoke", POST, "invitation", {COORDINATOR}),
    write("invitation-resend", POST, "org_invitation", {ORG}),
    write("invitation-revoke", POST, "org_invitation", {ORG}),
    # The link in the mail: public; a made-up token answers the friendly "link does not work" page.
    public("invitation-accept"),
    public("invitation-accept", POST),
    # --- cohorts and profile ------------------------------------------------------------------------
    # Cohorts are managed by their own coordinators only: the outsider (a coordinator of another
    # cohort) gets 404 like everyone else; the list and the form are for coordinators as a role (403).
    get("cohort-list", None, COORDINATORS, gate=EVERYONE - COORDINATORS),
    get("cohort-create", None, COORDINATORS, gate=EVERYONE - COORDINATORS),
    write("cohort-create", POST, None, COORDINATORS, gate=EVERYONE - COORDINATORS, body={"name": "Proef"}),
    get("cohort-detail", "cohort", {COORDINATOR}),
    get("cohort-audit-log", "cohort", {COORDINATOR}),
    get("cohort-edit", "cohort", {COORDINATOR}),
    write("cohort-edit", POST, "cohort", {COORDINATOR}, body={"name": "Gewijzigd"}),
    write("cohort-archive", POST, "cohort", {COORDINATOR}),
    get("profile", None, EVERYONE),
    write("profile", POST, None, EVERYONE, body={"display_name": "Proef", "email": "proef@example.nl"}),
    # Everyone here signs in with a password (an account without one: 404, tests/wijklab/test_account_security.py).
    get("password-change", None, EVERYONE),
    write("password-change", POST, None, EVERYONE, body={"old_password": "x", "new_password1": "y"}),
    get("second-factor", None, EVERYONE),
    write("second-factor", POST, None, EVERYONE, body={"action": "start"}),
    # Personal API tokens: everyone keeps their own; someone else's token is not found (a made-up id too).
    get("api-tokens", None, EVERYONE),
    write("api-tokens", POST, None, EVERYONE, body={"name": "Proef", "expires": "30"}),
    get("api-token-revoke", "api_token", {MEMBER}),
    write("api-token-revoke", POST, "api_token", {MEMBER}),
    get("api-cohort-list", None, COORDINATORS, gate=EVERYONE - COORDINATORS),
    write(
        "api-cohort-list",
        POST,
        None,
        COORDINATORS,
        gate=EVERYONE - COORDINATORS,
        body={"name": "Proef", "starts_on": "2027-09-01", "ends_on": "2028-07-01"},
    ),
    get("api-cohort-detail", "cohort", {COORDINATOR}),
    write("api-cohort-detail", PATCH, "cohort", {COORDINATOR}, body={"name": "Gewijzigd"}),
    write("api-cohort-archive", POST, "cohort", {COORDINATOR}),
]

# Routes the table leaves out, with the reason (none so far: keep it that way).
NOT_IN_TABLE: dict[str, str] = {}


def route_key(route: Route) -> str:
    return route.name or route.pattern


# --- the demo objects ------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, User]
    objects: dict[str, object]
    ids: dict[str, dict[str, int]]  # object key -> URL kwargs

    def url(self, route: Route, obj: str | None, *, missing: bool = False) -> str:
        if route.name == "password_reset_confirm":
            return reverse(route.name, kwargs={"uidb64": "MQ", "token": "set-password"})
        if route.name == "invitation-accept":
            return reverse(route.name, kwargs={"token": "een-verzonnen-link"})
        if route.name == "oidc-start":
            return reverse(route.name, kwargs={"provider": "surfconext"})
        ids = {} if obj is None else self.ids[obj]
        kwargs = {name: ids[name] for name in route.params}
        if missing:
            kwargs = dict.fromkeys(kwargs, MISSING_ID)
        return reverse(route.name, kwargs=kwargs)


@pytest.fixture
def world(demo, db, settings) -> World:
    # Institution sign-in on, so its start route answers (it only redirects; nothing is contacted).
    settings.OIDC_PROVIDERS = {"surfconext": OIDC_PROVIDER}
    return build_world(demo)


OIDC_PROVIDER = {
    "key": "surfconext",
    "label": "SURFconext",
    "ISSUER": "https://connect.test.surfconext.nl",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://connect.test.surfconext.nl/oidc/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://connect.test.surfconext.nl/oidc/token",
    "OIDC_OP_USER_ENDPOINT": "https://connect.test.surfconext.nl/oidc/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://connect.test.surfconext.nl/oidc/certs",
    "OIDC_RP_CLIENT_ID": "wijklab",
    "OIDC_RP_CLIENT_SECRET": "secret",
    "OIDC_RP_SIGN_ALGO": "RS256",
    "OIDC_RP_SCOPES": "openid email profile",
}


def build_world(demo) -> World:
    """The people and objects of the table, from the demo (plus an outsider and a chat attachment)."""
    users = {username: demo.user(username) for username in ROLES if username not in {ANON, OUTSIDER}}
    outsider = UserFactory(username=OUTSIDER, role=Role.COORDINATOR, display_name="Buiten Staander")
    CohortFactory(name="Een ander cohort").coordinators.add(outsider)
    users[OUTSIDER] = outsider
    member = users[MEMBER]
    team = Team.objects.get(memberships__student=member, memberships__left_at__isnull=True)
    assert team.assignment.organisation_id == users[ORG].organisation_id
    assert SupervisionAssignment.objects.filter(team=team, supervisor=users[DOCENT]).exists()
    assert SupervisionAssignment.objects.filter(team=team, supervisor=users[ORG]).exists()
    assert not SupervisionAssignment.objects.filter(team=team, supervisor=users[OTHER_DOCENT]).exists()
    author = User.objects.get(username="student5")
    message = Message.objects.filter(team=team, author=author).first()
    attachment = Attachment.objects.filter(message__team=team).first()
    if attachment is None:
        upload = SimpleUploadedFile("verslag.pdf", pdf_bytes(), content_type="application/pdf")
        sent, _ = chat_services.message_post(
            team=team, author=author, body="", client_id="proef-bijlage", files=[upload], announce=False
        )
        attachment = Attachment.objects.get(message=sent)
    draft = Assignment.objects.get(status=AssignmentStatus.DRAFT, organisation=users[OTHER_ORG].organisation)
    open_assignment = (
        Assignment.objects.filter(status=AssignmentStatus.OPEN, organisation=users[ORG].organisation)
        .exclude(pk=team.assignment_id)
        .first()
    )
    teammate = team.memberships.filter(left_at__isnull=True).exclude(student=member).first().student
    free_duo_members = [m for m in team.memberships.filter(left_at__isnull=True)][:2]
    duo = Duo.objects.filter(team=team).first()
    from wijklab.invitation_services import invitation_create

    org_invitation, _token = invitation_create(
        by=users[ORG], email="collega@wijkteam.example.nl", role=Role.ORGANISATION
    )
    objects = {
        "invitation": Invitation.objects.get(cohort=team.assignment.cohort, invited_by=users[COORDINATOR]),
        "org_invitation": org_invitation,
        "organisation_id": users[ORG].organisation_id,
        "team": team,
        "task": Task.objects.filter(team=team).first(),
        "duo": duo,
        "message": message,
        "attachment": attachment,
        "draft": draft,
        "open_assignment": open_assignment,
        "cohort": team.assignment.cohort,
        "feedback": FeedbackEntry.objects.filter(student=member, author=users[DOCENT]).first(),
        "student": member,
        "link": SupervisionAssignment.objects.filter(team=team, supervisor=users[DOCENT]).first(),
        "criterion": Criterion.objects.filter(rubric__is_default=True, cohort__isnull=True).first(),
        "formation_run": FormationRun.objects.create(
            cohort=team.assignment.cohort,
            created_by=users[COORDINATOR],
            status=FormationRun.Status.DONE,
            parameters={"time_limit": 1, "seed": 1, "locks": {}},
            proposal={"status": "optimal", "teams": [], "students": [], "unplaced": [], "conflicts": []},
        ),
        "cohort_criterion": Criterion.objects.create(
            rubric=Criterion.objects.filter(rubric__is_default=True).first().rubric,
            cohort=team.assignment.cohort,
            category=Category.VAKINHOUDELIJK,
            name="Outreachend werken",
        ),
        # Values for request bodies.
        "teamless_id": users[TEAMLESS].pk,
        "teammate_id": teammate.pk,
        "member_id": member.pk,
        "other_docent_id": users[OTHER_DOCENT].pk,
        "neighbourhood_id": open_assignment.neighbourhood_id,
        "competence_ids": list(open_assignment.required_competences.values_list("competence_id", flat=True)[:2]),
        "duo_swap": {str(duo.member_a_id): duo.role_b, str(duo.member_b_id): duo.role_a},
        "duo_members": [m.student_id for m in free_duo_members],
        "duo_roles": {
            str(free_duo_members[0].student_id): "procesrol",
            str(free_duo_members[1].student_id): "begeleidingsrol",
        },
    }
    objects["api_token"] = api_token_create(user=member, name="Proef-script")[0]
    objects["student_import"] = StudentImport.objects.create(
        cohort=objects["cohort"],
        uploaded_by=users[COORDINATOR],
        file_name="lijst.csv",
        headers=["Naam", "E-mail", "Niveau", "School"],
        rows=[["Sara Jansen", "sara@x.nl", "4", "Albeda"]],
        mapping=IMPORT_MAPPING,
    )
    assert all(v is not None for v in objects.values()), {k for k, v in objects.items() if v is None}
    ids = {
        "team": {"team_id": team.pk},
        "task": {"task_id": objects["task"].pk},
        "duo": {"duo_id": objects["duo"].pk},
        "message": {"team_id": team.pk, "message_id": message.pk},
        "attachment": {"team_id": team.pk, "attachment_id": attachment.pk},
        "draft": {"pk": draft.pk, "assignment_id": draft.pk},
        "open_assignment": {"pk": open_assignment.pk, "assignment_id": open_assignment.pk},
        "cohort": {"pk": objects["cohort"].pk, "cohort_id": objects["cohort"].pk},
        "feedback": {"pk": objects["feedback"].pk},
        "student": {"pk": member.pk, "student_id": member.pk},
        "link": {"link_id": objects["link"].pk},
        "criterion": {"criterion_id": objects["criterion"].pk},
        "invitation": {"invitation_id": objects["invitation"].pk},
        "org_invitation": {"invitation_id": objects["org_invitation"].pk},
        "cohort_criterion": {"criterion_id": objects["cohort_criterion"].pk},
        "formation_run": {"run_id": objects["formation_run"].pk},
        "student_import": {"cohort_id": objects["cohort"].pk, "import_id": objects["student_import"].pk},
        "api_token": {"token_id": objects["api_token"].pk},
    }
    return World(users=users, objects=objects, ids=ids)


# --- requests ---------------------------------------------------------------------------------------


def body_for(case: Case, world: World) -> object:
    """The request body of a case, with names of demo objects (``"member_id"``, ``"team"``) made ids."""
    body = case.body
    if body == "import_upload":
        return {"file": SimpleUploadedFile("lijst.csv", b"Naam;E-mail\r\nSara Jansen;sara@x.nl\r\n", "text/csv")}
    if body == "attachment_upload":
        return {"file": SimpleUploadedFile("a.pdf", pdf_bytes(), "application/pdf"), "client_id": "proef-3"}
    if body == "feedback_on_member":
        criterion = world.objects["criterion"]
        return {
            "student": world.objects["student"].pk,
            "team": world.objects["team"].pk,
            "kind": "supervisor",
            "scores": [{"criterion": criterion.pk, "level": 3}],
            "comment": "Proef",
            "date": "2026-01-05",
            "show_author": False,
            "is_observation": False,
        }
    if body == "observation_form":
        return {"student": world.objects["student"].pk, "criterion": world.objects["criterion"].pk, "level": "3"}
    level = f"level-{world.objects['criterion'].pk}"
    descriptors = {f"descriptor-{n}": f"Wat je ziet op niveau {n}" for n in (1, 2, 3, 4)}
    if body == "self_form":
        return {level: "3", "comment": "Gaat goed", "date": "2026-01-05"}
    if body == "peer_form":
        return {"student": world.objects["teammate_id"], level: "3", "comment": "Fijn", "show_author": "on"}
    if body == "rubric_form":
        return {"cohort": world.objects["cohort"].pk, "category": "vakinhoudelijk", "name": "Proef", **descriptors}
    if body == "invite_form":
        return {"email": "nieuw@example.nl", "kind": "organisation", "organisation": world.objects["organisation_id"]}
    if body == "criterion_form":
        return {"name": "Anders", "description": "Nieuw", **descriptors}
    if body == "feedback_form":
        return {"student": world.objects["student"].pk, f"level-{world.objects['criterion'].pk}": "3", "comment": "x"}

    def resolve(value: object) -> object:
        if isinstance(value, str) and value in world.objects:
            value = world.objects[value]
            return value.pk if hasattr(value, "pk") else value
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    return resolve(body)


def send(client: Client, method: str, url: str, body: object, *, api: bool) -> object:
    if method == GET:
        return client.get(url)
    if isinstance(body, dict) and any(isinstance(v, SimpleUploadedFile) for v in body.values()):
        return client.post(url, body)  # multipart
    if api:
        data = json.dumps(body if body is not None else {})
        return client.generic(method, url, data=data, content_type="application/json")
    if method == POST:
        return client.post(url, body or {})
    return client.generic(method, url)


_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def _is_audit_insert(sql: str) -> bool:
    """The audit log's record of the refusal itself (wijklab.middleware.AuditMiddleware): the one
    write a refused request makes, and only an INSERT into that table."""
    return sql.lstrip().upper().startswith("INSERT") and '"wijklab_auditentry"' in sql


def sent_with_writes(request: Callable[[], object]) -> tuple[object, list[str]]:
    """Send a request inside a block that is rolled back, and tell which writes it made.

    A refused request must not write at all (sessions aside: logging in and
    flash messages are not data; nor is the audit log's record of the refusal); rolling back keeps every request of the
    table independent of the others.
    """
    with transaction.atomic(), count_queries() as queries:
        response = request()
        transaction.set_rollback(True)
    # psycopg may not render a statement (sql None): count it, better a false alarm than a missed write.
    sqls = [q["sql"] or "(a statement psycopg did not render)" for q in queries.captured_queries]
    writes = [
        sql[:120]
        for sql in sqls
        if (_WRITE.match(sql) or sql.startswith("(")) and "django_session" not in sql and not _is_audit_insert(sql)
    ]
    return response, writes


def client_for(world: World, role: str) -> Client:
    client = Client()
    if role != ANON:
        client.force_login(world.users[role])
    return client


def redirected_with_error(response: object) -> bool:
    if response.status_code != 302:
        return False
    levels = {m.level for m in get_messages(response.wsgi_request)}
    return bool(levels & {message_levels.ERROR, message_levels.WARNING})


@dataclass
class Outcome:
    problems: list[str] = field(default_factory=list)
    checked: int = 0


def check(case: Case, route: Route, role: str, world: World, client: Client, outcome: Outcome) -> None:
    url = world.url(route, case.obj)
    api = route.is_api
    unsafe = case.method in UNSAFE
    expectation = "public" if case.ok == frozenset(ROLES) else ("anonymous" if role == ANON else case.expected(role))
    if unsafe and expectation == "ok":
        return  # what an allowed change does is tested by each area itself
    if case.route == "logout":
        client = client_for(world, role)  # logging out ends the session: a client of its own
    response, writes = sent_with_writes(lambda: send(client, case.method, url, body_for(case, world), api=api))
    # Django's own public views (log in and out, language, password reset) are not ours to judge.
    changed = unsafe and expectation != "public" and writes
    status = response.status_code
    outcome.checked += 1
    label = f"{role:15} {case.method:6} {url} ({case.route}): expected {expectation}, got {status}"

    if status >= 500:
        outcome.problems.append(label)
    elif changed:
        outcome.problems.append(f"{label} — and it wrote to the database: {writes[0]}")
    elif expectation == "gate":
        missing = send(client, case.method, world.url(route, case.obj, missing=True), None, api=api)
        if status != 403 or missing.status_code != 403:
            outcome.problems.append(f"{label} — a missing id gives {missing.status_code}")
    elif not as_expected(expectation, status, response, api=api):
        outcome.problems.append(label)


def as_expected(expectation: str, status: int, response: object, *, api: bool) -> bool:
    if expectation == "public":
        return status < 400 or status == 405
    if expectation == "anonymous":
        if api:
            return status in {401, 403}
        return status == 302 and response["Location"].startswith(reverse("login"))
    if expectation == "ok":
        return status == 200
    if expectation == "not found":
        return status == NOT_FOUND
    if expectation == "refused":
        return status in {403, 404} or (not api and redirected_with_error(response))
    return status == int(expectation.removeprefix("status "))


# --- the tests ---------------------------------------------------------------------------------------


def routes_by_key() -> dict[str, Route]:
    return {route_key(r): r for r in all_routes()}


def test_every_route_is_in_the_table():
    """A new route fails here until someone says who may use it."""
    known = {case.route for case in TABLE} | set(NOT_IN_TABLE)
    unknown = sorted(set(routes_by_key()) - known)
    assert not unknown, f"routes without a line in the permission table: {unknown}"
    stale = sorted(known - set(routes_by_key()))
    assert not stale, f"the table names routes that no longer exist: {stale}"


def test_every_method_an_api_view_has_is_in_the_table():
    """A new handler on an existing endpoint (say DELETE) fails here until it is in the table."""
    in_table: dict[str, set[str]] = {}
    for case in TABLE:
        in_table.setdefault(case.route, set()).add(case.method)
    missing = []
    for route in all_routes():
        view = getattr(route.callback, "cls", None)
        if view is None or not route.is_api or route.name in {"api-schema", "api-docs", "api-redoc"}:
            continue
        actions = getattr(route.callback, "actions", None)
        methods = (
            {m.upper() for m in actions} & set((*UNSAFE, GET))
            if actions
            else {m.upper() for m in (*UNSAFE, GET) if hasattr(view, m.lower())}
        )
        for method in methods - in_table.get(route.name, set()):
            missing.append(f"{method} {route.pattern}")
    assert not missing, f"API methods without a line in the permission table: {missing}"


@pytest.mark.parametrize("role", ROLES)
def test_permission_table(world, role):
    routes = routes_by_key()
    client = client_for(world, role)
    outcome = Outcome()
    for case in TABLE:
        check(case, routes[case.route], role, world, client, outcome)
    # Methods a route does not have: 405 (also for objects one may not see: the method comes first).
    if role in {MEMBER, COORDINATOR}:
        for key, route in routes.items():
            cases = [c for c in TABLE if c.route == route.name]
            if key in NOT_IN_TABLE or any(c.ok == frozenset(ROLES) for c in cases):
                continue
            listed = {c.method for c in cases}
            for method in {GET, POST, PUT, PATCH, DELETE} - listed:
                url = world.url(route, cases[0].obj)
                response, writes = sent_with_writes(
                    lambda: send(client, method, url, None, api=route.is_api)  # noqa: B023 - called at once
                )
                outcome.checked += 1
                if response.status_code != 405 or writes:
                    outcome.problems.append(
                        f"{role:15} {method:6} {route.pattern}: a method the route does not have answered "
                        f"{response.status_code}{' and wrote to the database' if writes else ''}"
                    )
    assert outcome.checked > 40
    assert not outcome.problems, "\n".join(outcome.problems)


# --- werkbegeleiders, both account kinds: progress and exports of exactly their students ----------

PROGRESS_ROUTES = [
    "/studenten/{pk}/voortgang/",
    "/studenten/{pk}/voortgang.pdf",
    "/studenten/{pk}/feedback/",
    "/api/students/{pk}/progress/",
]


@pytest.mark.parametrize("username", [ORG, WERKBEGELEIDER])
def test_werkbegeleiders_of_both_kinds_follow_exactly_the_students_they_supervise(demo, db, username):
    """``wijkteam`` (an organisation contact linked to Team Maashaven) and ``werkbegeleider`` (a supervisor
    account of kind werkbegeleider, of DOCK's teams) have the same abilities on their own students, and
    get 404 on anyone else's, exactly as for a missing id."""
    from supervision.selectors import students_supervised_on_site_by

    user = demo.user(username)
    mine = set(students_supervised_on_site_by(user=user).values_list("pk", flat=True))
    assert mine, f"{username} supervises nobody in the demo"
    others = set(User.objects.filter(role=Role.STUDENT).exclude(pk__in=mine).values_list("pk", flat=True))
    client = Client()
    client.force_login(user)
    for url in PROGRESS_ROUTES:
        for pk in sorted(mine)[:3]:
            assert client.get(url.format(pk=pk)).status_code == 200, url.format(pk=pk)
        for pk in [*sorted(others)[:3], MISSING_ID]:
            assert client.get(url.format(pk=pk)).status_code == NOT_FOUND, url.format(pk=pk)
    overview = client.get(reverse("supervision-overview"))
    assert overview.status_code == 200
    assert "Mijn studenten" in overview.content.decode()
    csv = client.get(reverse("supervision-overview-csv"))
    assert csv.status_code == 200
    header = csv.content.decode("utf-8-sig").splitlines()[0].split(";")
    assert "Niveau" not in header
    assert len(csv.content.decode("utf-8-sig").splitlines()) == len(mine) + 1
    # Feedback and an observation on one of their students; not on anyone else's.
    assert client.get(reverse("supervision-log")).status_code == 200
    assert client.get(reverse("supervision-observe")).status_code == 200
    one, other = min(mine), min(others)
    for student, expected in [(one, 201), (other, 400)]:
        response = client.post(
            "/api/feedback/",
            data={"student": student, "comment": "Op tijd en goed voorbereid."},
            content_type="application/json",
        )
        assert response.status_code == expected, response.content


def test_an_organisation_contact_without_students_follows_nobody(demo, db):
    """dock is not linked to any team or student: no "Mijn studenten", no progress."""
    client = Client()
    client.force_login(demo.user(OTHER_ORG))
    assert client.get(reverse("supervision-overview")).status_code == NOT_FOUND
    assert client.get(reverse("supervision-overview-csv")).status_code == NOT_FOUND
    student = demo.user(MEMBER)
    for url in PROGRESS_ROUTES:
        assert client.get(url.format(pk=student.pk)).status_code == NOT_FOUND
