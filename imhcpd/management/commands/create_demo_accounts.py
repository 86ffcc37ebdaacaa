"""Demo logins for `make run`; refuses to run unless DEBUG is on."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from imhcpd.models import User
from imhcpd.roles import REGISTER_ADMINS_GROUP

DEMO_PASSWORD = "imh-demo-2026"  # noqa: S105 - printed on purpose, DEBUG only
DEMO_ACCOUNTS = [
    ("practitioner@example.com", "Pat Practitioner (demo)", "practitioner"),
    ("supervisor@example.com", "Sam Supervisor (demo)", "supervisor"),
    ("registeradmin@example.com", "Alex Administrator (demo)", "register administrator"),
]


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
        self.stdout.write(
            "The register administrator is asked to set up two-factor authentication "
            "before any administration page."
        )
