"""The frozen content of an export: plain JSON built in a fixed number of queries.

Whatever a PDF prints comes from here, so the worker never reads live portfolio rows and a
request's content is fixed at the moment it is made. The same snapshot twice hashes the
same, which is how an unchanged portfolio gets its existing file back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, Prefetch

from competencies.models import Descriptor, Level
from portfolios.evidence_kinds import (
    KINDS,
    REFLECTION_TEMPLATES,
    detail_rows,
    reflection_sections,
    template_key,
)
from portfolios.exports.models import PortfolioExport
from portfolios.models import (
    Attachment,
    Evidence,
    EvidenceKind,
    EvidenceLink,
    EvidenceRevision,
    Portfolio,
    SelfAssessment,
)
from portfolios.selectors import CompetencyState, CompetencyStatus, competency_states

# 2: returned revisions left out, a cover summary, gaps and checksums in the PDF.
# 3: reflective accounts carry their template and its questions (issue 13), so an unchanged
# portfolio asked for again after the upgrade gets a new file once, on purpose.
SNAPSHOT_VERSION = 3
EMBEDDABLE = {"image/png", "image/jpeg"}
Kind = PortfolioExport.Kind


@dataclass(frozen=True)
class ExportOptions:
    kind: str
    level: int
    period_start: dt.date | None = None
    period_end: dt.date | None = None


def canonical_hash(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _hours(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


def _sum(values: list[str | None]) -> str:
    return str(sum((Decimal(v) for v in values if v), Decimal("0.00")))


def signed_fingerprint(portfolio: Portfolio) -> str:
    """Every sign-off of the portfolio and what it accepted (two queries). Reviews and signed
    revisions are immutable, so this changes only when a sign-off is added or an item is
    deleted: the verify page uses it to say whether signed-off content changed since."""
    revisions = list(
        EvidenceRevision.objects.filter(
            evidence__portfolio=portfolio, status=EvidenceRevision.Status.SIGNED_OFF
        )
        .order_by("pk")
        .values_list("pk", "evidence_id", "signed_off_level", "review__pk")
    )
    accepted: dict[int, list[str]] = {}
    for revision_id, code in EvidenceLink.objects.filter(
        revision_id__in=[r[0] for r in revisions], accepted=True
    ).values_list("revision_id", "competency__code"):
        accepted.setdefault(revision_id, []).append(code)
    return canonical_hash([[*row, sorted(accepted.get(row[0], []))] for row in revisions])


def _person(portfolio: Portfolio) -> dict[str, Any]:
    return {
        "name": portfolio.user.get_full_name(),
        "profession": portfolio.profession_label,
        "body": portfolio.get_professional_body_display(),
        "body_code": portfolio.professional_body,
        "registration_number": portfolio.registration_number,
        "work_setting": portfolio.get_work_setting_display(),
        "region": portfolio.get_region_display(),
        "target_level": portfolio.target_level,
    }


def _in_period(options: ExportOptions, day: dt.date) -> bool:
    if options.period_start and day < options.period_start:
        return False
    return not (options.period_end and day > options.period_end)


def _review(review: Any) -> dict[str, Any]:
    return {
        "outcome": review.outcome,
        "outcome_label": review.get_outcome_display(),
        "by": review.reviewer_display,
        "role": review.supervision.get_role_display(),
        "at": review.created_at.isoformat(),
        "level": review.level,
        "declaration": review.declaration,
        "feedback": review.feedback,
    }


def _printed(portfolio: Portfolio) -> tuple[list[tuple[Evidence, int, int | None]], int]:
    """Which revision of each item goes into the PDF: (item, printed revision id, id of an
    earlier signed-off revision to mention), and how many items are left out (two queries).

    A revision returned for changes is the supervisor saying it does not (yet) show what it
    claims, so it is never printed as evidence: the item's newest signed-off revision stands
    in for it, and an item never signed off is left out (the cover says how many)."""
    items = list(
        Evidence.objects.filter(portfolio=portfolio, current__isnull=False)
        .select_related("current")
        .only("pk", "kind", "current__status")
    )
    newest_signed: dict[int, int] = dict(
        EvidenceRevision.objects.filter(
            evidence__in=[e.pk for e in items], status=EvidenceRevision.Status.SIGNED_OFF
        )
        .exclude(pk=F("evidence__current"))
        .order_by("number")
        .values_list("evidence_id", "pk")  # the newest wins in the dict
    )
    printed, left_out = [], 0
    for item in items:
        signed = newest_signed.get(item.pk)
        if item.current.status != EvidenceRevision.Status.RETURNED:
            printed.append((item, item.current_id, signed))
        elif signed is not None:
            printed.append((item, signed, None))
        else:
            left_out += 1
    return printed, left_out


def _evidence(portfolio: Portfolio, options: ExportOptions) -> tuple[list[dict[str, Any]], int]:
    """The printed revision of each item with links, attachments and its review (five
    queries), in date order; and the number of returned items left out."""
    printed, left_out = _printed(portfolio)
    revisions = (
        EvidenceRevision.objects.filter(
            pk__in=[p for _, p, _ in printed] + [e for _, _, e in printed if e]
        )
        .select_related("review", "review__reviewer", "review__supervision")
        .prefetch_related(
            Prefetch(
                "links",
                queryset=EvidenceLink.objects.select_related("competency").order_by(
                    "competency__order"
                ),
            ),
            Prefetch("attachments", queryset=Attachment.objects.order_by("pk")),
        )
        .in_bulk()
    )
    rows = [
        (item, revisions[p], revisions[e] if e else None)
        for item, p, e in printed
        if _in_period(options, revisions[p].date)
    ]
    rows.sort(key=lambda row: (row[1].date, row[0].pk))
    out = []
    for ref, (item, rev, previous) in enumerate(rows, start=1):
        spec = KINDS[item.kind]
        # A reflective account prints its own template's questions, in its order.
        fields = [list(row) for row in detail_rows(item.kind, rev.details)]
        reflection = (
            {
                "template": template_key(rev.details),
                "template_label": REFLECTION_TEMPLATES[template_key(rev.details)].name,
                "sections": [list(s) for s in reflection_sections(rev.details)],
                "code_themes": list(rev.details.get("code_themes") or []),
            }
            if spec.templates
            else {}
        )
        review = getattr(rev, "review", None)
        out.append(
            {
                "ref": f"E{ref}",
                "id": item.pk,
                "kind": item.kind,
                "kind_label": item.get_kind_display(),
                "title": rev.title,
                "date": rev.date.isoformat(),
                "date_label": spec.date_label,
                "hours": _hours(rev.hours),
                "participatory": rev.is_participatory,
                "status": rev.status,
                "status_label": rev.get_status_display(),
                "revision": rev.number,
                # The item's newer revision was returned; this signed-off one stands in.
                "later_returned": rev.pk != item.current_id,
                "fields": fields,
                **reflection,
                "links": [
                    {
                        "code": link.competency.code,
                        "title": link.competency.title,
                        "rationale": link.rationale,
                        "accepted": link.accepted,
                    }
                    for link in rev.links.all()
                ],
                "attachments": [
                    {
                        "id": a.pk,
                        "name": a.filename,
                        "size": a.size,
                        "sha256": a.sha256,
                        "content_type": a.content_type,
                        "embed": a.content_type in EMBEDDABLE,
                    }
                    for a in rev.attachments.all()
                ],
                "review": _review(review) if review else None,
                "earlier_sign_off": (
                    {"revision": previous.number, **_review(previous.review)}
                    if previous is not None and hasattr(previous, "review")
                    else None
                ),
            }
        )
    return out, left_out


def _competencies(
    portfolio: Portfolio,
    level: int,
    evidence: list[dict[str, Any]],
    states: list[CompetencyState],
) -> list[dict[str, Any]]:
    descriptors = dict(
        Descriptor.objects.filter(
            competency__framework_id=portfolio.framework_id, level__number=level
        ).values_list("competency_id", "text")
    )
    history: dict[int, list[dict[str, Any]]] = {}
    for sa in SelfAssessment.objects.filter(portfolio=portfolio, level=level).order_by(
        "created_at", "pk"
    ):
        history.setdefault(sa.competency_id, []).append(
            {
                "at": sa.created_at.isoformat(),
                "rating": sa.rating,
                "rating_label": sa.get_rating_display(),
                "confidence": sa.confidence,
                "note": sa.note,
            }
        )
    links_by_code: dict[str, list[dict[str, Any]]] = {}
    for item in evidence:
        for link in item["links"]:
            links_by_code.setdefault(link["code"], []).append(
                {
                    "ref": item["ref"],
                    "title": item["title"],
                    "kind_label": item["kind_label"],
                    "status_label": item["status_label"],
                    "rationale": link["rationale"],
                    "accepted": link["accepted"],
                    "review": item["review"],
                }
            )
    domains: dict[int, dict[str, Any]] = {}
    for state in states:
        c = state.competency
        domain = domains.setdefault(
            c.domain.number,
            {
                "number": c.domain.number,
                "title": c.domain.title,
                "competencies": [],
                "counts": {s: 0 for s in CompetencyStatus.ORDER},
            },
        )
        domain["counts"][state.status] += 1
        domain["competencies"].append(
            {
                "code": c.code,
                "title": c.title,
                "descriptor": descriptors.get(c.pk, ""),
                "status": state.status,
                "status_label": state.label,
                "icon": state.icon,
                "history": history.get(c.pk, []),
                "links": links_by_code.get(c.code, []),
            }
        )
    return list(domains.values())


def _summary(
    evidence: list[dict[str, Any]], states: list[CompetencyState], left_out: int, cpd_total: str
) -> dict[str, Any]:
    """The cover's figures: sign-offs at the export's level, hours and the dates covered."""
    dates = sorted(e["date"] for e in evidence)
    return {
        "signed_off": sum(1 for s in states if s.status == CompetencyStatus.SIGNED_OFF),
        "competencies": len(states),
        "items": len(evidence),
        "returned_left_out": left_out,
        "cpd_hours": cpd_total,
        "first_date": dates[0] if dates else None,
        "last_date": dates[-1] if dates else None,
        "attachments": sum(len(e["attachments"]) for e in evidence),
    }


def build_snapshot(portfolio: Portfolio, options: ExportOptions) -> dict[str, Any]:
    portfolio = Portfolio.objects.select_related("user", "framework").get(pk=portfolio.pk)
    framework = portfolio.framework
    level = Level.objects.get(framework=framework, number=options.level)
    evidence, left_out = _evidence(portfolio, options)
    states = competency_states(portfolio, options.level)
    logs = {
        kind: {
            "refs": [e["ref"] for e in evidence if e["kind"] == kind],
            "total": _sum([e["hours"] for e in evidence if e["kind"] == kind]),
            "participatory": _sum(
                [e["hours"] for e in evidence if e["kind"] == kind and e["participatory"]]
            ),
        }
        for kind in (EvidenceKind.CPD_ACTIVITY, EvidenceKind.SUPERVISION)
    }
    snapshot: dict[str, Any] = {
        "version": SNAPSHOT_VERSION,
        "kind": options.kind,
        "level": options.level,
        "level_name": level.name,
        "period": {
            "start": options.period_start.isoformat() if options.period_start else None,
            "end": options.period_end.isoformat() if options.period_end else None,
        },
        "person": _person(portfolio),
        "framework": {
            "name": framework.name,
            "version": framework.version,
            "illustrative": framework.is_illustrative,
        },
        "summary": _summary(evidence, states, left_out, logs[EvidenceKind.CPD_ACTIVITY]["total"]),
        "evidence": evidence,
        "cpd_log": logs[EvidenceKind.CPD_ACTIVITY],
        "supervision_log": logs[EvidenceKind.SUPERVISION],
    }
    snapshot["domains"] = _competencies(portfolio, options.level, evidence, states)
    return snapshot
