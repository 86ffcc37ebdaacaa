"""The site's reusable interface components (GOV.UK / NHS service-manual patterns).

Every page builds these the same way, so a fix to one (a label, a focus rule, an ARIA role)
reaches every page. The markup lives in templates/components/; these tags only shape data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms, template
from django.core.paginator import Page
from django.forms.formsets import BaseFormSet
from django.http import QueryDict

register = template.Library()

# Status in words, with the tag colour that goes with it (colour is never the only cue).
TASK_STATUSES = {
    "done": ("Completed", "green"),
    "in_progress": ("In progress", "blue"),
    "not_started": ("Not yet started", "grey"),
    "cannot_start": ("Cannot start yet", "grey"),
}
TONES = {"grey", "blue", "green", "yellow", "red", "orange", "purple"}


def _errors_of(form: Any) -> list[dict[str, str]]:
    """(message, target id) pairs, in the order the fields appear on the page."""
    if form is None or form == "":
        return []
    if isinstance(form, BaseFormSet):
        found = [{"message": str(m), "href": ""} for m in form.non_form_errors()]
        for sub in form.forms:
            found.extend(_errors_of(sub))
        return found
    if not isinstance(form, forms.BaseForm) or not form.is_bound:
        return []
    found = [{"message": str(m), "href": ""} for m in form.non_field_errors()]
    for field in form:
        for message in field.errors:
            widget = field.field.widget
            target = field.auto_id or ""
            # Multi-part widgets (date input) name their first box with a suffix.
            if isinstance(widget, forms.MultiWidget) and target:
                target = f"{target}_0"
            found.append({"message": str(message), "href": f"#{target}" if target else ""})
    return found


@register.inclusion_tag("components/error_summary.html")
def error_summary(*forms_: Any, title: str = "There is a problem") -> dict[str, Any]:
    """`{% error_summary form other_form formset %}`: one summary for everything on the page
    that failed, at the top, linked to each field, focused on load by imhcpd.js."""
    errors: list[dict[str, str]] = []
    for form in forms_:
        errors.extend(_errors_of(form))
    return {"errors": errors, "title": title}


@register.inclusion_tag("components/task_list.html")
def task_list(tasks: Iterable[Mapping[str, Any]], label: str = "") -> dict[str, Any]:
    """`{% task_list tasks %}`: tasks are dicts with title, url (None when it cannot be
    opened), status (done | in_progress | not_started | cannot_start) and an optional hint."""
    rows = []
    for task in tasks:
        status = task.get("status", "not_started")
        words, tone = TASK_STATUSES.get(status, TASK_STATUSES["not_started"])
        rows.append(
            {
                **task,
                "status_words": task.get("status_words") or words,
                "tone": tone,
                "url": task.get("url") if status != "cannot_start" else None,
            }
        )
    done = sum(1 for row in rows if row.get("status") == "done")
    return {"tasks": rows, "done": done, "total": len(rows), "label": label}


@register.inclusion_tag("components/summary_row.html")
def summary_row(
    key: str, value: Any = "", change_url: str = "", change_label: str = ""
) -> dict[str, Any]:
    """`{% summary_row "Level" entry.level change_url "level" %}`, in a summary-list `<dl>`."""
    return {"key": key, "value": value, "change_url": change_url, "change_label": change_label}


@register.inclusion_tag("components/tag.html")
def tag(words: str, tone: str = "grey") -> dict[str, str]:
    return {"words": words, "tone": tone if tone in TONES else "grey"}


@register.filter
def hours(value: Any) -> str:
    """14 → "14 h", 6.5 → "6.5 h", None → "0 h": hours the way people write them."""
    try:
        number = Decimal(str(value if value not in (None, "") else 0))
    except (InvalidOperation, ValueError):
        return ""
    text = f"{number.quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return f"{text or '0'} h"


@register.filter
def count_noun(value: Any, forms_: str) -> str:
    """`{{ n|count_noun:"activity,activities" }}` → "1 activity", "3 activities"."""
    singular, _, plural = forms_.partition(",")
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = len(value) if hasattr(value, "__len__") else 0
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"


@register.filter
def midsentence(value: Any) -> str:
    """A label placed inside a sentence: "Reflective account" → "reflective account", but
    "CPD activity" stays (a leading acronym keeps its capitals)."""
    text = str(value or "")
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return text
    return text[:1].lower() + text[1:]


@register.inclusion_tag("components/pagination.html", takes_context=True)
def pagination(
    context: template.Context,
    page: Page,
    noun: str = "item,items",
    params: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """`{% pagination page "result,results" %}` under a paginated list (imhcpd.pagination):
    Previous, page numbers with gaps, Next, and "Showing 26 to 50 of 1,000 results". Links
    keep the page's other query parameters (its filters and search), or `params` when the
    filters came another way (a form posted back); empty ones are left out."""
    if page is None or not page.has_other_pages():
        return {"show": False}
    query = QueryDict(mutable=True)
    if params is None:
        request = context.get("request")
        kept = request.GET if request is not None else QueryDict()
        for key, values in kept.lists():
            query.setlist(key, values)
    else:
        for key, value in params.items():
            many = isinstance(value, list | tuple)
            query.setlist(key, [str(v) for v in value] if many else [str(value or "")])
    query.pop("page", None)
    for key in list(query):
        values = [v for v in query.getlist(key) if str(v).strip()]
        if values:
            query.setlist(key, values)
        else:
            del query[key]

    def url(number: int) -> str:
        query["page"] = str(number)
        return f"?{query.urlencode()}"

    paginator = page.paginator
    # On a phone only the current page and its neighbours are shown between Previous and
    # Next (`far` items are hidden below 576 px), so the row fits 375 px without wrapping.
    items = [
        {"ellipsis": True, "far": True}
        if number == paginator.ELLIPSIS
        else {
            "number": number,
            "url": url(int(number)),
            "current": number == page.number,
            "far": abs(int(number) - page.number) > 1,
        }
        for number in paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    ]
    singular, _, plural = noun.partition(",")
    return {
        "show": True,
        "items": items,
        "previous_url": url(page.previous_page_number()) if page.has_previous() else "",
        "next_url": url(page.next_page_number()) if page.has_next() else "",
        "summary": (
            f"Showing {page.start_index():,} to {page.end_index():,} of {paginator.count:,} "
            f"{singular if paginator.count == 1 else (plural or singular + 's')}"
        ),
    }
