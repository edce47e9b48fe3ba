"""Level-blind and need-to-know, checked on everything a person can reach.

With the real demo data (``seed_demo``), each organisation contact of the
demo, both demo werkbegeleiders (supervisor accounts of kind werkbegeleider)
and two students log in and crawl every same-site page, htmx partial,
JSON endpoint and export they can reach by GET from "/" and from the API's
lists (docs/design.md "Visibility"):

- organisation contacts never see a student's niveau — not as text, not as a
  JSON field, and not indirectly: the crawl is repeated with the students'
  niveaus shuffled *within each team* (so every team keeps its mix, counts
  and completeness) and no page may change;
- nor by inference (docs/visibility.md): no programme, no mbo/hbo docent on
  a student's pages, no youth-case duo, no refusal naming niveaus, no
  completeness verdict on a team of fewer than three;
- nobody sees a feedback entry or score they may not see (a werkbegeleider —
  ``wijkteam``, ``werkbegeleider``, ``werkbegeleider.capelle`` — sees the
  feedback on the students they supervise on site and what they wrote);
- a werkbegeleider opens the progress page, feedback list and PDF of exactly
  the students they supervise on site, and "Mijn studenten" with its CSV;
- nobody reads the chat of a team that is not theirs;
- a student outside a team sees no other student's niveau or feedback and
  gets 404 on every team, chat and progress page that is not theirs.

Every feedback entry, score and message carries a unique marker (see
``conftest.py``), so "sees it" is a text search in HTML, JSON, CSV and PDF.
"""

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import reverse

from teams.models import Duo, SupervisionAssignment
from tests.frontend.conftest import MARKER, Demo, werkbegeleider_teams
from tests.frontend.crawling import Crawler, Page, api_list_urls, json_items, readable_text
from wijklab.models import Role, StudentProfile, User

ORGANISATION_CONTACTS = ["dock", "welzijncapelle", "buurtwerk", "wijkteam"]
# Supervisor accounts of kind werkbegeleider: people of an organisation too.
WERKBEGELEIDERS = ["werkbegeleider", "werkbegeleider.capelle"]

# Inference leaks (docs/visibility.md): what a person of an organisation may never read.
YOUTH_CASE_DUO = re.compile(
    r"draagt de jeugdcasus|draagt de verantwoordelijkheid voor de jeugdcasus|duo--youth|carries_youth_case",
    re.IGNORECASE,
)
NAMED_REFUSAL = re.compile(r"plekk?e?n? nodig voor (?:een|de)? ?(?:niveau|studenten? van niveau)", re.IGNORECASE)
DOCENT_KIND = re.compile(r"(?:mbo|hbo)[-_ ]docent", re.IGNORECASE)

# How a student's niveau could be written down. (Rubric levels are 1..4 and
# named "Onvoldoende" … "Goed"; "niveau 4" is never one of them.)
NIVEAU_TEXT = re.compile(
    r"\bniveau\W{0,3}[456]\b|\bmbo\W{0,3}4\b|associate degree|\bhbo-bachelor\b|\bbachelor\b|\bAd Sociaal\b",
    re.IGNORECASE,
)
# Sentences about an *assignment's* required mix, written by or for the
# organisation itself; they say nothing about any student.
ABOUT_ASSIGNMENTS = [
    re.compile(r"minstens \d+ × niveau 4, \d+ × niveau 5, \d+ × niveau 6"),  # assignment detail: "Samenstelling"
    re.compile(r"minimaal niveau [456] (?:mbo|associate degree|hbo-bachelor)"),  # the assignment form's labels
    re.compile(r"studenten van niveau 4, 5 en 6"),  # "Teams zijn gemengd: …"
    re.compile(r"minstens één niveau 6-student en een hbo-docent"),  # what requires_hbo means
]  # matched against ``plain`` text: lower case, no brackets
# JSON fields about an assignment's requirements, not about a student.
ASSIGNMENT_NIVEAU_KEYS = re.compile(r"min_niveau_[456]")


@dataclass
class Viewer:
    user: User
    feedback: set[int]  # entry ids this viewer may see
    chats: set[int]  # team ids whose chat this viewer may read
    niveau_of: set[int]  # student ids whose niveau this viewer may see
    teams: set[int]  # team ids this viewer may open
    own_team: int | None = None
    violations: list[str] = field(default_factory=list)
    blind: bool = False  # of an organisation: level-blind
    progress_of: set[int] = field(default_factory=set)  # students whose progress they open (werkbegeleiders)

    def flag(self, page: Page, problem: str) -> None:
        self.violations.append(f"{self.user.username}: {page.url}{' (htmx)' if page.htmx else ''}: {problem}")


