"""The applicant's pages: the register hub (eligibility per level, or the application as a task
list, or what happens next), one page per task, check your answers, the confirmation after
submitting, withdrawal behind its own confirmation, and renewal."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from imhcpd.quotas import check_quota
from portfolios.permissions import portfolio_required
from portfolios.services import TransitionError
from portfolios.supervision.models import Supervision
from register import selectors, services, wording
from register.forms import DeclarationsForm, RefereeForm
from register.models import Application, Reference, RegisterEntry
from register.permissions import get_entry_for_user

Status = Application.Status
EDITABLE = (Status.DRAFT, Status.INFO_REQUESTED)
# Where each action goes once it worked: back to the task list, or to the page that follows.
NEXT = {
    "start": "register:apply",
    "declare": "register:apply",
    "endorsement": "register:apply",
    "reference": "register:apply_references",
    "withdraw_reference": "register:apply_references",
    "submit": "register:apply_submitted",
    "answer": "register:apply_submitted",
    "withdraw": "register:apply",
}


def _number(raw: str | None) -> int:
    """A posted id or level; anything that is not a number matches nothing."""
    return int(raw) if raw and raw.isdigit() else 0


def _open_application(user) -> Application | None:  # type: ignore[no-untyped-def]
    return (
        Application.objects.for_owner(user)
        .filter(status__in=Application.OPEN)
        .select_related("portfolio", "applicant")
        .first()
    )


def _do(request: HttpRequest, app: Application | None, action: str, referee: RefereeForm) -> str:
    """Run one posted action through its service; return the message to show."""
    user = request.user
    if action == "start":
        level = _number(request.POST.get("level"))
        services.application_start(user=user, level=level)  # type: ignore[arg-type]
        return f"Application at Level {level} started. Work through the tasks below."
    if app is None:
        raise TransitionError("You have no application in progress.")
    if action == "declare":
        services.application_declare(
            application=app, keys=request.POST.getlist("declarations"), by=user
        )
        return "Declarations saved."
    if action == "endorsement":
        supervision = get_object_or_404(
            Supervision.objects.active(),
            pk=_number(request.POST.get("supervision")),
            portfolio=request.portfolio,  # type: ignore[attr-defined]
        )
        services.endorsement_request(application=app, supervision=supervision, by=user)
        return f"Endorsement asked of {supervision.invitee_name}."
    if action == "reference":
        name, email = referee.cleaned_data["name"], referee.cleaned_data["email"]
        # Each request emails the referee, so withdraw-and-resend loops count too.
        check_quota(request, "reference_request", target=email)
        services.reference_request(application=app, name=name, email=email, by=user)
        return f"Reference request sent to {name}."
    if action == "withdraw_reference":
        reference = get_object_or_404(
            Reference, pk=_number(request.POST.get("reference")), application=app
        )
        services.reference_withdraw(reference=reference, by=user)
        return "Reference request withdrawn."
    if action == "submit":
        services.application_submit(application=app, by=user)
        return "Your application has been submitted."
    if action == "answer":
        services.info_answer(application=app, by=user, answer=request.POST.get("answer", ""))
        return "Your answer was sent and the application resubmitted."
    if action == "withdraw":
        services.application_withdraw(application=app, by=user)
        return "Your application was withdrawn."
    raise TransitionError("Choose what to do.")


def _page(request: HttpRequest, template: str) -> HttpResponse:
    """GET renders the page; POST runs the action, then redirects, or shows the same page
    again with the message (4xx) so the person sees what went wrong where they were."""
    app = _open_application(request.user)
    referee = RefereeForm(request.POST if request.POST.get("action") == "reference" else None)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "reference" and not referee.is_valid():
                # The referee form lives on the references page: show it there, with errors.
                template, status = "register/apply_references.html", 400
            else:
                message = _do(request, app, action, referee)
                messages.success(request, message)
                return redirect(NEXT[action])
        except TransitionError as exc:
            messages.error(request, str(exc))
            status = 409 if action in ("submit", "withdraw", "start") else 400
            if isinstance(exc, services.NotEligible):
                status = 403
        app = _open_application(request.user)
    context = _context(request, app)
    context["referee_form"] = referee
    return render(request, template, context, status=status)


def _context(request: HttpRequest, app: Application | None) -> dict[str, object]:
    user = request.user
    portfolio = request.portfolio  # type: ignore[attr-defined]
    past = (
        Application.objects.for_owner(user)
        .exclude(status__in=Application.OPEN)
        .prefetch_related("events", "info_requests")
    )
    entries = RegisterEntry.objects.for_owner(user).order_by("-valid_to")
    context: dict[str, object] = {
        "application": app,
        "past": [(a, wording.status_tag(a.status), wording.history(a)) for a in past],
        "entries": entries,
        "renewal_declarations": services.RENEWAL_DECLARATIONS,
        "decision_weeks": settings.REGISTER_DECISION_WEEKS,
        "validity_months": settings.REGISTER_VALIDITY_MONTHS,
    }
    if app is None:
        levels = []
        for level in (1, 2, 3):
            held = selectors.held_entry(user, level)  # type: ignore[arg-type]
            checks = selectors.eligibility(portfolio, level)
            levels.append(
                {
                    "level": level,
                    "checks": checks,
                    "held": held,
                    "held_words": selectors.held_in_words(held, level) if held else "",
                    "eligible": all(c.met for c in checks) and not held,
                }
            )
        context["levels"] = levels
    else:
        snapshot = app.latest_snapshot
        context.update(
            tag=wording.status_tag(app.status),
            editable=app.status in EDITABLE,
            # The service allows withdrawing before an administrator takes the application
            # up, or while they wait for answers.
            can_withdraw=app.status in (Status.DRAFT, Status.SUBMITTED, Status.INFO_REQUESTED),
            checks=selectors.eligibility(portfolio, app.level),
            tasks=wording.tasks(app) if app.status in EDITABLE else [],
            supervisors=Supervision.objects.active()
            .filter(portfolio=portfolio)
            .select_related("supervisor"),
            endorsements=app.endorsements.select_related("supervision"),
            references=app.references.exclude(status=Reference.Status.WITHDRAWN),
            open_questions=app.info_requests.filter(answered_at=None),
            history=wording.history(app),
            snapshot=snapshot,
            export=snapshot.export if snapshot else None,
            decision_due=wording.decision_due(app, settings.REGISTER_DECISION_WEEKS),
            problems=services.submission_problems(app) if app.status == Status.DRAFT else [],
            answers=wording.check_answers(app) if app.status == Status.DRAFT else [],
            declarations_form=DeclarationsForm(initial={"declarations": list(app.declarations)}),
        )
    current = entries.filter(status=RegisterEntry.Status.CURRENT).first()
    if current:
        opens = selectors.renewal_opens(current)
        context.update(
            current_entry=current,
            credential=current.credentials.filter(revoked_at=None).first(),
            current_level=f"Level {current.level}",
            renewal=selectors.renewal_check(current),
            renewal_opens=opens,
            renewal_open=timezone.localdate() >= opens,
            renewal_window_days=settings.REGISTER_RENEWAL_WINDOW_DAYS,
        )
    return context


def _editable_page(request: HttpRequest, template: str) -> HttpResponse:
    """A task page: only while the application can still change; otherwise the hub says why."""
    app = _open_application(request.user)
    if request.method == "GET" and (app is None or app.status not in EDITABLE):
        return redirect("register:apply")
    return _page(request, template)


@require_http_methods(["GET", "POST"])
@portfolio_required
def apply(request: HttpRequest) -> HttpResponse:
    return _page(request, "register/apply.html")


@require_safe
@portfolio_required
def apply_eligibility(request: HttpRequest) -> HttpResponse:
    return _editable_page(request, "register/apply_eligibility.html")


@require_http_methods(["GET", "POST"])
@portfolio_required
def apply_declarations(request: HttpRequest) -> HttpResponse:
    return _editable_page(request, "register/apply_declarations.html")


@require_http_methods(["GET", "POST"])
@portfolio_required
def apply_endorsement(request: HttpRequest) -> HttpResponse:
    return _editable_page(request, "register/apply_endorsement.html")


@require_http_methods(["GET", "POST"])
@portfolio_required
def apply_references(request: HttpRequest) -> HttpResponse:
    return _editable_page(request, "register/apply_references.html")


@require_http_methods(["GET", "POST"])
@portfolio_required
def apply_check(request: HttpRequest) -> HttpResponse:
    """Check your answers: everything that will be sent, each with a change link, then the
    submit button (only when nothing stands in the way; the service refuses anyway)."""
    app = _open_application(request.user)
    if request.method == "GET" and (app is None or app.status != Status.DRAFT):
        return redirect("register:apply")
    return _page(request, "register/apply_check.html")


@require_safe
@portfolio_required
def apply_submitted(request: HttpRequest) -> HttpResponse:
    """The confirmation after submitting (or resubmitting): what happens next and when."""
    app = _open_application(request.user)
    if app is None or app.status not in Application.IN_QUEUE:
        return redirect("register:apply")
    context = _context(request, app)
    resubmitted = app.snapshots.count() > 1
    submitted = timezone.localtime(app.submitted_at) if app.submitted_at else timezone.now()
    context.update(
        panel_title="Application resubmitted" if resubmitted else "Application submitted",
        panel_body=f"Level {app.level} · submitted on {submitted:%-d %B %Y}",
    )
    return render(request, "register/apply_submitted.html", context)


@require_http_methods(["GET", "POST"])
@portfolio_required
def apply_withdraw(request: HttpRequest) -> HttpResponse:
    """Withdrawing is a step of its own, with what it means, never a lone red button."""
    app = _open_application(request.user)
    if request.method == "GET" and app is None:
        return redirect("register:apply")
    return _page(request, "register/apply_withdraw.html")


@require_http_methods(["POST"])
@login_required
def renew(request: HttpRequest, number: str) -> HttpResponse:
    entry = get_entry_for_user(request.user, number)  # type: ignore[arg-type]
    try:
        services.entry_renew(
            entry=entry,
            by=request.user,  # type: ignore[arg-type]
            keys=request.POST.getlist("declarations"),
        )
    except TransitionError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("register:apply") + "#renewal")
    messages.success(request, f"Renewed: your entry is valid until {entry.valid_to:%-d %B %Y}.")
    return redirect("register:apply")
