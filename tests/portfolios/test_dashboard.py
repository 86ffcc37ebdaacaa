"""The dashboard's progress language: onboarding steps, the signed-off headline, the chart of
progress over time, revalidation progress, which links count, and the "you can now apply"
prompt."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from competencies.models import Competency
from portfolios import selectors, services
from portfolios.models import EvidenceLink, ProfessionalBody, Rating
from portfolios.progress import COUNTS, DOES_NOT_COUNT, NOT_YET
from portfolios.supervision.services import (
    evidence_submit,
    review_return,
    review_sign_off,
    supervision_end,
    supervision_invite,
)
from register.selectors import is_eligible
from tests.factories import (
    make_eligible,
    make_evidence,
    make_export,
    make_supervision,
)

pytestmark = pytest.mark.django_db


def comp(portfolio, code: str) -> Competency:  # type: ignore[no-untyped-def]
    return Competency.objects.get(framework_id=portfolio.framework_id, code=code)


def rate_domain(portfolio, number: int, rating: str = Rating.ACHIEVED) -> None:  # type: ignore[no-untyped-def]
    services.self_assessment_record(
        portfolio=portfolio,
        ratings=[
            services.RatingInput(competency=c, rating=rating)
            for c in Competency.objects.filter(
                framework_id=portfolio.framework_id, domain__number=number
            )
        ],
    )


def states(portfolio) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {t.title: t.status for t in selectors.dashboard(portfolio).tasks}


# --- Onboarding -------------------------------------------------------------------------------


def test_onboarding_ticks_through_from_the_data(practitioner, supervisor) -> None:  # type: ignore[no-untyped-def]
    p = practitioner.portfolio
    d = selectors.dashboard(p)
    assert [t.title for t in d.tasks] == [
        "Set up your portfolio",
        "Rate yourself in all 7 domains",
        "Write your first reflective account",
        "Invite a supervisor",
        "Get your first sign-off",
        "Export your portfolio or apply to the register",
    ]
    assert [t.status for t in d.tasks] == ["done"] + ["not_started"] * 5
    assert not d.onboarding_complete and d.tasks_done == 1

    rate_domain(p, 1)
    d = selectors.dashboard(p)
    rate = d.tasks[1]
    assert rate.status == "in_progress" and rate.hint.startswith("1 of 7 domains")
    assert rate.url == "/portfolio/assess/2/"  # the next domain still to rate
    for number in range(2, 8):
        rate_domain(p, number, Rating.WORKING_TOWARDS)  # any rating counts as rated
    assert states(p)["Rate yourself in all 7 domains"] == "done"

    evidence = make_evidence(p, codes=("1.01",))
    assert states(p)["Write your first reflective account"] == "done"

    invited = supervision_invite(
        portfolio=p, name="Sam", email=supervisor.email, role="mentor", by=practitioner
    )
    assert states(p)["Invite a supervisor"] == "in_progress"
    from portfolios.supervision.services import supervision_accept

    supervision = supervision_accept(supervision=invited, user=supervisor)
    assert states(p)["Invite a supervisor"] == "done"

    revision = evidence_submit(evidence=evidence, supervision=supervision, by=practitioner)
    assert states(p)["Get your first sign-off"] == "in_progress"
    review_sign_off(revision=revision, by=supervisor, declared=True)
    assert states(p)["Get your first sign-off"] == "done"

    make_export(practitioner, done=False)
    assert states(p)["Export your portfolio or apply to the register"] == "in_progress"
    make_export(practitioner, level=1)
    d = selectors.dashboard(p)
    assert d.tasks[-1].status == "done" and d.onboarding_complete


def test_onboarding_folds_away_when_done(client, practitioner, supervisor) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    html = client.get("/portfolio/").content.decode()
    assert 'data-testid="onboarding" open>' in html
    assert "1 of 6 done" in html
    make_eligible(practitioner, supervisor)
    make_export(practitioner)
    html = client.get("/portfolio/").content.decode()
    assert 'data-testid="onboarding">' in html  # closed <details>: still there, folded
    assert "6 of 6 done — all done" in html


def test_a_supervisor_whose_account_closed_is_not_a_done_step(practitioner, supervisor) -> None:  # type: ignore[no-untyped-def]
    supervision = make_supervision(practitioner.portfolio, supervisor)
    assert states(practitioner.portfolio)["Invite a supervisor"] == "done"
    supervision_end(supervision=supervision, by=practitioner)
    assert states(practitioner.portfolio)["Invite a supervisor"] == "not_started"


# --- Headline and status language -------------------------------------------------------------


def sign_off(practitioner, supervisor, codes, *, accept=None, title="Signed"):  # type: ignore[no-untyped-def]
    from portfolios.supervision.models import Supervision

    supervision = Supervision.objects.filter(
        portfolio=practitioner.portfolio, supervisor=supervisor, status="active"
    ).first() or make_supervision(practitioner.portfolio, supervisor)
    evidence = make_evidence(practitioner.portfolio, codes=codes, title=title)
    revision = evidence_submit(evidence=evidence, supervision=supervision, by=practitioner)
    accepted = None
    if accept is not None:
        accepted = list(
            EvidenceLink.objects.filter(revision=revision, competency__code__in=accept).values_list(
                "pk", flat=True
            )
        )
    review_sign_off(revision=revision, by=supervisor, declared=True, accepted_link_ids=accepted)
    evidence.refresh_from_db()
    return evidence


def test_headline_counts_signed_off_against_the_framework(client, practitioner, supervisor) -> None:  # type: ignore[no-untyped-def]
    p = practitioner.portfolio
    total = Competency.objects.filter(framework_id=p.framework_id).count()
    sign_off(practitioner, supervisor, ("1.01", "1.02", "2.01"), accept=("1.01", "2.01"))
    make_evidence(p, codes=("3.01",))
    services.self_assessment_record(
        portfolio=p,
        ratings=[services.RatingInput(competency=comp(p, "3.01"), rating=Rating.ACHIEVED)],
    )
    d = selectors.dashboard(p)
    assert d.signed_off == 2 and d.competency_count == total
    client.force_login(practitioner)
    html = client.get("/portfolio/").content.decode()
    assert f'data-testid="headline">Signed off 2 of {total} at Level 2<' in html
    assert 'data-testid="count-evidenced">1<' in html
    # Each status is explained, "evidenced" against "signed off".
    assert "it does not count for the register until a supervisor signs it off" in html
    assert "This is what the register counts." in html


def test_headline_follows_the_target_level(client, practitioner, supervisor) -> None:  # type: ignore[no-untyped-def]
    sign_off(practitioner, supervisor, ("1.01",))
    p = practitioner.portfolio
    p.target_level = 3
    p.save()
    assert selectors.dashboard(p).signed_off == 0  # signed off at Level 2, below 3


# --- Chart -----------------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC), tick=False)
def test_chart_has_twelve_months_and_counts_sign_offs_from_their_month(
    practitioner, supervisor
) -> None:  # type: ignore[no-untyped-def]
    p = practitioner.portfolio
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC), tick=False):
        sign_off(practitioner, supervisor, ("1.01", "1.02"), title="March")
    with time_machine.travel(dt.datetime(2026, 8, 2, 12, tzinfo=dt.UTC), tick=False):
        sign_off(practitioner, supervisor, ("1.02", "1.03"), title="August")  # 1.02 again
        rate_domain(p, 1)
    chart = selectors.dashboard(p).chart
    assert chart.months[0] == dt.date(2025, 12, 31) and chart.months[-1] == dt.date(2026, 11, 23)
    assert len(chart.months) == 12 and chart.total == 63 and chart.level == 2
    by_month = dict(zip([m.month for m in chart.months], chart.signed_off, strict=True))
    assert by_month[2] == 0 and by_month[3] == 2 and by_month[7] == 2 and by_month[8] == 3
    assert chart.achieved[:8] == [0] * 8 and chart.achieved[8:] == [10] * 4  # Dec … Jul, Aug …
    assert chart.y_ticks[0] == (0, chart.y(0)) and chart.y_ticks[-1][0] == 63
    assert "went from 0 to 3 of 63" in chart.summary


def test_chart_is_labelled_with_a_table_alternative(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    html = client.get("/portfolio/").content.decode()
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in html
    assert '<title id="chart-title">' in html and '<desc id="chart-desc">' in html
    assert html.count('<tr><th scope="row">') == 12
    assert "Show the numbers as a table" in html
    assert "<polyline" in html and "sparkline" not in html


# --- Which links count -----------------------------------------------------------------------


def test_each_item_says_whether_its_link_counts_and_why(practitioner, supervisor) -> None:  # type: ignore[no-untyped-def]
    p = practitioner.portfolio
    code = "4.02"
    counted = sign_off(practitioner, supervisor, (code,), title="Counted")
    unticked = sign_off(
        practitioner, supervisor, (code, "4.03"), accept=("4.03",), title="Unticked"
    )
    draft = make_evidence(p, codes=(code,), title="Draft")
    supervision = counted.current.submitted_to
    waiting = make_evidence(p, codes=(code,), title="Waiting")
    evidence_submit(evidence=waiting, supervision=supervision, by=practitioner)
    returned = make_evidence(p, codes=(code,), title="Returned")
    revision = evidence_submit(evidence=returned, supervision=supervision, by=practitioner)
    review_return(revision=revision, by=supervisor, feedback="Say more.")
    # Edited after sign-off: the signed revision still counts, with a note on the draft.
    services.evidence_update(
        evidence=counted,
        data=services.EvidenceInput(
            title="Counted, rewritten",
            date=dt.date(2026, 1, 2),
            details={"what_happened": "a", "so_what": "b", "now_what": "c"},
            links=[services.LinkInput(competency=comp(p, code), rationale="Still shows it.")],
        ),
        by=practitioner,
    )
    verdicts = {v.evidence.pk: v for v in selectors.competency_page(p, comp(p, code)).verdicts}
    assert verdicts[counted.pk].verdict == COUNTS
    assert verdicts[counted.pk].reason == "signed off at Level 2"
    assert verdicts[counted.pk].note == "Revision 2 (draft) is not signed off yet."
    assert verdicts[unticked.pk].verdict == DOES_NOT_COUNT
    assert "did not accept this link" in verdicts[unticked.pk].reason
    assert verdicts[draft.pk].verdict == NOT_YET and "draft" in verdicts[draft.pk].reason
    assert verdicts[waiting.pk].verdict == NOT_YET
    assert verdicts[waiting.pk].reason == "awaiting sign-off by your supervisor"
    assert verdicts[returned.pk].verdict == DOES_NOT_COUNT
    assert "returned" in verdicts[returned.pk].reason


def test_a_sign_off_below_the_target_level_does_not_count(client, practitioner, supervisor) -> None:  # type: ignore[no-untyped-def]
    p = practitioner.portfolio
    item = sign_off(practitioner, supervisor, ("5.01",))
    p.target_level = 3
    p.save()
    (verdict,) = selectors.competency_page(p, comp(p, "5.01")).verdicts
    assert verdict.evidence == item and verdict.verdict == DOES_NOT_COUNT
    assert verdict.reason == "signed off at Level 2, below your Level 3"
    client.force_login(practitioner)
    html = client.get("/portfolio/competencies/5.01/").content.decode()
    assert "Signed off at Level 2, below your Level 3." in html
    assert "Nothing counts towards “signed off” at Level 3 yet" in html


# --- Revalidation progress -------------------------------------------------------------------


def test_no_revalidation_panel_without_a_regulator(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    p = practitioner.portfolio
    p.professional_body = ProfessionalBody.NONE
    p.registration_number = ""
    p.save()
    client.force_login(practitioner)
    assert 'data-testid="revalidation-panel"' not in client.get("/portfolio/").content.decode()


# --- The "you can now apply" prompt ------------------------------------------------------------


def test_apply_prompt_when_and_only_when_the_register_says_eligible(
    client, practitioner, supervisor
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    p = practitioner.portfolio
    assert not is_eligible(p, 2)
    assert 'data-testid="apply-prompt"' not in client.get("/portfolio/").content.decode()
    supervision = make_eligible(practitioner, supervisor)
    assert is_eligible(p, 2)
    html = client.get("/portfolio/").content.decode()
    assert "You can now apply to the register at Level 2" in html
    assert 'href="/register/apply/"' in html
    # Everything signed off but no active supervisor: the register says no, and so do we.
    supervision_end(supervision=supervision, by=practitioner)
    assert not is_eligible(p, 2)
    assert 'data-testid="apply-prompt"' not in client.get("/portfolio/").content.decode()


def test_no_apply_prompt_once_an_application_is_open(client, practitioner, supervisor) -> None:  # type: ignore[no-untyped-def]
    from register.services import application_start

    make_eligible(practitioner, supervisor)
    application_start(user=practitioner, level=2)
    client.force_login(practitioner)
    assert 'data-testid="apply-prompt"' not in client.get("/portfolio/").content.decode()


# --- Matrix ----------------------------------------------------------------------------------


def test_matrix_cells_show_titles_and_words(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    html = client.get("/portfolio/matrix/").content.decode()
    title = comp(practitioner.portfolio, "1.01").title
    assert f'<span class="d-block matrix-title">{title}</span>' in html
    assert "signed off 0 of 63" in html
    assert "nowrap" not in html and 'style="width' not in html


def test_the_item_page_says_which_links_count(client, practitioner, supervisor) -> None:  # type: ignore[no-untyped-def]
    item = sign_off(practitioner, supervisor, ("4.05", "4.06"), accept=("4.05",))
    client.force_login(practitioner)
    html = client.get(f"/portfolio/evidence/{item.pk}/").content.decode()
    assert html.count('data-testid="link-verdict"') == 2
    assert 'data-verdict="counts">' in html and "Signed off at Level 2." in html
    assert "Your supervisor did not accept this link when signing off." in html
    # The supervisor sees what they accepted, not the practitioner's "counts".
    client.force_login(supervisor)
    html = client.get(f"/supervision/evidence/{item.pk}/").content.decode()
    assert 'data-testid="link-verdict"' not in html and "Accepted at sign-off" in html
