"""Supervision pages: the practitioner's supervisors, invitations, the supervisor's queue,
reviews, comments and notifications."""

from __future__ import annotations

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from imhcpd.quotas import check_quota
from portfolios import selectors
from portfolios.evidence_kinds import KINDS
from portfolios.models import EvidenceKind, EvidenceRevision
from portfolios.permissions import get_evidence_for_user, portfolio_required
from portfolios.selectors import CompetencyStatus
from portfolios.services import TransitionError
from portfolios.supervision import selectors as supervision_selectors
from portfolios.supervision import services
from portfolios.supervision.forms import CommentForm, InviteForm, PreferencesForm, ReturnForm
from portfolios.supervision.models import NotificationPreference, Supervision
from portfolios.supervision.notifications import notifications_mark_read
from portfolios.supervision.permissions import (
    get_evidence_for_commenter,
    get_evidence_for_reviewer,
    get_revision_for_reviewer,
    get_supervision_as_practitioner,
    get_supervision_as_supervisor,
)
from portfolios.supervision.queue import queue_sections

Status = EvidenceRevision.Status


# --- The practitioner's side ------------------------------------------------------------


@portfolio_required
@require_http_methods(["GET", "POST"])
def supervisors(request: HttpRequest) -> HttpResponse:
    portfolio = request.portfolio
    form = InviteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            check_quota(request, "invitation", target=form.cleaned_data["email"])
            try:
                services.supervision_invite(
                    portfolio=portfolio, by=request.user, **form.cleaned_data
                )
            except TransitionError as exc:
                form.add_error("email", str(exc))
            else:
                messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
                return redirect("supervision:supervisors")
        status = 400
    context = {
        "form": form,
        "supervisions": portfolio.supervisions.select_related("supervisor").prefetch_related(
            "events"
        ),
    }
    return render(request, "supervision/supervisors.html", context, status=status)


