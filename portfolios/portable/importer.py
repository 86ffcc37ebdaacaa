"""Import a portable portfolio into a signed-in person's empty portfolio, all or nothing.

"Empty" means no evidence items (archived ones included), no self-assessment rows and no
development goals: anything else would mix two histories that cannot be told apart. Someone
with no portfolio yet gets one, set up from the file's profile; an empty portfolio keeps the
profile its owner just gave here (it is the current one) and takes the file's framework
version, since everything imported is linked to that version.

Everything is validated first (portfolios.portable.checks); the rows are then written in
one transaction with the audit record, and files already stored are removed if it fails.
The rows are written here rather than through evidence_create and friends because those
stamp "now" and make one revision, while an import keeps each revision and its dates; the
same checks (uploads, confidentiality, framework version) run in the validation above.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import IO, Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from imhcpd.models import User
from portfolios.models import (
    Attachment,
    DevelopmentGoal,
    Evidence,
    EvidenceEvent,
    EvidenceLink,
    EvidenceRevision,
    GoalEvent,
    ImportedSignOff,
    Portfolio,
    PortfolioImport,
    SelfAssessment,
)
from portfolios.portable.archive import ImportProblems, Upload, open_upload
from portfolios.portable.checks import Plan, day, identifying, validate, when
from portfolios.portable.format import PROFILE_FIELDS
from portfolios.services import TransitionError, evidence_event, portfolio_create

Status = EvidenceRevision.Status

NOT_EMPTY = (
    "Your portfolio already has evidence, self-assessments or plan goals, so nothing can be "
    "imported into it: an import only fills an empty portfolio."
)


def portfolio_is_empty(portfolio: Portfolio | None) -> bool:
    if portfolio is None:
        return True
    return not (
        portfolio.evidence.exists()
        or portfolio.self_assessments.exists()
        or portfolio.goals.exists()
    )


def portfolio_import(*, user: User, file: IO[bytes], size: int) -> PortfolioImport:
    """Validate the uploaded ZIP (or bare portfolio.json) and import it, or raise
    ImportProblems listing everything wrong, with nothing written."""
    if not portfolio_is_empty(Portfolio.objects.for_owner(user).first()):
        raise ImportProblems([NOT_EMPTY])
    digest = hashlib.sha256()
    file.seek(0)
    for block in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(block)
    upload = open_upload(file, size)
    try:
        existing = Portfolio.objects.for_owner(user).exists()
        plan = validate(upload, applies_profile=not existing)
        stored: list[str] = []
        try:
            return _write(
                user=user, upload=upload, plan=plan, sha256=digest.hexdigest(), stored=stored
            )
        except BaseException:
            # The rows rolled back; the files written before the failure must go too.
            for name in stored:
                default_storage.delete(name)
            raise
    finally:
        upload.close()


@transaction.atomic
def _write(
    *, user: User, upload: Upload, plan: Plan, sha256: str, stored: list[str]
) -> PortfolioImport:
    document = plan.document
    portfolio = _portfolio(user, plan)
    record = PortfolioImport.objects.create(
        portfolio=portfolio,
        by=user,
        source_site=document["source"]["site"],
        exported_at=when(document["exported_at"]),
        format_version=document["version"],
        sha256=sha256,
    )
    SelfAssessment.objects.bulk_create(
        SelfAssessment(
            portfolio=portfolio,
            competency=plan.competencies[row["competency"]],
            level=row["level"],
            rating=row["rating"],
            confidence=row["confidence"],
            note=row["note"],
            created_at=when(row["created_at"]),
        )
        for row in document["self_assessments"]
    )
    site = document["source"]["site"]
    files: dict[str, str] = {}  # name in the ZIP → stored name, each file stored once
    revisions = attachments = sign_offs = 0
    for item in document["evidence"]:
        evidence = Evidence.objects.create(
            portfolio=portfolio,
            kind=item["kind"],
            created_at=when(item["created_at"]),
            updated_at=when(item["updated_at"]),
            archived_at=when(item["archived_at"]),
        )
        current = None
        for data in sorted(item["revisions"], key=lambda r: r["number"]):
            current = _revision(evidence, data, plan)
            attachments += _attachments(current, data, plan, upload, files, stored)
            revisions += 1
        evidence.current = current
        evidence.save(update_fields=["current"])
        evidence_event(
            evidence,
            current,
            EvidenceEvent.Action.CREATED,
            user,
            to_status=Status.DRAFT,
            detail=f"Imported from {site} with {len(item['revisions'])} revision(s)",
        )
        ImportedSignOff.objects.bulk_create(
            ImportedSignOff(
                evidence=evidence,
                revision_number=s["revision"],
                site=s["site"],
                signed_by=s["signed_by"],
                signed_at=when(s["signed_at"]),
                level=s["level"],
                competencies=s["competencies"],
                portfolio_import=record,
            )
            for s in item["sign_offs"]
        )
        sign_offs += len(item["sign_offs"])
    goals = _goals(portfolio, document["development_plan"], plan, user, site)
    record.counts = {
        "self_assessments": len(document["self_assessments"]),
        "evidence": len(document["evidence"]),
        "revisions": revisions,
        "attachments": attachments,
        "files": len(files),
        "sign_off_records": sign_offs,
        "goals": goals,
        "framework": str(plan.framework),
    }
    record.save(update_fields=["counts"])
    return record


def _portfolio(user: User, plan: Plan) -> Portfolio:
    portfolio = Portfolio.objects.select_for_update().filter(user=user).first()
    if portfolio is None:
        profile: dict[str, Any] = dict(plan.document["profile"])
        profile["revalidation_date"] = day(profile["revalidation_date"])
        try:
            return portfolio_create(
                user=user,
                framework=plan.framework,
                data={name: profile[name] for name in PROFILE_FIELDS},
            )
        except TransitionError as error:  # a second tab made one meanwhile
            raise ImportProblems([NOT_EMPTY]) from error
    # Checked again under the lock: two imports racing must not both fill it.
    if not portfolio_is_empty(portfolio):
        raise ImportProblems([NOT_EMPTY])
    if portfolio.framework_id != plan.framework.pk:
        Portfolio.objects.filter(pk=portfolio.pk).update(framework=plan.framework)
        portfolio.refresh_from_db()
    return portfolio


def _revision(evidence: Evidence, data: dict[str, Any], plan: Plan) -> EvidenceRevision:
    # Every revision comes in as a draft: nothing signed elsewhere counts as signed here.
    revision = EvidenceRevision.objects.create(
        evidence=evidence,
        number=data["number"],
        status=Status.DRAFT,
        title=data["title"],
        date=day(data["date"]),
        hours=Decimal(data["hours"]) if data["hours"] is not None else None,
        is_participatory=data["is_participatory"],
        details=data["details"],
        confidentiality_confirmed_at=when(data["confidentiality_confirmed_at"]),
        confidentiality_flags=_flags(evidence.kind, data),
        created_at=when(data["created_at"]),
        updated_at=when(data["updated_at"]),
    )
    seen: set[int] = set()
    links = []
    for link in data["links"]:
        competency = plan.competencies[link["competency"]]
        if competency.pk not in seen:
            seen.add(competency.pk)
            links.append(
                EvidenceLink(revision=revision, competency=competency, rationale=link["rationale"])
            )
    EvidenceLink.objects.bulk_create(links)
    return revision


def _flags(kind: str, data: dict[str, Any]) -> list[dict[str, str]]:
    # Flagged afresh by this site's scanner, as an edit here would be; the confirmation
    # the practitioner gave where it was written comes with the revision.
    return [
        {"field": name, "kind": f.kind, "text": f.text}
        for name, found in identifying(kind, data).items()
        for f in found
    ]


def _attachments(
    revision: EvidenceRevision,
    data: dict[str, Any],
    plan: Plan,
    upload: Upload,
    files: dict[str, str],
    stored: list[str],
) -> int:
    for described in data["attachments"]:
        name = described["file"]
        info = plan.files[name]  # checked: present, same size and SHA-256, accepted type
        attachment = Attachment(
            revision=revision,
            filename=info.filename,
            content_type=info.content_type,
            extension=info.extension,
            size=info.size,
            sha256=info.sha256,
            uploaded_at=when(described["uploaded_at"]),
        )
        if name in files:
            attachment.file.name = files[name]  # revisions share one stored copy
        else:
            content = upload.read(name) or b""
            attachment.file.save(info.filename, ContentFile(content), save=False)
            stored.append(attachment.file.name)
            files[name] = attachment.file.name
        attachment.save()
    return len(data["attachments"])


def _goals(
    portfolio: Portfolio, goals: list[dict[str, Any]], plan: Plan, by: User, site: str
) -> int:
    for data in goals:
        goal = DevelopmentGoal.objects.create(
            portfolio=portfolio,
            title=data["title"],
            actions=data["actions"],
            target_date=day(data["target_date"]),
            status=data["status"],
            level=data["level"],
            created_at=when(data["created_at"]),
            updated_at=when(data["updated_at"]),
        )
        goal.competencies.set(
            [plan.competencies[ref["competency"]] for ref in data["competencies"]]
        )
        GoalEvent.objects.create(
            goal=goal, actor=by, to_status=goal.status, detail=f"Imported from {site}"[:300]
        )
    return len(goals)
