"""One werkbegeleider, whichever account kind carries it, level-blind (docs/visibility.md)."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from supervision import exports, selectors, services
from supervision.models import Category, Criterion, FeedbackKind, Rubric
from teams.models import SupervisionAssignment
from tests.factories import AssignmentFactory, StudentFactory, TeamFactory, add_member
from wijklab.models import SupervisorKind
from wijklab.selectors import is_of_organisation, viewer_sees_niveaus


@pytest.fixture
def team(cohort, organisation, student4, student6):
    team = TeamFactory(assignment=AssignmentFactory(cohort=cohort, organisation=organisation))
    add_member(team, student4)
    add_member(team, student6)
    return team


@pytest.fixture
def both(team, org_contact, werkbegeleider, mbo_docent, hbo_docent, student6):
    """The organisation contact and the werkbegeleider account both supervise the team on site;
    an mbo docent follows the team, an hbo docent student6 alone."""
    for supervisor in (org_contact, werkbegeleider, mbo_docent):
        SupervisionAssignment.objects.create(supervisor=supervisor, team=team)
    SupervisionAssignment.objects.create(supervisor=hbo_docent, student=student6)
    return [org_contact, werkbegeleider]


def test_people_of_an_organisation_never_see_niveaus(org_contact, werkbegeleider, mbo_docent, coordinator, student4):
    assert is_of_organisation(org_contact)
    assert is_of_organisation(werkbegeleider)
    for person in (mbo_docent, coordinator, student4):
        assert not is_of_organisation(person)
        assert viewer_sees_niveaus(viewer=person)
    assert not viewer_sees_niveaus(viewer=org_contact)
    assert not viewer_sees_niveaus(viewer=werkbegeleider)


def test_both_kinds_are_werkbegeleider_of_the_same_students(both, student4, student6, outsider_student, mbo_docent):
    for person in both:
        assert selectors.is_werkbegeleider(person)
        assert set(selectors.students_supervised_on_site_by(user=person)) == {student4, student6}
        assert selectors.is_werkbegeleider_of(user=person, student=student4)
        assert not selectors.is_werkbegeleider_of(user=person, student=outsider_student)
        assert set(selectors.students_in_scope(viewer=person)) == {student4, student6}
        assert selectors.sees_progress_alerts(person)
        assert selectors.may_write_as_supervisor(person)
    # A docent follows students, but is no werkbegeleider.
    assert not selectors.is_werkbegeleider(mbo_docent)
    assert not selectors.students_supervised_on_site_by(user=mbo_docent).exists()


def test_an_unlinked_organisation_contact_is_no_werkbegeleider(other_org_contact, student4):
    assert not selectors.is_werkbegeleider(other_org_contact)
    assert not selectors.students_in_scope(viewer=other_org_contact).exists()
    assert not selectors.sees_progress_alerts(other_org_contact)


def test_werkbegeleiders_read_the_feedback_on_their_students_with_docenten_blind_to_mbo_or_hbo(
    both, hbo_docent, student6
):
    entry = services.feedback_create(author=hbo_docent, student_id=student6.pk, comment="Sterk gesprek gevoerd.")
    for person in both:
        [seen] = selectors.mark_author_visibility(
            selectors.feedback_for_listing(viewer=person).filter(pk=entry.pk), viewer=person
        )
        assert seen.author_kind_shown == "docent"
        assert seen.author_kind_label == "Docent"
        assert "hbo" not in exports.author_label(seen).lower()
    [docent_view] = selectors.mark_author_visibility([entry], viewer=hbo_docent)
    assert docent_view.author_kind_shown == SupervisorKind.HBO_DOCENT


@pytest.fixture
def programme_criterion(cohort):
    return Criterion.objects.create(
        rubric=Rubric.objects.get(is_default=True),
        cohort=cohort,
        category=Category.VAKINHOUDELIJK,
        name="Methodisch werken (bachelor)",
        programme="Social Work",
    )


def test_werkbegeleiders_rate_and_read_the_general_rubric_only(both, hbo_docent, student6, programme_criterion):
    assert programme_criterion in selectors.criteria_for_student(student=student6)
    services.feedback_create(
        author=hbo_docent, student_id=student6.pk, scores=[{"criterion": programme_criterion.pk, "level": 3}]
    )
    today = timezone.localdate()
    for person in both:
        assert programme_criterion not in selectors.criteria_visible_to(viewer=person)
        assert programme_criterion not in selectors.criteria_for_student(student=student6, viewer=person)
        progress = selectors.student_progress(student=student6, today=today, viewer=person)
        assert programme_criterion.name not in {c.name for c in progress.criteria}
        entries = list(selectors.feedback_for_listing(viewer=person).filter(student=student6))
        assert entries
        assert all(s.criterion_id != programme_criterion.pk for e in entries for s in e.scores.all())
        with pytest.raises(ValidationError, match="hoort niet bij de rubric"):
            services.feedback_create(
                author=person, student_id=student6.pk, scores=[{"criterion": programme_criterion.pk, "level": 3}]
            )


def test_a_programme_criterion_raises_no_alert_on_a_werkbegeleiders_grid(
    both, hbo_docent, student6, programme_criterion
):
    """The grid's flags come from each student's stored summary, which keeps the standings a
    werkbegeleider may see apart: a self-rating far above the docent's on a programme's criterion
    is the docent's alert only."""
    services.feedback_create(
        author=hbo_docent, student_id=student6.pk, scores=[{"criterion": programme_criterion.pk, "level": 1}]
    )
    services.feedback_create(
        author=student6,
        student_id=student6.pk,
        kind=FeedbackKind.SELF,
        scores=[{"criterion": programme_criterion.pk, "level": 4}],
    )
    today = timezone.localdate()
    docent = selectors.progress_overview(viewer=hbo_docent, today=today)
    assert student6.pk in docent.alerted["self_above"]
    [row] = docent.rows_for([student6.pk])
    assert "self_above" in row.alert_codes
    for person in both:
        overview = selectors.progress_overview(viewer=person, today=today)
        assert student6.pk in overview.order
        assert student6.pk not in overview.alerted["self_above"], person.username
        [row] = overview.rows_for([student6.pk])
        assert "self_above" not in row.alert_codes