def supervised_on_site(demo: Demo, user: User) -> set[int]:
    """The students ``user`` supervises (team links: the active members; individual links), from the data."""
    links = SupervisionAssignment.objects.filter(supervisor=user)
    students = set(links.filter(student__isnull=False).values_list("student_id", flat=True))
    for team_id in links.filter(team__isnull=False).values_list("team_id", flat=True):
        students |= demo.team_members.get(team_id, set())
    return students


def viewer_for(demo: Demo, username: str) -> Viewer:
    user = demo.user(username)
    if user.role in {Role.ORGANISATION, Role.SUPERVISOR}:
        students = supervised_on_site(demo, user)
        if user.role == Role.ORGANISATION:
            teams = demo.teams_of_organisation(user.organisation_id)
        else:
            teams = werkbegeleider_teams(user) | {t for t, m in demo.team_members.items() if m & students}
        # Feedback: what they wrote, and as werkbegeleider that on the students they supervise.
        feedback = {e for e, author in demo.feedback_author.items() if author == user.pk}
        feedback |= {e for e, student in demo.feedback_student.items() if student in students}
        return Viewer(
            user=user,
            feedback=feedback,
            chats=teams,
            niveau_of=set(),
            teams=teams,
            blind=True,
            progress_of=students,
        )
    own_team = demo.team_of_student(user.pk)
    mates = demo.team_members.get(own_team, set()) if own_team else set()
    feedback = {e for e, student in demo.feedback_student.items() if student == user.pk}
    feedback |= {e for e, author in demo.feedback_author.items() if author == user.pk}
    teams = {own_team} if own_team else set()
    return Viewer(
        user=user, feedback=feedback, chats=teams, niveau_of=mates | {user.pk}, teams=teams, own_team=own_team
    )


# --- the crawl --------------------------------------------------------------------


def widen_api(page: Page) -> Iterable[str]:
    """Ids in API answers are not links: turn them into the detail endpoints and pages they stand for."""
    data = page.data if isinstance(page.data, dict) else {}
    results = data.get("results", []) if isinstance(data.get("results"), list) else []
    name = page.url_name

    def student(pk: int) -> list[str]:
        return [
            f"/api/students/{pk}/progress/",
            f"/api/feedback/?student={pk}",
            f"/studenten/{pk}/voortgang/",
            f"/studenten/{pk}/feedback/",
            f"/studenten/{pk}/voortgang.pdf",
        ]

    def team(pk: int) -> list[str]:
        return [
            f"/api/teams/{pk}/",
            f"/api/teams/{pk}/tasks/",
            f"/api/teams/{pk}/duos/",
            f"/api/teams/{pk}/messages/",
            f"/api/teams/{pk}/changes/",
            f"/teams/{pk}/",
            f"/teams/{pk}/chat/",
        ]

    if name in {"api-teams", "api-teams-open"}:
        for row in results:
            yield from team(row["id"])
    elif name == "api-team-detail":
        for member in data.get("members", []):
            yield from student(member["id"])
    elif name == "api-team-tasks":
        for row in results:
            yield f"/api/tasks/{row['id']}/"
    elif name == "api-assignment-list":
        for row in results:
            yield f"/api/assignments/{row['id']}/"
            for t in row.get("teams") or []:
                yield from team(t["id"])
    elif name == "api-feedback":
        for row in results:
            yield f"/api/feedback/{row['id']}/"
            yield from student(row["student"]["id"])
    elif name == "api-chat-overview":
        for row in data if isinstance(page.data, list) else results:
            team_id = row.get("team", {}).get("id") if isinstance(row.get("team"), dict) else row.get("id")
            if team_id:
                yield from team(team_id)
    elif name == "api-chat-messages":
        team_id = int(page.url.split("/")[3])
        for row in results:
            yield f"/api/teams/{team_id}/messages/{row['id']}/revisions/"


def crawl(username: str, demo: Demo) -> tuple[Client, dict]:
    client = Client()
    client.force_login(demo.user(username))
    crawler = Crawler(client, expand=widen_api)
    pages = crawler.run(["/", *api_list_urls()])
    return client, pages


