"""Every change to a portfolio goes through these functions.

Each runs in one transaction and leaves its history: profile changes, self-assessment
rows, evidence revisions and events, goal events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from competencies.models import Competency, Framework
from imhcpd.models import User
from portfolios import confidentiality, goals
from portfolios.evidence_kinds import text_to_scan
from portfolios.models import (
    Attachment,
    Evidence,
    EvidenceEvent,
    EvidenceLink,
    EvidenceRevision,
    Portfolio,
    ProfileChange,
    Rating,
    SelfAssessment,
)
from portfolios.uploads import MAX_ATTACHMENTS_PER_ITEM, UploadRejected, inspect_upload

Status = EvidenceRevision.Status

# The plan's services live in portfolios.goals; these names are kept for existing callers.
goal_save = goals.goal_save
goal_from_gap = goals.goal_from_gap
goal_delete = goals.goal_delete


class TransitionError(Exception):
    """The action is not allowed in the item's current state; the message says why."""


class ConfidentialityUnconfirmed(Exception):
    def __init__(self, findings: dict[str, list[confidentiality.Finding]]) -> None:
        self.findings = findings
        super().__init__(confidentiality.summary(findings))


# --- Portfolio profile ---------------------------------------------------------

PROFILE_FIELDS = (
    "profession",
    "profession_other",
    "professional_body",
    "registration_number",
    "work_setting",
    "region",
    "target_level",
)


def _display(portfolio: Portfolio, name: str) -> str:
    getter = getattr(portfolio, f"get_{name}_display", None)
    value = getter() if getter else getattr(portfolio, name)
    return str(value) if value not in (None, "") else "—"


@transaction.atomic
def portfolio_create(*, user: User, framework: Framework, data: dict[str, object]) -> Portfolio:
    if Portfolio.objects.for_owner(user).exists():
        raise TransitionError("You already have a portfolio.")
    portfolio = Portfolio.objects.create(user=user, framework=framework, **data)
    ProfileChange.objects.create(
        portfolio=portfolio,
        changed_by=user,
        changes={name: ["—", _display(portfolio, name)] for name in PROFILE_FIELDS},
    )
    return portfolio


@transaction.atomic
def portfolio_update(
    *, portfolio: Portfolio, by: User, data: dict[str, object]
) -> ProfileChange | None:
    portfolio = Portfolio.objects.select_for_update().get(pk=portfolio.pk)
    before = {name: _display(portfolio, name) for name in PROFILE_FIELDS}
    for name, value in data.items():
        setattr(portfolio, name, value)
    portfolio.save()
    changes = {
        name: [before[name], _display(portfolio, name)]
        for name in PROFILE_FIELDS
        if before[name] != _display(portfolio, name)
    }
    if not changes:
        return None
    return ProfileChange.objects.create(portfolio=portfolio, changed_by=by, changes=changes)


# --- Self-assessment ----------------------------------------------------------


@dataclass(frozen=True)
class RatingInput:
    competency: Competency
    rating: str
    confidence: int | None = None
    note: str = ""


@transaction.atomic
def self_assessment_record(
    *, portfolio: Portfolio, ratings: list[RatingInput], level: int | None = None
) -> list[SelfAssessment]:
    """Append a history row for each rating that differs from the current one."""
    level = level or portfolio.target_level
    ids = [r.competency.pk for r in ratings]
    if any(r.competency.framework_id != portfolio.framework_id for r in ratings):
        raise TransitionError("That competency belongs to a different framework version.")
    latest = _latest_ratings(portfolio, level, ids)
    now = timezone.now()
    new_rows = []
    for item in ratings:
        current = latest.get(item.competency.pk)
        wanted = (item.rating, item.confidence, item.note.strip())
        if current is None and item.rating == Rating.NOT_ASSESSED and not item.note.strip():
            continue  # nothing to record for an untouched row
        if current is not None and (current.rating, current.confidence, current.note) == wanted:
            continue  # a re-sent form or double click: no duplicate history
        new_rows.append(
            SelfAssessment(
                portfolio=portfolio,
                competency=item.competency,
                level=level,
                rating=item.rating,
                confidence=item.confidence,
                note=item.note.strip(),
                created_at=now,
            )
        )
    return SelfAssessment.objects.bulk_create(new_rows)


def _latest_ratings(
    portfolio: Portfolio, level: int, competency_ids: list[int]
) -> dict[int, SelfAssessment]:
    from portfolios.selectors import latest_self_assessments

    return latest_self_assessments(portfolio, level, competency_ids)


# --- Evidence -------------------------------------------------------------------


@dataclass(frozen=True)
class LinkInput:
    competency: Competency
    rationale: str


@dataclass(frozen=True)
class EvidenceInput:
    title: str
    date: dt.date
    hours: Decimal | None = None
    is_participatory: bool | None = None
    details: dict[str, str] = field(default_factory=dict)
    links: list[LinkInput] = field(default_factory=list)


