"""Demo logins for `make run`; refuses to run unless DEBUG is on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from competencies.selectors import active_framework
from imhcpd.models import User
from imhcpd.roles import REGISTER_ADMINS_GROUP
from portfolios import services
from portfolios.models import Portfolio

DEMO_PASSWORD = "imh-demo-2026"  # noqa: S105 - printed on purpose, DEBUG only
DEMO_ACCOUNTS = [
    ("practitioner@example.com", "Pat Practitioner (demo)", "practitioner"),
    ("supervisor@example.com", "Sam Supervisor (demo)", "supervisor"),
    ("registeradmin@example.com", "Alex Administrator (demo)", "register administrator"),
]


def demo_portfolio(user: User) -> bool:
    """A small, invented portfolio so every page has something to show."""
    framework = active_framework()
    if framework is None or Portfolio.objects.for_owner(user).exists():
        return False
    portfolio = services.portfolio_create(
        user=user,
        framework=framework,
        data={
            "profession": "health_visitor",
            "professional_body": "nmc",
            "registration_number": "12A3456E",
            "work_setting": "health_visiting",
            "region": "england_north_west",
            "target_level": 2,
        },
    )
    competencies = {c.code: c for c in framework.competencies.all()}
    ratings = {
        "1.01": "achieved",
        "1.02": "achieved",
        "1.03": "working_towards",
        "2.04": "achieved",
        "2.05": "working_towards",
        "6.01": "achieved",
    }
    services.self_assessment_record(
        portfolio=portfolio,
        ratings=[
            services.RatingInput(competency=competencies[code], rating=rating)
            for code, rating in ratings.items()
        ],
    )
    today = timezone.localdate()
    services.evidence_create(
        portfolio=portfolio,
        kind="reflective_account",
        by=user,
        data=services.EvidenceInput(
            title="Noticing a baby's cues during a feed",
            date=today - dt.timedelta(days=12),
            details={
                "what_happened": "On a routine visit I watched a parent feed their young baby, "
                "who turned away and then looked back when the pace slowed.",
                "so_what": "I saw how small pauses let the baby regulate, and how the parent "
                "followed the baby's lead once they noticed it.",
                "now_what": "I will describe these moments aloud to parents more often, so they "
                "can see their own attunement.",
            },
            links=[
                services.LinkInput(
                    competency=competencies["1.01"],
                    rationale="I included the parent's view of the baby.",
                ),
                services.LinkInput(
                    competency=competencies["2.04"],
                    rationale="I observed and named attuned interaction.",
                ),
            ],
        ),
    )
    services.evidence_create(
        portfolio=portfolio,
        kind="cpd_activity",
        by=user,
        data=services.EvidenceInput(
            title="Introduction to Video Interaction Guidance",
            date=today - dt.timedelta(days=40),
            hours=Decimal("6.5"),
            is_participatory=True,
            details={"provider": "A regional training provider (demo)", "learning": ""},
            links=[
                services.LinkInput(
                    competency=competencies["1.02"],
                    rationale="The course practised strengths-based feedback.",
                )
            ],
        ),
    )
    services.goal_from_gap(portfolio=portfolio, competency=competencies["3.04"], by=user)
    return True


class Command(BaseCommand):
    help = "Create demo accounts (practitioner, supervisor, register administrator)."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo accounts are only created when DEBUG is on.")
        admins, _ = Group.objects.get_or_create(name=REGISTER_ADMINS_GROUP)
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for email, name, role in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(email=email, defaults={"full_name": name})
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            if role == "register administrator":
                user.groups.add(admins)
            self.stdout.write(f"  {role:<24} {email}")
        practitioner = User.objects.get(email=DEMO_ACCOUNTS[0][0])
        if demo_portfolio(practitioner):
            self.stdout.write("  The demo practitioner has a sample portfolio.")
        self.stdout.write(
            "The register administrator is asked to set up two-factor authentication "
            "before any administration page."
        )
