"""Sections other apps add to the supervisor's review queue page.

The register asks supervisors to endorse applications; supervision must not import the
register (dependencies run register → portfolios), so the register adds its section here
from its `AppConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from imhcpd.models import User


@dataclass(frozen=True)
class QueueSection:
    template: str  # included with `items` in its context
    items: Callable[[User], Sequence[Any]]


@dataclass(frozen=True)
class FilledSection:
    template: str
    items: Sequence[Any]


_SECTIONS: list[QueueSection] = []


def register_queue_section(*, template: str, items: Callable[[User], Sequence[Any]]) -> None:
    _SECTIONS.append(QueueSection(template=template, items=items))


def queue_sections(user: User) -> list[FilledSection]:
    """Only the sections with something in them for this supervisor."""
    filled = (FilledSection(s.template, list(s.items(user))) for s in _SECTIONS)
    return [section for section in filled if section.items]