def _practitioner_action(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:  # type: ignore[no-untyped-def]
    supervision = get_supervision_as_practitioner(request.user, pk)
    try:
        action(supervision=supervision, by=request.user)
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("supervision:supervisors")


@require_POST
@login_required
def supervision_resend(request: HttpRequest, pk: int) -> HttpResponse:
    # A resend is another email to the same address: it counts towards that address's quota.
    supervision = get_supervision_as_practitioner(request.user, pk)
    check_quota(request, "invitation", target=supervision.invitee_email)
    return _practitioner_action(request, pk, services.supervision_resend, "Invitation sent again.")


@require_POST
@login_required
def supervision_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _practitioner_action(request, pk, services.supervision_cancel, "Invitation cancelled.")


@require_POST
@login_required
def supervision_end(request: HttpRequest, pk: int) -> HttpResponse:
    return _practitioner_action(request, pk, services.supervision_end, "Supervision ended.")


@require_POST
@login_required
def evidence_submit(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for_user(request.user, pk)
    supervision = evidence.portfolio.supervisions.filter(
        pk=request.POST.get("supervision") or 0, status=Supervision.Status.ACTIVE
    ).first()
    try:
        if supervision is None:
            raise TransitionError("Choose one of your active supervisors.")
        services.evidence_submit(evidence=evidence, supervision=supervision, by=request.user)
    except TransitionError as exc:
        messages.error(request, str(exc))
        return redirect("portfolios:evidence_detail", pk=pk)
    messages.success(request, f"Sent to {supervision.invitee_name} for review.")
    return redirect("portfolios:evidence_detail", pk=pk)


# --- The invitee ----------------------------------------------------------------------------

RESUME_SESSION_KEY = "imhcpd_resume_after_login"
# Set on accepting an invitation without two-factor authentication; the queue page shows the
# prompt once.
OFFER_MFA_SESSION_KEY = "imhcpd_offer_mfa"


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    supervision = services.invitation_for_token(token)
    user = request.user if request.user.is_authenticated else None
    try:
        services.check_invitation(supervision, user)
    except services.InvitationProblem as exc:
        return render(
            request,
            "supervision/invitation_problem.html",
            {"problem": str(exc)},
            status=410 if supervision else 404,
        )
    if user is None:
        # Email verification drops allauth's `next`; the session keeps the way back here.
        request.session[RESUME_SESSION_KEY] = request.get_full_path()
        return render(
            request,
            "supervision/invitation.html",
            {"supervision": supervision, "next": request.get_full_path()},
        )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "accept":
                services.supervision_accept(supervision=supervision, user=user)
                messages.success(
                    request, f"You now supervise {supervision.portfolio.user.full_name}."
                )
                if not is_mfa_enabled(user):
                    # Supervisors read families' reflective accounts: offer a second factor
                    # now (SUPERVISOR_MFA_REQUIRED makes the middleware insist on it).
                    request.session[OFFER_MFA_SESSION_KEY] = True
                return redirect("supervision:home")
            if action == "decline":
                services.supervision_decline(supervision=supervision, user=user)
                messages.info(request, "You declined the invitation.")
                return redirect("home")
        # A plain TransitionError is the other tab (or a double click) having acted first.
        except (services.InvitationProblem, services.TransitionError) as exc:
            return render(
                request, "supervision/invitation_problem.html", {"problem": str(exc)}, status=409
            )
        messages.error(request, "Choose accept or decline.")
    return render(request, "supervision/invitation.html", {"supervision": supervision})


# --- The supervisor's side -------------------------------------------------------------------


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    active = supervision_selectors.supervisees(user)
    supervisee = request.GET.get("supervisee", "")
    kind = request.GET.get("kind", "")
    domain = request.GET.get("domain", "")
    queue = supervision_selectors.review_queue(
        user,
        supervision_id=int(supervisee) if supervisee.isdigit() else None,
        kind=kind,
        domain=int(domain) if domain.isdigit() else None,
    )
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    context = {
        "active": active,
        "sections": queue_sections(user),
        "offer_mfa": request.session.pop(OFFER_MFA_SESSION_KEY, False),
        "page": page,
        "kinds": EvidenceKind.choices,
        "filters": {"supervisee": supervisee, "kind": kind, "domain": domain},
        "declaration": services.declaration_text(0).replace(
            " at Level 0", " at the level shown for each item (fixed when it was submitted)"
        ),
    }
    return render(request, "supervision/home.html", context)


@require_safe
@login_required
def supervisee(request: HttpRequest, pk: int) -> HttpResponse:
    supervision = get_supervision_as_supervisor(request.user, pk)
    portfolio = supervision.portfolio
    domains = selectors.by_domain(selectors.competency_states(portfolio))
    submitted = supervision_selectors.submitted_by(request.user, portfolio)
    return render(
        request,
        "supervision/supervisee.html",
        {
            "supervision": supervision,
            "domains": domains,
            "submitted": submitted,
            "Status": CompetencyStatus,
        },
    )


def _review_context(revision: EvidenceRevision, **extra: object) -> dict[str, object]:
    evidence = revision.evidence
    return {
        "revision": revision,
        "evidence": evidence,
        "spec": KINDS[evidence.kind],
        "practitioner": evidence.portfolio.user,
        # The level fixed at submission, never the practitioner's target level today.
        "level": (level := revision.signed_off_level or revision.submitted_level),
        "declaration": services.declaration_text(level) if level else "",
        "comments": evidence.comments.select_related("author"),
        "comment_form": CommentForm(),
        "events": evidence.events.select_related("actor", "revision"),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    revision = get_revision_for_reviewer(request.user, pk)
    return_form = ReturnForm(request.POST if request.POST.get("action") == "return" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "sign_off":
                ids = [int(v) for v in request.POST.getlist("accepted") if v.isdigit()]
                services.review_sign_off(
                    revision=revision,
                    by=request.user,
                    accepted_link_ids=ids,
                    declared=request.POST.get("declaration") == "on",
                )
                messages.success(request, f"Signed off “{revision.title}”.")
                return redirect("supervision:home")
            if action == "return" and return_form.is_valid():
                services.review_return(
                    revision=revision,
                    by=request.user,
                    feedback=return_form.cleaned_data["feedback"],
                )
                messages.success(request, f"Returned “{revision.title}” with your feedback.")
                return redirect("supervision:home")
            if action not in ("sign_off", "return"):
                messages.error(request, "Choose to sign off or to return the item.")
        except TransitionError as exc:
            messages.error(request, str(exc))
            revision.refresh_from_db()
            return render(
                request,
                "supervision/review.html",
                _review_context(revision, return_form=return_form),
                status=409,
            )
        return render(
            request,
            "supervision/review.html",
            _review_context(revision, return_form=return_form),
            status=400,
        )
    return render(
        request, "supervision/review.html", _review_context(revision, return_form=return_form)
    )


@require_POST
@login_required
def bulk_sign_off(request: HttpRequest) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("revision") if v.isdigit()]
    if not ids:
        messages.error(request, "Select at least one item to sign off.")
        return redirect("supervision:home")
    revisions = [get_revision_for_reviewer(request.user, pk) for pk in ids]
    try:
        done, skipped = services.review_bulk_sign_off(
            revisions=revisions, by=request.user, declared=request.POST.get("declaration") == "on"
        )
    except TransitionError as exc:
        messages.error(request, str(exc))
        return redirect("supervision:home")
    if done:
        messages.success(request, f"Signed off {len(done)} item{'s' if len(done) != 1 else ''}.")
    for revision, why in skipped:
        messages.warning(request, f"“{revision.title}”: {why}")
    return redirect("supervision:home")


@require_safe
@login_required
def reviewer_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor's view of one item: the revisions submitted to them and the thread."""
    evidence = get_evidence_for_reviewer(request.user, pk)
    revisions = supervision_selectors.revisions_of(request.user, evidence)
    return render(
        request,
        "supervision/evidence.html",
        {
            "evidence": evidence,
            "revisions": revisions,
            "spec": KINDS[evidence.kind],
            "comments": evidence.comments.select_related("author"),
            "comment_form": CommentForm(),
        },
    )


@require_POST
@login_required
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for_commenter(request.user, pk)
    form = CommentForm(request.POST)
    owner = evidence.portfolio.user_id == request.user.pk
    back = reverse("portfolios:evidence_detail" if owner else "supervision:evidence", args=[pk])
    if not form.is_valid():
        messages.error(request, form.errors["body"][0])
        return redirect(back)
    services.comment_add(evidence=evidence, by=request.user, body=form.cleaned_data["body"])
    messages.success(request, "Comment added.")
    return redirect(f"{back}#comments")


# --- Notifications ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        notifications_mark_read(user=request.user)
        return redirect("supervision:notifications")
    items = Paginator(supervision_selectors.notifications_of(request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "supervision/notifications.html", {"page": items})


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    instance = NotificationPreference.objects.filter(
        user=request.user
    ).first() or NotificationPreference(user=request.user)
    form = PreferencesForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Email preferences saved.")
        return redirect("supervision:preferences")
    return render(request, "supervision/preferences.html", {"form": form})
