"""The register's part of closing an account (see imhcpd.erasure), and of the data download.

As a registrant: each register entry stays, removed, with its audit trail, so its number
answers "removed — account closed" on a direct lookup and nobody can pass it off as current;
the entry keeps the name and level shown publicly at approval, which administrators need for
any later fitness-to-practise question. The applications themselves (snapshots, endorsements,
references, questions, notes) are the person's and go.

As a supervisor, a referee or an administrator: what they gave others stays with the name
they gave it under (endorser, referee as named by the applicant, note and question authors;
decisions through the audit rows' frozen names); endorsements still waiting for them are
declined, so the applicant can ask someone else.
"""

from __future__ import annotations

from typing import Any

from imhcpd.erasure import Erasure, frozen_name
from imhcpd.models import User
from register.credentials.services import credentials_revoke
from register.models import (
    AdminNote,
    Application,
    Credential,
    Endorsement,
    EntryEvent,
    InfoRequest,
    Reference,
    RegisterEntry,
)

ACCOUNT_CLOSED = "account closed"


def erase(erasure: Erasure) -> None:
    user = erasure.user
    name = frozen_name(user)

    entries = list(RegisterEntry.objects.for_owner(user).select_for_update())
    for entry in entries:
        if entry.status != RegisterEntry.Status.REMOVED:
            EntryEvent.objects.create(
                entry=entry,
                actor=erasure.by,
                from_status=entry.status,
                to_status=RegisterEntry.Status.REMOVED,
                detail=ACCOUNT_CLOSED,
            )
    for entry in entries:
        credentials_revoke(entry=entry, by=erasure.by, reason=ACCOUNT_CLOSED)
    # Revoked above and published as such; what identified the holder (the hashed email, the
    # signed copy) goes. A verifier holding the JWT still learns it was revoked.
    erasure.count(
        "credentials revoked and their content erased",
        Credential.objects.filter(entry__in=entries).update(document={}, jwt=""),
    )
    RegisterEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
        status=RegisterEntry.Status.REMOVED,
        user=None,
        application=None,
        account_closed_at=erasure.at,
    )
    erasure.count("register entries kept as removed", len(entries))

    applications = Application.objects.for_owner(user)
    erasure.count("register applications", applications.count())
    applications.delete()

    asked = Endorsement.objects.filter(supervision__supervisor=user)
    erasure.count(
        "endorsement requests declined",
        asked.filter(status=Endorsement.Status.REQUESTED).update(
            status=Endorsement.Status.DECLINED,
            reason="The supervisor's account was closed.",
            decided_at=erasure.at,
        ),
    )
    erasure.count(
        "endorsements kept with a frozen name",
        asked.filter(endorser_name="").update(endorser_name=name),
    )
    AdminNote.objects.filter(author=user, author_name="").update(author_name=name)
    InfoRequest.objects.filter(asked_by=user, asked_by_name="").update(asked_by_name=name)


def _verified_emails(user: User) -> list[str]:
    emails = {user.email.lower()}
    emails.update(
        e.lower()
        for e in user.emailaddress_set.filter(verified=True).values_list("email", flat=True)
    )
    return sorted(emails)


def export(user: User) -> dict[str, Any]:
    references = Reference.objects.none()
    for email in _verified_emails(user):
        references = references | Reference.objects.filter(email__iexact=email)
    return {
        "register": {
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
                for a in Application.objects.for_owner(user)
                .prefetch_related("events")
                .order_by("pk")
            ],
            "entries": list(
                RegisterEntry.objects.for_owner(user)
                .order_by("pk")
                .values("number", "level", "status", "valid_from", "valid_to")
            ),
            "credentials": [
                {
                    "id": c.urn,
                    "level": c.level,
                    "reason": c.get_reason_display(),
                    "valid_from": c.valid_from,
                    "valid_until": c.valid_until,
                    "issued_at": c.issued_at,
                    "revoked_at": c.revoked_at,
                    "credential": c.document,
                    "jwt": c.jwt,
                }
                for c in Credential.objects.for_owner(user).order_by("pk")
            ],
            "endorsements_given": [
                {
                    "applicant": e.application.applicant.full_name,
                    "level": e.application.level,
                    "status": e.get_status_display(),
                    "statement": e.statement,
                    "reason": e.reason,
                    "requested_at": e.requested_at,
                    "decided_at": e.decided_at,
                }
                for e in Endorsement.objects.filter(supervision__supervisor=user)
                .select_related("application__applicant")
                .order_by("pk")
            ],
            "references_written": [
                {
                    "applicant": r.application.applicant.full_name,
                    "level": r.application.level,
                    "name_given": r.name,
                    "role": r.referee_role,
                    "relationship": r.relationship,
                    "statement": r.statement,
                    "status": r.get_status_display(),
                    "received_at": r.received_at,
                }
                for r in references.select_related("application__applicant").order_by("pk")
            ],
            "notes_written": list(
                AdminNote.objects.filter(author=user)
                .order_by("pk")
                .values("application_id", "body", "created_at")
            ),
        }
    }
