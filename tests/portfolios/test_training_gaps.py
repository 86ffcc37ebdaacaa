"""Training for your gaps: the ranking on a constructed case, and "I completed this"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from competencies.catalogue.models import Course, CourseCompetency
from competencies.catalogue.ranking import rank_courses
from portfolios.models import Evidence, EvidenceKind, EvidenceRevision
from portfolios.supervision.services import evidence_submit, review_sign_off
from tests.factories import make_evidence, make_supervision

pytestmark = pytest.mark.django_db


def course(code: str, title: str, outcomes: str, cost: str | None = None, hours: str | None = None):  # type: ignore[no-untyped-def]
    c = Course.objects.create(
        code=code,
        provider=f"{title} Provider",
        title=title,
        kind="short",
        duration="2 days",
        cost=Decimal(cost) if cost else None,
        hours=Decimal(hours) if hours else None,
    )
    for part in outcomes.split():
        comp, level = part.split(":")
        CourseCompetency.objects.create(course=c, code=comp, level=int(level))
    return c


@pytest.fixture
def signed_off(practitioner, supervisor):  # type: ignore[no-untyped-def]
    """The practitioner (target Level 2) has 2.03 and 2.04 signed off at Level 2."""
    portfolio = practitioner.portfolio
    assert portfolio.target_level == 2
    supervision = make_supervision(portfolio, supervisor)
    evidence = make_evidence(portfolio, codes=("2.03", "2.04"), title="Regulation and attachment")
    revision = evidence_submit(evidence=evidence, supervision=supervision, by=practitioner)
    review_sign_off(revision=revision, by=supervisor, declared=True)
    return portfolio


@pytest.fixture
def catalogue() -> dict[str, Course]:
    return {
        # 2.03 and 2.04 are signed off: only 2.05 is a gap it closes.
        "alpha": course("alpha", "Alpha", "2.03:2 2.04:2 2.05:2", cost="10"),
        # 2.05 at Level 3 closes a Level 2 gap; 1.01 at Level 1 does not.
        "beta": course("beta", "Beta", "2.05:3 2.06:2 4.01:2 1.01:1", hours="12.5"),
        "gamma": course("gamma", "Gamma", "2.06:2 4.02:2", cost="100"),
        # Ties with Gamma on gaps closed; cheaper, so first.
        "delta": course("delta", "Delta", "4.03:2 4.04:2", cost="50"),
        # Develops only what is already signed off: closes nothing, left out.
        "epsilon": course("epsilon", "Epsilon", "2.03:3 2.04:3"),
    }


def test_the_gap_page_ranks_by_gaps_closed_then_cost(
    client, practitioner, signed_off, catalogue
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    response = client.get("/portfolio/training/")

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r["course"].code, r["covered"]) for r in rows] == [
        ("beta", 3),
        ("delta", 2),
        ("gamma", 2),
        ("alpha", 1),
    ]
    assert [c.code for c in rows[0]["closes"]] == ["2.05", "2.06", "4.01"]
    total = response.context["gap_count"]
    assert total == 61  # 63 competencies in the illustrative framework, 2 signed off
    body = response.content.decode()
    assert "Closes 3 of your 61 gaps" in body
    assert "Cost: £50" in body
    assert "Epsilon" not in body
    assert "this project’s illustration, not the provider’s or AiMH UK’s" in body


def test_rank_courses_on_a_constructed_case(catalogue) -> None:  # type: ignore[no-untyped-def]
    """Level 3 covers a Level 2 need; a tie goes to the cheaper course."""
    ranked = rank_courses({"p": {("2.05", 2), ("2.06", 2)}})
    assert [(r.course.code, r.covered, r.codes) for r in ranked] == [
        ("beta", 2, ["2.05", "2.06"]),
        ("alpha", 1, ["2.05"]),
        ("gamma", 1, ["2.06"]),
    ]


def test_i_completed_this_starts_a_prefilled_draft(client, practitioner, catalogue) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    response = client.post("/portfolio/training/beta/completed/")

    evidence = Evidence.objects.get(
        portfolio=practitioner.portfolio, kind=EvidenceKind.CPD_ACTIVITY
    )
    assert response.status_code == 302
    assert response["Location"] == f"/portfolio/evidence/{evidence.pk}/edit/"
    revision = evidence.current
    assert revision.status == EvidenceRevision.Status.DRAFT
    assert revision.title == "Beta"
    assert revision.hours == Decimal("12.5")
    assert revision.details["provider"] == "Beta Provider"
    assert revision.date == dt.date.today()
    links = {link.competency.code: link.rationale for link in revision.links.all()}
    assert sorted(links) == ["1.01", "2.05", "2.06", "4.01"]
    assert "at Level 3" in links["2.05"] and "at Level 1" in links["1.01"]
    assert all(
        link.competency.framework_id == practitioner.portfolio.framework_id
        for link in revision.links.all()
    )
    assert evidence.events.filter(action="created", actor=practitioner).exists()
    follow = client.get(response["Location"])
    assert "Started a draft CPD activity for “Beta”" in follow.content.decode()


def test_twice_opens_the_same_draft_not_a_second(client, practitioner, catalogue) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    first = client.post("/portfolio/training/gamma/completed/")
    second = client.post("/portfolio/training/gamma/completed/", follow=True)

    assert Evidence.objects.filter(portfolio=practitioner.portfolio).count() == 1
    assert second.redirect_chain[-1][0] == first["Location"]
    assert "You already have a draft for “Gamma”" in second.content.decode()


def test_a_submitted_completion_does_not_block_taking_the_course_again(
    client, practitioner, supervisor, catalogue
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    client.post("/portfolio/training/gamma/completed/")
    evidence = Evidence.objects.get(portfolio=practitioner.portfolio)
    evidence_submit(
        evidence=evidence,
        supervision=make_supervision(practitioner.portfolio, supervisor),
        by=practitioner,
    )

    client.post("/portfolio/training/gamma/completed/")

    assert Evidence.objects.filter(portfolio=practitioner.portfolio).count() == 2


def test_codes_missing_from_the_practitioners_framework_are_skipped(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    course("future", "Future course", "2.05:2 9.99:2")
    client.force_login(practitioner)
    client.post("/portfolio/training/future/completed/")
    revision = Evidence.objects.get(portfolio=practitioner.portfolio).current
    assert [link.competency.code for link in revision.links.all()] == ["2.05"]


def test_unknown_or_inactive_course_is_404_and_get_is_405(client, practitioner, catalogue) -> None:  # type: ignore[no-untyped-def]
    Course.objects.filter(code="alpha").update(is_active=False)
    client.force_login(practitioner)
    assert client.post("/portfolio/training/alpha/completed/").status_code == 404
    assert client.post("/portfolio/training/nope/completed/").status_code == 404
    assert client.get("/portfolio/training/beta/completed/").status_code == 405
    assert not Evidence.objects.exists()


def test_no_gaps_says_so(client, practitioner, supervisor, catalogue) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_eligible

    make_eligible(practitioner, supervisor, level=2)
    client.force_login(practitioner)
    response = client.get("/portfolio/training/")
    assert response.context["rows"] == []
    assert "you have no gaps at your target level" in response.content.decode()


def test_the_page_query_count_does_not_grow_with_the_catalogue(
    client, practitioner, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        course(f"c{i}", f"Course {i}", "2.05:2 2.06:2")
    client.force_login(practitioner)
    with django_assert_max_num_queries(20) as few:
        client.get("/portfolio/training/")
    for i in range(3, 30):
        course(f"c{i}", f"Course {i}", "2.05:2 2.06:2 4.01:2")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/portfolio/training/")