def test_overview_csv_and_pdf_carry_no_niveau_or_programme_for_werkbegeleiders(both, student6, coordinator):
    today = timezone.localdate()
    for person in both:
        overview = selectors.progress_overview(viewer=person, today=today)
        assert not overview.shows_niveau
        assert {r.niveau for r in overview.rows} == {None}
        header = exports.overview_csv(overview, codes=["W1"] * len(overview.criteria)).splitlines()[0]
        assert "Niveau" not in header
    staff = selectors.progress_overview(viewer=coordinator, today=today)
    assert staff.shows_niveau
    assert "Niveau" in exports.overview_csv(staff, codes=["W1"] * len(staff.criteria)).splitlines()[0]

    progress = selectors.student_progress(student=student6, today=today)
    blind = exports.progress_pdf(progress=progress, entries=[], include_alerts=True, include_programme=False)
    seen = exports.progress_pdf(progress=progress, entries=[], include_alerts=True, include_programme=True)

    def text(data: bytes) -> str:
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)

    assert "Opleiding" not in text(blind)
    assert "Opleiding: Social Work" in text(seen)


def test_both_kinds_get_the_same_pages_without_niveau(both, student4, student6, hbo_docent):
    services.feedback_create(author=hbo_docent, student_id=student6.pk, comment="Goed gesprek.", date=dt.date.today())
    for person in both:
        client = Client()
        client.force_login(person)
        overview = client.get("/begeleiding/")
        assert overview.status_code == 200
        assert "niveau 6" not in overview.content.decode()
        assert 'href="/begeleiding/"' in overview.content.decode()  # "Mijn studenten" in the menu
        page = client.get(f"/studenten/{student6.pk}/voortgang/").content.decode()
        assert "Pieter van Wijk (docent)" in page
        assert "hbo-docent" not in page.lower()
        api = client.get(f"/api/feedback/?student={student6.pk}").json()["results"]
        assert {e["author_kind"] for e in api} == {"docent"}
        assert client.get(f"/api/students/{student6.pk}/progress/").status_code == 200
        pdf = client.get(f"/studenten/{student6.pk}/voortgang.pdf")
        assert pdf.status_code == 200
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "Opleiding" not in text
        assert "hbo-docent" not in text.lower()


def test_another_student_of_the_cohort_is_not_theirs(both, cohort):
    stranger = StudentFactory(username="vreemd", profile__niveau=5, profile__cohort=cohort)
    for person in both:
        client = Client()
        client.force_login(person)
        for url in [
            f"/studenten/{stranger.pk}/voortgang/",
            f"/studenten/{stranger.pk}/voortgang.pdf",
            f"/api/students/{stranger.pk}/progress/",
        ]:
            assert client.get(url).status_code == 404
        assert services_refuses(person, stranger), (
            "a werkbegeleider writes no feedback on a student they do not supervise"
        )


def services_refuses(person, student) -> bool:
    try:
        services.feedback_create(author=person, student_id=student.pk, comment="x", kind=FeedbackKind.SUPERVISOR)
    except ValidationError:
        return True
    return False


def test_both_kinds_get_the_weekly_reminder_about_their_students(both, mailoutbox):
    today = timezone.localdate()
    for person in both:
        assert services.send_supervisor_reminder(supervisor_id=person.pk, today=today) is True
    assert {m.to[0] for m in mailoutbox} == {p.email for p in both}
    assert all("niveau" not in m.body for m in mailoutbox)
    assert set(selectors.supervisors_with_students()) >= set(both)
