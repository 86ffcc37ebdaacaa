"""Supervision pages: the practitioner's supervisors, invitations, the supervisor's queue,
reviews, comments and notifications."""

from __future__ import annotations

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from imhcpd.invitations import remember_invitee
from imhcpd.pagination import paginate
from imhcpd.quotas import check_quota
from imhcpd.storage import INLINE_TYPES, private_download
from portfolios import selectors
from portfolios.evidence_kinds import KINDS
from portfolios.models import EvidenceKind, EvidenceRevision
from portfolios.permissions import get_evidence_for_user, portfolio_required
from portfolios.selectors import CompetencyStatus
from portfolios.services import TransitionError
from portfolios.supervision import selectors as supervision_selectors
from portfolios.supervision import services
from portfolios.supervision.forms import (
    BulkSignOffForm,
    CommentForm,
    InviteForm,
    PreferencesForm,
    ReturnForm,
)
from portfolios.supervision.models import NotificationPreference, Supervision
from portfolios.supervision.notifications import (
    evidence_group,
    groups_with_notifications,
    notification_groups,
    notifications_mark_read,
)
from portfolios.supervision.permissions import (
    get_attachment_for_reviewer,
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
        remember_invitee(request, supervision.invitee_email, supervision.invitee_name)
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

# Items a page of the review queue: enough to sign off a week's submissions in one go.
QUEUE_PAGE_SIZE = 50


def _queue_page(
    request: HttpRequest, *, bulk_form: BulkSignOffForm | None = None, status: int = 200
) -> HttpResponse:
    """The review queue; after a failed bulk sign-off, with the ticked boxes still ticked."""
    user = request.user
    source = request.POST if bulk_form is not None else request.GET
    active = supervision_selectors.supervisees(user)
    supervisee = source.get("supervisee", "")
    kind = source.get("kind", "")
    domain = source.get("domain", "")
    queue = supervision_selectors.review_queue(
        user,
        active=active,
        supervision_id=int(supervisee) if supervisee.isdigit() else None,
        kind=kind,
        domain=int(domain) if domain.isdigit() else None,
    )
    page = paginate(queue, source.get("page"), QUEUE_PAGE_SIZE)
    supervision_selectors.with_link_competencies(page)
    context = {
        "active": active,
        "sections": queue_sections(user),
        "offer_mfa": request.session.pop(OFFER_MFA_SESSION_KEY, False),
        "page": page,
        "kinds": EvidenceKind.choices,
        "filters": {"supervisee": supervisee, "kind": kind, "domain": domain},
        "bulk_form": bulk_form,
        "selected": bulk_form.selected() if bulk_form is not None else set(),
        "declaration": services.declaration_text(0).replace(
            " at Level 0", " at the level shown for each item (fixed when it was submitted)"
        ),
    }
    return render(request, "supervision/home.html", context, status=status)


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    return _queue_page(request)


@require_safe
@login_required
def supervisee(request: HttpRequest, pk: int) -> HttpResponse:
    supervision = get_supervision_as_supervisor(request.user, pk)
    portfolio = supervision.portfolio
    domains = selectors.by_domain(selectors.competency_states(portfolio))
    submitted = supervision_selectors.submitted_by(request.user, portfolio)
    signed_off = sum(dp.counts[CompetencyStatus.SIGNED_OFF] for dp in domains)
    return render(
        request,
        "supervision/supervisee.html",
        {
            "supervision": supervision,
            "domains": domains,
            "submitted": submitted,
            "signed_off": signed_off,
            "total": sum(dp.total for dp in domains),
            "Status": CompetencyStatus,
        },
    )


def _review_context(revision: EvidenceRevision, **extra: object) -> dict[str, object]:
    evidence = revision.evidence
    # The page shows the links and attachments twice each (the item, then the sign-off form);
    # read once here, the links' competencies from memory.
    prefetch_related_objects([revision], "links", "attachments")
    supervision_selectors.with_link_competencies([revision])
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
    revision = supervision_selectors.revision_to_review(request.user, pk)
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
    # The page's own notifications are marked by NotificationSeenMiddleware; this item's
    # comments point at its evidence page, but were seen here too.
    notifications_mark_read(user=request.user, group=evidence_group(revision.evidence))
    return render(
        request, "supervision/review.html", _review_context(revision, return_form=return_form)
    )


@require_POST
@login_required
def bulk_sign_off(request: HttpRequest) -> HttpResponse:
    ids = {int(v) for v in request.POST.getlist("revision") if v.isdigit()}
    # Another person's id is a 404, as everywhere; one already decided is skipped below.
    revisions = [get_revision_for_reviewer(request.user, pk) for pk in sorted(ids)]
    form = BulkSignOffForm(request.POST, choices=[r.pk for r in revisions])
    if not form.is_valid():
        return _queue_page(request, bulk_form=form, status=400)
    chosen = set(form.cleaned_data["revision"])
    try:
        done, skipped = services.review_bulk_sign_off(
            revisions=[r for r in revisions if r.pk in chosen],
            by=request.user,
            declared=form.cleaned_data["declaration"],
        )
    except TransitionError as exc:
        form.add_error(None, str(exc))
        return _queue_page(request, bulk_form=form, status=409)
    if done:
        messages.success(request, f"Signed off {len(done)} item{'s' if len(done) != 1 else ''}.")
    for revision, why in skipped:
        messages.warning(request, f"“{revision.title}”: {why}")
    return redirect("supervision:home")


@require_safe
@login_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """An attachment of an item submitted to this supervisor: PDFs and images open in the
    browser, anything else (or `?download=1`) downloads. Every open is recorded first, in
    the same transaction: a file that cannot be served leaves no record."""
    found = get_attachment_for_reviewer(request.user, pk)
    inline = request.GET.get("download") != "1" and found.content_type in INLINE_TYPES
    with transaction.atomic():
        services.attachment_opened(attachment=found, by=request.user, inline=inline)
        return private_download(found.file, found.filename, found.content_type, inline=inline)


@require_safe
@login_required
def reviewer_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor's view of one item: the revisions submitted to them and the thread."""
    evidence = get_evidence_for_reviewer(request.user, pk)
    revisions = supervision_selectors.revisions_of(request.user, evidence)
    notifications_mark_read(user=request.user, group=evidence_group(evidence))
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
    page = Paginator(notification_groups(request.user), 30).get_page(request.GET.get("page"))
    groups = groups_with_notifications(request.user, page.object_list)
    # Shown is seen: what this page lists is marked read, but still looks new this once.
    notifications_mark_read(user=request.user, ids=[i for g in groups for i in g.ids])
    # Only older pages can still hold unread ones now.
    more_unread = request.user.notifications.filter(read_at__isnull=True).exists()
    return render(
        request,
        "supervision/notifications.html",
        {"page": page, "groups": groups, "more_unread": more_unread},
    )


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
