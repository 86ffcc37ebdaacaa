"""Teams pages for membership: your teams, create a service, the lead's members page
(invite, withdraw, resend, co-lead, remove), the invitation link (consent or decline), and
the member's "what I share" page (change, stop sharing, leave)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from imhcpd.invitations import remember_invitee
from imhcpd.quotas import check_quota
from imhcpd.templatetags.ui import hours
from portfolios.services import TransitionError

# The way back after signing in or verifying an email: read by imhcpd.adapters.
from portfolios.supervision.views import RESUME_SESSION_KEY
from portfolios.teams import services
from portfolios.teams.forms import InviteForm, ServiceForm, SharingForm
from portfolios.teams.models import Membership, TeamInvitation
from portfolios.teams.permissions import (
    current_memberships,
    get_membership_for_member,
    get_service_for_lead,
    is_last_lead,
    led_services,
)

# What a lead sees of a member who shares, and what never leaves the member's portfolio.
SHARED = [
    "Your role in the team",
    "Your whole-time equivalent (WTE)",
    "The level you are working towards",
    "The level you have achieved (every competency at that level signed off)",
    "How many competencies are signed off in each domain",
    "Your CPD hours this year",
    "Your register status",
]
NEVER_SHARED = [
    "Your evidence and what it says",
    "Your reflections",
    "Attachments",
    "Your self-assessment notes",
]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    led = list(led_services(request.user).order_by("name", "pk"))
    memberships = [m for m in current_memberships(request.user) if not m.is_lead]
    own = {m.service_id: m for m in current_memberships(request.user) if m.is_lead}
    context = {"led": [(s, own.get(s.pk)) for s in led], "memberships": memberships}
    return render(request, "teams/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def service_create(request: HttpRequest) -> HttpResponse:
    form = ServiceForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            service = services.service_create(by=request.user, **form.cleaned_data)
            messages.success(request, f"{service.name} created. You are its lead.")
            return redirect("teams:members", pk=service.pk)
        return render(request, "teams/service_create.html", {"form": form}, status=400)
    return render(request, "teams/service_create.html", {"form": form})


# --- The lead's side -------------------------------------------------------------------------


def _members_page(
    request: HttpRequest, pk: int, form: InviteForm | None = None, status: int = 200
) -> HttpResponse:
    service = get_service_for_lead(request.user, pk)
    members = service.memberships.filter(left_at=None).select_related("user")
    waiting = service.invitations.filter(status=TeamInvitation.Status.PENDING)
    context = {
        "service": service,
        "members": members,
        "invitations": waiting,
        "form": form or InviteForm(),
    }
    return render(request, "teams/members.html", context, status=status)


@login_required
def members(request: HttpRequest, pk: int) -> HttpResponse:
    return _members_page(request, pk)


@require_POST
@login_required
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    service = get_service_for_lead(request.user, pk)
    form = InviteForm(request.POST)
    if form.is_valid():
        # The same quota as supervision invitations: each email carries the lead's name.
        check_quota(request, "invitation", target=form.cleaned_data["email"])
        try:
            services.invitation_send(service=service, by=request.user, **form.cleaned_data)
        except TransitionError as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("teams:members", pk=pk)
    return _members_page(request, pk, form, status=400)


def _act(request: HttpRequest, pk: int, action: Callable[[], object], done: str) -> HttpResponse:
    """Run a lead's action; its refusal (another tab acted first, the last lead) is a
    message on the members page, never an error page."""
    try:
        action()
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("teams:members", pk=pk)


def _lead_invitation(request: HttpRequest, pk: int, invitation: int) -> TeamInvitation:
    service = get_service_for_lead(request.user, pk)
    return get_object_or_404(service.invitations, pk=invitation)


@require_POST
@login_required
def withdraw(request: HttpRequest, pk: int, invitation: int) -> HttpResponse:
    found = _lead_invitation(request, pk, invitation)
    return _act(
        request,
        pk,
        lambda: services.invitation_withdraw(invitation=found, by=request.user),
        f"Invitation to {found.email} withdrawn.",
    )


@require_POST
@login_required
def resend(request: HttpRequest, pk: int, invitation: int) -> HttpResponse:
    found = _lead_invitation(request, pk, invitation)
    check_quota(request, "invitation", target=found.email)
    return _act(
        request,
        pk,
        lambda: services.invitation_resend(invitation=found, by=request.user),
        f"Invitation sent again to {found.email}.",
    )


def _lead_membership(request: HttpRequest, pk: int, membership: int) -> Membership:
    service = get_service_for_lead(request.user, pk)
    return get_object_or_404(
        service.memberships.filter(left_at=None).select_related("user", "service"), pk=membership
    )


@login_required
@require_http_methods(["GET", "POST"])
def remove(request: HttpRequest, pk: int, membership: int) -> HttpResponse:
    found = _lead_membership(request, pk, membership)
    if request.method == "POST":
        return _act(
            request,
            pk,
            lambda: services.member_remove(membership=found, by=request.user),
            f"{found.user.full_name} removed from {found.service.name}.",
        )
    context = {"membership": found, "service": found.service}
    return render(request, "teams/remove.html", context | {"last_lead": is_last_lead(found)})


@require_POST
@login_required
def make_lead(request: HttpRequest, pk: int, membership: int) -> HttpResponse:
    found = _lead_membership(request, pk, membership)
    return _act(
        request,
        pk,
        lambda: services.make_lead(membership=found, by=request.user),
        f"{found.user.full_name} is now a lead.",
    )


# --- The invitee -----------------------------------------------------------------------------


def _problem(request: HttpRequest, problem: str, status: int) -> HttpResponse:
    return render(request, "teams/invitation_problem.html", {"problem": problem}, status=status)


def _consent_context(**extra: Any) -> dict[str, Any]:
    return {"shared": SHARED, "never_shared": NEVER_SHARED, **extra}


@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    user = request.user if request.user.is_authenticated else None
    try:
        services.check_invitation(invitation, user)
    except services.InvitationProblem as exc:
        return _problem(request, str(exc), 410 if invitation else 404)
    assert invitation is not None
    if user is None:
        # Email verification drops allauth's `next`; the session keeps the way back here.
        request.session[RESUME_SESSION_KEY] = request.get_full_path()
        remember_invitee(request, invitation.email, invitation.name)
        context = _consent_context(invitation=invitation, next=request.get_full_path())
        return render(request, "teams/accept.html", context)
    initial = {"role": invitation.role} if invitation.role else {}
    form = SharingForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "decline":
                services.invitation_decline(invitation=invitation, user=user)
                messages.info(request, f"You declined the invitation to {invitation.service.name}.")
                return redirect("teams:home")
            if form.is_valid():
                data = form.cleaned_data
                problem = services.check_sharing(
                    user=user, share=data["consent"], role=data["role"], as_lead=invitation.as_lead
                )
                if problem:
                    form.add_error("consent", problem)
                else:
                    membership = services.invitation_accept(
                        invitation=invitation,
                        user=user,
                        role=data["role"],
                        wte=data["wte"],
                        target_level=data["target_level"],
                        share=data["consent"],
                    )
                    messages.success(request, f"You have joined {invitation.service.name}.")
                    return redirect("teams:sharing", membership=membership.pk)
        # A plain TransitionError is another tab (or a double click) having acted first.
        except TransitionError as exc:
            return _problem(request, str(exc), 409)
        status = 400
    context = _consent_context(
        invitation=invitation, form=form, has_portfolio=services.has_portfolio(user)
    )
    return render(request, "teams/accept.html", context, status=status)


# --- The member's side -----------------------------------------------------------------------


def _level(level: int | None) -> str:
    return f"Level {level}" if level else "None yet"


def _summary_rows(membership: Membership) -> list[tuple[str, str]]:
    """What the leads see of this member, row by row: helper C's summary when it is there,
    else the member's own choices from the row."""
    if not membership.shares_summary:
        return []
    try:
        from portfolios.teams.summary import member_summary
    except ImportError:  # the summary arrives with the team report
        member_summary = None
    rows = [("Role in the team", membership.get_role_display() or "Not given")]
    rows.append(("Whole-time equivalent", str(membership.wte or "Not given")))
    rows.append(("Working towards", _level(membership.target_level)))
    if member_summary is None:
        return rows
    summary = member_summary(membership)
    rows = [
        ("Role in the team", summary.role_label),
        ("Whole-time equivalent", str(summary.wte or "Not given")),
        ("Working towards", _level(summary.target_level)),
        ("Level achieved", _level(summary.achieved_level)),
    ]
    rows += [
        (f"Domain {number}: competencies signed off", str(count))
        for number, count in summary.signed_off_by_domain.items()
    ]
    rows.append(("CPD hours this year", hours(summary.cpd_hours_this_year)))
    rows.append(("Register status", summary.register_status))
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def sharing(request: HttpRequest, membership: int) -> HttpResponse:
    found = get_membership_for_member(request.user, membership)
    initial = {
        "role": found.role,
        "wte": found.wte,
        "target_level": found.target_level,
        "consent": found.shares_summary,
    }
    form = SharingForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.membership_update(
                    membership=found,
                    by=request.user,
                    role=data["role"],
                    wte=data["wte"],
                    target_level=data["target_level"],
                    share=data["consent"],
                )
            except TransitionError as exc:
                form.add_error("consent", str(exc))
            else:
                messages.success(request, "Your choices are saved.")
                return redirect("teams:sharing", membership=found.pk)
        status = 400
    context = _consent_context(
        membership=found, service=found.service, form=form, rows=_summary_rows(found)
    )
    return render(request, "teams/sharing.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, membership: int) -> HttpResponse:
    found = get_membership_for_member(request.user, membership)
    if request.method == "POST":
        try:
            services.membership_leave(membership=found, by=request.user)
        except TransitionError as exc:
            messages.error(request, str(exc))
            return redirect("teams:sharing", membership=found.pk)
        messages.success(request, f"You have left {found.service.name}. Nothing is shared now.")
        return redirect("teams:home")
    context = {"membership": found, "service": found.service}
    return render(request, "teams/leave.html", context | {"last_lead": is_last_lead(found)})
