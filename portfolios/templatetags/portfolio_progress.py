"""`{{ link|link_verdict:level }}`: whether one link of a revision counts towards "signed off"
at a level, and why (the same rule as the competency page; portfolios.progress)."""

from __future__ import annotations

from django import template

from portfolios.models import Evidence, EvidenceLink
from portfolios.progress import link_verdict as verdict_of

register = template.Library()


@register.filter
def link_verdict(link: EvidenceLink, level: int) -> dict[str, str]:
    return verdict_of(link, int(level))


@register.filter
def owner_level(evidence: Evidence | None, user: object) -> int | None:
    """The owner's target level when `user` owns the item, else None: only the practitioner is
    told what counts at their level (a supervisor sees what they accepted)."""
    if evidence is None or getattr(user, "pk", None) is None:
        return None
    portfolio = evidence.portfolio
    return portfolio.target_level if portfolio.user_id == user.pk else None
