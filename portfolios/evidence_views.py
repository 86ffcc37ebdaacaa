"""Evidence items, their revisions, links and attachments.

Views of one item only need a signed-in user: the permission helper answers 404 to
anyone who does not own it, whether or not they have a portfolio of their own.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, prefetch_related_objects
from django.forms.utils import ErrorDict, ErrorList
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from competencies.content import framework_content
from competencies.models import Competency
from imhcpd.pagination import paginate
from imhcpd.storage import private_download
from portfolios import archive, confidentiality, selectors, services
from portfolios.evidence_kinds import (
    DEFAULT_TEMPLATE,
    KINDS,
    REFLECTION_TEMPLATES,
    switch_template,
    template_key,
    text_to_scan,
)
from portfolios.forms import (
    AttachmentForm,
    LinkFormSet,
    NewAttachmentsForm,
    evidence_form_class,
    grouped_competency_choices,
)
from portfolios.models import EvidenceKind, EvidenceLink, EvidenceRevision
from portfolios.permissions import (
    get_attachment_for_user,
    get_evidence_for_user,
    portfolio_required,
)
from portfolios.uploads import MAX_ATTACHMENTS_PER_ITEM, UploadRejected

PAGE_SIZE = 25


@require_safe
@portfolio_required
def evidence_list(request: HttpRequest) -> HttpResponse:
    portfolio = request.portfolio
    items = selectors.evidence_for_portfolio(portfolio)
    kind = request.GET.get("kind", "")
    if kind:
        if kind not in EvidenceKind.values:
            kind = ""
        else:
            items = items.filter(kind=kind)
    archived = request.GET.get("archived") == "1"
    # Archived items are kept but out of the way; the "Archived" filter shows only them.
    items = items.filter(archived_at__isnull=not archived)
    code = request.GET.get("competency", "")
    if code:
        items = items.filter(current__links__competency__code=code).distinct()
    page = paginate(items, request.GET.get("page"), PAGE_SIZE)
    context = {
        "page": page,
        "kinds": EvidenceKind.choices,
        "kind": kind,
        "code": code,
        "archived": archived,
        "competencies": framework_content(portfolio.framework_id).competencies,
    }
    return render(request, "portfolios/evidence_list.html", context)


def _competencies(portfolio):  # type: ignore[no-untyped-def]
    return (
        Competency.objects.filter(framework_id=portfolio.framework_id)
        .select_related("domain")
        .order_by("order")
    )


def _latest_feedback(evidence):  # type: ignore[no-untyped-def]
    """The newest review if it returned the item: what the practitioner is now answering.

    Through the reverse relations only (portfolios may not import supervision): the review of
    a revision and the item's comments, as the detail page shows them.
    """
    reviewed = (
        evidence.revisions.filter(review__isnull=False)
        .select_related("review")
        .order_by("-number")
        .first()
    )
    if reviewed is None or reviewed.review.outcome != EvidenceRevision.Status.RETURNED:
        return None
    return reviewed


def _templates(request, kind, evidence) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A reflective account's (shown, wanted) templates: the one whose questions the page
    showed, and the one now chosen. Other kinds have none."""
    if not KINDS[kind].templates:
        return "", ""
    stored = template_key(evidence.current.details) if evidence is not None else DEFAULT_TEMPLATE
    if request.method != "POST":
        chosen = request.GET.get("template") or stored
        return chosen, chosen
    shown = request.POST.get("shown_template") or stored
    wanted = request.POST.get("template") or shown
    if shown not in REFLECTION_TEMPLATES:
        shown = wanted if wanted in REFLECTION_TEMPLATES else stored
    return shown, wanted


def _switched(post, shown: str, wanted: str):  # type: ignore[no-untyped-def]
    """The posted form rewritten for another template; everything else posted is kept."""
    fields = REFLECTION_TEMPLATES[shown].details
    answers = {f.name: post.getlist(f.name) if f.multiple else post.get(f.name, "") for f in fields}
    data = post.copy()
    for f in fields:
        data.pop(f.name, None)
    for name, value in switch_template({**answers, "template": shown}, wanted).items():
        if isinstance(value, list):
            data.setlist(name, value)
        else:
            data[name] = value
    return data


def _unchecked(form, links) -> None:  # type: ignore[no-untyped-def]
    """Shown with what was typed but without errors: a template switch is not a save."""
    for f in [form, *links.forms]:
        f._errors = ErrorDict()
    links._errors, links._non_form_errors = [], ErrorList()


