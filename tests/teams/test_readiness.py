"""Readiness against the standard, computed exactly for a PAIR team built from the workforce
paper's composition at several stages, and the health visiting standard; what each member
still needs, for the training ranking."""

from __future__ import annotations

from decimal import Decimal

import pytest

from competencies.catalogue.models import Course, CourseCompetency
from competencies.catalogue.ranking import rank_courses
from portfolios.teams.models import Membership, ServiceKind, TeamRole
from portfolios.teams.readiness import evaluate, standard_of, team_needs
from portfolios.teams.summary import member_summaries
from tests.teams.test_summary import add_member, make_service, new_person, sign_off_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(framework):  # type: ignore[no-untyped-def]
    """The paper's PAIR team: a consultant clinician leading, a clinical psychologist and a
    child and adolescent psychotherapist (the two senior clinicians), another psychologist,
    three parent-infant specialists and a service manager: seven clinicians, eight people."""
    lead = new_person(framework, "Consultant Clinician", target_level=3)
    service = make_service(lead)
    people = {"lead": lead}
    for key, name, role in [
        ("psychologist", "Clinical Psychologist", TeamRole.SENIOR_CLINICIAN),
        ("psychotherapist", "Child Psychotherapist", TeamRole.SENIOR_CLINICIAN),
        ("allied", "Allied Psychologist", TeamRole.CLINICIAN),
        ("hv", "Health Visitor", TeamRole.PARENT_INFANT_SPECIALIST),
        ("midwife", "Midwife", TeamRole.PARENT_INFANT_SPECIALIST),
        ("social_worker", "Social Worker", TeamRole.PARENT_INFANT_SPECIALIST),
        ("manager", "Service Manager", TeamRole.SUPPORT),
    ]:
        people[key] = new_person(framework, name)
        add_member(service, people[key], role)
    return service, people


def words(service) -> list[tuple[bool, str]]:  # type: ignore[no-untyped-def]
    readiness = evaluate(standard_of(service), member_summaries(service))
    return [(r.met, r.words) for r in readiness.results], readiness


CLINICIANS = ("lead", "psychologist", "psychotherapist", "allied", "hv", "midwife", "social_worker")


def test_pair_team_at_each_stage(pair, supervisor) -> None:  # type: ignore[no-untyped-def]
    service, people = pair
    assert service.standard.name.startswith("Specialised parent-infant relationship (PAIR)")

    # Stage 1: a new team, nothing signed off.
    results, readiness = words(service)
    assert results == [
        (False, "0 of 7 clinicians at Level 2"),
        (False, "no senior clinician at Level 3 yet"),
        (False, "no clinical lead at Level 3 yet"),
    ]
    assert not readiness.met
    assert readiness.missing == (
        "0 of 7 clinicians at Level 2; no senior clinician at Level 3 yet; "
        "no clinical lead at Level 3 yet"
    )
    assert [r.standard_words for r in readiness.results] == [
        "every clinician at Level 2",
        "at least 2 senior clinicians at Level 3",
        "at least 1 clinical lead at Level 3",
    ]

    # Two clinicians reach Level 2.
    for key in ("hv", "midwife"):
        sign_off_all(people[key], supervisor, 2)
    results, _ = words(service)
    assert results[0] == (False, "2 of 7 clinicians at Level 2")

    # Stage 2: every clinician at Level 2, no senior clinician at Level 3 yet. The service
    # manager is not a clinician and is not counted.
    for key in CLINICIANS:
        if key not in ("hv", "midwife"):
            sign_off_all(people[key], supervisor, 2)
    results, readiness = words(service)
    assert results == [
        (True, "7 of 7 clinicians at Level 2"),
        (False, "no senior clinician at Level 3 yet"),
        (False, "no clinical lead at Level 3 yet"),
    ]
    assert readiness.missing == (
        "no senior clinician at Level 3 yet; no clinical lead at Level 3 yet"
    )

    # One senior clinician at Level 3.
    sign_off_all(people["psychologist"], supervisor, 3)
    results, _ = words(service)
    assert results[1] == (False, "1 of 2 senior clinicians at Level 3")

    # Stage 3: both senior clinicians at Level 3, the lead still at Level 2.
    sign_off_all(people["psychotherapist"], supervisor, 3)
    results, readiness = words(service)
    assert results == [
        (True, "7 of 7 clinicians at Level 2"),
        (True, "2 of 2 senior clinicians at Level 3"),
        (False, "no clinical lead at Level 3 yet"),
    ]
    assert not readiness.met
    assert readiness.missing == "no clinical lead at Level 3 yet"

    # Stage 4: the lead at Level 3 too. Everything met.
    sign_off_all(people["lead"], supervisor, 3)
    results, readiness = words(service)
    assert results == [
        (True, "7 of 7 clinicians at Level 2"),
        (True, "2 of 2 senior clinicians at Level 3"),
        (True, "1 of 1 clinical lead at Level 3"),
    ]
    assert readiness.met
    assert readiness.missing == ""


