"""Training for your gaps: catalogue courses ranked by how many of the practitioner's unmet
competencies (not signed off at their target level or above) each would develop, and
"I completed this", which starts a draft CPD activity prefilled from the course."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from competencies.catalogue.models import Course
from competencies.catalogue.ranking import rank_courses
from competencies.catalogue.selectors import course_or_404
from competencies.models import Competency
from portfolios import services
from portfolios.models import Evidence, EvidenceKind, EvidenceRevision, Portfolio
from portfolios.permissions import portfolio_required
from portfolios.selectors import signed_off_competency_ids

# EvidenceRevision.title's width; a course title may be longer.
TITLE_MAX = 200


def _unmet(portfolio: Portfolio) -> list[Competency]:
    """The portfolio's competencies not yet signed off at its target level or above: the
    same rule the dashboard's "Signed off" status and the register's eligibility use."""
    signed = signed_off_competency_ids(portfolio, portfolio.target_level)
    return [
        c
        for c in Competency.objects.filter(framework_id=portfolio.framework_id).order_by("order")
        if c.pk not in signed
    ]


@require_safe
@portfolio_required
def training_for_gaps(request: HttpRequest) -> HttpResponse:
    portfolio = request.portfolio
    unmet = _unmet(portfolio)
    by_code = {c.code: c for c in unmet}
    level = portfolio.target_level
    ranked = rank_courses({portfolio.pk: {(c.code, level) for c in unmet}})
    rows = [
        {
            "course": r.course,
            "covered": r.covered,
            "closes": [by_code[code] for code in r.codes],
        }
        for r in ranked
    ]
    return render(
        request,
        "portfolios/training.html",
        {"rows": rows, "level": level, "gap_count": len(unmet)},
    )


def _open_draft(portfolio: Portfolio, course: Course) -> Evidence | None:
    return (
        Evidence.objects.filter(
            portfolio=portfolio,
            kind=EvidenceKind.CPD_ACTIVITY,
            archived_at__isnull=True,
            current__status=EvidenceRevision.Status.DRAFT,
            current__title=course.title[:TITLE_MAX],
            current__details__provider=course.provider,
        )
        .order_by("-pk")
        .first()
    )


def course_evidence_input(portfolio: Portfolio, course: Course) -> services.EvidenceInput:
    """The draft's content: the course's title, provider and hours, and a link to each
    competency it develops that the portfolio's framework has (codes outlive versions)."""
    levels = {o.code: o.level for o in course.outcomes.all()}
    competencies = Competency.objects.filter(
        framework_id=portfolio.framework_id, code__in=levels
    ).order_by("order")
    links = [
        services.LinkInput(
            competency=c,
            # A starting point the practitioner rewrites: what they did, not what the course is.
            rationale=(
                f"The course develops {c.code} at Level {levels[c.code]} (the catalogue's "
                "illustrative mapping). Say what you learned and how you use it."
            ),
        )
        for c in competencies
    ]
    return services.EvidenceInput(
        title=course.title[:TITLE_MAX],
        date=dt.date.today(),
        hours=course.hours,
        details={"method": "course", "provider": course.provider},
        links=links,
    )


@require_POST
@portfolio_required
def course_completed(request: HttpRequest, code: str) -> HttpResponse:
    portfolio = request.portfolio
    course = course_or_404(code)
    # Twice (a double click, or back and again) opens the draft already started rather
    # than making a second: one completion, one record. A finished item does not block a
    # new one, for a course taken again.
    existing = _open_draft(portfolio, course)
    if existing is not None:
        messages.info(
            request,
            f"You already have a draft for “{existing.current.title}”. Finish it here.",
        )
        return redirect("portfolios:evidence_edit", pk=existing.pk)
    data = course_evidence_input(portfolio, course)
    try:
        evidence = services.evidence_create(
            portfolio=portfolio, kind=EvidenceKind.CPD_ACTIVITY, data=data, by=request.user
        )
    except services.ConfidentialityUnconfirmed:
        # Only a catalogue entry holding something like a phone number gets here; the
        # practitioner starts the item by hand instead of confirming text they did not write.
        messages.error(
            request,
            "This course’s details could not be copied into a draft. Add it as a CPD "
            "activity yourself.",
        )
        return redirect("portfolios:evidence_create", kind=EvidenceKind.CPD_ACTIVITY)
    messages.success(
        request,
        f"Started a draft CPD activity for “{data.title}”, linked to "
        f"{len(data.links)} competenc{'y' if len(data.links) == 1 else 'ies'}. Check the date, add "
        "what you learned and the difference it made, then submit it for review.",
    )
    return redirect("portfolios:evidence_edit", pk=evidence.pk)
