"""Filters for export templates, whose snapshot holds ISO strings rather than dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def isodate(value: str | None, fmt: str = "DATE_FORMAT") -> str:
    """'2026-11-03' or an ISO timestamp → '3 November 2026' (local time for timestamps)."""
    if not value:
        return ""
    if "T" in value:
        moment = dt.datetime.fromisoformat(value)
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return date_format(moment.date(), fmt)
    return date_format(dt.date.fromisoformat(value), fmt)


@register.filter
def percent_of(count: int, total: int) -> float:
    return round(100 * count / total, 1) if total else 0.0


@register.filter
def hours_h(value: str | None) -> str:
    """'3.75' → '3.75 h', '14.00' → '14 h': quarter hours stay exact on a record people sign."""
    text = f"{Decimal(value or 0).normalize():f}"
    return f"{text} h"


@register.filter
def gap_step(status: str, level: int) -> str:
    """What a competency not yet signed off at `level` still needs, in words."""
    return {
        "not_started": "Rate yourself, then link evidence and ask for a sign-off",
        "working_towards": "Rate it achieved when it is, then link evidence",
        "achieved": "Link it from an evidence item and ask for a sign-off",
        "evidenced": f"A supervisor's sign-off at Level {level} or above",
    }.get(status, "")


@register.filter
def nothing_recorded(competencies: list[dict]) -> list[dict]:
    """The competencies of a domain with no self-assessment and no linked evidence."""
    return [c for c in competencies if not c.get("history") and not c.get("links")]


@register.filter
def tally(domains: list[dict]) -> dict[str, int]:
    """Signed off, total and gaps over every domain (from the domains themselves, so a
    snapshot made before the cover summary existed still prints true figures)."""
    total = sum(len(d["competencies"]) for d in domains)
    signed = sum(d["counts"].get("signed_off", 0) for d in domains)
    return {"signed_off": signed, "total": total, "gaps": total - signed}
