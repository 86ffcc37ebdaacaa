"""The administrators' decisions: assign, private notes, approve, reject, ask for more
information, and the applicant's answer that resubmits. Each decision is a conditional
update, so two administrators deciding at once produce one outcome."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from imhcpd.models import User
from portfolios.models import Region
from portfolios.services import TransitionError
from portfolios.supervision.notifications import notify
from register.credentials.services import credential_issue
from register.models import (
    AdminNote,
    Application,
    ApplicationSnapshot,
    Credential,
    EntryEvent,
    InfoRequest,
    RegisterEntry,
)
from register.selectors import add_months, conflict_of_interest
from register.services.applications import application_submit
from register.services.common import Status, event, move


class PartyToApplication(TransitionError):
    """The administrator is party to the application (own, endorsed, referenced)."""


def _not_party(application: Application, admin: User) -> None:
    reason = conflict_of_interest(application, admin)
    if reason:
        raise PartyToApplication(reason)


def application_assign(*, application: Application, admin: User) -> Application:
    _not_party(application, admin)
    with transaction.atomic():
        if application.status == Status.SUBMITTED:
            move(
                application,
                (Status.SUBMITTED,),
                Status.UNDER_REVIEW,
                by=admin,
                detail=f"assigned to {admin.get_full_name()}",
                assigned_to=admin,
            )
        elif application.status == Status.UNDER_REVIEW:
            Application.objects.filter(pk=application.pk).update(assigned_to=admin)
            event(
                application,
                admin,
                application.status,
                application.status,
                f"assigned to {admin.get_full_name()}",
            )
            application.refresh_from_db()
        else:
            raise TransitionError("Only a submitted application can be assigned.")
    return application


def note_add(*, application: Application, admin: User, body: str) -> AdminNote:
    if not body.strip():
        raise TransitionError("Write the note first.")
    return AdminNote.objects.create(application=application, author=admin, body=body.strip())


_REGION_BY_LABEL = {label: code for code, label in Region.choices}


def application_approve(
    *,
    application: Application,
    admin: User,
    valid_from: dt.date | None = None,
    reviewed_version: int | None = None,
) -> RegisterEntry:
    """Approve and publish what the administrator reviewed: the name and region come from
    the latest snapshot, never the live portfolio (a region changed after submission is not
    published unreviewed). `reviewed_version`, when given, must still be the latest."""
    _not_party(application, admin)
    valid_from = valid_from or timezone.localdate()
    with transaction.atomic():
        snapshot = application.snapshots.order_by("-version").first()
        if snapshot is None:
            raise TransitionError("This application has no submitted snapshot to approve.")
        if reviewed_version is not None and reviewed_version != snapshot.version:
            raise TransitionError(
                f"The applicant has resubmitted (version {snapshot.version}); review that "
                "version before deciding."
            )
        move(
            application,
            Application.IN_QUEUE,
            Status.APPROVED,
            by=admin,
            decided_at=timezone.now(),
            detail=f"snapshot version {snapshot.version}",
        )
        person = snapshot.data.get("person", {})
        region_label = person.get("region") or application.portfolio.get_region_display()
        entry = RegisterEntry.objects.create(
            number=f"IMHRR-{valid_from.year}-{application.pk:06d}",
            user=application.applicant,
            application=application,
            name=person.get("name") or application.applicant.get_full_name(),
            level=application.level,
            region=_REGION_BY_LABEL.get(region_label, application.portfolio.region),
            region_label=region_label,
            valid_from=valid_from,
            valid_to=add_months(valid_from, settings.REGISTER_VALIDITY_MONTHS),
        )
        EntryEvent.objects.create(
            entry=entry,
            actor=admin,
            to_status=entry.status,
            detail=f"approved application #{application.pk}",
        )
        credential_issue(entry=entry, reason=Credential.Reason.APPROVED, by=admin)
        notify(
            application.applicant,
            f"Your application was approved: you are on the IMH Recognition Register at Level "
            f"{entry.level}, number {entry.number}, valid until {entry.valid_to:%-d %B %Y}.",
            reverse("register:entry", args=[entry.number]),
            email="register/approved",
            context={"application": application, "entry": entry},
            essential=True,
        )
    return entry


def application_reject(*, application: Application, admin: User, reasons: str) -> Application:
    if not reasons.strip():
        raise TransitionError("Give the reasons for rejecting.")
    _not_party(application, admin)
    with transaction.atomic():
        move(
            application,
            Application.IN_QUEUE,
            Status.REJECTED,
            by=admin,
            decided_at=timezone.now(),
            decision_reasons=reasons.strip(),
        )
        notify(
            application.applicant,
            f"Your register application was not approved. Reasons: {reasons.strip()}",
            reverse("register:apply"),
            email="register/rejected",
            context={"application": application, "reasons": reasons.strip()},
            essential=True,
        )
    return application


def application_request_info(
    *, application: Application, admin: User, questions: str
) -> InfoRequest:
    if not questions.strip():
        raise TransitionError("Write the questions for the applicant.")
    _not_party(application, admin)
    with transaction.atomic():
        move(
            application,
            Application.IN_QUEUE,
            Status.INFO_REQUESTED,
            by=admin,
            detail="more information requested",
        )
        info = InfoRequest.objects.create(
            application=application, asked_by=admin, questions=questions.strip()
        )
        notify(
            application.applicant,
            "The register administrators have questions about your application.",
            reverse("register:apply"),
            email="register/info_requested",
            context={"application": application, "info": info},
            essential=True,
        )
    return info


def info_answer(*, application: Application, by: User, answer: str) -> ApplicationSnapshot:
    """Answer the open questions and resubmit: a new snapshot version; old ones stay."""
    if not answer.strip():
        raise TransitionError("Write your answer.")
    info = application.info_requests.filter(answered_at=None).last()
    if application.status != Status.INFO_REQUESTED or info is None:
        raise TransitionError("There are no open questions on this application.")
    with transaction.atomic():
        InfoRequest.objects.filter(pk=info.pk).update(
            answer=answer.strip(), answered_at=timezone.now()
        )
        return application_submit(application=application, by=by)
