"""The regulators' own documents, frozen as export snapshots: the NMC revalidation pack and
the Social Work England CPD record (the HCPC CPD profile is in `hcpc.py`).

Each builder reads the current cycle from `bodies.current_cycle`, keeps only items dated in it
whose current revision was not returned for changes, and hands a plain JSON snapshot to
`exports.services.export_create`, so the PDF goes through the same queue, progress page and
verification code as every other export.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from imhcpd.models import User
from portfolios.evidence_kinds import (
    CODE_THEMES,
    REFLECTION_TEMPLATES,
    code_theme_labels,
    detail_fields,
)
from portfolios.exports.models import PortfolioExport
from portfolios.exports.revalidation import bodies
from portfolios.exports.revalidation.bodies import Cycle
from portfolios.exports.revalidation.models import (
    Confirmation,
    Declaration,
    PracticeHours,
    ReflectiveDiscussion,
)
from portfolios.exports.revalidation.tracker import CHECK, HOURS, tracker_for
from portfolios.exports.services import ExportError, export_create

# Private helpers of the snapshot module, shared so every PDF freezes evidence the same way.
from portfolios.exports.snapshot import ExportOptions, _evidence, _hours, _person, _sum
from portfolios.models import Evidence, EvidenceKind, Portfolio

Kind = PortfolioExport.Kind
DOCUMENT_VERSION = 1

# The NMC form's four questions, in its order, and which answers of another template go
# under each: an account written as Gibbs or Kolb is still read on the NMC's layout.
NMC_QUESTIONS = (
    (
        "What was the nature of the CPD activity and/or practice-related feedback and/or "
        "event or experience in your practice?",
        ("what_happened", "feelings", "evaluation"),
    ),
    (
        "What did you learn from the CPD activity and/or feedback and/or event or experience "
        "in your practice?",
        ("so_what", "reflective_observation", "conclusion", "peer_reflection"),
    ),
    ("How did you change or improve your practice as a result?", ("now_what",)),
    ("How is this relevant to the Code?", ("code_relevance",)),
)
CONFIRMER_FIELDS = (
    ("name", "Confirmer's name"),
    ("registration", "NMC PIN or other professional registration"),
    ("role", "Role"),
    ("email", "Email address"),
    ("address", "Professional address"),
    ("postcode", "Postcode"),
    ("date", "Date of the confirmation discussion"),
)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _cycle(cycle: Cycle) -> dict[str, Any]:
    return {
        "start": cycle.start.isoformat(),
        "end": cycle.end.isoformat(),
        "label": cycle.deadline_label,
        "body": bodies.BODY_NAMES.get(cycle.body, cycle.body),
    }


def _framework(portfolio: Portfolio) -> dict[str, Any]:
    framework = portfolio.framework
    return {
        "name": framework.name,
        "version": framework.version,
        "illustrative": framework.is_illustrative,
    }


def _named(item: dict[str, Any]) -> dict[str, str]:
    """An item's printed fields keyed by their stored names (the snapshot keys them by label,
    which comes from the same field list)."""
    names = {
        f.label: f.name
        for f in detail_fields(item["kind"], {"template": item.get("template") or ""})
    }
    return {names[label]: value for label, value in item["fields"] if label in names}


def cycle_evidence(portfolio: Portfolio, cycle: Cycle) -> list[dict[str, Any]]:
    """Items dated in the cycle whose current revision is not returned, in date order, with
    references (E1, E2, …) counted within this document."""
    options = ExportOptions(
        kind=Kind.PORTFOLIO,
        level=portfolio.target_level,
        period_start=cycle.start,
        period_end=cycle.end,
    )
    evidence, _ = _evidence(portfolio, options)
    # Archived items are ones the practitioner took out of their portfolio: the tracker does
    # not count them, so the pack does not print them.
    archived = set(
        Evidence.objects.filter(portfolio=portfolio, archived_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    kept = [e for e in evidence if not e["later_returned"] and e["id"] not in archived]
    for number, item in enumerate(kept, start=1):
        item["ref"] = f"E{number}"
        item["named"] = _named(item)
    return kept


def _attachments(evidence: list[dict[str, Any]]) -> int:
    return sum(len(e["attachments"]) for e in evidence)


def _base(portfolio: Portfolio, kind: str, pack: str, cycle: Cycle) -> dict[str, Any]:
    return {
        "version": DOCUMENT_VERSION,
        "kind": kind,
        "pack": pack,
        "person": _person(portfolio),
        "framework": _framework(portfolio),
        "cycle": _cycle(cycle),
        "period": {"start": cycle.start.isoformat(), "end": cycle.end.isoformat()},
    }


def request_document(
    *, user: User, portfolio: Portfolio, kind: str, snapshot: dict[str, Any], cycle: Cycle
) -> tuple[PortfolioExport, bool]:
    return export_create(
        owner=user,
        portfolio=portfolio,
        kind=kind,
        snapshot=snapshot,
        level=None,
        period_start=cycle.start,
        period_end=cycle.end,
    )


def cycle_for(portfolio: Portfolio, body: str, today: dt.date | None = None) -> Cycle:
    """The current cycle of `body`, or an ExportError saying what to set first."""
    name = bodies.BODY_NAMES[body]
    if portfolio.professional_body != body:
        raise ExportError(
            f"This document is for {name} registrants. Your revalidation settings say you "
            f"are registered with {portfolio.get_professional_body_display()}."
        )
    cycle = bodies.current_cycle(portfolio, today or timezone.localdate())
    if cycle is None:
        raise ExportError(
            f"Add your {name} {'revalidation' if body == bodies.NMC else 'renewal'} date in "
            "your revalidation settings first: the document covers the cycle that ends on it."
        )
    return cycle


# --- NMC ----------------------------------------------------------------------------------


def _nmc_account(item: dict[str, Any]) -> dict[str, Any]:
    """A reflective account on the NMC form: its answers under the four questions, each
    part under its original heading when it was written in another template."""
    template = item.get("template") or "rolfe"
    fields = {f.name: f for f in REFLECTION_TEMPLATES[template].details}
    raw = item["named"]
    questions = []
    for question, names in NMC_QUESTIONS:
        parts = [
            {"heading": fields[name].short, "text": raw[name]}
            for name in names
            if name in fields and raw.get(name)
        ]
        questions.append({"question": question, "parts": parts})
    ticked = set(item.get("code_themes") or [])
    return {
        "ref": item["ref"],
        "id": item["id"],
        "title": item["title"],
        "date": item["date"],
        "template": template,
        "template_label": item.get("template_label", ""),
        "on_nmc_form": template == "nmc",
        "questions": questions,
        "themes": [{"label": label, "ticked": key in ticked} for key, label in CODE_THEMES],
        "themes_ticked": code_theme_labels(item.get("code_themes")),
    }


def _nmc_checklist(portfolio: Portfolio) -> list[dict[str, Any]]:
    """The tracker's rows, so the pack and the page can never disagree."""
    return [
        {
            "label": row.label,
            "value": format(row.value.normalize(), "f") if row.unit != CHECK else "",
            "target": format(row.target.normalize(), "f") if row.unit != CHECK else "",
            "unit": "h" if row.unit == HOURS else "",
            "met": row.met,
            "detail": row.detail,
        }
        for row in tracker_for(portfolio).rows
    ]


