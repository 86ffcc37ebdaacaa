"""The register in words: status tags, the application's history as sentences, and the
applicant's task list. Pages never show a raw state name ("info_requested → under_review")."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from register.models import Application, ApplicationEvent, Endorsement, Reference
from register.selectors import eligibility
from register.services.common import DECLARATIONS

Status = Application.Status

# (words for the applicant, words for administrators, tag tone)
STATUS_TAGS: dict[str, tuple[str, str, str]] = {
    Status.DRAFT: ("Not yet submitted", "Draft", "grey"),
    Status.SUBMITTED: ("Submitted", "Waiting to be picked up", "blue"),
    Status.UNDER_REVIEW: ("Being reviewed", "Under review", "blue"),
    Status.INFO_REQUESTED: ("Questions for you", "Waiting for the applicant", "yellow"),
    Status.APPROVED: ("Approved", "Approved", "green"),
    Status.REJECTED: ("Not approved", "Rejected", "red"),
    Status.WITHDRAWN: ("Withdrawn", "Withdrawn", "grey"),
}


def status_tag(status: str, *, for_admin: bool = False) -> dict[str, str]:
    applicant, admin, tone = STATUS_TAGS.get(status, (status, status, "grey"))
    return {"words": admin if for_admin else applicant, "tone": tone}


@dataclass
class HistoryLine:
    at: dt.datetime
    text: str


_VERSION = re.compile(r"snapshot version (\d+)")


def _version(detail: str) -> int:
    match = _VERSION.search(detail)
    return int(match.group(1)) if match else 0


def _sentence(
    event: ApplicationEvent, app: Application, questions: list[str], *, for_admin: bool
) -> str | None:
    """One event as a sentence, or None when the applicant need not see it."""
    frm, to, detail = event.from_status, event.to_status, event.detail
    is_applicant = event.actor_id is not None and event.actor_id == app.applicant_id
    who = "You" if is_applicant and not for_admin else (event.actor_display or "Someone")
    if for_admin and is_applicant:
        who = "The applicant"
    if not frm and to == Status.DRAFT:
        return f"{who} started an application at Level {app.level}."
    if frm == to:
        if detail.startswith("declarations agreed"):
            return f"{who} saved the declarations."
        if detail.startswith("reference from") and detail.endswith("withdrawn"):
            name = detail.removeprefix("reference from ").removesuffix(" withdrawn")
            return f"{who} withdrew the reference request to {name}."
        if detail.startswith("assigned to"):
            return f"Reassigned to {detail.removeprefix('assigned to ')}." if for_admin else None
        return None
    if to in (Status.SUBMITTED, Status.UNDER_REVIEW) and frm in (
        Status.DRAFT,
        Status.INFO_REQUESTED,
    ):
        version = _version(detail)
        if frm == Status.INFO_REQUESTED:
            text = f"{who} answered the questions and resubmitted"
        else:
            text = f"{who} submitted the application"
        return f"{text} (version {version})." if for_admin and version else f"{text}."
    if to == Status.UNDER_REVIEW:
        if for_admin:
            return f"{who} took the application for review."
        return "An administrator started reviewing your application."
    if to == Status.INFO_REQUESTED:
        asked = f": “{questions.pop(0)}”" if questions else "."
        who_asked = who if for_admin else "An administrator"
        return f"{who_asked} asked for more information{asked}"
    if to == Status.APPROVED:
        if for_admin:
            return f"{who} approved it (version {_version(detail)})."
        return "Approved: you are on the IMH Recognition Register."
    if to == Status.REJECTED:
        reasons = f" The reasons: “{app.decision_reasons}”" if app.decision_reasons else ""
        return (f"{who} rejected it." if for_admin else "Not approved.") + reasons
    if to == Status.WITHDRAWN:
        return f"{who} withdrew the application."
    return f"The application became “{status_tag(to, for_admin=for_admin)['words'].lower()}”."


def history(app: Application, *, for_admin: bool = False) -> list[HistoryLine]:
    """The application's events as dated sentences, oldest first."""
    questions = [q.questions for q in app.info_requests.all()]
    lines = []
    for event in app.events.select_related("actor"):
        text = _sentence(event, app, questions, for_admin=for_admin)
        if text:
            lines.append(HistoryLine(at=event.created_at, text=text))
    return lines


# --- The applicant's task list -------------------------------------------------------------