def test_a_member_who_leaves_stops_counting(pair, supervisor) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    service, people = pair
    sign_off_all(people["psychologist"], supervisor, 3)
    assert words(service)[0][1] == (False, "1 of 2 senior clinicians at Level 3")
    Membership.objects.filter(user=people["psychologist"]).update(left_at=timezone.now())
    assert words(service)[0][1] == (False, "no senior clinician at Level 3 yet")
    # With one clinician fewer: 6 left, none at Level 2.
    assert words(service)[0][0] == (False, "0 of 6 clinicians at Level 2")


def test_a_team_with_no_clinicians_does_not_meet_every_clinician(framework) -> None:  # type: ignore[no-untyped-def]
    lead = new_person(framework, "Only Manager")
    service = make_service(lead)
    Membership.objects.filter(user=lead).update(role=TeamRole.SUPPORT)
    results, readiness = words(service)
    assert results[0] == (False, "no clinicians yet")
    assert not readiness.met


def test_health_visiting_service(framework, supervisor) -> None:  # type: ignore[no-untyped-def]
    lead = new_person(framework, "Team Leader")
    service = make_service(lead, kind=ServiceKind.HEALTH_VISITING, name="Northside health visiting")
    Membership.objects.filter(user=lead).update(role=TeamRole.CLINICIAN)
    shv = new_person(framework, "Specialist HV")
    add_member(service, shv, TeamRole.SPECIALIST_HEALTH_VISITOR)
    assert service.standard.name == "Health visiting service"
    results, readiness = words(service)
    assert results == [(False, "no specialist health visitor at Level 3 yet")]
    sign_off_all(shv, supervisor, 2)
    assert words(service)[0] == [(False, "no specialist health visitor at Level 3 yet")]
    sign_off_all(shv, supervisor, 3)
    results, readiness = words(service)
    assert results == [(True, "1 of 1 specialist health visitor at Level 3")]
    assert readiness.met
    assert "Specialist Health Visitors in Perinatal & Infant" in readiness.standard.source


def test_a_service_without_a_standard_falls_back_to_its_kinds_default(framework) -> None:  # type: ignore[no-untyped-def]
    lead = new_person(framework, "Lead")
    service = make_service(lead)
    service.standard = None
    service.save()
    assert standard_of(service).kind == ServiceKind.PAIR
    other = make_service(new_person(framework, "Other"), kind=ServiceKind.OTHER, name="Other")
    assert standard_of(other) is None


def test_team_needs_and_the_courses_that_close_them(pair, supervisor) -> None:  # type: ignore[no-untyped-def]
    service, people = pair
    codes = ["1.01", "1.02", "2.01"]
    # The allied psychologist (clinician: Level 2) has everything at Level 2 but 1.01.
    sign_off_all(people["allied"], supervisor, 2)
    from portfolios.models import EvidenceLink

    EvidenceLink.objects.filter(
        revision__evidence__portfolio__user=people["allied"], competency__code="1.01"
    ).update(accepted=False)
    summaries = member_summaries(service)
    needs = team_needs(service, summaries)
    by_user = {s.membership.user_id: needs[s.pk] for s in summaries}
    assert by_user[people["allied"].pk] == {("1.01", 2)}
    # A senior clinician needs Level 3 (the standard), above their own target of 2.
    assert ("1.01", 3) in by_user[people["psychologist"].pk]
    assert len(by_user[people["psychologist"].pk]) == 63
    # The service manager: no requirement names the role, so their own target (Level 2).
    assert ("2.01", 2) in by_user[people["manager"].pk]

    short = Course.objects.create(
        code="short", provider="P", title="Short course", kind="short", cost=Decimal("100")
    )
    deep = Course.objects.create(
        code="deep", provider="P", title="Deep course", kind="pg_cert", cost=Decimal("2000")
    )
    for code in codes:
        CourseCompetency.objects.create(course=short, code=code, level=2)
        CourseCompetency.objects.create(course=deep, code=code, level=3)
    ranked = rank_courses(needs)
    # The deep course (Level 3) also closes the senior clinicians' and lead's Level 3 needs.
    assert [r.course.code for r in ranked] == ["deep", "short"]
    assert ranked[0].people == 8
    assert (ranked[0].covered, ranked[1].covered) == (22, 13)
    # Level 2 only: the allied psychologist, three specialists and the manager, not the three
    # who need Level 3.
    assert ranked[1].people == 5
    assert ranked[1].estimated_cost == Decimal("500")
