"""Issue 13: the Social Work England CPD record — the page field by field, the CSV read back
with `csv` (formulas neutralised) and the PDF in the online form's order."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from portfolios.exports.revalidation.documents import csv_safe
from portfolios.models import ProfessionalBody
from tests.factories import make_evidence, make_returned
from tests.revalidation.test_documents import (  # noqa: F401 (fixtures)
    _today_and_media,
    cpd,
    in_order,
    item,
    pdf_of,
    regulated,
)

pytestmark = pytest.mark.django_db

SWE_PAGE = "/portfolio/revalidation/swe/"
SWE_CSV = "/portfolio/revalidation/swe.csv"
SWE_PDF = "/portfolio/revalidation/swe/pdf/"


# --- Social Work England ------------------------------------------------------------------


@pytest.fixture
def social_worker(client, practitioner):  # type: ignore[no-untyped-def]
    regulated(practitioner, ProfessionalBody.SWE, None)  # 1 December 2025 – 30 November 2026
    client.force_login(practitioner)
    return practitioner


def test_the_swe_record_is_laid_out_field_by_field_and_as_csv(
    client, social_worker, supervisor, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    p = social_worker.portfolio
    cpd(
        p,
        '=HYPERLINK("http://example.org")',
        dt.date(2026, 2, 1),
        method="e_learning",
        topic="-trauma-informed practice",
        learning="+I visit families after a bereavement.",
        learned="Grief can look like withdrawal from the baby.",
        impact="I ask about losses at the first visit.",
        peer_reflection="@team meeting: we agreed to slow first visits.",
    )
    item(
        p,
        "reflective_account",
        "Reflection on a strengths-based review",
        dt.date(2026, 3, 1),
        {
            "template": "swe",
            "what_happened": "A review with a family, and why strengths matter.",
            "so_what": "Starting from what works changes the conversation.",
            "now_what": "I open every review with what is going well.",
        },
    )
    make_evidence(p, title="Reflection last year", date=dt.date(2025, 11, 30))
    make_returned(
        social_worker, supervisor, "Not yet.", title="Returned reflection", date=dt.date(2026, 4, 1)
    )

    page = client.get(SWE_PAGE).content.decode()
    assert page.count('data-testid="swe-entry"') == 2
    assert page.count("data-copy=") >= 10
    assert "Reflection last year" not in page and "Returned reflection" not in page

    response = client.get(SWE_CSV)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="social-work-england-cpd-2025-2026.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Reference",
        "Type of CPD",
        "Description of the activity and why it is relevant to your practice",
        "Date",
        "What you learned",
        "Impact on your practice and the people you work with",
        "Peer reflection",
        "Who you discussed it with and what you learned from the discussion",
    ]
    assert len(rows) == 3
    cpd_row, account_row = rows[1], rows[2]
    assert cpd_row[1] == "E-learning"
    assert cpd_row[2].startswith("'=HYPERLINK")  # neutralised: a spreadsheet shows it as text
    assert cpd_row[4:6] == [
        "Grief can look like withdrawal from the baby.",
        "I ask about losses at the first visit.",
    ]
    assert cpd_row[6:] == ["Yes", "'@team meeting: we agreed to slow first visits."]
    assert account_row[3] == "2026-03-01"
    assert account_row[4] == "Starting from what works changes the conversation."
    assert account_row[5] == "I open every review with what is going well."
    assert account_row[6] == "No"
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell
    assert csv_safe("-1") == "'-1" and csv_safe("1-1") == "1-1"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SWE_PDF)
    pages = pdf_of(response)
    body = " ".join(pages[1:])
    in_order(
        body,
        [
            "Reflection on a strengths-based review",
            "Type of CPD",
            "Description of the activity and why it is relevant",
            "Date",
            "1 March 2026",
            "What you learned",
            "Impact on your practice",
            "Peer reflection",
        ],
    )
    assert "Reflection last year" not in body and "Returned reflection" not in body
