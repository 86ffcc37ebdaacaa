"""A team measured against its standard: each requirement met or not, in words, and what each
member still needs for the training ranking."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Service, StandardRequirement, TeamStandard
from .summary import MemberSummary

Need = tuple[str, int]


@dataclass(frozen=True)
class RequirementResult:
    requirement: StandardRequirement
    met: bool
    words: str  # "2 of 5 clinicians at Level 2"
    counted: int  # members in these roles at the level or above
    total: int  # members in these roles

    @property
    def standard_words(self) -> str:
        """What the standard asks, as read: "every clinician at Level 2", "at least 2 senior
        clinicians at Level 3", "at least 1 clinical lead at Level 3"."""
        r = self.requirement
        if r.minimum is None:
            return f"every {_singular(r.label)} at Level {r.level}"
        noun = r.label if r.minimum > 1 else _singular(r.label)
        return f"at least {r.minimum} {noun} at Level {r.level}"


@dataclass(frozen=True)
class Readiness:
    standard: TeamStandard
    results: list[RequirementResult]

    @property
    def met(self) -> bool:
        return bool(self.results) and all(r.met for r in self.results)

    @property
    def missing(self) -> str:
        """What is missing, in one sentence: "2 of 5 clinicians at Level 2; no senior
        clinician at Level 3 yet"."""
        return "; ".join(r.words for r in self.results if not r.met)


def standard_of(service: Service) -> TeamStandard | None:
    """The service's standard, or the default one for its kind when none was chosen, with its
    requirements (two queries)."""
    standard = service.standard
    if standard is None:
        standard = (
            TeamStandard.objects.filter(kind=service.kind, is_default=True).order_by("pk").first()
        )
    if standard is not None:
        # Read once: the page, the CSV and the needs all walk them.
        standard.requirement_list = list(standard.requirements.all())  # type: ignore[attr-defined]
    return standard


def _singular(label: str) -> str:
    # Labels are plurals as read ("senior clinicians"); the admin's help text asks for that.
    return label[:-1] if label.endswith("s") else label


def evaluate_requirement(
    requirement: StandardRequirement, summaries: list[MemberSummary]
) -> RequirementResult:
    in_roles = [s for s in summaries if s.role in requirement.roles]
    counted = sum(1 for s in in_roles if s.achieved_level >= requirement.level)
    total = len(in_roles)
    label, level = requirement.label, f"Level {requirement.level}"
    if requirement.minimum is None:
        # Every member in these roles; a team with none of them does not meet it.
        met = total > 0 and counted == total
        words = f"{counted} of {total} {label} at {level}" if total else f"no {label} yet"
    else:
        minimum = requirement.minimum
        met = counted >= minimum
        if counted == 0:
            words = f"no {_singular(label)} at {level} yet"
        elif counted <= minimum:
            words = (
                f"{counted} of {minimum} {label if minimum > 1 else _singular(label)} at {level}"
            )
        else:
            words = f"{counted} {label} at {level} (at least {minimum} needed)"
    return RequirementResult(requirement, met, words, counted, total)


def evaluate(standard: TeamStandard, summaries: list[MemberSummary]) -> Readiness:
    requirements = getattr(standard, "requirement_list", None)
    if requirements is None:
        requirements = list(standard.requirements.all())
    return Readiness(standard, [evaluate_requirement(r, summaries) for r in requirements])


def required_level(summary: MemberSummary, standard: TeamStandard | None) -> int:
    """The level this member should reach: the highest any requirement sets for their role,
    or their own target level when that is higher or no requirement names their role."""
    requirements = getattr(standard, "requirement_list", []) if standard else []
    levels = [r.level for r in requirements if summary.role in r.roles]
    return max([summary.target_level, *levels])


def team_needs(
    service: Service,
    summaries: list[MemberSummary],
    standard: TeamStandard | None = None,
) -> dict[int, set[Need]]:
    """{membership id: {(code, level)}}: each member's competencies not yet signed off at the
    level they need, for competencies.catalogue.ranking.rank_courses."""
    if standard is None:
        standard = standard_of(service)
    needs: dict[int, set[Need]] = {}
    for s in summaries:
        level = required_level(s, standard)
        needs[s.pk] = {(code, level) for code, best in s.code_levels.items() if best < level}
    return needs