def identifying_text(kind: str, data: EvidenceInput) -> dict[str, list[confidentiality.Finding]]:
    texts = text_to_scan(kind, data.title, data.details, [link.rationale for link in data.links])
    return confidentiality.scan_fields(texts)


def _confidentiality(
    kind: str, data: EvidenceInput, confirmed: bool
) -> tuple[list[dict[str, str]], dt.datetime | None]:
    """Refuse identifying text unless the practitioner confirmed it identifies nobody."""
    findings = identifying_text(kind, data)
    if not findings:
        return [], None
    if not confirmed:
        raise ConfidentialityUnconfirmed(findings)
    flags = [
        {"field": name, "kind": f.kind, "text": f.text}
        for name, found in findings.items()
        for f in found
    ]
    return flags, timezone.now()


def _write_links(revision: EvidenceRevision, links: list[LinkInput]) -> None:
    seen: set[int] = set()
    rows = []
    for link in links:
        if link.competency.pk in seen:
            continue
        if link.competency.framework_id != revision.evidence.portfolio.framework_id:
            raise TransitionError("That competency belongs to a different framework version.")
        seen.add(link.competency.pk)
        rows.append(
            EvidenceLink(revision=revision, competency=link.competency, rationale=link.rationale)
        )
    EvidenceLink.objects.bulk_create(rows)


def evidence_event(
    evidence: Evidence | None,
    revision: EvidenceRevision | None,
    action: str,
    by: User | None,
    from_status: str = "",
    to_status: str = "",
    detail: str = "",
) -> EvidenceEvent:
    """The audit row of an evidence change; the item comes from the revision when not given.

    Recording a sign-off (supervision calls this once the accepted links are settled) also
    closes the goals it completes, in the same transaction: the plan's one hook on sign-off.
    """
    event = EvidenceEvent.objects.create(
        evidence_id=evidence.pk if evidence is not None else revision.evidence_id,
        revision=revision,
        action=action,
        actor=by,
        from_status=from_status,
        to_status=to_status,
        detail=detail,
    )
    if action == EvidenceEvent.Action.SIGNED_OFF and revision is not None:
        goals.goals_close_signed_off(portfolio=revision.evidence.portfolio)
    return event


def _confirmation_event(
    evidence: Evidence, revision: EvidenceRevision, by: User, flags: list[dict[str, str]]
) -> None:
    evidence_event(
        evidence,
        revision,
        EvidenceEvent.Action.CONFIDENTIALITY_CONFIRMED,
        by,
        detail=f"{len(flags)} flagged passage(s) confirmed as not identifying",
    )


@transaction.atomic
def evidence_create(
    *,
    portfolio: Portfolio,
    kind: str,
    data: EvidenceInput,
    by: User,
    confirm_no_identifiers: bool = False,
    uploads: Sequence[UploadedFile] = (),
) -> Evidence:
    """A new draft item. Files given with it are all checked before anything is written: one
    refused file (UploadRejected) refuses the whole item, so nothing is half-saved."""
    flags, confirmed_at = _confidentiality(kind, data, confirm_no_identifiers)
    if len(uploads) > MAX_ATTACHMENTS_PER_ITEM:
        raise UploadRejected(f"An item can have at most {MAX_ATTACHMENTS_PER_ITEM} attachments.")
    for upload in uploads:
        inspect_upload(upload)
    now = timezone.now()
    evidence = Evidence.objects.create(
        portfolio=portfolio, kind=kind, created_at=now, updated_at=now
    )
    revision = EvidenceRevision.objects.create(
        evidence=evidence,
        number=1,
        title=data.title,
        date=data.date,
        hours=data.hours,
        is_participatory=data.is_participatory,
        details=data.details,
        confidentiality_flags=flags,
        confidentiality_confirmed_at=confirmed_at,
        created_at=now,
        updated_at=now,
    )
    evidence.current = revision
    evidence.save(update_fields=["current"])
    _write_links(revision, data.links)
    evidence_event(evidence, revision, EvidenceEvent.Action.CREATED, by, to_status=Status.DRAFT)
    if confirmed_at:
        _confirmation_event(evidence, revision, by, flags)
    stored: list[str] = []
    try:
        for upload in uploads:
            stored.append(attachment_add(evidence=evidence, upload=upload, by=by).file.name)
    except BaseException:
        # The rows roll back with this transaction; the files already written must go too.
        for name in stored:
            default_storage.delete(name)
        raise
    return evidence


