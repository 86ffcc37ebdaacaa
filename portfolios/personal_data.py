"""Everything held about a person, for "Download my data" (UK GDPR right of access)."""

from __future__ import annotations

import io
import json
import zipfile

from django.core.serializers.json import DjangoJSONEncoder

from imhcpd.models import User
from portfolios.models import Attachment, Portfolio


def personal_data(user: User) -> dict[str, object]:
    data: dict[str, object] = {
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "email_addresses": list(user.emailaddress_set.values("email", "verified", "primary")),
        },
        "portfolio": None,
    }
    portfolio = Portfolio.objects.for_owner(user).select_related("framework").first()
    if portfolio is None:
        return data
    data["portfolio"] = {
        "framework": str(portfolio.framework),
        "profession": portfolio.profession_label,
        "professional_body": portfolio.get_professional_body_display(),
        "registration_number": portfolio.registration_number,
        "work_setting": portfolio.get_work_setting_display(),
        "region": portfolio.get_region_display(),
        "target_level": portfolio.target_level,
        "created_at": portfolio.created_at,
        "profile_history": list(portfolio.changes.values("changed_at", "changes")),
        "self_assessments": [
            {
                "competency": code,
                "level": level,
                "rating": rating,
                "confidence": confidence,
                "note": note,
                "created_at": created_at,
            }
            for code, level, rating, confidence, note, created_at in _assessment_rows(portfolio)
        ],
        "evidence": [
            {
                "id": evidence.pk,
                "kind": evidence.get_kind_display(),
                "created_at": evidence.created_at,
                "revisions": [
                    {
                        "number": r.number,
                        "status": r.get_status_display(),
                        "title": r.title,
                        "date": r.date,
                        "hours": r.hours,
                        "is_participatory": r.is_participatory,
                        "details": r.details,
                        "confidentiality_confirmed_at": r.confidentiality_confirmed_at,
                        "links": [
                            {"competency": link.competency.code, "rationale": link.rationale}
                            for link in r.links.all()
                        ],
                        "attachments": [
                            {
                                "file": f"attachments/{a.pk}-{a.filename}",
                                "sha256": a.sha256,
                                "size": a.size,
                            }
                            for a in r.attachments.all()
                        ],
                    }
                    for r in evidence.revisions.all().order_by("number")
                ],
                "history": [
                    {
                        "action": e.action,
                        "from": e.from_status,
                        "to": e.to_status,
                        "at": e.created_at,
                    }
                    for e in evidence.events.all()
                ],
            }
            for evidence in portfolio.evidence.prefetch_related(
                "revisions__links__competency", "revisions__attachments", "events"
            ).order_by("created_at", "pk")
        ],
        "development_plan": [
            {
                "title": g.title,
                "competencies": [c.code for c in g.competencies.all()],
                "actions": g.actions,
                "target_date": g.target_date,
                "status": g.get_status_display(),
            }
            for g in portfolio.goals.prefetch_related("competencies").order_by("pk")
        ],
        "practice_hours": list(
            portfolio.practice_hours.order_by("start", "pk").values(
                "start", "end", "hours", "role", "scope"
            )
        ),
        "reflective_discussions": list(
            portfolio.reflective_discussions.order_by("date", "pk").values(
                "date", "partner_name", "partner_role", "partner_registration", "summary"
            )
        ),
        "supervisions": list(
            portfolio.supervisions.order_by("pk").values(
                "invitee_name", "invitee_email", "role", "status", "invited_at", "ended_at"
            )
        ),
    }
    data["pdf_exports"] = list(
        user.exports.order_by("created_at", "pk").values(
            "kind", "level", "status", "code", "file_sha256", "created_at", "expires_at"
        )
    )
    data["register"] = {
        "applications": [
            {
                "level": a.level,
                "status": a.get_status_display(),
                "declarations": a.declarations,
                "submitted_at": a.submitted_at,
                "decided_at": a.decided_at,
                "decision_reasons": a.decision_reasons,
                "history": list(a.events.values("from_status", "to_status", "created_at")),
            }
            for a in user.applications.prefetch_related("events").order_by("pk")
        ],
        "entries": list(
            user.register_entries.order_by("pk").values(
                "number", "level", "status", "valid_from", "valid_to"
            )
        ),
    }
    return data


def _assessment_rows(portfolio: Portfolio):  # type: ignore[no-untyped-def]
    return portfolio.self_assessments.order_by("created_at", "pk").values_list(
        "competency__code", "level", "rating", "confidence", "note", "created_at"
    )


def personal_data_json(user: User) -> bytes:
    return json.dumps(
        personal_data(user), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False
    ).encode()


def personal_data_zip(user: User) -> bytes:
    """data.json plus every attachment (each stored file once per attachment row)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", personal_data_json(user))
        for attachment in Attachment.objects.for_owner(user):
            try:
                with attachment.file.open("rb") as handle:
                    archive.writestr(
                        f"attachments/{attachment.pk}-{attachment.filename}", handle.read()
                    )
            except FileNotFoundError:
                archive.writestr(
                    f"attachments/{attachment.pk}-{attachment.filename}.missing.txt",
                    "File not found.",
                )
    return buffer.getvalue()