# --- what may not be seen ------------------------------------------------------------


def check_page(viewer: Viewer, page: Page, demo: Demo) -> None:
    if page.status >= 500:
        viewer.flag(page, f"answered {page.status}")
    for kind, pk in MARKER.findall(page.text):
        pk = int(pk)
        if kind in {"fb", "sc"} and demo.entry_of(kind, pk) not in viewer.feedback:
            entry = demo.entry_of(kind, pk)
            viewer.flag(page, f"shows feedback entry {entry} (author {demo.feedback_author[entry]})")
        if kind in {"msg", "rev"} and demo.team_of(kind, pk) not in viewer.chats:
            viewer.flag(page, f"shows a chat message of team {demo.team_of(kind, pk)}")
    if page.data is not None:
        check_json_niveau(viewer, page)
    if viewer.blind:
        check_inference(viewer, page)
    elif NAMED_REFUSAL.search(plain(readable_text(page))):
        # Students: a refusal about a team they are outside never names niveaus.
        viewer.flag(page, "a refusal names the niveaus a team misses")
    if viewer.blind:
        text = plain(readable_text(page))
        for allowed in ABOUT_ASSIGNMENTS:
            text = allowed.sub("", text)
        for match in NIVEAU_TEXT.finditer(text):
            if in_assignment_texts(text, match):
                continue
            context = text[max(0, match.start() - 60) : match.end() + 40]
            viewer.flag(page, f"shows a niveau: …{context}…")


def check_json_niveau(viewer: Viewer, page: Page) -> None:
    for path, key, value in json_items(page.data):
        if value is None or "niveau" not in key or ASSIGNMENT_NIVEAU_KEYS.fullmatch(key):
            continue
        if viewer.blind:
            viewer.flag(page, f"JSON {path} = {value!r}")
    # Students: a "niveau" only on themselves and their teammates.
    for _path, _key, value in json_items({"": page.data}):
        shows_niveau = isinstance(value, dict) and value.get("niveau") is not None and "id" in value
        if shows_niveau and value["id"] not in viewer.niveau_of:
            viewer.flag(page, f"JSON gives the niveau of user {value['id']}")


_programmes: list[set[str]] = []


def check_inference(viewer: Viewer, page: Page) -> None:
    """What tells a niveau without naming it (docs/visibility.md)."""
    text = plain(readable_text(page))
    if not _programmes:
        _programmes.append({p.lower() for p in StudentProfile.objects.values_list("programme", flat=True)})
    for programme in _programmes[0]:
        if programme in text and not in_assignment_texts(text, re.search(re.escape(programme), text)):
            viewer.flag(page, f"shows a programme: {programme}")
    if "opleiding:" in text:
        viewer.flag(page, "shows a student's programme")
    if YOUTH_CASE_DUO.search(text) or YOUTH_CASE_DUO.search(page.text if page.data is not None else ""):
        viewer.flag(page, "tells which duo carries the youth case")
    if NAMED_REFUSAL.search(text):
        viewer.flag(page, "a refusal names the niveaus a team misses")
    about_a_student = page.url.startswith(("/studenten/", "/api/students/", "/api/feedback"))
    if about_a_student and DOCENT_KIND.search(text):
        viewer.flag(page, "tells whether an mbo or an hbo docent follows the student")
    tiny = {t for t, members in _team_sizes().items() if members < 3}
    for team_id in tiny & viewer.teams:
        if page.url in {f"/teams/{team_id}/", f"/api/teams/{team_id}/"} and (
            "data-completeness" in page.text or (isinstance(page.data, dict) and "is_complete" in page.data)
        ):
            viewer.flag(page, "gives a completeness verdict on a team of fewer than three")


def _team_sizes() -> dict[int, int]:
    from teams.models import Membership

    sizes: dict[int, int] = {}
    for team_id in Membership.objects.filter(left_at__isnull=True).values_list("team_id", flat=True):
        sizes[team_id] = sizes.get(team_id, 0) + 1
    return sizes


def plain(text: str) -> str:
    """Words only: no markup (HTML or Markdown), no entities, one space, lower case."""
    text = re.sub(r"<[^>]+>", " ", html.unescape(text))
    return " ".join(re.sub(r"[*_#`>\\\[\]()]", " ", text).split()).lower()


