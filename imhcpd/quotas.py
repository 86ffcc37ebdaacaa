"""Quotas: how often one person, or one address, may make the site do something costly.

A view calls ``check_quota(request, "invitation", target=email)`` before the action; over a
limit it raises ``QuotaExceeded`` and ``QuotaMiddleware`` answers with the 429 page, saying
when to try again (and a ``Retry-After`` header). Limits live in ``settings.QUOTAS`` in the
syntax of allauth's ACCOUNT_RATE_LIMITS (``"20/d/user,3/d/target"``).

Counts are fixed windows in the Django cache (Redis in production, so every web process
shares them): a window has a known end, which is what the page and ``Retry-After`` tell.
Not django-ratelimit: it is not installed, keys on one rate per decorator and cannot say when
a limit lifts; allauth's limiter is internal API. A refused attempt consumes nothing.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])/(user|ip|target)$")

# What the 429 page says was reached; the limit's number comes from settings.
DESCRIPTIONS = {
    "invitation": "You have sent as many invitations as we allow for now.",
    "reference_request": "You have sent as many reference requests as we allow for now.",
    "export_request": "You have asked for as many PDFs as we allow in an hour.",
    "verify_upload": "Too many files have been checked from your network for now.",
}
GENERIC = "You have done this more often than we allow in a short time."


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int
    per: str  # "user", "ip" or "target"

    def __str__(self) -> str:
        return f"{self.amount}/{self.seconds}s/{self.per}"


def parse_rates(text: str) -> list[Rate]:
    rates = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _RATE.match(part)
        if match is None:
            raise ValueError(f"not a quota rate: {part!r} (e.g. '20/d/user')")
        amount, count, unit, per = match.groups()
        rates.append(Rate(int(amount), int(count or 1) * _UNITS[unit], per))
    return rates


class QuotaExceeded(Exception):
    def __init__(self, name: str, retry_after: int) -> None:
        super().__init__(f"quota {name!r} reached; retry in {retry_after} s")
        self.name = name
        self.retry_after = retry_after


def client_ip(request: HttpRequest) -> str:
    """The address allauth's login limits use (it honours TRUSTED_PROXY_COUNT), IPv6 cut to
    its /64 because one household or phone is handed a whole /64."""
    from allauth.account.adapter import get_adapter

    ip = get_adapter().get_client_ip(request)
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return ip


def _source(request: HttpRequest, per: str, target: str | None) -> str:
    if per == "user":
        if not request.user.is_authenticated:
            raise ValueError("a per-user quota needs a signed-in user")
        return f"u{request.user.pk}"
    if per == "ip":
        return "ip" + client_ip(request)
    if target is None:
        raise ValueError("a per-target quota needs a target")
    # Hashed so the cache holds no email addresses.
    return "t" + hashlib.sha256(target.strip().lower().encode()).hexdigest()[:32]


def check_quota(
    request: HttpRequest, name: str, *, target: str | None = None, now: float | None = None
) -> None:
    """Count one use of quota ``name`` or raise QuotaExceeded (counting nothing) if any of
    its rates is used up in the current window."""
    now = time.time() if now is None else now
    counters = []
    for rate in parse_rates(settings.QUOTAS[name]):
        window = int(now // rate.seconds)
        key = f"quota:{name}:{rate}:{_source(request, rate.per, target)}:{window}"
        ends = (window + 1) * rate.seconds
        counters.append((key, rate, ends))
    used = cache.get_many([key for key, _, _ in counters])
    full = [ends for key, rate, ends in counters if used.get(key, 0) >= rate.amount]
    if full:
        raise QuotaExceeded(name, math.ceil(max(full) - now))
    for key, rate, ends in counters:
        # add() then incr(): atomic on Redis, so two web processes never lose a count.
        cache.add(key, 0, timeout=math.ceil(ends - now) + 60)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=math.ceil(ends - now) + 60)
            count = 1
        if count > rate.amount:  # lost a race with another request for the last one
            raise QuotaExceeded(name, math.ceil(ends - now))


def when_text(retry_after: int, now: datetime | None = None) -> str:
    """'in 12 minutes', 'after 14:00', 'after 01:00 tomorrow' or 'after 09:00 on 5 March'."""
    if retry_after < 60:
        return "in a minute"
    if retry_after <= 90 * 60:
        minutes = math.ceil(retry_after / 60)
        return f"in {minutes} minutes"
    now = now or timezone.now()
    at = timezone.localtime(datetime.fromtimestamp(now.timestamp() + retry_after, tz=UTC))
    today = timezone.localtime(now).date()
    clock = at.strftime("%H:%M")
    if at.date() == today:
        return f"after {clock}"
    if (at.date() - today).days == 1:
        return f"after {clock} tomorrow"
    return f"after {clock} on {date_format(at.date(), 'j F')}"


def too_many_requests(
    request: HttpRequest, *, description: str = GENERIC, retry_after: int | None = None
) -> HttpResponse:
    context = {
        "description": description,
        "when": when_text(retry_after) if retry_after is not None else None,
    }
    response = render(request, "429.html", context, status=429)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def handler429(request: HttpRequest) -> HttpResponse:
    """allauth's own limits (logins, account emails) answer with the same page."""
    return too_many_requests(request, description=GENERIC)


class QuotaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, QuotaExceeded):
            return None
        return too_many_requests(
            request,
            description=DESCRIPTIONS.get(exception.name, GENERIC),
            retry_after=exception.retry_after,
        )