@transaction.atomic
def evidence_update(
    *,
    evidence: Evidence,
    data: EvidenceInput,
    by: User,
    confirm_no_identifiers: bool = False,
) -> EvidenceRevision:
    """Edit a draft in place; editing a returned or signed-off item starts a new revision."""
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    current = EvidenceRevision.objects.select_for_update().get(pk=evidence.current_id)
    if current.status == Status.SUBMITTED:
        raise TransitionError(
            "This item is with your supervisor for review, so it cannot be changed until "
            "they sign it off or return it."
        )
    flags, confirmed_at = _confidentiality(evidence.kind, data, confirm_no_identifiers)
    now = timezone.now()
    values = {
        "title": data.title,
        "date": data.date,
        "hours": data.hours,
        "is_participatory": data.is_participatory,
        "details": data.details,
        "confidentiality_flags": flags,
        "confidentiality_confirmed_at": confirmed_at,
        "updated_at": now,
    }
    if current.status == Status.DRAFT:
        # Conditional: a sign-off or submission racing this edit must win or lose whole.
        changed = EvidenceRevision.objects.filter(pk=current.pk, status=Status.DRAFT).update(
            **values
        )
        if changed != 1:
            raise TransitionError(
                "This item changed while you were editing it; reload and try again."
            )
        current.refresh_from_db()
        current.links.all().delete()
        revision = current
        evidence_event(evidence, revision, EvidenceEvent.Action.EDITED, by)
    else:
        revision = EvidenceRevision.objects.create(
            evidence=evidence, number=current.number + 1, created_at=now, **values
        )
        Attachment.objects.bulk_create(
            Attachment(
                revision=revision,
                file=a.file.name,
                filename=a.filename,
                content_type=a.content_type,
                extension=a.extension,
                size=a.size,
                sha256=a.sha256,
                uploaded_at=a.uploaded_at,
            )
            for a in current.attachments.all()
        )
        evidence.current = revision
        evidence_event(
            evidence,
            revision,
            EvidenceEvent.Action.NEW_REVISION,
            by,
            from_status=current.status,
            to_status=Status.DRAFT,
            detail=f"revision {revision.number} started from revision {current.number}",
        )
    _write_links(revision, data.links)
    evidence.updated_at = now
    evidence.save(update_fields=["current", "updated_at"])
    if confirmed_at:
        _confirmation_event(evidence, revision, by, flags)
    return revision


def ever_submitted(
    evidence: Evidence,
    revisions: list[EvidenceRevision] | None = None,
    events: list[EvidenceEvent] | None = None,
) -> bool:
    """True once any revision was submitted, even if it is a draft again (an ended
    supervision hands waiting items back as drafts and clears where they were sent).
    A page that has already read all of the item's revisions and events passes them, and
    the same rule is answered without a query."""
    if revisions is not None and events is not None:
        return (
            any(r.status != Status.DRAFT for r in revisions)
            or len(revisions) > 1
            or any(e.action == EvidenceEvent.Action.SUBMITTED for e in events)
        )
    return (
        evidence.revisions.exclude(status=Status.DRAFT).exists()
        or evidence.revisions.count() > 1
        or evidence.events.filter(action=EvidenceEvent.Action.SUBMITTED).exists()
    )


@transaction.atomic
def evidence_delete(*, evidence: Evidence, by: User) -> None:
    """Only a draft that was never submitted can be deleted; anything reviewed is kept."""
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if ever_submitted(evidence):
        raise TransitionError(
            "Evidence that has been submitted for review is kept and cannot be deleted; "
            "archive it instead."
        )
    files = [a.file.name for a in Attachment.objects.filter(revision__evidence=evidence)]
    Evidence.objects.filter(pk=evidence.pk).update(current=None)
    evidence.delete()
    transaction.on_commit(lambda: _delete_unreferenced_files(files))


@transaction.atomic
def attachment_add(*, evidence: Evidence, upload: UploadedFile, by: User) -> Attachment:
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    revision = evidence.current
    if revision.status != Status.DRAFT:
        raise TransitionError(
            "Attachments can only be added to a draft. Edit the item to start a new draft."
        )
    if revision.attachments.count() >= MAX_ATTACHMENTS_PER_ITEM:
        raise UploadRejected(f"An item can have at most {MAX_ATTACHMENTS_PER_ITEM} attachments.")
    info = inspect_upload(upload)
    attachment = Attachment(
        revision=revision,
        filename=info.filename,
        content_type=info.content_type,
        extension=info.extension,
        size=info.size,
        sha256=info.sha256,
    )
    attachment.file.save(info.filename, upload, save=False)
    name = attachment.file.name
    # The file is written before its row; if the row cannot be saved, remove the file.
    try:
        attachment.save()
    except Exception:
        attachment.file.storage.delete(name)
        raise
    evidence_event(
        evidence,
        revision,
        EvidenceEvent.Action.ATTACHED,
        by,
        detail=f"{info.filename} (SHA-256 {info.sha256})",
    )
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, by: User) -> None:
    revision = EvidenceRevision.objects.select_for_update().get(pk=attachment.revision_id)
    if revision.status != Status.DRAFT:
        raise TransitionError("Attachments of a submitted or signed-off revision are kept.")
    name = attachment.file.name
    attachment.delete()
    evidence_event(
        revision.evidence, revision, EvidenceEvent.Action.DETACHED, by, detail=attachment.filename
    )
    transaction.on_commit(lambda: _delete_unreferenced_files([name]))


def _delete_unreferenced_files(names: list[str]) -> None:
    # Revisions share stored files; remove one only when no attachment row still uses it.
    for name in set(names):
        if not Attachment.objects.filter(file=name).exists():
            default_storage.delete(name)