_assignment_words: list[str] = []


def in_assignment_texts(text: str, match: re.Match) -> bool:
    """Whether the words around ``match`` (in ``plain`` text) are an organisation's own words about an assignment.

    Descriptions may well say "altijd een niveau 6-student"; that is about the
    assignment, not about a student.
    """
    if not _assignment_words:
        from assignments.models import Assignment

        fields = ("title", "description", "target_group", "goal", "expected_result")
        _assignment_words.append(
            " ".join(plain(v or "") for row in Assignment.objects.values_list(*fields) for v in row)
        )
    window = text[max(0, match.start() - 40) : match.end() + 40].split(" ")
    # Whole words only: the window's first and last word may be cut.
    phrase = " ".join(window[1 if match.start() > 40 else 0 : -1 if match.end() + 40 < len(text) else None])
    return phrase in _assignment_words[0]


# --- niveaus shuffled within each team -----------------------------------------------------


def shuffle_niveaus(demo: Demo, *, keep_team: int | None, keep_student: int) -> dict[int, int]:
    """Give (almost) every student another niveau while every team keeps the same mix.

    Within each team — and among the teamless students — the niveaus are
    rotated so that nobody keeps theirs where the group allows it. Counts per
    niveau, completeness, join refusals and composition problems (what an
    organisation may know about a team) stay exactly the same; only who has
    which niveau changes. Returns the original niveaus to restore.
    """
    original = dict(StudentProfile.objects.values_list("user_id", "niveau"))
    in_teams = set().union(*demo.team_members.values())
    groups = [sorted(m) for t, m in demo.team_members.items() if t != keep_team]
    groups.append(sorted(set(original) - in_teams - {keep_student}))
    changed: dict[int, int] = {}
    for group in groups:
        group = [s for s in group if s != keep_student]
        group.sort(key=lambda s: (original[s], s))
        values = [original[s] for s in group]
        shift = max((values.count(v) for v in set(values)), default=0)
        if not group or shift == len(group):
            continue
        for student, niveau in zip(group, values[shift:] + values[:shift], strict=True):
            if niveau != original[student]:
                changed[student] = niveau
    set_niveaus(changed)
    return {s: original[s] for s in changed}


def set_niveaus(niveaus: dict[int, int]) -> None:
    for niveau in {4, 5, 6}:
        StudentProfile.objects.filter(user_id__in=[s for s, n in niveaus.items() if n == niveau]).update(niveau=niveau)


_TOKEN = re.compile(r"\b[A-Za-z0-9]{32,}\b")


def normalised(page: Page) -> str:
    # CSRF tokens are masked anew on every render.
    return f"{page.status}\n{_TOKEN.sub('TOKEN', page.text)}"


def check_niveau_blind(viewer: Viewer, client: Client, pages: dict, demo: Demo) -> int:
    """Fetch every page again with the niveaus shuffled within teams: nothing may change.

    A page that differs from the crawl is fetched once more after the
    niveaus are restored: if that differs from the shuffled one, the niveaus
    made the difference (a page that merely changed since the crawl, such as
    a chat after its read marker moved, is the same both times).
    """
    fetcher = Crawler(client)
    readable = [p for p in pages.values() if p.content_type in {"text/html", "application/json", "text/csv"}]
    restore = shuffle_niveaus(demo, keep_team=viewer.own_team, keep_student=viewer.user.pk)
    assert restore, "the shuffle changed nobody's niveau: this check would prove nothing"
    try:
        during = {(p.url, p.htmx): normalised(fetcher.fetch(p.url, htmx=p.htmx)) for p in readable}
    finally:
        set_niveaus(restore)
    for page in readable:
        key = (page.url, page.htmx)
        if during[key] != normalised(page) and during[key] != normalised(fetcher.fetch(page.url, htmx=page.htmx)):
            viewer.flag(page, "changes when students' niveaus change: it reveals who has which niveau")
    return len(readable)


# --- the tests ------------------------------------------------------------------------


def report(viewer: Viewer) -> str:
    shown = viewer.violations[:40]
    more = len(viewer.violations) - len(shown)
    return "\n".join(shown) + (f"\n… and {more} more" if more else "")


