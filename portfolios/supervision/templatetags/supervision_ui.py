"""Words and colours for supervision's pages: what kind of file an attachment is, and the
tone of a status tag (always shown with its words, never colour alone)."""

from __future__ import annotations

from django import template

register = template.Library()

FILE_KINDS = {
    "application/pdf": "PDF",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
}

# Statuses of a revision and of a supervision, in the shared tag's tones.
TONES = {
    "draft": "grey",
    "submitted": "blue",
    "signed_off": "green",
    "returned": "orange",
    "invited": "yellow",
    "active": "green",
    "declined": "red",
    "expired": "grey",
    "cancelled": "grey",
    "ended": "grey",
}


@register.filter
def file_kind(content_type: str) -> str:
    """`{{ a.content_type|file_kind }}` → "PDF", "JPEG image", "Word document"."""
    return FILE_KINDS.get(content_type, "File")


@register.filter
def status_tone(status: str) -> str:
    return TONES.get(status, "grey")


@register.filter
def level_label(level: int | None) -> str:
    """`{% tag r.submitted_level|level_label "blue" %}` → "Level 2"."""
    return f"Level {level}" if level else "Level not recorded"
