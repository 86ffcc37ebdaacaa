"""The team page, its CSV and PDF: leads only (another service's lead gets 404), summaries
only (never a member's reflection, not even its title), nothing of a member who left or
stopped sharing, and the same number of queries for 3 members as for 50."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from competencies.models import Competency
from portfolios.exports import pdf
from portfolios.exports.models import PortfolioExport
from portfolios.services import EvidenceInput, LinkInput, evidence_create
from portfolios.supervision.services import evidence_submit, review_sign_off
from portfolios.teams.models import Membership, TeamRole
from portfolios.teams.report import snapshot, team_report
from tests.factories import make_supervision
from tests.teams.test_summary import (
    SECRET_REFLECTION,
    add_member,
    make_service,
    new_person,
    sign_off_all,
)

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Quillon family visit on the canal boat"
SECRET_RATIONALE = "Vantablack rationale about the grandmother"


@pytest.fixture
def team(framework, supervisor):  # type: ignore[no-untyped-def]
    lead = new_person(framework, "Lee Lead", target_level=3)
    service = make_service(lead)
    member = new_person(framework, "Mo Member")
    add_member(service, member, TeamRole.SENIOR_CLINICIAN)
    leaver = new_person(framework, "Lou Leaver")
    left = add_member(service, leaver, TeamRole.CLINICIAN)
    quiet = new_person(framework, "Sam Stopped")
    stopped = add_member(service, quiet, TeamRole.CLINICIAN)
    # A signed-off reflection with distinctive text, for each member.
    for user in (member, leaver, quiet):
        portfolio = user.portfolio
        evidence = evidence_create(
            portfolio=portfolio,
            kind="reflective_account",
            data=EvidenceInput(
                title=SECRET_TITLE,
                date=dt.date(2026, 1, 15),
                details={
                    "what_happened": SECRET_REFLECTION,
                    "so_what": SECRET_REFLECTION,
                    "now_what": SECRET_REFLECTION,
                },
                links=[
                    LinkInput(
                        competency=Competency.objects.get(
                            framework_id=portfolio.framework_id, code="1.01"
                        ),
                        rationale=SECRET_RATIONALE,
                    )
                ],
            ),
            by=user,
        )
        supervision = make_supervision(portfolio, supervisor)
        revision = evidence_submit(evidence=evidence, supervision=supervision, by=user)
        review_sign_off(revision=revision, by=supervisor, declared=True)
    Membership.objects.filter(pk=left.pk).update(left_at=timezone.now())
    Membership.objects.filter(pk=stopped.pk).update(shares_summary=False)
    return service, lead


def assert_nothing_private(text: str) -> None:
    for secret in (SECRET_REFLECTION, SECRET_TITLE, SECRET_RATIONALE, "Zephyrine", "Quillon"):
        assert secret not in text
    for gone in ("Lou Leaver", "Sam Stopped"):
        assert gone not in text


def test_the_team_page(client, team) -> None:  # type: ignore[no-untyped-def]
    service, lead = team
    client.force_login(lead)
    response = client.get(f"/teams/{service.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Riverside PAIR team: team report — IMH CPD" in html
    assert "Lee Lead" in html and "Mo Member" in html
    # Readiness: met / not met, in words, with the standard's name and source.
    assert "Not met" in html
    assert "0 of 2 clinicians at Level 2" in html
    assert "no senior clinician at Level 3 yet" in html
    assert "Specialised parent-infant relationship (PAIR) team" in html
    assert "Parent-Infant Foundation" in html
    # The heat map has its numbers, a caption and a labelled scrollable region.
    assert 'role="region" aria-labelledby="heat-caption" tabindex="0"' in html
    assert "1<span" in html  # Mo Member's 1.01, signed off at Level 2 = their target
    assert "Competencies fewest members have signed off" in html
    assert "The competency titles are illustrative texts" in html
    assert "Progress over the last 12 months" in html
    assert f'href="/teams/{service.pk}/members/"' in html
    assert_nothing_private(html)


def test_the_csv(client, team) -> None:  # type: ignore[no-untyped-def]
    service, lead = team
    client.force_login(lead)
    response = client.get(f"/teams/{service.pk}/report.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "private, no-store"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert_nothing_private(text)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["Name", "Role", "WTE", "Target level", "Achieved level"]
    assert [r[0] for r in rows[1:3]] == ["Lee Lead", "Mo Member"]
    assert rows[3] == []
    assert ["Standard", "Specialised parent-infant relationship (PAIR) team"] in rows
    assert [
        "at least 2 senior clinicians at Level 3",
        "Not met",
        "no senior clinician at Level 3 yet",
    ] in rows
    assert rows[-1] == ["Overall", "Not met"]


def test_the_csv_neutralises_formulas(client, team) -> None:  # type: ignore[no-untyped-def]
    service, lead = team
    lead.full_name = '=HYPERLINK("http://evil.example")'
    lead.save()
    client.force_login(lead)
    text = client.get(f"/teams/{service.pk}/report.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example")'


def test_the_pdf_goes_through_the_export_flow(
    client, team, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    service, lead = team
    client.force_login(lead)
    assert client.get(f"/teams/{service.pk}/report.pdf").status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/teams/{service.pk}/report.pdf")
    export = PortfolioExport.objects.get(owner=lead, kind="team")
    assert response.status_code == 302
    assert response["Location"] == f"/portfolio/exports/{export.pk}/"
    export.refresh_from_db()
    assert export.status == PortfolioExport.Status.DONE, export.error
    assert export.level is None
    assert_nothing_private(str(export.snapshot))
    with export.file.open("rb") as fh:
        reader = pypdf.PdfReader(io.BytesIO(fh.read()))
    text = " ".join(page.extract_text() for page in reader.pages)
    squashed = " ".join(text.split())
    assert "Team report" in squashed
    assert "Riverside PAIR team" in squashed
    assert "Mo Member" in squashed and "Lee Lead" in squashed
    assert "No senior clinician at Level 3 yet" in squashed
    assert export.code in squashed
    assert "illustrative competency text" in squashed  # the shipped framework's titles
    assert_nothing_private(squashed)
    # The progress page is the export's own.
    assert client.get(response["Location"]).status_code == 200
    # Anyone can check it by its code; the lead's own sign-offs are not compared (they say
    # nothing about the team).
    client.logout()
    checked = client.get(f"/verify/{export.code}/").content.decode()
    assert "Riverside PAIR team" in checked or "Team report" in checked
    assert "Signed-off content since" not in checked


def test_the_pdf_template_renders_an_empty_team(framework) -> None:  # type: ignore[no-untyped-def]
    lead = new_person(framework, "Solo Lead")
    service = make_service(lead)
    Membership.objects.filter(user=lead).update(shares_summary=False)
    data = snapshot(team_report(service), lead)
    assert data["members"] == []
    meta = {
        "code": "ABCD-EFGH-JKMN",
        "verify_url": "http://testserver/verify/ABCD-EFGH-JKMN/",
        "qr": pdf.qr_data_uri("http://testserver/verify/ABCD-EFGH-JKMN/"),
        "issued_at": timezone.now().isoformat(),
        "kind_label": "Team report",
        "title": "Team report — Riverside PAIR team",
    }
    rendered = pdf.render_pdf(pdf.render_html(data, meta), set())
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(rendered.pdf)).pages)
    assert "Nobody shares a summary with this team yet." in " ".join(text.split())


def test_a_lead_without_a_portfolio_is_offered_the_csv(client, framework) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import UserFactory

    lead = UserFactory(full_name="Manager Without Portfolio")
    service = make_service(lead)
    client.force_login(lead)
    assert client.get(f"/teams/{service.pk}/").status_code == 200
    response = client.post(f"/teams/{service.pk}/report.pdf", follow=True)
    assert "Download the CSV instead" in response.content.decode()
    assert not PortfolioExport.objects.filter(kind="team").exists()


def test_another_services_lead_and_members_get_404(client, team, framework) -> None:  # type: ignore[no-untyped-def]
    service, _lead = team
    other_lead = new_person(framework, "Other Lead")
    make_service(other_lead, name="Elsewhere PAIR team")
    member = Membership.objects.get(service=service, user__full_name="Mo Member").user
    for user in (other_lead, member):
        client.force_login(user)
        assert client.get(f"/teams/{service.pk}/").status_code == 404
        assert client.get(f"/teams/{service.pk}/report.csv").status_code == 404
        assert client.post(f"/teams/{service.pk}/report.pdf").status_code == 404
    assert not PortfolioExport.objects.filter(kind="team").exists()


def test_a_lead_who_left_gets_404(client, team) -> None:  # type: ignore[no-untyped-def]
    service, lead = team
    Membership.objects.filter(user=lead).update(left_at=timezone.now())
    client.force_login(lead)
    assert client.get(f"/teams/{service.pk}/").status_code == 404


def test_the_team_page_queries_stay_constant_from_3_to_50(client, framework, supervisor) -> None:  # type: ignore[no-untyped-def]
    counts = []
    for size in (3, 50):
        lead = new_person(framework, f"Lead of {size}")
        service = make_service(lead, name=f"Team of {size}")
        for i in range(size - 1):
            role = TeamRole.SENIOR_CLINICIAN if i % 5 == 0 else TeamRole.PARENT_INFANT_SPECIALIST
            add_member(service, new_person(framework, f"Member {size}-{i}"), role)
        sign_off_all(lead, supervisor, 2, codes=["1.01", "3.02"])
        client.force_login(lead)
        client.get(f"/teams/{service.pk}/")  # warm the session and caches
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/teams/{service.pk}/")
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="member-row"') == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_a_service_with_no_standard_shows_its_members_without_readiness(client, framework) -> None:  # type: ignore[no-untyped-def]
    lead = new_person(framework, "Early Years Lead")
    service = make_service(lead, kind="other", name="Little Acorns setting")
    client.force_login(lead)
    html = client.get(f"/teams/{service.pk}/").content.decode()
    assert "There is no standard for this kind of service yet" in html
    assert "Early Years Lead" in html
    text = client.get(f"/teams/{service.pk}/report.csv").content.decode("utf-8-sig")
    assert "Standard,No standard for this kind of service" in text
