"""Register state changes: applications, endorsements, references, decisions, renewal.

Every status change is a conditional update plus its audit row in one transaction, so two
administrators deciding at once produce exactly one outcome.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Sum
from django.urls import reverse
from django.utils import timezone

from imhcpd.audit import transition
from imhcpd.links import absolute_url, token_digest
from imhcpd.models import User
from portfolios.export_snapshot import ExportOptions, build_snapshot, canonical_hash
from portfolios.models import (
    Evidence,
    EvidenceKind,
    EvidenceLink,
    Portfolio,
    ProfessionalBody,
    Rating,
    Supervision,
)
from portfolios.selectors import CompetencyStatus, competency_states
from portfolios.services import TransitionError
from portfolios.supervision import _email_after_commit, notify
from register.models import (
    AdminNote,
    Application,
    ApplicationEvent,
    ApplicationSnapshot,
    Endorsement,
    EntryEvent,
    InfoRequest,
    Reference,
    RegisterEntry,
    ReminderSent,
    Renewal,
)

Status = Application.Status
DECLARATIONS = {
    "health_character": "I declare that I am of good health and character, and know of nothing "
    "that would call my fitness to practise into question.",
    "registration": "My professional registration, where I have one, is in good standing.",
    "code_of_conduct": "I agree to follow the IMH Recognition Register's code of conduct.",
    "public_listing": "I consent to my name, level, nation or region and IMH register number "
    "being listed on the public register.",
}
RENEWAL_DECLARATIONS = {
    k: v
    for k, v in DECLARATIONS.items()
    if k in ("health_character", "registration", "code_of_conduct")
}


# --- Eligibility -------------------------------------------------------------------------------


@dataclass
class Check:
    label: str
    met: bool
    fix_url: str = ""
    fix_label: str = ""
    missing: list[str] = field(default_factory=list)


def eligibility(portfolio: Portfolio, level: int) -> list[Check]:
    """What applying at `level` needs, each with whether it is met and where to fix it."""
    states = competency_states(portfolio, level)
    # The practitioner's own current rating, not the status: a sign-off outranks a rating in
    # the status ladder, but someone who re-rated a competency "working towards" has not
    # claimed it.
    ratings = {
        s.competency.code: s.assessment.rating if s.assessment else Rating.NOT_ASSESSED
        for s in states
    }
    not_achieved = [code for code, rating in ratings.items() if rating != Rating.ACHIEVED]
    not_signed = [s.competency.code for s in states if s.status != CompetencyStatus.SIGNED_OFF]
    has_supervisor = Supervision.objects.filter(
        portfolio=portfolio, status=Supervision.Status.ACTIVE
    ).exists()
    profile_missing = []
    if not portfolio.user.get_full_name().strip():
        profile_missing.append("your full name")
    if portfolio.professional_body != ProfessionalBody.NONE and not portfolio.registration_number:
        profile_missing.append("your registration number")
    return [
        Check(
            f"Every competency at Level {level} self-assessed as achieved",
            not not_achieved,
            reverse("portfolios:assess_domain", args=[int(not_achieved[0].split(".")[0])])
            if not_achieved
            else "",
            "Assess these competencies",
            not_achieved,
        ),
        Check(
            f"Every competency at Level {level} has evidence signed off at Level {level} or above",
            not not_signed,
            reverse("portfolios:competency", args=[not_signed[0]]) if not_signed else "",
            "Add or submit evidence",
            not_signed,
        ),
        Check(
            "An active supervisor",
            has_supervisor,
            reverse("supervision:supervisors"),
            "Invite a supervisor",
        ),
        Check(
            "A complete profile",
            not profile_missing,
            reverse("portfolios:profile"),
            "Complete your profile",
            profile_missing,
        ),
    ]


def is_eligible(portfolio: Portfolio, level: int) -> bool:
    return all(c.met for c in eligibility(portfolio, level))


# --- Transitions --------------------------------------------------------------------------------


def _event(app: Application, by: User | None, frm: str, to: str, detail: str = "") -> None:
    ApplicationEvent.objects.create(
        application=app, actor=by, from_status=frm, to_status=to, detail=detail
    )


def _move(
    app: Application,
    from_statuses: tuple[str, ...],
    to: str,
    *,
    by: User | None,
    detail: str = "",
    **fields: Any,
) -> None:
    """The race guard: only one of two concurrent decisions finds the expected status."""
    if not transition(app, from_statuses, to, by=by, detail=detail, **fields):
        raise TransitionError(
            f"This application is now {app.get_status_display().lower()}; nothing was changed."
        )


def application_start(*, user: User, level: int) -> Application:
    portfolio = Portfolio.objects.get(user=user)
    if level not in (1, 2, 3):
        raise TransitionError("Choose Level 1, 2 or 3.")
    if Application.objects.filter(applicant=user, status__in=Application.OPEN).exists():
        raise TransitionError("You already have an application in progress.")
    with transaction.atomic():
        app = Application.objects.create(applicant=user, portfolio=portfolio, level=level)
        _event(app, user, "", Status.DRAFT, f"Level {level}")
    return app


def application_declare(*, application: Application, keys: list[str], by: User) -> Application:
    if application.status not in (Status.DRAFT, Status.INFO_REQUESTED):
        raise TransitionError("Declarations can only change before you submit.")
    now = timezone.now().isoformat()
    application.declarations = {
        k: application.declarations.get(k, now) for k in keys if k in DECLARATIONS
    }
    application.save(update_fields=["declarations"])
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
            subject="Endorsement requested",
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
            subject="Your endorsement",
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
        link = absolute_url(reverse("register:reference", args=[token]))
        _email_after_commit(
            email,
            f"Reference request from {by.get_full_name()}",
            f"Dear {reference.name},\n\n{by.get_full_name()} is applying to the UK Infant Mental "
            f"Health Recognition Register at Level {application.level} and has named you as "
            "someone who knows their infant mental health practice.\n\nPlease give your "
            f"reference here (no account needed):\n{link}\n\nThe link works once and expires "
            f"after {settings.REGISTER_REFERENCE_DAYS} days.\n",
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
            subject="Reference received",
        )
    return reference


def reference_withdraw(*, reference: Reference, by: User) -> None:
    if reference.application.status not in (Status.DRAFT, Status.INFO_REQUESTED):
        raise TransitionError("References can only change before you submit.")
    Reference.objects.filter(pk=reference.pk).update(status=Reference.Status.WITHDRAWN)


def submission_problems(application: Application) -> list[str]:
    problems = []
    if not is_eligible(application.portfolio, application.level):
        problems.append(f"You are not yet eligible at Level {application.level}.")
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
            "by": endorsement.supervision.supervisor.get_full_name(),
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
    from portfolios.exports import export_create

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
        _move(
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
            subject="Application submitted",
        )
    return snapshot


def application_withdraw(*, application: Application, by: User) -> None:
    with transaction.atomic():
        _move(
            application,
            (Status.DRAFT, Status.SUBMITTED, Status.INFO_REQUESTED),
            Status.WITHDRAWN,
            by=by,
        )


# --- Administrators -------------------------------------------------------------------------


def application_assign(*, application: Application, admin: User) -> Application:
    with transaction.atomic():
        if application.status == Status.SUBMITTED:
            _move(
                application,
                (Status.SUBMITTED,),
                Status.UNDER_REVIEW,
                by=admin,
                detail=f"assigned to {admin.get_full_name()}",
                assigned_to=admin,
            )
        elif application.status == Status.UNDER_REVIEW:
            Application.objects.filter(pk=application.pk).update(assigned_to=admin)
            _event(
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


def application_approve(
    *, application: Application, admin: User, valid_from: dt.date | None = None
) -> RegisterEntry:
    valid_from = valid_from or timezone.localdate()
    with transaction.atomic():
        _move(
            application,
            Application.IN_QUEUE,
            Status.APPROVED,
            by=admin,
            decided_at=timezone.now(),
        )
        portfolio = application.portfolio
        entry = RegisterEntry.objects.create(
            number=f"IMHRR-{valid_from.year}-{application.pk:06d}",
            user=application.applicant,
            application=application,
            name=application.applicant.get_full_name(),
            level=application.level,
            region=portfolio.region,
            region_label=portfolio.get_region_display(),
            valid_from=valid_from,
            valid_to=_add_months(valid_from, settings.REGISTER_VALIDITY_MONTHS),
        )
        EntryEvent.objects.create(
            entry=entry,
            actor=admin,
            to_status=entry.status,
            detail=f"approved application #{application.pk}",
        )
        notify(
            application.applicant,
            f"Your application was approved: you are on the IMH Recognition Register at Level "
            f"{entry.level}, number {entry.number}, valid until {entry.valid_to:%-d %B %Y}.",
            reverse("register:entry", args=[entry.number]),
            subject="You are on the register",
            essential=True,
        )
    return entry


def application_reject(*, application: Application, admin: User, reasons: str) -> Application:
    if not reasons.strip():
        raise TransitionError("Give the reasons for rejecting.")
    with transaction.atomic():
        _move(
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
            subject="Your register application",
            essential=True,
        )
    return application


def application_request_info(
    *, application: Application, admin: User, questions: str
) -> InfoRequest:
    if not questions.strip():
        raise TransitionError("Write the questions for the applicant.")
    with transaction.atomic():
        _move(
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
            subject="Questions about your register application",
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


# --- Entries: renewal, reminders, lapse --------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=d)
        except ValueError:
            continue
    raise ValueError(day)


@dataclass
class RenewalCheck:
    cpd_hours: Decimal
    supervision_hours: Decimal
    cpd_needed: Decimal
    supervision_needed: Decimal

    @property
    def met(self) -> bool:
        return (
            self.cpd_hours >= self.cpd_needed and self.supervision_hours >= self.supervision_needed
        )


def renewal_check(entry: RegisterEntry, today: dt.date | None = None) -> RenewalCheck:
    """CPD linked to the framework and supervision in the last 12 months (current revisions)."""
    today = today or timezone.localdate()
    since = _add_months(today, -12)
    thresholds = settings.REGISTER_RENEWAL_HOURS[entry.level]
    items = Evidence.objects.filter(
        portfolio__user=entry.user, current__date__gt=since, current__date__lte=today
    )
    linked = Exists(EvidenceLink.objects.filter(revision_id=OuterRef("current_id")))
    cpd = items.filter(linked, kind=EvidenceKind.CPD_ACTIVITY).aggregate(h=Sum("current__hours"))
    sup = items.filter(kind=EvidenceKind.SUPERVISION).aggregate(h=Sum("current__hours"))
    totals = {"cpd": cpd["h"], "supervision": sup["h"]}
    return RenewalCheck(
        cpd_hours=Decimal(totals["cpd"] or 0),
        supervision_hours=Decimal(totals["supervision"] or 0),
        cpd_needed=Decimal(thresholds["cpd"]),
        supervision_needed=Decimal(thresholds["supervision"]),
    )


def entry_renew(*, entry: RegisterEntry, by: User, keys: list[str]) -> Renewal:
    if entry.user_id != by.pk:
        raise TransitionError("Only the registrant can renew.")
    if entry.status != RegisterEntry.Status.CURRENT:
        raise TransitionError("A lapsed entry needs a new application.")
    if set(RENEWAL_DECLARATIONS) - set(keys):
        raise TransitionError("Sign every declaration again to renew.")
    today = timezone.localdate()
    if entry.valid_to > _add_months(today, 3):
        raise TransitionError("Renewal opens three months before your entry expires.")
    check = renewal_check(entry, today)
    if not check.met:
        raise TransitionError(
            f"Renewal needs {check.cpd_needed} hours of CPD linked to the framework "
            f"(you have {check.cpd_hours}) and {check.supervision_needed} hours of reflective "
            f"supervision (you have {check.supervision_hours}) in the last 12 months."
        )
    now = timezone.now().isoformat()
    with transaction.atomic():
        new_to = _add_months(entry.valid_to, settings.REGISTER_VALIDITY_MONTHS)
        updated = RegisterEntry.objects.filter(
            pk=entry.pk, valid_to=entry.valid_to, status=RegisterEntry.Status.CURRENT
        ).update(valid_to=new_to)
        if updated != 1:
            raise TransitionError("This entry has just been renewed.")
        renewal = Renewal.objects.create(
            entry=entry,
            cpd_hours=check.cpd_hours,
            supervision_hours=check.supervision_hours,
            declarations={k: now for k in RENEWAL_DECLARATIONS},
            previous_valid_to=entry.valid_to,
            new_valid_to=new_to,
        )
        EntryEvent.objects.create(
            entry=entry,
            actor=by,
            from_status=entry.status,
            to_status=entry.status,
            detail=f"renewed to {new_to}",
        )
    entry.refresh_from_db()
    return renewal


def renewal_reminders_and_lapses(*, today: dt.date | None = None) -> dict[str, int]:
    """Send each of the 60/30/7-day reminders once per validity period; lapse entries past
    their date plus the grace period."""
    today = today or timezone.localdate()
    sent = 0
    schedule = sorted(settings.REGISTER_REMINDER_DAYS)
    for entry in RegisterEntry.objects.filter(
        status=RegisterEntry.Status.CURRENT,
        valid_to__gt=today,
        valid_to__lte=today + dt.timedelta(days=schedule[-1]),
    ).select_related("user"):
        left = (entry.valid_to - today).days
        due = [days for days in schedule if left <= days]
        with transaction.atomic():
            # Every reminder now due is recorded, but only the nearest is emailed: a job
            # that first runs (or runs again after an outage) late sends one email, not three.
            created = {
                days: ReminderSent.objects.get_or_create(
                    entry=entry, valid_to=entry.valid_to, days_before=days
                )[1]
                for days in due
            }
            if not created[due[0]]:
                continue
            notify(
                entry.user,
                f"Your register entry {entry.number} expires on {entry.valid_to:%-d %B %Y}. "
                "Renew it from your register page.",
                reverse("register:apply"),
                subject=f"Your register entry expires in {left} days",
                essential=True,
            )
            sent += 1
    lapsed = 0
    cutoff = today - dt.timedelta(days=settings.REGISTER_GRACE_DAYS)
    for entry in RegisterEntry.objects.filter(
        status=RegisterEntry.Status.CURRENT, valid_to__lt=cutoff
    ):
        with transaction.atomic():
            if RegisterEntry.objects.filter(
                pk=entry.pk, status=RegisterEntry.Status.CURRENT
            ).update(status=RegisterEntry.Status.LAPSED):
                EntryEvent.objects.create(
                    entry=entry,
                    from_status="current",
                    to_status="lapsed",
                    detail="expired and not renewed within the grace period",
                )
                notify(
                    entry.user,
                    f"Your register entry {entry.number} has lapsed.",
                    reverse("register:apply"),
                    subject="Your register entry has lapsed",
                    essential=True,
                )
                lapsed += 1
    return {"reminders": sent, "lapsed": lapsed}


def entry_remove(*, entry: RegisterEntry, admin: User, reason: str) -> RegisterEntry:
    """Take an entry off the register (for example after a fitness-to-practise finding)."""
    if not reason.strip():
        raise TransitionError("Give the reason for removing the entry.")
    with transaction.atomic():
        previous = entry.status
        updated = RegisterEntry.objects.filter(
            pk=entry.pk, status__in=(RegisterEntry.Status.CURRENT, RegisterEntry.Status.LAPSED)
        ).update(status=RegisterEntry.Status.REMOVED)
        if updated != 1:
            raise TransitionError("This entry has already been removed.")
        EntryEvent.objects.create(
            entry=entry, actor=admin, from_status=previous, to_status="removed", detail=reason
        )
        notify(
            entry.user,
            f"Your register entry {entry.number} has been removed from the register.",
            reverse("register:apply"),
            subject="Your register entry",
            essential=True,
        )
    entry.refresh_from_db()
    return entry
