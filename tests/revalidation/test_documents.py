"""Issue 13: the regulators' documents — the NMC pack, the HCPC CPD profile and the Social
Work England record — made through the export flow and read back (pypdf, csv) in the
regulator's order, with returned items and items outside the cycle left out."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pytest
import time_machine

from competencies.models import Competency
from portfolios.exports.models import PortfolioExport, RecordEvent, private_storage
from portfolios.exports.revalidation import bodies
from portfolios.exports.revalidation.bodies import Cycle
from portfolios.exports.revalidation.confirmation import confirmation_give, confirmation_request
from portfolios.exports.revalidation.documents import nmc_snapshot
from portfolios.exports.revalidation.records import (
    declaration_texts,
    declarations_make,
    discussion_add,
    practice_hours_add,
)
from portfolios.models import ProfessionalBody
from portfolios.services import EvidenceInput, LinkInput, evidence_create
from tests.factories import make_returned
from tests.revalidation.helpers import set_body as regulated

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)
DUE = dt.date(2026, 9, 30)  # the NMC cycle: 1 October 2023 to 30 September 2026
DOCUMENTS = "/portfolio/revalidation/documents/"
NMC_PACK = "/portfolio/revalidation/nmc/pack/"
HCPC_PAGE = "/portfolio/revalidation/hcpc/"
HCPC_PDF = "/portfolio/revalidation/hcpc/pdf/"
SWE_PAGE = "/portfolio/revalidation/swe/"
SWE_CSV = "/portfolio/revalidation/swe.csv"
SWE_PDF = "/portfolio/revalidation/swe/pdf/"


@pytest.fixture(autouse=True)
def _today_and_media(settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "private")
    with time_machine.travel(dt.datetime(2026, 6, 15, 10, 0), tick=False):
        yield


def item(portfolio, kind: str, title: str, day: dt.date, details: dict[str, Any], **extra):  # type: ignore[no-untyped-def]
    link = LinkInput(
        competency=Competency.objects.get(framework_id=portfolio.framework_id, code="1.01"),
        rationale="It shows 1.01 in practice.",
    )
    data = EvidenceInput(title=title, date=day, details=details, links=[link], **extra)
    return evidence_create(portfolio=portfolio, kind=kind, data=data, by=portfolio.user)


def cpd(portfolio, title: str, day: dt.date, hours: str = "3", **details: str):  # type: ignore[no-untyped-def]
    return item(
        portfolio,
        "cpd_activity",
        title,
        day,
        {"provider": "Example Training Collective", **details},
        hours=Decimal(hours),
        is_participatory=True,
    )


def pdf_of(response, capture=None) -> list[str]:  # type: ignore[no-untyped-def]
    """The pages of the export a request redirected to, as squashed text."""
    assert response.status_code == 302, response.content[:500]
    pk = int(response["Location"].rstrip("/").split("/")[-1])
    export = PortfolioExport.objects.get(pk=pk)
    assert export.status == PortfolioExport.Status.DONE, export.error
    with private_storage().open(export.file.name, "rb") as fh:
        reader = pypdf.PdfReader(io.BytesIO(fh.read()))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def in_order(text: str, needles: list[str]) -> None:
    """Each needle appears, after the one before it."""
    at = 0
    for needle in needles:
        found = text.find(needle, at)
        assert found >= 0, f"{needle!r} not found after {text[max(at - 80, 0) : at]!r}"
        at = found + len(needle)


@pytest.fixture
def nurse(client, practitioner):  # type: ignore[no-untyped-def]
    regulated(practitioner, ProfessionalBody.NMC, DUE)
    client.force_login(practitioner)
    return practitioner


# --- NMC ----------------------------------------------------------------------------------


def test_the_nmc_pack_prints_each_form_in_the_nmcs_order(
    client, nurse, supervisor, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    p = nurse.portfolio
    practice_hours_add(
        portfolio=p,
        by=nurse,
        data={
            "start": dt.date(2024, 1, 1),
            "end": dt.date(2025, 12, 31),
            "hours": Decimal("1200"),
            "role": "Health visitor",
            "scope": "Direct patient care",
            "employer_name": "Example Community Health Trust",
            "employer_address": "1 Example Street, Exampletown",
            "work_setting": "Community setting",
            "description": "Universal and targeted caseload of families with babies.",
        },
    )
    practice_hours_add(
        portfolio=p,
        by=nurse,
        data={
            "start": dt.date(2022, 1, 1),
            "end": dt.date(2022, 12, 31),
            "hours": Decimal("900"),
            "role": "Staff nurse on an old ward",
        },
    )
    cpd(
        p,
        "Attachment study day",
        dt.date(2025, 3, 1),
        method="course",
        topic="attachment in the first year",
        learning="I use it at every new-birth visit.",
        code_theme="practise_effectively",
    )
    cpd(p, "Course long ago", dt.date(2022, 3, 1))
    make_returned(nurse, supervisor, "Please add what you learned.", title="Returned reflection")
    item(
        p,
        "feedback",
        "Feedback from a colleague",
        dt.date(2025, 4, 1),
        {
            "source": "colleague",
            "summary": "Warm and well prepared.",
            "reflection": "I now prepare the same way for every visit.",
        },
    )
    nmc_account = item(
        p,
        "reflective_account",
        "Reflection on the NMC form",
        dt.date(2025, 5, 1),
        {
            "template": "nmc",
            "what_happened": "A study day on attachment.",
            "so_what": "How babies signal when they are overwhelmed.",
            "now_what": "I pause and name what I see.",
            "code_themes": ["prioritise_people", "preserve_safety"],
            "code_relevance": "It keeps the baby's needs first.",
        },
    )
    gibbs = item(
        p,
        "reflective_account",
        "Reflection in Gibbs",
        dt.date(2025, 6, 1),
        {
            "template": "gibbs",
            "what_happened": "A home visit that went badly.",
            "feelings": "I felt rushed.",
            "evaluation": "The family had little time.",
            "so_what": "Rushing makes parents feel unheard.",
            "conclusion": "I could have booked longer.",
            "now_what": "I book an hour for first visits.",
        },
    )
    discussion_add(
        portfolio=p,
        by=nurse,
        data={
            "date": dt.date(2026, 5, 20),
            "partner_name": "Dana Discussant",
            "partner_registration": "99Z9999Z",
            "partner_email": "dana@example.org",
            "partner_address": "2 Example Road, Exampletown",
            "partner_postcode": "EX1 2MP",
            "summary": "We talked through both accounts.",
        },
        accounts=[nmc_account, gibbs],
    )
    declarations_make(portfolio=p, by=nurse, kinds=["health_character"], today=TODAY)
    asked = confirmation_request(
        portfolio=p, by=nurse, name="Cora Confirmer", email="cora@example.org", today=TODAY
    )
    confirmation_give(
        confirmation=asked,
        data={
            "name": "Cora Confirmer",
            "email": "cora@example.org",
            "registration": "88Y8888Y",
            "role": "Team leader",
            "address": "3 Example Lane, Exampletown",
            "postcode": "EX3 4MP",
            "confirmed_on": dt.date(2026, 6, 10),
        },
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(NMC_PACK)
    pages = pdf_of(response)
    body = " ".join(pages[2:])  # after the cover and contents
    in_order(
        body,
        [
            "Revalidation checklist",
            "Practice-hours log",
            "CPD log",
            "Practice-related feedback log",
            "Written reflective accounts",
            "Reflective discussion form",
            "Declarations",
            "Confirmation form",
        ],
    )
    assert "NMC revalidation pack" in pages[0]
    assert "30 September 2026" in pages[0]
    # Practice hours: dates, hours, employer and address, scope, setting, description.
    assert "Example Community Health Trust" in body and "1 Example Street" in body
    assert "Direct patient care" in body and "Community setting" in body
    assert "Universal and targeted caseload" in body
    assert "Staff nurse on an old ward" not in body  # before the cycle
    # CPD log: method, topic, how it relates, hours, participatory hours, the Code.
    assert "Course or study day" in body and "attachment in the first year" in body
    assert "I use it at every new-birth visit." in body
    assert "Practise effectively" in body
    assert "Course long ago" not in body
    assert "Returned reflection" not in body
    # Feedback: source, summary, how it was used.
    in_order(body, ["Colleague", "Warm and well prepared.", "prepare the same way"])
    # The accounts on the NMC's four questions; Gibbs' parts placed under them, headed.
    in_order(
        body,
        [
            "Reflection on the NMC form",
            "What was the nature of the CPD activity",
            "A study day on attachment.",
            "What did you learn",
            "How did you change or improve your practice",
            "How is this relevant to the Code?",
            "It keeps the baby's needs first.",
            "☒ Prioritise people ☐ Practise effectively ☒ Preserve safety",
            "Reflection in Gibbs",
            "Feelings",
            "I felt rushed.",
            "Conclusion",
            "I could have booked longer.",
            "Action plan",
            "I book an hour for first visits.",
        ],
    )
    # The discussion form, with the accounts discussed; the declarations; the confirmation.
    in_order(
        body,
        ["Dana Discussant", "99Z9999Z", "dana@example.org", "EX1 2MP", "20 May 2026"],
    )
    declared = " ".join(declaration_texts(p)["health_character"].split())
    in_order(body, ["Declarations", "Health and character", f"✔ {declared}"])
    assert "Professional indemnity ✘ Not yet made." in body
    in_order(body, ["Confirmation form", "Cora Confirmer", "88Y8888Y", "EX3 4MP", "10 June 2026"])
    assert "Verification code" in pages[0]


def test_without_a_confirmation_the_form_has_empty_boxes(nurse) -> None:  # type: ignore[no-untyped-def]
    cycle = bodies.current_cycle(nurse.portfolio, TODAY)
    pack = nmc_snapshot(nurse.portfolio, cycle)["nmc"]
    assert pack["confirmation"]["given"] is False
    assert [value for _, _, value in pack["confirmation"]["rows"]] == [""] * 7
    assert pack["discussions"] == []
    assert {row["label"]: row["met"] for row in pack["checklist"]}["Confirmation"] is False


@pytest.mark.parametrize(
    ("body", "due", "message"),
    [
        (ProfessionalBody.HCPC, DUE, "for NMC registrants"),
        (ProfessionalBody.NMC, None, "Add your NMC revalidation date"),
    ],
)
def test_the_nmc_pack_is_refused_with_a_reason(client, practitioner, body, due, message) -> None:  # type: ignore[no-untyped-def]
    regulated(practitioner, body, due)
    client.force_login(practitioner)
    response = client.post(NMC_PACK)
    assert response.status_code == 409
    assert message in response.content.decode()
    assert not PortfolioExport.objects.exists()


def test_a_strangers_document_is_not_found(client, nurse, other_practitioner) -> None:  # type: ignore[no-untyped-def]
    response = client.post(NMC_PACK)
    export = PortfolioExport.objects.get()
    assert response["Location"] == f"/portfolio/exports/{export.pk}/"
    client.force_login(other_practitioner)
    assert client.get(f"/portfolio/exports/{export.pk}/").status_code == 404
    assert client.get(f"/portfolio/exports/{export.pk}/download/").status_code == 404


def test_the_generic_export_page_sends_revalidation_packs_to_the_revalidation_page(
    client, nurse
) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/portfolio/exports/", {"kind": "revalidation", "level": "2"})
    assert response.status_code == 400
    assert "made from your revalidation page" in response.content.decode()
    assert not PortfolioExport.objects.exists()


# --- HCPC ---------------------------------------------------------------------------------


@pytest.fixture
def therapist(client, practitioner):  # type: ignore[no-untyped-def]
    regulated(practitioner, ProfessionalBody.HCPC, DUE)  # cycle 1 October 2024 to DUE
    client.force_login(practitioner)
    return practitioner


def words(n: int) -> str:
    return " ".join(["word"] * n)


@pytest.mark.parametrize(
    ("field", "limit"),
    [("summary", bodies.HCPC_SUMMARY_WORDS), ("statement", bodies.HCPC_STATEMENT_WORDS)],
)
def test_the_word_limits_are_exact(client, therapist, field, limit) -> None:  # type: ignore[no-untyped-def]
    response = client.post(HCPC_PAGE, {field: words(limit + 1)})
    assert response.status_code == 400
    assert f"must be {limit:,} words or fewer. It has {limit + 1:,} words: 1 too many." in (
        response.content.decode()
    )
    assert not RecordEvent.objects.filter(record="hcpc_profile").exists()
    # Spaces of every kind count as the live count in the browser counts them.
    text = words(limit - 2) + "\u00a0word\n\tword  "
    assert bodies.word_count(text) == limit
    response = client.post(HCPC_PAGE, {field: text})
    assert response.status_code == 302
    profile = therapist.portfolio.hcpc_profiles.get(renewal_date=DUE)
    assert bodies.word_count(getattr(profile, field)) == limit
    assert RecordEvent.objects.filter(record="hcpc_profile", record_id=profile.pk).exists()


def test_gaps_of_three_months_or_more_are_listed_exactly() -> None:
    cycle = Cycle(bodies.HCPC, dt.date(2025, 1, 1), dt.date(2026, 12, 31), "HCPC renewal date")
    first = dt.date(2025, 1, 1)
    short = first + dt.timedelta(days=bodies.HCPC_GAP_DAYS)  # 90 days without CPD between
    long = short + dt.timedelta(days=bodies.HCPC_GAP_DAYS + 1)  # 91 days without
    today = long + dt.timedelta(days=bodies.HCPC_GAP_DAYS - 1)  # 90 days since the last
    gaps = bodies.cpd_gaps([first, short, long], cycle, today)
    assert [(g.first_day, g.days) for g in gaps] == [
        (short + dt.timedelta(days=1), bodies.HCPC_GAP_DAYS)
    ]
    # From the cycle's start to the first activity, and from the last one to today.
    late = cycle.start + dt.timedelta(days=bodies.HCPC_GAP_DAYS)
    gaps = bodies.cpd_gaps([late], cycle, late + dt.timedelta(days=bodies.HCPC_GAP_DAYS))
    assert [(g.first_day, g.last_day) for g in gaps] == [
        (cycle.start, late - dt.timedelta(days=1)),
        (late + dt.timedelta(days=1), late + dt.timedelta(days=bodies.HCPC_GAP_DAYS)),
    ]
    assert bodies.cpd_gaps([], cycle, cycle.start + dt.timedelta(days=89)) == []


def test_the_hcpc_profile_page_saves_and_the_pdf_prints_it_in_order(
    client, therapist, supervisor, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    p = therapist.portfolio
    # Cycle 1 October 2024 – 30 September 2026, today 15 June 2026.
    chosen = cpd(p, "Parent-infant psychotherapy course", dt.date(2024, 10, 10))
    cpd(p, "Journal club on sleep", dt.date(2025, 1, 5))
    cpd(p, "Reading on mentalisation", dt.date(2026, 6, 1))
    cpd(p, "Course before the cycle", dt.date(2024, 5, 1))
    make_returned(
        therapist, supervisor, "Not yet.", title="Returned item", date=dt.date(2025, 6, 1)
    )
    page = client.get(HCPC_PAGE).content.decode()
    assert page.count('data-testid="hcpc-gap"') == 1  # 6 January 2025 to 31 May 2026
    assert "6 January 2025 to 31 May 2026" in page
    assert 'data-maxwords="500"' in page and 'data-maxwords="1500"' in page
    assert "Course before the cycle" not in page and "Returned item" not in page
    response = client.post(
        HCPC_PAGE,
        {
            "summary": "I am a parent-infant psychotherapist in a community team.",
            "statement": "The course changed how I open a first session.",
            "items": [str(chosen.pk)],
            "gap_2025-01-06": "Parental leave.",
        },
    )
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(HCPC_PDF)
    pages = pdf_of(response)
    body = " ".join(pages[2:])
    in_order(
        body,
        [
            "Summary of practice history",
            "I am a parent-infant psychotherapist",
            "Dated list of CPD activities",
            "Parent-infant psychotherapy course",
            "Journal club on sleep",
            "Reading on mentalisation",
            "Statement of how I have met the standards",
            "The course changed how I open a first session.",
            "Evidence",
            "E1: Parent-infant psychotherapy course",
            "Gap check",
            "6 January 2025",
            "Explained: Parental leave.",
            "The HCPC's standards for CPD",
            "Seek to ensure that your CPD benefits the service user.",
        ],
    )
    assert "Course before the cycle" not in body and "Returned item" not in body
    assert "HCPC CPD profile" in pages[0]


# --- Every document's pages ----------------------------------------------------------


def test_the_swe_pages_refuse_other_regulators(client, nurse) -> None:  # type: ignore[no-untyped-def]
    assert "for Social Work England registrants" in client.get(SWE_PAGE).content.decode()
    assert client.get(SWE_CSV).status_code == 409
    assert client.post(SWE_PDF).status_code == 409
    assert client.post(HCPC_PDF).status_code == 409
    assert client.post(HCPC_PAGE, {"summary": "x"}).status_code == 409


def test_the_documents_page_offers_the_practitioners_own_body(client, nurse) -> None:  # type: ignore[no-untyped-def]
    page = client.get(DOCUMENTS).content.decode()
    assert 'data-testid="make-nmc-pack"' in page
    assert HCPC_PAGE not in page.split("doc-hcpc")[1].split("</section>")[0]


def test_strangers_cannot_use_anothers_pages(client) -> None:  # type: ignore[no-untyped-def]
    for url in (DOCUMENTS, HCPC_PAGE, SWE_PAGE, SWE_CSV):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