def nmc_snapshot(portfolio: Portfolio, cycle: Cycle) -> dict[str, Any]:
    evidence = cycle_evidence(portfolio, cycle)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for item in evidence:
        by_kind.setdefault(item["kind"], []).append(item)
    # The NMC's log lists the most recent practice first.
    practice = [
        {
            "start": p.start.isoformat(),
            "end": p.end.isoformat(),
            "hours": _hours(p.hours),
            "employer_name": p.employer_name,
            "employer_address": p.employer_address,
            "scope": p.scope,
            "work_setting": p.work_setting,
            "role": p.role,
            "description": p.description,
        }
        for p in PracticeHours.objects.filter(
            portfolio=portfolio, start__lte=cycle.end, end__gte=cycle.start
        ).order_by("-start", "-pk")
    ]
    cpd = [
        {
            "ref": e["ref"],
            "date": e["date"],
            "title": e["title"],
            "method": e["named"].get("method", ""),
            "topic": e["named"].get("topic", ""),
            "provider": e["named"].get("provider", ""),
            "relates": e["named"].get("learning", ""),
            "code_theme": e["named"].get("code_theme", ""),
            "hours": e["hours"] or "0.00",
            "participatory_hours": (e["hours"] or "0.00") if e["participatory"] else "0.00",
        }
        for e in by_kind.get(EvidenceKind.CPD_ACTIVITY, [])
    ]
    feedback = [
        {
            "ref": e["ref"],
            "date": e["date"],
            "title": e["title"],
            "source": e["named"].get("source", ""),
            "summary": e["named"].get("summary", ""),
            "used": e["named"].get("reflection", ""),
        }
        for e in by_kind.get(EvidenceKind.FEEDBACK, [])
    ]
    accounts = [_nmc_account(e) for e in by_kind.get(EvidenceKind.REFLECTIVE_ACCOUNT, [])]
    account_refs = {a["id"]: a for a in accounts}
    discussions = []
    for d in (
        ReflectiveDiscussion.objects.filter(
            portfolio=portfolio, date__gte=cycle.start, date__lte=cycle.end
        )
        .prefetch_related("accounts__current")
        .order_by("date", "pk")
    ):
        discussed = []
        for account in d.accounts.all():
            printed = account_refs.get(account.pk)
            discussed.append(
                {
                    "ref": printed["ref"] if printed else "",
                    "title": printed["title"] if printed else account.current.title,
                }
            )
        discussions.append(
            {
                "date": d.date.isoformat(),
                "partner_name": d.partner_name,
                "partner_registration": d.partner_registration,
                "partner_email": d.partner_email,
                "partner_address": d.partner_address,
                "partner_postcode": d.partner_postcode,
                "summary": d.summary,
                "accounts": sorted(discussed, key=lambda a: (a["ref"] == "", a["ref"])),
            }
        )
    made = {
        d.kind: d
        for d in Declaration.objects.filter(portfolio=portfolio, revalidation_date=cycle.end)
    }
    declarations = [
        {
            "kind": kind,
            "label": label,
            "made": kind in made,
            "text": made[kind].text if kind in made else "",
            "made_at": made[kind].made_at.isoformat() if kind in made else None,
        }
        for kind, label in Declaration.Kind.choices
    ]
    confirmed = (
        Confirmation.objects.filter(
            portfolio=portfolio,
            revalidation_date=cycle.end,
            status=Confirmation.Status.CONFIRMED,
        )
        .order_by("-confirmed_at", "-pk")
        .first()
    )
    confirmation: dict[str, Any] = {"given": confirmed is not None}
    if confirmed is not None:
        confirmation |= {
            "name": confirmed.name,
            "registration": confirmed.registration,
            "role": confirmed.role,
            "email": confirmed.email,
            "address": confirmed.address,
            "postcode": confirmed.postcode,
            "date": _iso(confirmed.confirmed_on),
        }
    # The form's boxes in its order, filled once confirmed and left empty until then.
    confirmation["rows"] = [
        [key, label, confirmation.get(key) or ""] for key, label in CONFIRMER_FIELDS
    ]
    pack: dict[str, Any] = {
        "practice": practice,
        "practice_total": _sum([p["hours"] for p in practice]),
        "practice_target": str(bodies.nmc_practice_hours_target(portfolio)),
        "cpd": cpd,
        "cpd_total": _sum([c["hours"] for c in cpd]),
        "cpd_participatory": _sum([c["participatory_hours"] for c in cpd]),
        "feedback": feedback,
        "accounts": accounts,
        "discussions": discussions,
        "declarations": declarations,
        "confirmation": confirmation,
    }
    pack["checklist"] = _nmc_checklist(portfolio)
    printed = [
        e
        for e in evidence
        if e["kind"]
        in (EvidenceKind.CPD_ACTIVITY, EvidenceKind.FEEDBACK, EvidenceKind.REFLECTIVE_ACCOUNT)
    ]
    for item in printed:
        item.pop("named", None)
    return {
        **_base(portfolio, Kind.REVALIDATION, "nmc", cycle),
        "nmc": pack,
        # Only what the pack prints, so the appendix lists those items' files.
        "evidence": [
            {"ref": e["ref"], "title": e["title"], "attachments": e["attachments"]} for e in printed
        ],
        "summary": {"attachments": _attachments(printed)},
    }


