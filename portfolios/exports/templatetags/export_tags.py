"""Filters for export templates, whose snapshot holds ISO strings rather than dates."""

from __future__ import annotations

import datetime as dt

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