def _evidence_form_page(request, portfolio, kind, evidence=None):  # type: ignore[no-untyped-def]
    """Shared by create and edit: the kind's form, its links, and the confidentiality check."""
    shown, wanted = _templates(request, kind, evidence)
    unknown = shown and shown not in REFLECTION_TEMPLATES
    switching = (
        request.method == "POST"
        and wanted in REFLECTION_TEMPLATES
        and ("switch_template" in request.POST or wanted != shown)
    )
    if unknown:
        # Only from a link's ?template=: say so, and offer the default template.
        messages.error(request, f"There is no reflection template called “{shown[:40]}”.")
        shown = wanted = DEFAULT_TEMPLATE
    form_class = evidence_form_class(kind, wanted if switching else shown)
    competencies = _competencies(portfolio)
    if evidence is not None:
        current = evidence.current
        initial = form_class.initial_from(current)
        link_initial = [
            {"competency": link.competency, "rationale": link.rationale}
            for link in current.links.all()
        ]
    else:
        initial, link_initial = {}, []
        preset = request.GET.get("competency")
        if preset:
            found = competencies.filter(code=preset).first()
            if found:
                link_initial = [{"competency": found, "rationale": ""}]
    posted = _switched(request.POST, shown, wanted) if switching else request.POST
    form = form_class(posted or None, initial=initial)
    links = LinkFormSet(
        request.POST or None,
        initial=link_initial,
        prefix="links",
        form_kwargs={
            "competencies": competencies,
            "grouped": grouped_competency_choices(competencies),
        },
    )
    # Files can be chosen while first writing an item; later ones go on the item's page.
    files = (
        NewAttachmentsForm(request.POST or None, request.FILES or None) if not evidence else None
    )
    findings: dict[str, list[confidentiality.Finding]] = {}
    if switching:
        _unchecked(form, links)
        status = 200
    elif request.method == "POST":
        files_ok = files is None or files.is_valid()
        if form.is_valid() and links.is_valid() and files_ok:
            data = form.to_input(links.links())
            confirmed = form.cleaned_data["confirm_no_identifiers"]
            try:
                if evidence is None:
                    uploads = files.cleaned_data["attachments"]
                    evidence = services.evidence_create(
                        portfolio=portfolio,
                        kind=kind,
                        data=data,
                        by=request.user,
                        confirm_no_identifiers=confirmed,
                        uploads=uploads,
                    )
                    attached = f" with {len(uploads)} attachment{'s' if len(uploads) != 1 else ''}"
                    messages.success(
                        request, f"Evidence saved as a draft{attached if uploads else ''}."
                    )
                else:
                    revision = services.evidence_update(
                        evidence=evidence,
                        data=data,
                        by=request.user,
                        confirm_no_identifiers=confirmed,
                    )
                    messages.success(request, f"Saved revision {revision.number}.")
                return redirect("portfolios:evidence_detail", pk=evidence.pk)
            except services.ConfidentialityUnconfirmed as exc:
                findings = exc.findings
                form.add_error(
                    "confirm_no_identifiers",
                    "Edit the highlighted text, or confirm that it does not identify anyone.",
                )
            except UploadRejected as exc:
                files.add_error("attachments", f"{exc.message} Nothing has been saved yet.")
            except services.TransitionError as exc:
                messages.error(request, str(exc))
                return redirect("portfolios:evidence_detail", pk=evidence.pk)
        status = 400
    else:
        status = 400 if unknown else 200
    highlighted = (
        [
            (field, confidentiality.highlight(text, findings[field]))
            for field, text in _texts_for(form, links, kind).items()
            if field in findings
        ]
        if findings
        else []
    )
    context = {
        "form": form,
        "links": links,
        "spec": KINDS[kind],
        "kind_label": EvidenceKind(kind).label,
        "evidence": evidence,
        "findings": findings,
        "findings_summary": confidentiality.summary(findings) if findings else "",
        "highlighted": highlighted,
        "why": confidentiality.WHY,
        "files": NewAttachmentsForm() if switching and files else files,
        # Browsers never keep chosen files when a page comes back: say so.
        "files_lost": bool(request.FILES) and (status == 400 or switching),
        "template": REFLECTION_TEMPLATES[form_class.template_key] if shown else None,
        "switched_from": REFLECTION_TEMPLATES[shown] if switching and shown != wanted else None,
        "returned": _latest_feedback(evidence) if evidence is not None else None,
        "comments": evidence.comments.select_related("author") if evidence is not None else [],
    }
    return render(request, "portfolios/evidence_form.html", context, status=status)


