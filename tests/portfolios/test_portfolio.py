"""Portfolio set-up, self-assessment history, status per competency, dashboard, plan, data."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from competencies.models import Competency
from imhcpd.models import User
from portfolios import selectors, services
from portfolios.models import (
    Attachment,
    DevelopmentGoal,
    EvidenceKind,
    EvidenceLink,
    EvidenceRevision,
    Portfolio,
    ProfileChange,
    Rating,
    SelfAssessment,
)
from portfolios.registration import problem_with
from portfolios.selectors import CompetencyStatus
from tests.factories import PASSWORD, UserFactory, make_evidence, png_bytes

pytestmark = pytest.mark.django_db

SETUP = {
    "profession": "health_visitor",
    "profession_other": "",
    "professional_body": "nmc",
    "registration_number": "12a3456e",
    "work_setting": "health_visiting",
    "region": "scotland",
    "target_level": "2",
}


def comp(framework, code: str) -> Competency:  # type: ignore[no-untyped-def]
    return Competency.objects.get(framework=framework, code=code)


# --- Set-up and profile -----------------------------------------------------------


def test_first_login_is_sent_to_set_up_then_the_dashboard(client, framework) -> None:
    user = UserFactory()
    client.force_login(user)
    assert client.get("/portfolio/")["Location"] == "/portfolio/setup/"
    page = client.get("/portfolio/setup/").content.decode()
    assert "Level 1: Informed Practice" in page and "nursery" in page.lower()
    response = client.post("/portfolio/setup/", SETUP)
    assert response["Location"] == "/portfolio/"
    portfolio = Portfolio.objects.get(user=user)
    assert portfolio.registration_number == "12A3456E"
    assert portfolio.framework == framework
    assert portfolio.changes.count() == 1
    assert client.get("/portfolio/").status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"registration_number": "1234"}, "registration_number", "not a valid NMC PIN"),
        ({"registration_number": ""}, "registration_number", "Enter your NMC PIN."),
        (
            {"professional_body": "none", "registration_number": "X1"},
            "registration_number",
            "Leave",
        ),
        ({"profession": "other"}, "profession_other", "Tell us your profession."),
        ({"target_level": "4"}, "target_level", "Select a valid choice"),
        ({"region": "atlantis"}, "region", "Select a valid choice"),
    ],
)
def test_set_up_refuses_bad_input_with_a_message(
    client, framework, changes, field, message
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(UserFactory())
    response = client.post("/portfolio/setup/", {**SETUP, **changes})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Portfolio.objects.exists()


@pytest.mark.parametrize(
    ("body", "number", "ok"),
    [
        ("nmc", "12A3456E", True),
        ("nmc", "12 a3456 e", True),
        ("nmc", "1234567", False),
        ("hcpc", "PYL12345", True),
        ("hcpc", "12345", False),
        ("swe", "SW123456", True),
        ("swe", "123456", False),
        ("gmc", "1234567", True),
        ("gmc", "123456", False),
        ("ukcp", "2012345678", True),
        ("bacp", "123456", True),
        ("bacp", "ABC", False),
        ("none", "", True),
    ],
)
def test_registration_number_formats(body: str, number: str, ok: bool) -> None:
    assert (problem_with(body, number) is None) is ok


def test_profile_change_keeps_history(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    response = client.post("/portfolio/profile/", {**SETUP, "target_level": "3"})
    assert response.status_code == 302
    portfolio = Portfolio.objects.get(user=practitioner)
    assert portfolio.target_level == 3
    change = portfolio.changes.first()
    assert change.changes["target_level"] == ["2", "3"]
    assert change.changed_by == practitioner
    # Saving the same values again records nothing new.
    client.post("/portfolio/profile/", {**SETUP, "target_level": "3"})
    # One row at creation, one for the change of region and level together.
    assert ProfileChange.objects.filter(portfolio=portfolio).count() == 2
    assert "History of changes" in client.get("/portfolio/profile/").content.decode()


# --- Self-assessment ------------------------------------------------------------------


def test_rating_history_is_append_only(client, practitioner, framework) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    url = "/portfolio/competencies/1.01/"
    client.post(url, {"rating": "working_towards", "confidence": "2", "note": "Early days"})
    client.post(url, {"rating": "working_towards", "confidence": "2", "note": "Early days"})
    client.post(url, {"rating": "achieved", "confidence": "4", "note": ""})
    rows = list(SelfAssessment.objects.filter(portfolio=practitioner.portfolio).order_by("pk"))
    assert [r.rating for r in rows] == ["working_towards", "achieved"]
    html = client.get(url).content.decode()
    assert html.index("Achieved</strong>") < html.index("Working towards</strong>")
    assert "confidence 2/5" in html and "Early days" in html


@pytest.mark.parametrize(
    "data",
    [
        {"rating": "brilliant"},
        {"rating": "achieved", "confidence": "9"},
        {"rating": "achieved", "note": "x" * 2001},
        {},
    ],
)
def test_rating_bad_input_is_400(client, practitioner, data) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    response = client.post("/portfolio/competencies/1.01/", data)
    assert response.status_code == 400
    assert not SelfAssessment.objects.exists()


def domain_post(framework, number: int, ratings: dict[str, str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    data = {}
    for c in Competency.objects.filter(framework=framework, domain__number=number):
        data[f"c{c.pk}-rating"] = ratings.get(c.code, "not_assessed")
        data[f"c{c.pk}-confidence"] = ""
        data[f"c{c.pk}-note"] = ""
    return data


def test_assess_a_domain_without_javascript(client, practitioner, framework) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    data = domain_post(framework, 2, {"2.01": "achieved", "2.02": "working_towards"})
    response = client.post("/portfolio/assess/2/", data, follow=True)
    assert "Saved 2 ratings." in response.content.decode()
    again = client.post("/portfolio/assess/2/", data, follow=True)
    assert "Nothing had changed." in again.content.decode()
    assert SelfAssessment.objects.count() == 2


def test_assess_a_domain_with_htmx_answers_the_form_only(client, practitioner, framework) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    data = domain_post(framework, 2, {"2.03": "achieved"})
    response = client.post("/portfolio/assess/2/", data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<form id="assessment-form"')
    assert "Saved 1 rating." in html
    assert "<html" not in html


def test_assess_a_domain_bad_rating_is_400(client, practitioner, framework) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    data = domain_post(framework, 2, {"2.03": "superb"})
    response = client.post("/portfolio/assess/2/", data)
    assert response.status_code == 400
    assert "Choose one of the ratings shown." in response.content.decode()
    assert not SelfAssessment.objects.exists()
    assert client.get("/portfolio/assess/9/").status_code == 404


# --- Status per competency --------------------------------------------------------------


def rate(portfolio, code: str, rating: str) -> None:  # type: ignore[no-untyped-def]
    services.self_assessment_record(
        portfolio=portfolio,
        ratings=[services.RatingInput(competency=comp(portfolio.framework, code), rating=rating)],
    )


def test_status_ladder(practitioner, framework) -> None:  # type: ignore[no-untyped-def]
    p = practitioner.portfolio
    rate(p, "1.02", Rating.WORKING_TOWARDS)
    rate(p, "1.03", Rating.ACHIEVED)
    rate(p, "1.04", Rating.ACHIEVED)
    make_evidence(p, codes=("1.04", "1.05"))
    signed = make_evidence(p, codes=("1.06",), title="Signed")
    EvidenceRevision.objects.filter(pk=signed.current_id).update(
        status="signed_off", signed_off_level=2
    )
    EvidenceLink.objects.filter(revision_id=signed.current_id).update(accepted=True)
    low = make_evidence(p, codes=("1.07",), title="Signed at level 1 only")
    EvidenceRevision.objects.filter(pk=low.current_id).update(
        status="signed_off", signed_off_level=1
    )
    EvidenceLink.objects.filter(revision_id=low.current_id).update(accepted=True)
    states = {s.competency.code: s.status for s in selectors.competency_states(p)}
    assert states["1.01"] == CompetencyStatus.NOT_STARTED
    assert states["1.02"] == CompetencyStatus.WORKING_TOWARDS
    assert states["1.03"] == CompetencyStatus.ACHIEVED
    assert states["1.04"] == CompetencyStatus.EVIDENCED
    assert states["1.05"] == CompetencyStatus.NOT_STARTED  # linked but not self-assessed achieved
    assert states["1.06"] == CompetencyStatus.SIGNED_OFF
    assert states["1.07"] == CompetencyStatus.NOT_STARTED  # signed off below the target level


def test_status_uses_the_current_revision_only(practitioner, framework) -> None:  # type: ignore[no-untyped-def]
    p = practitioner.portfolio
    rate(p, "2.01", Rating.ACHIEVED)
    evidence = make_evidence(p, codes=("2.01",))
    data = services.EvidenceInput(
        title="Rewritten",
        date=dt.date(2026, 1, 2),
        details={"what_happened": "a", "so_what": "b", "now_what": "c"},
    )
    services.evidence_update(evidence=evidence, data=data, by=practitioner)
    states = {s.competency.code: s.status for s in selectors.competency_states(p)}
    assert states["2.01"] == CompetencyStatus.ACHIEVED


# --- Dashboard, matrix, hours, trends ---------------------------------------------------


def cpd(portfolio, hours: str, date: dt.date, participatory: bool, kind=EvidenceKind.CPD_ACTIVITY):  # type: ignore[no-untyped-def]
    details = (
        {"provider": "A provider"}
        if kind == EvidenceKind.CPD_ACTIVITY
        else {"supervisor_name": "A supervisor", "format": "individual", "themes": "Endings"}
    )
    return make_evidence(
        portfolio,
        kind=kind,
        codes=(),
        title="Course",
        date=date,
        hours=Decimal(hours),
        is_participatory=participatory if kind == EvidenceKind.CPD_ACTIVITY else None,
        details=details,
    )


@time_machine.travel(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC))
def test_hours_this_year_and_three_years(practitioner) -> None:  # type: ignore[no-untyped-def]
    p = practitioner.portfolio
    cpd(p, "3.5", dt.date(2026, 2, 1), True)
    cpd(p, "1.25", dt.date(2026, 11, 1), False)
    cpd(p, "6", dt.date(2024, 5, 1), True)
    cpd(p, "10", dt.date(2023, 11, 23), True)  # three years and a day ago: outside
    cpd(p, "2", dt.date(2026, 3, 3), True, kind=EvidenceKind.SUPERVISION)
    hours = selectors.hours_summary(p)
    assert hours.cpd_this_year == Decimal("4.75")
    assert hours.cpd_this_year_participatory == Decimal("3.50")
    assert hours.cpd_three_years == Decimal("10.75")
    assert hours.cpd_three_years_participatory == Decimal("9.50")
    assert hours.supervision_this_year == Decimal("2.00")


@time_machine.travel(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC))
def test_chart_follows_rating_history_month_by_month(practitioner, framework) -> None:  # type: ignore[no-untyped-def]
    p = practitioner.portfolio
    c = comp(framework, "6.01")
    for when, rating in [
        ((2026, 3, 10), "working_towards"),
        ((2026, 6, 5), "achieved"),
        ((2026, 9, 1), "working_towards"),
    ]:
        SelfAssessment.objects.create(
            portfolio=p,
            competency=c,
            level=2,
            rating=rating,
            created_at=dt.datetime(*when, 12, tzinfo=dt.UTC),
        )
    chart = selectors.progress_chart(p, total=63)
    by_month = {d.month: n for d, n in zip(chart.months, chart.achieved, strict=True)}
    assert by_month[5] == 0 and by_month[6] == 1 and by_month[8] == 1
    assert by_month[9] == 0 and chart.achieved[-1] == 0


def test_dashboard_shows_progress_gaps_and_hours(client, practitioner, framework) -> None:  # type: ignore[no-untyped-def]
    p = practitioner.portfolio
    rate(p, "1.01", Rating.ACHIEVED)
    make_evidence(p, codes=("1.01",))
    client.force_login(practitioner)
    html = client.get("/portfolio/").content.decode()
    assert 'data-testid="headline">Signed off 0 of 63 at Level 2<' in html
    assert 'data-testid="count-evidenced">1<' in html
    assert "0 of 10 signed off · 1 evidenced" in html
    assert "Not yet evidenced at Level 2" in html and ">62</span>" in html
    assert 'aria-label="Make 1.02 a goal"' in html and 'aria-label="Make 1.01 a goal"' not in html


def test_matrix_shows_all_63_with_text_status(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    html = client.get("/portfolio/matrix/").content.decode()
    assert html.count('class="matrix-cell') == 63
    assert html.count("Not started</span>") >= 63


@pytest.mark.parametrize(
    "url",
    [
        "/portfolio/",
        "/portfolio/matrix/",
        "/portfolio/competencies/1.01/",
        "/portfolio/evidence/",
        "/portfolio/plan/",
    ],
)
def test_portfolio_pages_query_count_does_not_grow(client, practitioner, url) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    p = practitioner.portfolio
    client.force_login(practitioner)

    def count() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    # One of everything first: an empty list skips its prefetch query.
    make_evidence(p, codes=("1.01",))
    rate(p, "1.01", Rating.ACHIEVED)
    services.goal_save(
        portfolio=p, by=practitioner, title="First", competencies=[comp(p.framework, "1.01")]
    )
    small = count()
    for i in range(12):
        make_evidence(p, codes=("1.01", "2.02", "3.03"), title=f"Item {i}")
        rate(p, f"4.0{1 + i % 9}", Rating.ACHIEVED if i % 2 else Rating.WORKING_TOWARDS)
        services.goal_save(
            portfolio=p,
            by=practitioner,
            title=f"Goal {i}",
            competencies=[comp(p.framework, "1.01")],
        )
    assert count() == small
    # The dashboard also asks the layers above for its "Get started" rows and panels
    # (supervision 1, register 2, revalidation 3) and draws the chart (2).
    assert small <= (24 if url == "/portfolio/" else 15)


# --- Development plan -----------------------------------------------------------------------


def date_boxes(name: str, day: str, month: str, year: str) -> dict[str, str]:
    """What the date input component posts: day, month and year boxes."""
    return {f"{name}_0": day, f"{name}_1": month, f"{name}_2": year}


def test_gap_becomes_a_goal_in_one_click(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    response = client.post("/portfolio/plan/from-gap/3.04/")
    goal = DevelopmentGoal.objects.get()
    assert response["Location"] == f"/portfolio/plan/{goal.pk}/"
    assert [c.code for c in goal.competencies.all()] == ["3.04"]
    client.post("/portfolio/plan/from-gap/3.04/")  # a double click makes no second goal
    assert DevelopmentGoal.objects.count() == 1
    assert goal.events.get().to_status == "planned"


def test_overdue_goals_stand_out(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    p = practitioner.portfolio
    services.goal_save(
        portfolio=p,
        by=practitioner,
        title="Late one",
        competencies=[],
        target_date=dt.date(2020, 1, 1),
    )
    services.goal_save(
        portfolio=p,
        by=practitioner,
        title="Done one",
        competencies=[],
        target_date=dt.date(2020, 1, 1),
        status="done",
    )
    client.force_login(practitioner)
    html = client.get("/portfolio/plan/").content.decode()
    assert html.count("Overdue</strong>") == 1


def test_goal_form_bad_input_and_status_history(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    assert (
        client.post("/portfolio/plan/new/", {"title": "", "status": "planned"}).status_code == 400
    )
    assert (
        client.post("/portfolio/plan/new/", {"title": "x", "status": "someday"}).status_code == 400
    )
    assert (
        client.post(
            "/portfolio/plan/new/",
            {"title": "x", "status": "planned", **date_boxes("target_date", "31", "2", "2030")},
        ).status_code
        == 400
    )
    response = client.post(
        "/portfolio/plan/new/",
        {"title": "Learn WWW", "status": "planned", **date_boxes("target_date", "31", "1", "2030")},
    )
    goal = DevelopmentGoal.objects.get()
    assert response.status_code == 302 and goal.target_date == dt.date(2030, 1, 31)
    client.post(f"/portfolio/plan/{goal.pk}/", {"title": "Learn WWW", "status": "done"})
    assert [(e.from_status, e.to_status) for e in goal.events.all()] == [
        ("", "planned"),
        ("planned", "done"),
    ]


# --- Personal data ---------------------------------------------------------------------------


def test_download_my_data_has_everything(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    p = practitioner.portfolio
    rate(p, "1.01", Rating.ACHIEVED)
    evidence = make_evidence(p, codes=("1.01",))
    services.attachment_add(
        evidence=evidence, upload=SimpleUploadedFile("a.png", png_bytes()), by=practitioner
    )
    client.force_login(practitioner)
    response = client.get("/portfolio/my-data/download.json")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == practitioner.email
    assert data["portfolio"]["registration_number"] == "12A3456E"
    assert data["portfolio"]["self_assessments"][0]["rating"] == "achieved"
    (item,) = data["portfolio"]["evidence"]
    assert item["revisions"][0]["links"] == [
        {"competency": "1.01", "rationale": "It shows 1.01 in practice."}
    ]
    streamed = client.get("/portfolio/my-data/download.zip")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(streamed.streaming_content)))
    names = archive.namelist()
    assert "data.json" in names
    assert any(n.endswith("-a.png") for n in names)
    png = next(n for n in names if n.endswith("-a.png"))
    assert archive.read(png) == png_bytes()


def test_delete_account_needs_the_password_and_removes_everything(
    client, practitioner, other_practitioner, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    evidence = make_evidence(practitioner.portfolio)
    attachment = services.attachment_add(
        evidence=evidence, upload=SimpleUploadedFile("a.png", png_bytes()), by=practitioner
    )
    stored = attachment.file.name
    storage = attachment.file.storage
    client.force_login(practitioner)
    wrong = client.post("/portfolio/delete-account/", {"password": "nope"})
    assert wrong.status_code == 400 and "That is not your password." in wrong.content.decode()
    assert User.objects.filter(pk=practitioner.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/portfolio/delete-account/", {"password": PASSWORD})
    assert response["Location"] == "/"
    assert not User.objects.filter(pk=practitioner.pk).exists()
    assert not Portfolio.objects.filter(user_id=practitioner.pk).exists()
    assert not Attachment.objects.exists()
    assert not storage.exists(stored)
    assert Portfolio.objects.filter(user=other_practitioner).exists()
    assert "_auth_user_id" not in client.session


def test_the_dashboard_costs_a_fixed_budget_of_queries(  # type: ignore[no-untyped-def]
    client, practitioner, django_assert_max_num_queries
) -> None:
    """Session, user, navigation, portfolio and the dashboard's own reads: the load benchmark's
    budget. The framework's competencies come from memory; most onboarding counts ride on the
    hours query; the portfolio's owner is the signed-in user, not read again."""
    p = practitioner.portfolio
    make_evidence(p, codes=("1.01",))
    rate(p, "1.01", Rating.ACHIEVED)
    client.force_login(practitioner)
    client.get("/portfolio/")
    with django_assert_max_num_queries(17):
        assert client.get("/portfolio/").status_code == 200