def students_to_probe(demo: Demo, viewer: Viewer) -> list[int]:
    """Students to ask about directly: every teammate, two of every other team and three without a team.

    Every student of a kind is answered by the same rule; the permission table
    tries each route role by role.
    """
    chosen: set[int] = set()
    for team, members in demo.team_members.items():
        chosen |= members if team == viewer.own_team else set(sorted(members)[:2])
    everyone = set(User.objects.filter(role=Role.STUDENT).values_list("pk", flat=True))
    chosen |= set(sorted(everyone - set().union(*demo.team_members.values()))[:3])
    return sorted(chosen - {viewer.user.pk})


def reached(pages: dict, *, status: int = 200) -> set[str]:
    return {url for (url, _htmx), page in pages.items() if page.status == status}


@pytest.mark.parametrize("username", ORGANISATION_CONTACTS + WERKBEGELEIDERS)
def test_people_of_an_organisation_never_see_a_niveau_other_feedback_or_other_chats(demo, db, username):
    viewer = viewer_for(demo, username)
    client, pages = crawl(username, demo)
    for page in pages.values():
        check_page(viewer, page, demo)
    compared = check_niveau_blind(viewer, client, pages, demo)

    # Every team outside the organisation, also by guessing its id: not found.
    for team_id in set(demo.team_organisation) - viewer.teams:
        for url in [f"/teams/{team_id}/", f"/teams/{team_id}/chat/", f"/api/teams/{team_id}/"]:
            for extra in ["", "messages/", "tasks/"] if url.startswith("/api/") else [""]:
                page = Crawler(client).fetch(url + extra)
                if page.status != 404:
                    viewer.flag(page, f"answered {page.status} for a team of another organisation")
    # Feedback and progress of every student of the demo, asked for directly: a werkbegeleider's own
    # students answer (and are checked like every page), everyone else's progress is not found.
    for student in sorted(set(students_to_probe(demo, viewer)) | viewer.progress_of):
        for url in [
            f"/api/feedback/?student={student}",
            f"/api/students/{student}/progress/",
            f"/studenten/{student}/voortgang/",
            f"/studenten/{student}/voortgang.pdf",
        ]:
            page = Crawler(client).fetch(url)
            check_page(viewer, page, demo)
            if "progress" not in url and "voortgang" not in url:
                continue
            expected = 200 if student in viewer.progress_of else 404
            if page.status != expected:
                viewer.flag(page, f"answered {page.status} for the progress of a student (expected {expected})")

    assert not viewer.violations, report(viewer)
    # The crawl really went where the risks are (otherwise it proves nothing).
    seen = reached(pages)
    own_teams = viewer.teams
    assert own_teams, f"{username} follows no team in the demo"
    assert any(f"/teams/{t}/" in seen for t in own_teams), "the crawl never reached the organisation's team page"
    chats = {t for t in own_teams if f"/teams/{t}/chat/" in seen}
    assert chats or viewer.user.role == Role.SUPERVISOR, "the crawl never reached the team chat"
    assert any(f"/api/teams/{t}/" in seen for t in own_teams), "the crawl never reached the team in the API"
    texts = "\n".join(p.text for p in pages.values())
    if set(demo.message_team.values()) & own_teams:
        assert {"msg"} <= {k for k, _ in MARKER.findall(texts)}, "no chat message was seen: the chat check is blind"
    if viewer.feedback:  # a werkbegeleider of a demo team
        assert {e for k, e in MARKER.findall(texts) if k == "fb"}, "its own feedback was never seen"
    if username == "wijkteam":
        # Team Maashaven's youth case is carried by a duo: the youth-case check had something to find.
        assert Duo.objects.filter(team__in=own_teams, carries_youth_case=True).exists()
    if viewer.progress_of:
        # As werkbegeleider the crawl reached "Mijn studenten", its CSV and the progress PDFs: the checks saw them.
        assert reverse("supervision-overview") in seen
        assert any(u.startswith(reverse("supervision-overview-csv")) for u in seen), "the CSV was not reached"
        assert any(u.endswith("/voortgang/") for u in seen), "no progress page was reached"
        pdfs = [p for p in pages.values() if p.content_type == "application/pdf" and p.status == 200]
        assert pdfs, "no progress PDF was reached"
        assert any(MARKER.search(p.text) for p in pdfs), "no PDF's text was read: the check is blind"
    assert compared > 20


