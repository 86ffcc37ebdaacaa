"""What every revalidation test starts from: a practitioner with a regulator and a date."""

from __future__ import annotations

import datetime as dt

from imhcpd.models import User
from portfolios.exports.revalidation.services import settings_update
from portfolios.models import Portfolio


def set_body(user: User, body: str, date: dt.date | None = None, dual: bool = False) -> Portfolio:
    """Through the settings service, as the practitioner would; `user.portfolio` is fresh."""
    portfolio = settings_update(
        portfolio=user.portfolio,
        by=user,
        professional_body=body,
        revalidation_date=date,
        nmc_dual_registration=dual,
    )
    user.portfolio.refresh_from_db()
    return portfolio
