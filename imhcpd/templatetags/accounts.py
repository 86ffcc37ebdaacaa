"""Small helpers for the account pages (templates/account, templates/mfa)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def grouped(value: object, size: int = 4) -> str:
    """Group a long secret so it can be read and typed by hand: "ABCDEFGHIJ" → "ABCD EFGH IJ"."""
    text = "".join(str(value or "").split())
    size = max(int(size), 1)
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


@register.inclusion_tag("mfa/_steps.html")
def setup_step(number: int) -> dict[str, object]:
    """`{% setup_step 2 %}`: where this page is in the three steps of setting up two-factor
    authentication (confirm it is you, set up the app, save the recovery codes)."""
    return {"number": number, "total": 3}
