"""The administrators' pages: the queue, an application with its decision panel, approval and
rejection each behind a confirmation step that says what is being decided, and the entries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from imhcpd.pagination import paginate
from portfolios.services import TransitionError
from register import selectors, services, wording
from register.forms import ReasonsForm
from register.models import Application, ApplicationSnapshot, RegisterEntry
from register.permissions import register_admin_required

Status = Application.Status
# Rows a page of the queue and of the entries: a screenful to work through, not the backlog.
PAGE_SIZE = 50


def _application(pk: int) -> Application:
    """Any submitted application (drafts are the applicant's alone: 404)."""
    return get_object_or_404(
        Application.objects.select_related("applicant", "assigned_to", "portfolio").exclude(
            status=Status.DRAFT
        ),
        pk=pk,
    )


@require_safe
@register_admin_required
def admin_home(request: HttpRequest) -> HttpResponse:
    rows = Application.objects.select_related("applicant", "assigned_to").exclude(
        status=Status.DRAFT
    )
    wanted = request.GET.get("status") or "waiting"
    if wanted == "waiting":
        rows = rows.filter(status__in=Application.IN_QUEUE)
    elif wanted in Status.values:
        rows = rows.filter(status=wanted)
    level = request.GET.get("level")
    if level in ("1", "2", "3"):
        rows = rows.filter(level=int(level))
    waiting = request.GET.get("waiting")
    if waiting and waiting.isdigit():
        rows = rows.filter(submitted_at__lte=timezone.now() - dt.timedelta(days=int(waiting)))
    page = paginate(rows.order_by("submitted_at", "pk"), request.GET.get("page"), PAGE_SIZE)
    applications = [(a, wording.status_tag(a.status, for_admin=True)) for a in page]
    statuses = [
        (value, wording.status_tag(value, for_admin=True)["words"])
        for value in Status.values
        if value != Status.DRAFT
    ]
    return render(
        request,
        "register/admin_home.html",
        {
            "applications": applications,
            "page": page,
            "statuses": statuses,
            "wanted": wanted,
            "level": level,
            "waiting": waiting or "",
            "now": timezone.now(),
        },
    )


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _summary(app: Application, snapshot: ApplicationSnapshot | None) -> dict[str, Any]:
    """What a decision is about, from the snapshot the administrator reviewed."""
    data = snapshot.data if snapshot else {}
    domains = data.get("domains", [])
    part = data.get("application") or {}
    today = timezone.localdate()
    endorsement = part.get("endorsement")
    references = part.get("references", [])
    signed_off = sum(d.get("counts", {}).get("signed_off", 0) for d in domains)
    total = sum(len(d.get("competencies", [])) for d in domains)
    evidence = len(data.get("evidence", []))
    answers = len(part.get("answers", []))
    return {
        "name": (data.get("person") or {}).get("name") or app.applicant.get_full_name(),
        "region": (data.get("person") or {}).get("region", ""),
        "answers": answers,
        "valid_from": today,
        "valid_to": selectors.add_months(today, settings.REGISTER_VALIDITY_MONTHS),
        # The rows of the summary list, in words.
        "level_words": f"Level {app.level}",
        "snapshot_words": (
            f"Version {snapshot.version}, "
            f"submitted {timezone.localtime(snapshot.created_at):%-d %B %Y}"
            if snapshot
            else "None"
        ),
        "signed_off_words": f"{signed_off} of {total} at Level {app.level}",
        "evidence_words": _plural(evidence, "item", "items"),
        "endorsement_words": (
            f"{endorsement['by']} ({endorsement['role'].lower()})" if endorsement else "None"
        ),
        "references_words": "\n".join(f"{r['name']}, {r['role']}" for r in references) or "None",
        "answers_words": _plural(answers, "answer", "answers"),
    }


@require_http_methods(["GET", "POST"])
@register_admin_required
def admin_application(request: HttpRequest, pk: int) -> HttpResponse:
    app = _application(pk)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        admin = request.user
        try:
            if action == "assign":
                services.application_assign(application=app, admin=admin)  # type: ignore[arg-type]
                messages.success(request, "Assigned to you.")
            elif action == "note":
                services.note_add(application=app, admin=admin, body=request.POST.get("body", ""))  # type: ignore[arg-type]
                messages.success(request, "Note added.")
            elif action == "request_info":
                services.application_request_info(
                    application=app,
                    admin=admin,  # type: ignore[arg-type]
                    questions=request.POST.get("questions", ""),
                )
                messages.success(request, "Questions sent to the applicant.")
            elif action in ("approve", "reject"):
                # No one-click decision: each has its own page that says what is decided.
                raise TransitionError(f"To {action}, use the {action} button and confirm.")
            else:
                raise TransitionError("Choose an action.")
        except TransitionError as exc:
            messages.error(request, str(exc))
            status = 409 if "nothing was changed" in str(exc) or action == "assign" else 400
            if isinstance(exc, services.PartyToApplication):
                status = 403
        else:
            return redirect("register:admin_application", pk=app.pk)
    snapshots = list(app.snapshots.select_related("export"))
    version = request.GET.get("version")
    shown = next((s for s in snapshots if str(s.version) == version), None) or (
        snapshots[-1] if snapshots else None
    )
    return render(
        request,
        "register/admin_application.html",
        {
            "application": app,
            "tag": wording.status_tag(app.status, for_admin=True),
            "snapshots": snapshots,
            "snapshot": shown,
            "s": shown.data if shown else None,
            "notes": app.notes.select_related("author"),
            "history": wording.history(app, for_admin=True),
            "conflict": selectors.conflict_of_interest(app, request.user),  # type: ignore[arg-type]
            "latest_version": snapshots[-1].version if snapshots else None,
            "deciding": app.status in Application.IN_QUEUE,
        },
        status=status,
    )


def _decision_page(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The confirmation step for approve or reject: GET shows what is being decided, POST
    (a second, deliberate action) decides."""
    app = _application(pk)
    snapshot = app.latest_snapshot
    form = ReasonsForm(request.POST or None) if kind == "reject" else None
    conflict = selectors.conflict_of_interest(app, request.user)  # type: ignore[arg-type]
    summary = _summary(app, snapshot)
    status = 200
    if conflict:
        status = 403
    elif app.status not in Application.IN_QUEUE:
        status = 409
    if request.method == "POST" and status == 200:
        version = request.POST.get("version", "")
        try:
            if kind == "approve" and not version.isdigit():
                raise ValueError
            if kind == "approve":
                entry = services.application_approve(
                    application=app,
                    admin=request.user,  # type: ignore[arg-type]
                    reviewed_version=int(version) if version.isdigit() else 0,
                )
                messages.success(
                    request,
                    f"Approved: {entry.name} is on the register at Level {entry.level} as "
                    f"{entry.number}, valid until {entry.valid_to:%-d %B %Y}.",
                )
                return redirect("register:admin_application", pk=app.pk)
            assert form is not None
            if form.is_valid():
                services.application_reject(
                    application=app,
                    admin=request.user,  # type: ignore[arg-type]
                    reasons=form.cleaned_data["reasons"],
                )
                messages.success(request, "Not approved; the applicant has been told why.")
                return redirect("register:admin_application", pk=app.pk)
            status = 400
        except ValueError:
            messages.error(request, "Approve from this page, after checking what it shows.")
            status = 400
        except TransitionError as exc:
            messages.error(request, str(exc))
            status = 403 if isinstance(exc, services.PartyToApplication) else 409
            app.refresh_from_db()
    elif request.method == "POST":
        messages.error(
            request,
            conflict or "This application has already been decided; nothing was changed.",
        )
    return render(
        request,
        f"register/admin_{kind}.html",
        {
            "application": app,
            "snapshot": snapshot,
            "summary": summary,
            **{k: v for k, v in summary.items() if k.endswith("_words")},
            "form": form,
            "conflict": conflict,
            "tag": wording.status_tag(app.status, for_admin=True),
            "can_decide": not conflict and app.status in Application.IN_QUEUE,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@register_admin_required
def admin_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision_page(request, pk, "approve")


@require_http_methods(["GET", "POST"])
@register_admin_required
def admin_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision_page(request, pk, "reject")


@require_http_methods(["GET", "POST"])
@register_admin_required
def admin_entries(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        item = get_object_or_404(RegisterEntry, number=request.POST.get("number", ""))
        try:
            services.entry_remove(
                entry=item,
                admin=request.user,  # type: ignore[arg-type]
                reason=request.POST.get("reason", ""),
            )
        except TransitionError as exc:
            messages.error(request, str(exc))
            status = 400 if item.status != RegisterEntry.Status.REMOVED else 409
        else:
            messages.success(request, f"{item.number} was removed from the register.")
            # Back to the same page of the same search: the form posts to the page's own URL.
            return redirect(request.get_full_path())
    q = request.GET.get("q", "").strip()
    rows = RegisterEntry.objects.order_by("name", "number")
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(number__iexact=q))
    return render(
        request,
        "register/admin_entries.html",
        {"entries": paginate(rows, request.GET.get("page"), PAGE_SIZE), "q": q},
        status=status,
    )
