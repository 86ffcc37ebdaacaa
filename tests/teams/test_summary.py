"""What a member shares (portfolios.teams.summary): levels from sign-offs as the portfolio
counts them, counts per domain, CPD hours this year, register status; a fixed number of
queries whatever the team size. The helpers here build teams for the other team tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from competencies.models import Competency
from imhcpd.models import User
from portfolios.models import Portfolio
from portfolios.supervision.services import evidence_submit, review_sign_off
from portfolios.teams.models import Membership, Service, ServiceKind, TeamRole, TeamStandard
from portfolios.teams.summary import member_summaries, member_summary
from register.models import RegisterEntry
from tests.factories import UserFactory, make_evidence, make_portfolio, make_supervision

pytestmark = pytest.mark.django_db

SECRET_REFLECTION = "Zephyrine noticed the grandmother humming lullabies by the window"


# --- Helpers for the team tests ---------------------------------------------------------------


def make_service(lead: User, kind: str = ServiceKind.PAIR, name: str = "Riverside PAIR team"):  # type: ignore[no-untyped-def]
    """A service with its default standard and `lead` as its (sharing) clinical lead."""
    service = Service.objects.create(
        name=name,
        kind=kind,
        region="england_north_west",
        standard=TeamStandard.objects.filter(kind=kind, is_default=True).first(),
    )
    add_member(service, lead, TeamRole.CLINICAL_LEAD, is_lead=True)
    return service


def add_member(  # type: ignore[no-untyped-def]
    service: Service, user: User, role: str, *, is_lead: bool = False, target_level=None
) -> Membership:
    """A current, sharing membership (rows directly: the consent services are tested with
    the membership pages)."""
    return Membership.objects.create(
        service=service,
        user=user,
        is_lead=is_lead,
        shares_summary=True,
        consented_at=timezone.now(),
        role=role,
        wte=Decimal("1.0"),
        target_level=target_level,
    )


def new_person(framework, name: str, target_level: int = 2) -> User:  # type: ignore[no-untyped-def]
    user = UserFactory(full_name=name)
    make_portfolio(user, framework, target_level=target_level)
    return user


def sign_off_all(user: User, supervisor: User, level: int, codes=None) -> None:  # type: ignore[no-untyped-def]
    """Every competency (or `codes`) signed off at `level`, through the supervision services:
    one item linking them all, submitted at `level` (the portfolio's target level at the
    time) and signed off."""
    portfolio = Portfolio.objects.get(user=user)
    previous = portfolio.target_level
    Portfolio.objects.filter(pk=portfolio.pk).update(target_level=level)
    if codes is None:
        codes = list(
            Competency.objects.filter(framework_id=portfolio.framework_id)
            .order_by("order")
            .values_list("code", flat=True)
        )
    from portfolios.supervision.models import Supervision

    supervision = Supervision.objects.filter(
        portfolio=portfolio, supervisor=supervisor, status="active"
    ).first() or make_supervision(portfolio, supervisor)
    evidence = make_evidence(portfolio, codes=tuple(codes), title=f"Signed at Level {level}")
    revision = evidence_submit(evidence=evidence, supervision=supervision, by=user)
    review_sign_off(revision=revision, by=supervisor, declared=True)
    Portfolio.objects.filter(pk=portfolio.pk).update(target_level=previous)


# --- Tests ------------------------------------------------------------------------------------


@pytest.fixture
def team(framework, supervisor):  # type: ignore[no-untyped-def]
    lead = new_person(framework, "Lee Lead", target_level=3)
    service = make_service(lead)
    return service, lead


def test_a_new_member_has_nothing_signed_off(team, framework) -> None:  # type: ignore[no-untyped-def]
    service, _lead = team
    (s,) = member_summaries(service)
    assert s.name == "Lee Lead"
    assert s.role_label == "Clinical lead"
    assert s.achieved_level == 0
    assert s.target_level == 3  # the portfolio's, as the membership gives none
    assert s.signed_off_total == 0
    assert sorted(s.signed_off_by_domain) == [1, 2, 3, 4, 5, 6, 7]
    assert sum(s.domain_totals.values()) == 63
    assert s.cpd_hours_this_year == Decimal("0.00")
    assert s.register_status == "Not on the register"


def test_levels_come_from_sign_offs(team, framework, supervisor) -> None:  # type: ignore[no-untyped-def]
    _service, lead = team
    sign_off_all(lead, supervisor, 2)
    s = member_summary(Membership.objects.get(user=lead))
    assert s.achieved_level == 2
    # Target Level 3: a Level 2 sign-off does not count towards it.
    assert s.signed_off_total == 0
    assert set(s.code_levels.values()) == {2}
    sign_off_all(lead, supervisor, 3, codes=["1.01", "2.01"])
    s = member_summary(Membership.objects.get(user=lead))
    assert s.achieved_level == 2  # not every competency at Level 3 yet
    assert s.signed_off_by_domain[1] == 1 and s.signed_off_by_domain[2] == 1
    assert s.code_levels["1.01"] == 3
    sign_off_all(lead, supervisor, 3)
    assert member_summary(Membership.objects.get(user=lead)).achieved_level == 3


def test_a_link_the_supervisor_did_not_accept_does_not_count(team, framework, supervisor) -> None:  # type: ignore[no-untyped-def]
    from portfolios.models import EvidenceLink

    _service, lead = team
    sign_off_all(lead, supervisor, 2)
    EvidenceLink.objects.filter(competency__code="4.01").update(accepted=False)
    s = member_summary(Membership.objects.get(user=lead))
    assert s.achieved_level == 0
    assert s.code_levels["4.01"] == 0


def test_cpd_hours_this_year_and_register_status(team, framework) -> None:  # type: ignore[no-untyped-def]
    service, lead = team
    today = timezone.localdate()
    portfolio = lead.portfolio
    make_evidence(
        portfolio,
        kind="cpd_activity",
        title="Attachment course",
        hours=Decimal("6.5"),
        date=today,
        details={"provider": "A charity", "learning": "Cues."},
    )
    make_evidence(
        portfolio,
        kind="cpd_activity",
        title="Last year's course",
        hours=Decimal("4"),
        date=today.replace(year=today.year - 1),
        details={"provider": "A charity", "learning": "Cues."},
    )
    RegisterEntry.objects.create(
        number="IMHRR-2026-000001",
        user=lead,
        name=lead.full_name,
        level=2,
        region="england_north_west",
        region_label="North West",
        valid_from=dt.date(2026, 3, 4),
        valid_to=dt.date(2027, 3, 3),
    )
    (s,) = member_summaries(service)
    assert s.cpd_hours_this_year == Decimal("6.50")
    assert s.register_status == "Level 2, until 3 March 2027"


def test_only_current_sharing_members_are_read(team, framework) -> None:  # type: ignore[no-untyped-def]
    service, _lead = team
    left = add_member(service, new_person(framework, "Lou Left"), TeamRole.CLINICIAN)
    stopped = add_member(service, new_person(framework, "Sol Stopped"), TeamRole.CLINICIAN)
    add_member(service, new_person(framework, "Kai Kept"), TeamRole.CLINICIAN)
    Membership.objects.filter(pk=left.pk).update(left_at=timezone.now())
    Membership.objects.filter(pk=stopped.pk).update(shares_summary=False)
    assert [s.name for s in member_summaries(service)] == ["Lee Lead", "Kai Kept"]


def test_a_member_without_a_portfolio_is_shown_with_nothing(team) -> None:  # type: ignore[no-untyped-def]
    service, _lead = team
    add_member(service, UserFactory(full_name="Nat No-portfolio"), TeamRole.SUPPORT)
    s = member_summaries(service)[1]
    assert (s.name, s.has_portfolio, s.achieved_level, s.signed_off_total) == (
        "Nat No-portfolio",
        False,
        0,
        0,
    )


def test_summaries_read_in_the_same_number_of_queries_for_3_and_50(framework, supervisor) -> None:  # type: ignore[no-untyped-def]
    counts = []
    for size in (3, 50):
        lead = new_person(framework, f"Lead of {size}")
        service = make_service(lead, name=f"Team of {size}")
        for i in range(size - 1):
            add_member(service, new_person(framework, f"Member {size}-{i}"), TeamRole.CLINICIAN)
        sign_off_all(lead, supervisor, 2, codes=["1.01"])
        with CaptureQueriesContext(connection) as ctx:
            summaries = member_summaries(service)
        assert len(summaries) == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
