"""Applications, from the applicant's side: start, declare, ask for an endorsement and two
references, submit (which freezes the snapshot and its PDF), withdraw."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from imhcpd.links import absolute_url, token_digest
from imhcpd.mail import send_templated_email
from imhcpd.models import User
from portfolios.exports.services import export_create
from portfolios.exports.snapshot import ExportOptions, build_snapshot, canonical_hash
from portfolios.models import (
    Portfolio,
)
from portfolios.services import TransitionError
from portfolios.supervision.models import Supervision
from portfolios.supervision.notifications import notify
from register.models import (
    Application,
    ApplicationSnapshot,
    Endorsement,
    Reference,
)
from register.selectors import eligibility, held_entry, held_in_words, start_refusals
from register.services.common import (
    DECLARATIONS,
    Status,
    event,
    move,
)


class NotEligible(TransitionError):
    """The applicant does not meet what the level needs, or already holds it."""


def application_start(*, user: User, level: int) -> Application:
    """Start a draft, only at a level the person is eligible for and does not already hold."""
    portfolio = Portfolio.objects.get(user=user)
    if level not in (1, 2, 3):
        raise TransitionError("Choose Level 1, 2 or 3.")
    if Application.objects.filter(applicant=user, status__in=Application.OPEN).exists():
        raise TransitionError("You already have an application in progress.")
    refusals = start_refusals(user, portfolio, level)
    if refusals:
        raise NotEligible(f"You cannot apply at Level {level} yet. " + " ".join(refusals))
    with transaction.atomic():
        app = Application.objects.create(applicant=user, portfolio=portfolio, level=level)
        event(app, user, "", Status.DRAFT, f"Level {level}")
    return app


def application_declare(*, application: Application, keys: list[str], by: User) -> Application:
    """Record the declarations agreed to, keeping the time each was first agreed. Locked and
    conditional on the status, so a submission racing this cannot freeze half of it."""
    if application.applicant_id != by.pk:
        raise TransitionError("Only the applicant can make the declarations.")
    editable = (Status.DRAFT, Status.INFO_REQUESTED)
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status not in editable:
            raise TransitionError("Declarations can only change before you submit.")
        now = timezone.now().isoformat()
        declarations = {k: locked.declarations.get(k, now) for k in keys if k in DECLARATIONS}
        updated = Application.objects.filter(pk=locked.pk, status__in=editable).update(
            declarations=declarations
        )
        if updated != 1:
            raise TransitionError("Declarations can only change before you submit.")
        agreed = ", ".join(sorted(declarations)) or "none"
        event(locked, by, locked.status, locked.status, f"declarations agreed: {agreed}")
    application.refresh_from_db()
    return application


def endorsement_request(
    *, application: Application, supervision: Supervision, by: User
) -> Endorsement:
    if application.status not in (Status.DRAFT, Status.INFO_REQUESTED):
        raise TransitionError("An endorsement can only be asked for before you submit.")
    if supervision.portfolio_id != application.portfolio_id or not supervision.is_active:
        raise TransitionError("Ask one of your active supervisors.")
    with transaction.atomic():
        application.endorsements.filter(status=Endorsement.Status.REQUESTED).update(
            status=Endorsement.Status.DECLINED, reason="Withdrawn: asked someone else."
        )
        endorsement = Endorsement.objects.create(application=application, supervision=supervision)
        notify(
            supervision.supervisor,
            f"{by.get_full_name()} asks you to endorse their Level {application.level} register "
            "application.",
            reverse("register:endorsement", args=[endorsement.pk]),
            email="register/endorsement_requested",
            context={"application": application, "applicant": by, "endorsement": endorsement},
        )
    return endorsement


def endorsement_decide(
    *, endorsement: Endorsement, by: User, endorse: bool, text: str
) -> Endorsement:
    if endorsement.supervision.supervisor_id != by.pk or not endorsement.supervision.is_active:
        raise TransitionError("This endorsement is not yours to give.")
    if not text.strip():
        raise TransitionError(
            "Write your endorsement." if endorse else "Give a reason for declining."
        )
    to = Endorsement.Status.ENDORSED if endorse else Endorsement.Status.DECLINED
    with transaction.atomic():
        updated = Endorsement.objects.filter(
            pk=endorsement.pk, status=Endorsement.Status.REQUESTED
        ).update(
            status=to,
            statement=text if endorse else "",
            reason="" if endorse else text,
            decided_at=timezone.now(),
            endorser_name=by.get_full_name(),
        )
        if updated != 1:
            raise TransitionError("This endorsement has already been answered.")
        endorsement.refresh_from_db()
        applicant = endorsement.application.applicant
        notify(
            applicant,
            f"{by.get_full_name()} {'endorsed' if endorse else 'declined to endorse'} your "
            "register application.",
            reverse("register:apply"),
            email="register/endorsement_decided",
            context={"endorsement": endorsement, "endorsed": endorse, "supervisor": by},
        )
    return endorsement


def reference_request(*, application: Application, name: str, email: str, by: User) -> Reference:
    if application.status not in (Status.DRAFT, Status.INFO_REQUESTED):
        raise TransitionError("References can only be asked for before you submit.")
    email = email.strip().lower()
    if email == by.email.lower():
        raise TransitionError("A referee must be someone other than you.")
    live = application.references.exclude(status=Reference.Status.WITHDRAWN)
    if live.filter(email__iexact=email).exists():
        raise TransitionError("You have already asked this person.")
    if live.count() >= 4:
        raise TransitionError("Ask at most four referees; withdraw one to ask another.")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        reference = Reference.objects.create(
            application=application,
            name=name.strip(),
            email=email,
            token_hash=token_digest(token),
            expires_at=timezone.now() + dt.timedelta(days=settings.REGISTER_REFERENCE_DAYS),
        )
        send_templated_email(
            to=email,
            name="register/reference_request",
            context={
                "reference": reference,
                "applicant": by,
                "application": application,
                "url": absolute_url(reverse("register:reference", args=[token])),
                "days": settings.REGISTER_REFERENCE_DAYS,
            },
        )
    return reference


class ReferenceProblem(TransitionError):
    pass


def reference_for_token(token: str) -> Reference | None:
    return (
        Reference.objects.select_related("application__applicant")
        .filter(token_hash=token_digest(token))
        .first()
    )


def check_reference(reference: Reference | None) -> None:
    if reference is None:
        raise ReferenceProblem("This reference link is not valid.")
    if reference.status != Reference.Status.REQUESTED:
        raise ReferenceProblem("This reference has already been given or was withdrawn.")
    if reference.expires_at <= timezone.now():
        raise ReferenceProblem(
            "This reference link has expired. Ask the applicant to send a new one."
        )
    if reference.application.status not in (Status.DRAFT, Status.INFO_REQUESTED):
        raise ReferenceProblem("This application no longer needs references.")


def reference_submit(*, reference: Reference | None, data: dict[str, str]) -> Reference:
    check_reference(reference)
    assert reference is not None
    with transaction.atomic():
        updated = Reference.objects.filter(
            pk=reference.pk, status=Reference.Status.REQUESTED
        ).update(
            status=Reference.Status.RECEIVED,
            referee_role=data["referee_role"],
            relationship=data["relationship"],
            statement=data["statement"],
            received_at=timezone.now(),
        )
        if updated != 1:
            raise ReferenceProblem("This reference has already been given.")
        reference.refresh_from_db()
        notify(
            reference.application.applicant,
            f"{reference.name} has given your reference.",
            reverse("register:apply"),
            email="register/reference_received",
            context={"reference": reference},
        )
    return reference


def reference_withdraw(*, reference: Reference, by: User) -> None:
    """Withdraw a reference request (or a reference already given) before submission."""
    editable = (Status.DRAFT, Status.INFO_REQUESTED)
    with transaction.atomic():
        # The application is locked first, as application_submit locks it, so a withdrawal
        # and a submission happen one after the other.
        application = Application.objects.select_for_update().get(pk=reference.application_id)
        if application.applicant_id != by.pk:
            raise TransitionError("Only the applicant can withdraw a reference request.")
        if application.status not in editable:
            raise TransitionError("References can only change before you submit.")
        updated = Reference.objects.filter(
            pk=reference.pk,
            status__in=(Reference.Status.REQUESTED, Reference.Status.RECEIVED),
            application__status__in=editable,
        ).update(status=Reference.Status.WITHDRAWN)
        if updated != 1:
            raise TransitionError("This reference request was already withdrawn.")
        event(
            application,
            by,
            application.status,
            application.status,
            f"reference from {reference.name} withdrawn",
        )
    reference.refresh_from_db()


def submission_problems(application: Application) -> list[str]:
    """Everything that stops a submission, in words (the check page lists them)."""
    problems = []
    entry = held_entry(application.applicant, application.level)
    if entry:
        problems.append(held_in_words(entry, application.level))
    unmet = [c for c in eligibility(application.portfolio, application.level) if not c.met]
    if unmet:
        problems.append(
            f"You are not yet eligible at Level {application.level}: "
            + " ".join(c.why or c.label for c in unmet)
        )
    missing = [text for key, text in DECLARATIONS.items() if key not in application.declarations]
    if missing:
        problems.append("Agree to every declaration.")
    if not application.endorsements.filter(
        status=Endorsement.Status.ENDORSED, supervision__status=Supervision.Status.ACTIVE
    ).exists():
        problems.append("An endorsement from an active supervisor is needed.")
    if application.references.filter(status=Reference.Status.RECEIVED).count() < 2:
        problems.append("Two references are needed.")
    return problems


def _snapshot_data(application: Application) -> dict[str, Any]:
    portfolio = application.portfolio
    data = build_snapshot(portfolio, ExportOptions(kind="application", level=application.level))
    endorsement = application.endorsements.filter(
        status=Endorsement.Status.ENDORSED, supervision__status=Supervision.Status.ACTIVE
    ).first()
    data["application"] = {
        "id": application.pk,
        "level": application.level,
        "declarations": [
            {"key": k, "text": DECLARATIONS[k], "at": at}
            for k, at in sorted(application.declarations.items())
        ],
        "endorsement": {
            "by": endorsement.endorser_display,
            "role": endorsement.supervision.get_role_display(),
            "statement": endorsement.statement,
            "at": endorsement.decided_at.isoformat() if endorsement.decided_at else "",
        }
        if endorsement
        else None,
        "references": [
            {
                "name": r.name,
                "role": r.referee_role,
                "relationship": r.relationship,
                "statement": r.statement,
                "at": r.received_at.isoformat() if r.received_at else "",
            }
            for r in application.references.filter(status=Reference.Status.RECEIVED)
        ],
        "answers": [
            {"questions": i.questions, "answer": i.answer, "answered_at": i.answered_at.isoformat()}
            for i in application.info_requests.exclude(answered_at=None)
        ],
    }
    return data


def application_submit(*, application: Application, by: User) -> ApplicationSnapshot:
    """Freeze the snapshot and hand the application to the administrators."""
    if application.applicant_id != by.pk:
        raise TransitionError("Only the applicant can submit.")
    problems = submission_problems(application)
    if problems:
        raise TransitionError(" ".join(problems))
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        version = locked.snapshots.count() + 1
        data = _snapshot_data(locked)
        export, _ = export_create(
            owner=by,
            portfolio=locked.portfolio,
            kind="application",
            snapshot=data,
            level=locked.level,
        )
        snapshot = ApplicationSnapshot.objects.create(
            application=locked,
            version=version,
            data=data,
            content_hash=canonical_hash(data),
            export=export,
        )
        # A resubmission goes straight back to the administrator who asked the questions.
        to = Status.UNDER_REVIEW if locked.assigned_to_id else Status.SUBMITTED
        move(
            application,
            (Status.DRAFT, Status.INFO_REQUESTED),
            to,
            by=by,
            detail=f"snapshot version {version}",
            submitted_at=timezone.now(),
        )
        notify(
            by,
            f"Your Level {application.level} register application was submitted.",
            reverse("register:apply"),
            email="register/submitted",
            context={
                "application": application,
                "decision_weeks": settings.REGISTER_DECISION_WEEKS,
                "decision_due": timezone.localdate()
                + dt.timedelta(weeks=settings.REGISTER_DECISION_WEEKS),
            },
        )
    return snapshot


def application_withdraw(*, application: Application, by: User) -> None:
    if application.applicant_id != by.pk:
        raise TransitionError("Only the applicant can withdraw the application.")
    with transaction.atomic():
        move(
            application,
            (Status.DRAFT, Status.SUBMITTED, Status.INFO_REQUESTED),
            Status.WITHDRAWN,
            by=by,
        )