@pytest.mark.parametrize("username", ["mila.bakker", "student4"])
def test_students_see_only_their_own_feedback_teammates_niveau_and_their_own_team(demo, db, username):
    viewer = viewer_for(demo, username)
    client, pages = crawl(username, demo)
    for page in pages.values():
        check_page(viewer, page, demo)
    check_niveau_blind(viewer, client, pages, demo)

    # Every team, chat and progress page that is not theirs: not found, also by guessing.
    for team_id in set(demo.team_organisation) - viewer.teams:
        for url in [
            f"/teams/{team_id}/",
            f"/teams/{team_id}/chat/",
            f"/api/teams/{team_id}/",
            f"/api/teams/{team_id}/tasks/",
            f"/api/teams/{team_id}/messages/",
        ]:
            page = Crawler(client).fetch(url)
            if page.status != 404:
                viewer.flag(page, f"answered {page.status} for a team the student is not in")
    for student in students_to_probe(demo, viewer):
        for url in [
            f"/studenten/{student}/voortgang/",
            f"/studenten/{student}/feedback/",
            f"/studenten/{student}/voortgang.pdf",
            f"/api/students/{student}/progress/",
        ]:
            page = Crawler(client).fetch(url)
            if page.status != 404:
                viewer.flag(page, f"answered {page.status} for another student's progress")
        page = Crawler(client).fetch(f"/api/feedback/?student={student}")
        check_page(viewer, page, demo)

    assert not viewer.violations, report(viewer)
    seen = reached(pages)
    assert reverse("supervision-my-progress") in seen
    if viewer.own_team:
        # student4's team: the crawl saw the chat, the teammates' niveaus and their own feedback, also in the PDF.
        assert f"/teams/{viewer.own_team}/chat/" in seen
        pdf = next(p for p in pages.values() if p.content_type == "application/pdf" and p.status == 200)
        assert {k for k, _ in MARKER.findall(pdf.text)} >= {"fb"}, "the PDF's text was not read: check is blind"
        team_page = pages[(f"/api/teams/{viewer.own_team}/", False)]
        assert all("niveau" in m for m in team_page.data["members"])


@pytest.mark.parametrize("username", ["wijkteam", "werkbegeleider"])
def test_no_completeness_verdict_on_a_team_of_two_for_people_of_an_organisation(demo, db, username):
    """A team of two with one niveau 4 and one niveau 6 student is "complete" for a mix of 1 + 1: saying so
    would tell an organisation both members' niveaus. No badge, no ``is_complete``, no composition line."""
    from assignments.models import Assignment
    from teams.models import Membership, Team

    viewer = viewer_for(demo, username)
    assignment = Assignment.objects.get(pk=Team.objects.get(pk=sorted(viewer.teams)[0]).assignment_id)
    Assignment.objects.filter(pk=assignment.pk).update(team_size_min=2, min_niveau_4=1, min_niveau_5=0, min_niveau_6=1)
    in_teams = set().union(*demo.team_members.values())
    free = StudentProfile.objects.filter(cohort_id=assignment.cohort_id).exclude(user_id__in=in_teams)
    pair = [free.filter(niveau=4).first(), free.filter(niveau=6).first()]
    assert all(pair), "the demo has no teamless niveau 4 and niveau 6 students"
    team = Team.objects.create(assignment=assignment, name="Tweetal", created_by=demo.user("coordinator"))
    for profile in pair:
        Membership.objects.create(team=team, student_id=profile.user_id, cohort_id=assignment.cohort_id)
    if username == "werkbegeleider":
        SupervisionAssignment.objects.create(supervisor=viewer.user, team=team)
    client = Client()
    client.force_login(viewer.user)

    page = client.get(f"/teams/{team.pk}/")
    assert page.status_code == 200
    assert b"data-completeness" not in page.content
    assert "voldoet nog niet" not in page.content.decode()
    data = client.get(f"/api/teams/{team.pk}/").json()
    assert "is_complete" not in data
    assert "composition" not in {p["code"] for p in data["problems"]}
    listed = [t for t in client.get("/api/teams/?page_size=100").json()["results"] if t["id"] == team.pk]
    assert listed
    assert "is_complete" not in listed[0]
    # A coordinator still reads the verdict.
    coordinator = Client()
    coordinator.force_login(demo.user("coordinator"))
    assert coordinator.get(f"/api/teams/{team.pk}/").json()["is_complete"] is True
    assert b"data-completeness" in coordinator.get(f"/teams/{team.pk}/").content
