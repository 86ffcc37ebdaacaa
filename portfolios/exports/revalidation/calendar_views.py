"""The calendar feed: the page where a practitioner makes, resets or stops their private
link, and the public `.ics` the link serves (the token is the only key, so no login)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from portfolios.exports.revalidation import calendar
from portfolios.permissions import portfolio_required
from portfolios.services import TransitionError

ACTIONS = {
    "create": (
        calendar.calendar_feed_start,
        "Your calendar link is ready. Add it to your calendar.",
    ),
    "reset": (
        calendar.calendar_feed_reset,
        "Your calendar link has been reset. The old link no longer works: add this new one "
        "to your calendar instead.",
    ),
    "stop": (calendar.calendar_feed_stop, "Your calendar feed has been stopped."),
}
# How long a calendar app or proxy may keep a copy: dates change rarely, and a reset link
# stops working at once whatever a cache holds for the old one (404s are not cached).
FEED_MAX_AGE = 60 * 60


@require_http_methods(["GET", "POST"])
@portfolio_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    portfolio = request.portfolio  # type: ignore[attr-defined]
    status = 200
    if request.method == "POST":
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            messages.error(request, "Choose create, reset or stop.")
            status = 400
        else:
            service, done = action
            try:
                service(portfolio=portfolio, by=request.user)
            except TransitionError as exc:
                # A second click or a second tab: say what the state is now, on this page.
                messages.error(request, str(exc))
                status = 409
            else:
                messages.success(request, done)
                return redirect("exports:revalidation_calendar")
        portfolio.refresh_from_db(fields=["calendar_feed_version"])
    today = timezone.localdate()
    url = calendar.feed_url(portfolio)
    entries = calendar.feed_entries(portfolio, today)
    context = {
        "portfolio": portfolio,
        "feed_url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[1] if url else None,
        "entries": entries,
        "has_deadline": any(e.alarm for e in entries),
        "alarm_days": calendar.ALARM_DAYS,
    }
    return render(request, "exports/revalidation/calendar/page.html", context, status=status)


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    portfolio = calendar.portfolio_for_token(token)
    if portfolio is None:
        raise Http404("No calendar at this address.")
    response = HttpResponse(
        calendar.feed_ics(portfolio), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="revalidation-calendar.ics"'
    response["Cache-Control"] = f"private, max-age={FEED_MAX_AGE}"
    # The link is a secret: it must not turn up in a search engine or in another site's logs.
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


urlpatterns: list[URLPattern] = [
    path("portfolio/revalidation/calendar/", calendar_page, name="revalidation_calendar"),
    path(
        "revalidation/calendar/<str:token>.ics",
        calendar_feed,
        name="revalidation_calendar_feed",
    ),
]
