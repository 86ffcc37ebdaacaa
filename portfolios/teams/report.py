"""The team's picture for its leads: readiness against the standard, the team × domain heat
map, the competencies fewest members have signed off, progress over the last 12 months and
the training that would close most gaps — for the page, the CSV and the PDF snapshot.

Built from the members' summaries only (portfolios.teams.summary), so nothing a member did not
agree to share can reach a lead's page or file. A fixed number of queries whatever the size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from competencies.catalogue.ranking import RankedCourse, rank_courses
from imhcpd.models import User
from portfolios.exports.revalidation.documents import csv_safe

from .models import Service, TeamStandard
from .readiness import Readiness, evaluate, standard_of, team_needs
from .summary import DomainInfo, MemberSummary, framework_facts, member_summaries, progress_months

FEWEST = 10
TRAINING = 5


@dataclass(frozen=True)
class HeatCell:
    signed: int
    total: int

    @property
    def share(self) -> float:
        return self.signed / self.total if self.total else 0.0

    @property
    def band(self) -> str:
        """A colour band, always beside the numbers (never colour alone)."""
        if not self.total or self.signed == 0:
            return "none"
        if self.signed == self.total:
            return "all"
        return "most" if self.share >= 0.5 else "some"


@dataclass(frozen=True)
class Fewest:
    code: str
    title: str
    signed: int  # members with it signed off at their target level or above
    members: int


@dataclass(frozen=True)
class Training:
    ranked: RankedCourse
    url: str

    @property
    def course(self) -> Any:
        return self.ranked.course


@dataclass
class TeamReport:
    service: Service
    standard: TeamStandard | None
    readiness: Readiness | None
    summaries: list[MemberSummary]
    domains: list[DomainInfo]
    heat: list[tuple[MemberSummary, list[HeatCell]]]
    fewest: list[Fewest]
    months: list[dt.date]
    progress: list[tuple[MemberSummary, list[int]]]
    training: list[Training]
    today: dt.date
    # Whether the competency titles shown are this project's illustrative texts.
    illustrative: bool = False


def course_url(course: Any) -> str:
    # The catalogue's course page belongs to the catalogue's half of the issue; link it when
    # it is routed.
    try:
        return reverse("competencies:course", args=[course.code])
    except NoReverseMatch:
        return ""


def _fewest(summaries: list[MemberSummary], titles: dict[str, str]) -> list[Fewest]:
    counts: dict[str, list[int]] = {}
    for s in summaries:
        for code, best in s.code_levels.items():
            pair = counts.setdefault(code, [0, 0])
            pair[0] += best >= s.target_level
            pair[1] += 1
    order = {code: i for i, code in enumerate(titles)}
    rows = sorted(counts.items(), key=lambda kv: (kv[1][0], order.get(kv[0], 0)))
    return [Fewest(code, titles.get(code, ""), signed, n) for code, (signed, n) in rows[:FEWEST]]


def team_report(service: Service, today: dt.date | None = None) -> TeamReport:
    today = today or timezone.localdate()
    summaries = member_summaries(service, today)
    standard = standard_of(service)
    readiness = evaluate(standard, summaries) if standard else None
    domains, titles, illustrative = framework_facts(summaries)
    heat = [
        (
            s,
            [
                HeatCell(s.signed_off_by_domain.get(d.number, 0), s.domain_totals.get(d.number, 0))
                for d in domains
            ],
        )
        for s in summaries
    ]
    months = progress_months(today)
    progress = [(s, [s.signed_off_by(m) for m in months]) for s in summaries]
    needs = team_needs(service, summaries, standard)
    ranked = rank_courses({k: v for k, v in needs.items() if v})[:TRAINING]
    return TeamReport(
        service=service,
        standard=standard,
        readiness=readiness,
        summaries=summaries,
        domains=domains,
        heat=heat,
        fewest=_fewest(summaries, titles),
        months=months,
        progress=progress,
        training=[Training(r, course_url(r.course)) for r in ranked],
        today=today,
        illustrative=illustrative,
    )


# --- CSV ------------------------------------------------------------------------------------


def _money(value: Decimal | None) -> str:
    return f"{value:.2f}" if value is not None else ""


def csv_rows(report: TeamReport) -> list[list[str]]:
    """One file, two tables: a row per sharing member first (what a spreadsheet sorts and
    filters), then, after an empty row, the readiness statements against the standard."""
    header = [
        "Name",
        "Role",
        "WTE",
        "Target level",
        "Achieved level",
        *(f"Domain {d.number} signed off (of {d.total})" for d in report.domains),
        "CPD hours this year",
        "Register status",
    ]
    rows: list[list[object]] = [header]
    for s in report.summaries:
        rows.append(
            [
                s.name,
                s.role_label,
                s.wte if s.wte is not None else "",
                s.target_level,
                s.achieved_level,
                *(s.signed_off_by_domain.get(d.number, 0) for d in report.domains),
                s.cpd_hours_this_year,
                s.register_status,
            ]
        )
    rows.append([])
    if report.readiness is None:
        rows.append(["Standard", "No standard for this kind of service"])
    else:
        rows.append(["Standard", report.readiness.standard.name])
        rows.append(["Source", report.readiness.standard.source])
        rows.append(["Requirement", "Met", "In words"])
        for r in report.readiness.results:
            rows.append([r.standard_words, "Met" if r.met else "Not met", r.words])
        rows.append(["Overall", "Met" if report.readiness.met else "Not met"])
    # Names and the standard's texts are typed by people: a cell starting with = + - @ would
    # run as a formula in a spreadsheet.
    return [[csv_safe(str(cell)) for cell in row] for row in rows]


# --- PDF snapshot ---------------------------------------------------------------------------


def snapshot(report: TeamReport, lead: User) -> dict[str, Any]:
    """What the PDF prints, frozen now: JSON only, summaries only (no evidence)."""
    r = report.readiness
    return {
        "kind": "team",
        # "person" names the document (its title, running header and author): the service.
        "person": {"name": report.service.name},
        "lead": lead.get_full_name() or lead.email,
        "service": {
            "name": report.service.name,
            "kind": report.service.get_kind_display(),
            "region": report.service.get_region_display(),
        },
        "generated_on": report.today.isoformat(),
        # The PDF footer says so on every page when the competency titles are ours.
        "framework": {"illustrative": report.illustrative},
        "standard": None
        if r is None
        else {
            "name": r.standard.name,
            "source": r.standard.source,
            "source_url": r.standard.source_url,
            "met": r.met,
            "results": [
                {"label": x.standard_words, "met": x.met, "words": x.words} for x in r.results
            ],
        },
        "domains": [{"number": d.number, "title": d.title} for d in report.domains],
        "members": [
            {
                "name": s.name,
                "role": s.role_label,
                "wte": str(s.wte) if s.wte is not None else "",
                "target_level": s.target_level,
                "achieved_level": s.achieved_level,
                "cpd_hours": str(s.cpd_hours_this_year),
                "register_status": s.register_status,
                "domains": [[c.signed, c.total] for c in cells],
            }
            for s, cells in report.heat
        ],
        "fewest": [
            {"code": f.code, "title": f.title, "signed": f.signed, "members": f.members}
            for f in report.fewest
        ],
        "months": [m.isoformat() for m in report.months],
        "progress": [{"name": s.name, "counts": counts} for s, counts in report.progress],
        "training": [
            {
                "title": t.course.title,
                "provider": t.course.provider,
                "people": t.ranked.people,
                "covered": t.ranked.covered,
                "codes": t.ranked.codes,
                "cost": _money(t.ranked.estimated_cost),
            }
            for t in report.training
        ],
    }