def nmc_pack_request(
    *, user: User, portfolio: Portfolio, today: dt.date | None = None
) -> tuple[PortfolioExport, bool]:
    cycle = cycle_for(portfolio, bodies.NMC, today)
    snapshot = nmc_snapshot(portfolio, cycle)
    return request_document(
        user=user, portfolio=portfolio, kind=Kind.REVALIDATION, snapshot=snapshot, cycle=cycle
    )


# --- Social Work England ------------------------------------------------------------------

# The online form's fields, in its order; the CSV's columns are the same.
SWE_FIELDS = (
    ("type", "Type of CPD"),
    ("description", "Description of the activity and why it is relevant to your practice"),
    ("date", "Date"),
    ("learned", "What you learned"),
    ("impact", "Impact on your practice and the people you work with"),
    ("peer", "Peer reflection"),
    ("peer_detail", "Who you discussed it with and what you learned from the discussion"),
)
SWE_SWE_TEXT = {"what_happened": "description", "so_what": "learned", "now_what": "impact"}


def _swe_entry(item: dict[str, Any]) -> dict[str, Any]:
    raw = item["named"]
    if item["kind"] == EvidenceKind.CPD_ACTIVITY:
        about = ", ".join(v for v in (raw.get("topic"), raw.get("provider")) if v)
        description = item["title"] + (f" ({about})" if about else "")
        if raw.get("learning"):
            description += f". {raw['learning']}"
        values = {
            "type": raw.get("method") or "CPD activity",
            "description": description,
            "learned": raw.get("learned", ""),
            "impact": raw.get("impact", ""),
            "peer_detail": raw.get("peer_reflection", ""),
        }
    else:
        template = item.get("template") or "rolfe"
        fields = {f.name: f for f in REFLECTION_TEMPLATES[template].details}
        values = {"type": "Reflection on practice", "learned": "", "impact": "", "peer_detail": ""}
        buckets: dict[str, list[str]] = {"description": [item["title"]], "learned": []}
        buckets["impact"] = []
        for name, f in fields.items():
            text = raw.get(name)
            if not text or f.choices:
                continue
            if name == "peer_reflection":
                values["peer_detail"] = text
            elif name in SWE_SWE_TEXT:
                buckets[SWE_SWE_TEXT[name]].append(text)
            else:  # Gibbs' feelings, Kolb's observation, the NMC's Code: with the learning
                buckets["learned"].append(f"{f.short}: {text}")
        values |= {key: "\n\n".join(texts) for key, texts in buckets.items()}
    values["date"] = item["date"]
    values["peer"] = "Yes" if values["peer_detail"] else "No"
    return {
        "ref": item["ref"],
        "id": item["id"],
        "title": item["title"],
        "kind_label": item["kind_label"],
        "fields": [[key, label, values.get(key, "")] for key, label in SWE_FIELDS],
    }


