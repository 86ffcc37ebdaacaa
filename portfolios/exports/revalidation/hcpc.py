"""The HCPC CPD profile: the practitioner's texts (kept in `HcpcProfile` for the renewal
date), the gap check, and the profile frozen as an export snapshot.

The HCPC asks for a summary of practice history of up to 500 words, a dated list of CPD since
the last renewal, a statement of up to 1,500 words showing how the CPD meets standards 3 and
4 (typically through four to six activities) with evidence, and an explanation of any time of
three months or more without CPD.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from imhcpd.models import User
from portfolios.exports.models import PortfolioExport
from portfolios.exports.revalidation import bodies
from portfolios.exports.revalidation.bodies import Cycle, cpd_gaps, word_count
from portfolios.exports.revalidation.documents import (
    _attachments,
    _base,
    cycle_evidence,
    cycle_for,
    request_document,
)
from portfolios.exports.revalidation.models import HcpcProfile
from portfolios.exports.revalidation.services import record_event
from portfolios.models import Portfolio

Kind = PortfolioExport.Kind
GAP_NOTE_MAX_CHARS = 2000

HCPC_STANDARDS = (
    "Maintain a continuous, up-to-date and accurate record of your CPD activities.",
    "Demonstrate that your CPD activities are a mixture of learning activities relevant to "
    "current or future practice.",
    "Seek to ensure that your CPD has contributed to the quality of your practice and "
    "service delivery.",
    "Seek to ensure that your CPD benefits the service user.",
    "Upon request, present a written profile, which must be your own work and supported by "
    "evidence, explaining how you have met the standards for CPD.",
)


class ProfileError(ValueError):
    """A profile that cannot be saved; the message is shown beside the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_words(field: str, label: str, text: str, limit: int) -> None:
    used = word_count(text)
    if used > limit:
        raise ProfileError(
            field,
            f"{label} must be {limit:,} words or fewer. It has {used:,} words: "
            f"{used - limit:,} too many.",
        )


def profile_for(portfolio: Portfolio, cycle: Cycle) -> HcpcProfile:
    """The saved texts for this renewal date, or an unsaved empty profile."""
    return HcpcProfile.objects.filter(portfolio=portfolio, renewal_date=cycle.end).first() or (
        HcpcProfile(portfolio=portfolio, renewal_date=cycle.end)
    )


@transaction.atomic
def hcpc_profile_save(
    *,
    portfolio: Portfolio,
    by: User,
    cycle: Cycle,
    summary: str,
    statement: str,
    items: list[int],
    notes: dict[str, str],
) -> HcpcProfile:
    """Save the profile's texts for the cycle's renewal date. `items` are evidence ids the
    statement draws on (only the practitioner's own items dated in the cycle are kept);
    `notes` explain gaps, keyed by the gap's first day."""
    check_words(
        "summary", "The summary of your practice history", summary, bodies.HCPC_SUMMARY_WORDS
    )
    check_words("statement", "The statement", statement, bodies.HCPC_STATEMENT_WORDS)
    for key, note in notes.items():
        if len(note) > GAP_NOTE_MAX_CHARS:
            raise ProfileError(
                f"gap_{key}", f"Explain the gap in {GAP_NOTE_MAX_CHARS:,} characters or fewer."
            )
    allowed = {e["id"] for e in cycle_evidence(portfolio, cycle)}
    chosen = sorted({pk for pk in items if pk in allowed})
    profile, created = HcpcProfile.objects.select_for_update().get_or_create(
        portfolio=portfolio, renewal_date=cycle.end
    )
    profile.summary = summary.strip()
    profile.statement = statement.strip()
    kept = {k: v.strip() for k, v in notes.items() if v.strip()}
    profile.gap_notes = kept
    profile.statement_items = chosen
    profile.updated_at = timezone.now()
    profile.save()
    record_event(
        portfolio=portfolio,
        by=by,
        record="hcpc_profile",
        action="added" if created else "changed",
        record_id=profile.pk,
        detail=f"renewal {cycle.end.isoformat()}: {word_count(profile.summary)} + "
        f"{word_count(profile.statement)} words, {len(chosen)} activities, {len(kept)} gap notes",
    )
    return profile


def hcpc_snapshot(portfolio: Portfolio, cycle: Cycle, today: dt.date) -> dict[str, Any]:
    evidence = cycle_evidence(portfolio, cycle)
    profile = profile_for(portfolio, cycle)
    chosen = set(profile.statement_items)
    notes = profile.gap_notes
    gaps = [
        {
            "first_day": g.first_day.isoformat(),
            "last_day": g.last_day.isoformat(),
            "days": g.days,
            "note": notes.get(g.key, ""),
        }
        for g in cpd_gaps([dt.date.fromisoformat(e["date"]) for e in evidence], cycle, today)
    ]
    listed = [
        {
            "ref": e["ref"],
            "date": e["date"],
            "title": e["title"],
            "kind_label": e["kind_label"],
            "hours": e["hours"],
            "in_statement": e["id"] in chosen,
        }
        for e in evidence
    ]
    cited = [e for e in evidence if e["id"] in chosen]
    return {
        **_base(portfolio, Kind.HCPC, "hcpc", cycle),
        "hcpc": {
            "summary": profile.summary,
            "statement": profile.statement,
            "summary_words": word_count(profile.summary),
            "statement_words": word_count(profile.statement),
            "summary_limit": bodies.HCPC_SUMMARY_WORDS,
            "statement_limit": bodies.HCPC_STATEMENT_WORDS,
            "activities": listed,
            "statement_items": [
                {
                    "ref": e["ref"],
                    "date": e["date"],
                    "title": e["title"],
                    "kind_label": e["kind_label"],
                    "status_label": e["status_label"],
                    "review": e["review"],
                    "fields": e["fields"],
                    "attachments": [
                        {"name": a["name"], "sha256": a["sha256"]} for a in e["attachments"]
                    ],
                }
                for e in cited
            ],
            "gaps": gaps,
            "gaps_unexplained": sum(1 for g in gaps if not g["note"]),
            "gap_days": bodies.HCPC_GAP_DAYS,
            "standards": list(HCPC_STANDARDS),
            "as_of": min(today, cycle.end).isoformat(),
        },
        "evidence": [
            {"ref": e["ref"], "title": e["title"], "attachments": e["attachments"]} for e in cited
        ],
        "summary": {"attachments": _attachments(cited)},
    }


def hcpc_profile_request(
    *, user: User, portfolio: Portfolio, today: dt.date | None = None
) -> tuple[PortfolioExport, bool]:
    today = today or timezone.localdate()
    cycle = cycle_for(portfolio, bodies.HCPC, today)
    return request_document(
        user=user,
        portfolio=portfolio,
        kind=Kind.HCPC,
        snapshot=hcpc_snapshot(portfolio, cycle, today),
        cycle=cycle,
    )