def tasks(app: Application) -> list[dict[str, object]]:
    """The application as tasks, each with its state; the last opens when the others are done."""
    checks = eligibility(app.portfolio, app.level)
    unmet = [c for c in checks if not c.met]
    agreed = [k for k in DECLARATIONS if k in app.declarations]
    endorsements = list(app.endorsements.select_related("supervision"))
    endorsed = next((e for e in endorsements if e.status == Endorsement.Status.ENDORSED), None)
    asked = next((e for e in endorsements if e.status == Endorsement.Status.REQUESTED), None)
    refs = app.references.exclude(status=Reference.Status.WITHDRAWN)
    received = refs.filter(status=Reference.Status.RECEIVED).count()
    rows: list[dict[str, object]] = [
        {
            "title": f"Check your eligibility at Level {app.level}",
            "url": reverse("register:apply_eligibility"),
            "status": "in_progress" if unmet else "done",
            "status_words": "Not met yet" if unmet else "",
            "hint": " ".join(c.why or c.label for c in unmet),
        },
        {
            "title": "Make the declarations",
            "url": reverse("register:apply_declarations"),
            "status": "done"
            if len(agreed) == len(DECLARATIONS)
            else ("in_progress" if agreed else "not_started"),
            "hint": f"{len(agreed)} of {len(DECLARATIONS)} agreed" if agreed else "",
        },
        {
            "title": "Ask a supervisor to endorse your application",
            "url": reverse("register:apply_endorsement"),
            "status": "done" if endorsed else ("in_progress" if asked else "not_started"),
            "status_words": "Waiting for an answer" if asked and not endorsed else "",
            "hint": f"Endorsed by {endorsed.endorser_display}"
            if endorsed
            else (f"Asked {asked.supervision.invitee_name}" if asked else ""),
        },
        {
            "title": "Get two references",
            "url": reverse("register:apply_references"),
            "status": "done"
            if received >= 2
            else ("in_progress" if refs.exists() else "not_started"),
            "hint": f"{received} of 2 received" if refs.exists() else "",
        },
    ]
    ready = all(r["status"] == "done" for r in rows)
    if app.status == Status.DRAFT:
        rows.append(
            {
                "title": "Check your answers and submit",
                "url": reverse("register:apply_check"),
                "status": "not_started" if ready else "cannot_start",
                "hint": "" if ready else "Complete the tasks above first.",
            }
        )
    return rows


def decision_due(app: Application, weeks: int) -> dt.date:
    """The date by which the administrators aim to decide, counted from submission."""
    start = app.submitted_at or timezone.now()
    return timezone.localtime(start + dt.timedelta(weeks=weeks)).date()


def check_answers(app: Application) -> list[dict[str, str]]:
    """The rows of "Check your answers": what will be sent, each with where to change it."""
    checks = eligibility(app.portfolio, app.level)
    unmet = [c.why or c.label for c in checks if not c.met]
    endorsed = (
        app.endorsements.filter(status=Endorsement.Status.ENDORSED)
        .select_related("supervision")
        .first()
    )
    received = app.references.filter(status=Reference.Status.RECEIVED)
    return [
        {"key": "Level", "value": f"Level {app.level}", "url": "", "label": ""},
        {
            "key": "Eligibility",
            "value": "Everything is met." if not unmet else "Not met yet: " + " ".join(unmet),
            "url": reverse("register:apply_eligibility"),
            "label": "eligibility",
        },
        {
            "key": "Declarations",
            "value": "\n".join(
                f"✓ {text}" for k, text in DECLARATIONS.items() if k in app.declarations
            )
            or "None made yet.",
            "url": reverse("register:apply_declarations"),
            "label": "declarations",
        },
        {
            "key": "Endorsement",
            "value": (
                f"Endorsed by {endorsed.endorser_display} "
                f"({endorsed.supervision.get_role_display().lower()}): “{endorsed.statement}”"
            )
            if endorsed
            else "Not endorsed yet.",
            "url": reverse("register:apply_endorsement"),
            "label": "endorsement",
        },
        {
            "key": "References",
            "value": "\n".join(
                f"{r.name}, {r.referee_role} — received {r.received_at:%-d %B %Y}"
                for r in received
                if r.received_at
            )
            or "None received yet.",
            "url": reverse("register:apply_references"),
            "label": "references",
        },
    ]