def _texts_for(form, links, kind) -> dict[str, str]:  # type: ignore[no-untyped-def]
    # Only called once both forms are valid and the check found something.
    data = form.to_input(links.links() if links.is_valid() else [])
    return text_to_scan(kind, data.title, data.details, [link.rationale for link in data.links])


@require_safe
@portfolio_required
def evidence_new(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portfolios/evidence_new.html",
        {
            "kinds": [(k, KINDS[k]) for k in EvidenceKind.values],
            "labels": dict(EvidenceKind.choices),
            "competency": request.GET.get("competency", ""),
        },
    )


@portfolio_required
@require_http_methods(["GET", "POST"])
def evidence_create(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in EvidenceKind.values:
        raise Http404("Unknown kind of evidence.")
    return _evidence_form_page(request, request.portfolio, kind)


@login_required
@require_http_methods(["GET", "POST"])
def evidence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for_user(request.user, pk)
    if evidence.current.status == EvidenceRevision.Status.SUBMITTED:
        messages.error(
            request, "This item is with your supervisor for review and cannot be changed yet."
        )
        return redirect("portfolios:evidence_detail", pk=pk)
    return _evidence_form_page(request, evidence.portfolio, evidence.kind, evidence)


@require_safe
@login_required
def evidence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for_user(request.user, pk)
    return render(
        request, "portfolios/evidence_detail.html", _detail_context(evidence, AttachmentForm())
    )


def _detail_context(evidence, attachment_form: AttachmentForm) -> dict[str, object]:  # type: ignore[no-untyped-def]
    # Sign-offs brought in from another site, shown on each revision: one query for all.
    prefetch_related_objects([evidence], "imported_sign_offs")
    revisions = list(
        evidence.revisions.prefetch_related(
            # Links with their competency in one query (it joins competencies for its order).
            Prefetch("links", queryset=EvidenceLink.objects.select_related("competency")),
            "attachments",
        )
        .select_related("review__reviewer")
        .order_by("-number")
    )
    events = list(evidence.events.select_related("actor", "revision"))
    return {
        "evidence": evidence,
        "current": revisions[0],
        "older": revisions[1:],
        "spec": KINDS[evidence.kind],
        "events": events,
        "attachment_form": attachment_form,
        "max_attachments": MAX_ATTACHMENTS_PER_ITEM,
        "ever_submitted": services.ever_submitted(evidence, revisions, events),
        "supervisors": list(evidence.portfolio.supervisions.active().order_by("invitee_name")),
        "comments": evidence.comments.select_related("author"),
    }


@require_POST
@login_required
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for_user(request.user, pk)
    try:
        services.evidence_delete(evidence=evidence, by=request.user)
    except services.TransitionError as exc:
        messages.error(request, str(exc))
        return redirect("portfolios:evidence_detail", pk=pk)
    messages.success(request, "Draft deleted.")
    return redirect("portfolios:evidence_list")


@require_POST
@login_required
def evidence_archive(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for_user(request.user, pk)
    try:
        archive.evidence_archive(evidence=evidence, by=request.user)
    except services.TransitionError as exc:
        messages.error(request, str(exc))
        return redirect("portfolios:evidence_detail", pk=pk)
    messages.success(request, "Archived. It is kept with its history; find it under “Archived”.")
    return redirect("portfolios:evidence_list")


@require_POST
@login_required
def evidence_restore(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for_user(request.user, pk)
    try:
        archive.evidence_restore(evidence=evidence, by=request.user)
    except services.TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Restored to your evidence list.")
    return redirect("portfolios:evidence_detail", pk=pk)


@require_POST
@login_required
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for_user(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.attachment_add(
                evidence=evidence, upload=form.cleaned_data["file"], by=request.user
            )
        except services.TransitionError as exc:
            # The upload form is only drawn for drafts, so say it as a page message: 409,
            # the item is not in a state that takes attachments.
            messages.error(request, str(exc))
            context = _detail_context(evidence, AttachmentForm())
            return render(request, "portfolios/evidence_detail.html", context, status=409)
        except UploadRejected as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, f"Attached {attachment.filename}.")
            return redirect("portfolios:evidence_detail", pk=pk)
    return render(
        request, "portfolios/evidence_detail.html", _detail_context(evidence, form), status=400
    )


@require_safe
@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_attachment_for_user(request.user, pk)
    return private_download(attachment.file, attachment.filename, attachment.content_type)


@require_POST
@login_required
def attachment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_attachment_for_user(request.user, pk)
    evidence_pk = attachment.revision.evidence_id
    try:
        services.attachment_remove(attachment=attachment, by=request.user)
    except services.TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Removed {attachment.filename}.")
    return redirect("portfolios:evidence_detail", pk=evidence_pk)
