"""A draft application straight into the table, for tests about what happens after starting:
`application_start` refuses anyone not eligible, and making a portfolio eligible is slow."""

from __future__ import annotations

from imhcpd.models import User
from register.models import Application


def draft_application(user: User, level: int = 2) -> Application:
    return Application.objects.create(applicant=user, portfolio=user.portfolio, level=level)