def swe_record(portfolio: Portfolio, cycle: Cycle) -> list[dict[str, Any]]:
    """The registration year's CPD activities and reflective accounts, field by field."""
    kinds = (EvidenceKind.CPD_ACTIVITY, EvidenceKind.REFLECTIVE_ACCOUNT)
    return [_swe_entry(e) for e in cycle_evidence(portfolio, cycle) if e["kind"] in kinds]


def swe_snapshot(portfolio: Portfolio, cycle: Cycle) -> dict[str, Any]:
    entries = swe_record(portfolio, cycle)
    peer = sum(1 for e in entries if e["fields"][5][2] == "Yes")
    return {
        **_base(portfolio, Kind.SWE, "swe", cycle),
        "swe": {
            "entries": entries,
            "count": len(entries),
            "peer": peer,
            "min_cpd": bodies.SWE_MIN_CPD,
            "min_peer": bodies.SWE_MIN_PEER,
            "met": len(entries) >= bodies.SWE_MIN_CPD and peer >= bodies.SWE_MIN_PEER,
        },
        "evidence": [],
        "summary": {"attachments": 0},
    }


def swe_record_request(
    *, user: User, portfolio: Portfolio, today: dt.date | None = None
) -> tuple[PortfolioExport, bool]:
    cycle = cycle_for(portfolio, bodies.SWE, today)
    return request_document(
        user=user,
        portfolio=portfolio,
        kind=Kind.SWE,
        snapshot=swe_snapshot(portfolio, cycle),
        cycle=cycle,
    )


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """A spreadsheet runs a cell that starts with = + - @ as a formula; a leading apostrophe
    makes it text (OWASP's advice for CSV injection)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def swe_csv_rows(entries: list[dict[str, Any]]) -> list[list[str]]:
    header = ["Reference", *(label for _, label in SWE_FIELDS)]
    rows = [[e["ref"], *(value for _, _, value in e["fields"])] for e in entries]
    return [header, *([csv_safe(str(cell)) for cell in row] for row in rows)]
