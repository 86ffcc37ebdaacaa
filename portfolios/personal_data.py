"""Everything held about a person, for "Download my data" (UK GDPR right of access).

The account and the portfolio are gathered here; every other app adds its own records
(supervision given and received, exports, the register) through the steps it registers in
`imhcpd.erasure`, so this module imports nothing above the portfolio. The ZIP is streamed:
data.json first, then each stored file once, however many revisions share it.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder

from imhcpd.erasure import ArchiveFile, personal_data_sections, personal_files
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
    }
    data.update(personal_data_sections(user))
    return data


def attachment_archive_names(user: User) -> dict[str, str]:
    """Stored file → its one name in the ZIP. Revisions share stored files: the first
    attachment row names it, and every revision's JSON points at that one copy."""
    names: dict[str, str] = {}
    for pk, file, filename in (
        Attachment.objects.for_owner(user).order_by("pk").values_list("pk", "file", "filename")
    ):
        names.setdefault(file, f"attachments/{pk}-{filename}")
    return names


def attachment_files(user: User) -> Iterator[ArchiveFile]:
    for file, arcname in attachment_archive_names(user).items():
        yield ArchiveFile(name=arcname, open=lambda file=file: default_storage.open(file, "rb"))


def portfolio_section(user: User) -> dict[str, Any]:
    portfolio = Portfolio.objects.for_owner(user).select_related("framework").first()
    if portfolio is None:
        return {"portfolio": None}
    archive_names = attachment_archive_names(user)
    return {
        "portfolio": {
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
                                    "file": archive_names.get(a.file.name, ""),
                                    "sha256": a.sha256,
                                    "size": a.size,
                                }
                                for a in r.attachments.all()
                            ],
                        }
                        for r in evidence.revisions.all().order_by("number")
                    ],
                    # Sign-offs given on another site, brought in by an import: a record only.
                    "imported_sign_offs": [
                        {
                            "revision": record.revision_number,
                            "site": record.site,
                            "signed_by": record.signed_by,
                            "signed_at": record.signed_at,
                            "level": record.level,
                        }
                        for record in evidence.imported_sign_offs.all()
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
                    "revisions__links__competency",
                    "revisions__attachments",
                    "events",
                    "imported_sign_offs",
                ).order_by("created_at", "pk")
            ],
            "imports": list(
                portfolio.imports.order_by("created_at", "pk").values(
                    "created_at", "source_site", "exported_at", "format_version", "sha256", "counts"
                )
            ),
            "development_plan": [
                {
                    "title": g.title,
                    "competencies": [c.code for c in g.competencies.all()],
                    "actions": g.actions,
                    "target_date": g.target_date,
                    "level": g.level,
                    "status": g.get_status_display(),
                }
                for g in portfolio.goals.prefetch_related("competencies").order_by("pk")
            ],
            "practice_hours": list(
                portfolio.practice_hours.order_by("start", "pk").values(
                    "start",
                    "end",
                    "hours",
                    "role",
                    "scope",
                    "employer_name",
                    "employer_address",
                    "work_setting",
                    "description",
                )
            ),
            "reflective_discussions": list(
                portfolio.reflective_discussions.order_by("date", "pk").values(
                    "date",
                    "partner_name",
                    "partner_role",
                    "partner_registration",
                    "partner_email",
                    "partner_address",
                    "partner_postcode",
                    "summary",
                )
            ),
            "supervisions": list(
                portfolio.supervisions.order_by("pk").values(
                    "invitee_name", "invitee_email", "role", "status", "invited_at", "ended_at"
                )
            ),
        }
    }


def _assessment_rows(portfolio: Portfolio):  # type: ignore[no-untyped-def]
    return portfolio.self_assessments.order_by("created_at", "pk").values_list(
        "competency__code", "level", "rating", "confidence", "note", "created_at"
    )


def personal_data_json(user: User) -> bytes:
    return json.dumps(
        personal_data(user), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False
    ).encode()


class _Sink:
    """Where zipfile writes; the generator hands on whatever arrived since the last chunk.
    No seek or tell, so zipfile writes a streaming archive (data descriptors)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


CHUNK = 256 * 1024


def personal_data_zip_stream(user: User, extra: dict[str, bytes] | None = None) -> Iterator[bytes]:
    """data.json (and any `extra` documents beside it, such as the portable portfolio.json),
    then each stored file once (attachments, PDFs still kept), streamed."""
    documents = {"data.json": personal_data_json(user), **(extra or {})}
    return zip_stream(documents, personal_files(user))


def zip_stream(documents: dict[str, bytes], files: Iterable[ArchiveFile]) -> Iterator[bytes]:
    """A ZIP of small documents then stored files, streamed: the server holds one chunk at a
    time, not the whole archive."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in documents.items():
            archive.writestr(name, content)
            yield sink.take()
        for item in files:
            try:
                handle = item.open()
            except FileNotFoundError:
                archive.writestr(f"{item.name}.missing.txt", "File not found.")
                continue
            with handle, archive.open(item.name, "w") as out:
                for block in iter(lambda handle=handle: handle.read(CHUNK), b""):
                    out.write(block)
                    yield sink.take()
            yield sink.take()
    yield sink.take()
