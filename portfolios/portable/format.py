"""Build the portable portfolio document (portfolio.json, format version 1) for one person.

What moves is what a practitioner would expect another installation to show them: the
profile, every self-assessment row with its original time, every evidence item with each
revision's content, links (by CASE identifier), attachments (by their name in the ZIP) and
a record of each sign-off, and the development plan. What stays is this site's workflow
and other people's words: supervisions, reviews' feedback, comments, notifications, the
evidence audit trail, PDF exports, revalidation records and register applications (all
still in data.json).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from competencies.formats.case import Ids
from imhcpd.models import User
from portfolios import services
from portfolios.models import Evidence, EvidenceEvent, Portfolio
from portfolios.personal_data import attachment_archive_names

FORMAT = "imhcpd-portfolio"
VERSION = 1
FILENAME = "portfolio.json"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "portfolio-v1.schema.json"

# The profile the set-up form asks for, and the two revalidation answers kept beside it.
PROFILE_FIELDS = (*services.PROFILE_FIELDS, "revalidation_date", "nmc_dual_registration")


def schema_text() -> str:
    return SCHEMA_PATH.read_text(encoding="utf-8")


def site() -> dict[str, str]:
    return {"name": settings.SITE_NAME, "site": settings.SITE_URL}


def portable_portfolio(user: User) -> dict[str, Any] | None:
    """The document as plain JSON values, or None for someone with no portfolio."""
    portfolio = Portfolio.objects.for_owner(user).select_related("framework").first()
    if portfolio is None:
        return None
    framework = portfolio.framework
    ids = Ids(framework.name, framework.version)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now(),
        "source": site(),
        "framework": {
            "name": framework.name,
            "version": framework.version,
            "case_document_id": ids.document,
        },
        "profile": {name: getattr(portfolio, name) for name in PROFILE_FIELDS},
        "self_assessments": [
            {
                "competency": ids.competency(code),
                "code": code,
                "level": level,
                "rating": rating,
                "confidence": confidence,
                "note": note,
                "created_at": created_at,
            }
            for code, level, rating, confidence, note, created_at in (
                portfolio.self_assessments.order_by("created_at", "pk").values_list(
                    "competency__code", "level", "rating", "confidence", "note", "created_at"
                )
            )
        ],
        "evidence": _evidence(user, portfolio, ids),
        "development_plan": [
            {
                "title": goal.title,
                "competencies": [
                    {"competency": ids.competency(c.code), "code": c.code}
                    for c in sorted(goal.competencies.all(), key=lambda c: c.order)
                ],
                "actions": goal.actions,
                "target_date": goal.target_date,
                "status": goal.status,
                "level": goal.level,
                "created_at": goal.created_at,
                "updated_at": goal.updated_at,
            }
            for goal in portfolio.goals.prefetch_related("competencies").order_by(
                "created_at", "pk"
            )
        ],
    }
    # Through the encoder once, so dates, times and decimals read the same in the file and
    # in a test that compares two exports.
    return json.loads(json.dumps(document, cls=DjangoJSONEncoder))


def portable_portfolio_json(user: User) -> bytes | None:
    document = portable_portfolio(user)
    if document is None:
        return None
    return json.dumps(document, indent=2, ensure_ascii=False).encode()


def _evidence(user: User, portfolio: Portfolio, ids: Ids) -> list[dict[str, Any]]:
    archive_names = attachment_archive_names(user)
    items = (
        Evidence.objects.filter(portfolio=portfolio)
        .prefetch_related(
            "revisions__links__competency", "revisions__attachments", "imported_sign_offs"
        )
        .order_by("created_at", "pk")
    )
    # Sign-offs given here, read from the audit trail the portfolio layer owns (the signer's
    # name as it was frozen there, the same name the item page shows).
    signed_here: dict[int, list[EvidenceEvent]] = {}
    for event in (
        EvidenceEvent.objects.filter(
            evidence__portfolio=portfolio, action=EvidenceEvent.Action.SIGNED_OFF
        )
        .select_related("revision", "actor")
        .prefetch_related("revision__links__competency")
        .order_by("created_at", "pk")
    ):
        signed_here.setdefault(event.evidence_id, []).append(event)
    here = settings.SITE_URL
    return [
        {
            "kind": evidence.kind,
            "created_at": evidence.created_at,
            "updated_at": evidence.updated_at,
            "archived_at": evidence.archived_at,
            "revisions": [
                _revision(revision, ids, archive_names)
                for revision in sorted(evidence.revisions.all(), key=lambda r: r.number)
            ],
            # Records brought in from elsewhere first (they are older), then this site's own.
            "sign_offs": [
                {
                    "revision": record.revision_number,
                    "site": record.site,
                    "signed_by": record.signed_by,
                    "signed_at": record.signed_at,
                    "level": record.level,
                    "competencies": record.competencies,
                }
                for record in evidence.imported_sign_offs.all()
            ]
            + [
                {
                    "revision": event.revision.number,
                    "site": here,
                    "signed_by": event.actor_display,
                    "signed_at": event.created_at,
                    "level": event.revision.signed_off_level,
                    "competencies": [
                        ids.competency(link.competency.code)
                        for link in event.revision.links.all()
                        if link.accepted
                    ],
                }
                for event in signed_here.get(evidence.pk, [])
                if event.revision is not None
            ],
        }
        for evidence in items
    ]


def _revision(revision, ids: Ids, archive_names: dict[str, str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {
        "number": revision.number,
        "status": revision.status,
        "title": revision.title,
        "date": revision.date,
        "hours": revision.hours,
        "is_participatory": revision.is_participatory,
        "details": revision.details,
        "confidentiality_confirmed_at": revision.confidentiality_confirmed_at,
        "created_at": revision.created_at,
        "updated_at": revision.updated_at,
        "links": [
            {
                "competency": ids.competency(link.competency.code),
                "code": link.competency.code,
                "rationale": link.rationale,
            }
            for link in revision.links.all()
        ],
        "attachments": [
            {
                "file": archive_names[a.file.name],
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "uploaded_at": a.uploaded_at,
            }
            for a in revision.attachments.all()
        ],
    }
