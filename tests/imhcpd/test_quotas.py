"""imhcpd.quotas: counting, windows, the 429 page, and allauth's account-email limits
(issue 11, finding 10)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.test import RequestFactory

from imhcpd import quotas
from imhcpd.quotas import QuotaExceeded, check_quota, parse_rates, when_text

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def _request(user=None, ip: str = "203.0.113.7"):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().post("/", REMOTE_ADDR=ip)
    request.user = user or AnonymousUser()
    return request


def test_rates_read_like_allauths() -> None:
    assert [str(r) for r in parse_rates("20/d/user, 3/2h/target,60/m/ip")] == [
        "20/86400s/user",
        "3/7200s/target",
        "60/60s/ip",
    ]
    with pytest.raises(ValueError, match="not a quota rate"):
        parse_rates("20/day/user")


def test_every_configured_quota_parses() -> None:
    for name, text in django_settings.QUOTAS.items():
        assert parse_rates(text), name
        assert name in quotas.DESCRIPTIONS


def test_a_window_allows_its_amount_then_refuses_until_it_ends(settings, practitioner) -> None:
    settings.QUOTAS = {"thing": "3/h/user"}
    request = _request(practitioner)
    start = dt.datetime(2026, 3, 5, 14, 10, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(3):
            check_quota(request, "thing")
        with pytest.raises(QuotaExceeded) as refused:
            check_quota(request, "thing")
    assert refused.value.retry_after == 50 * 60  # the hour's window ends at 15:00
    with time_machine.travel(start + dt.timedelta(minutes=50), tick=False):
        check_quota(request, "thing")  # a new window


def test_people_and_addresses_are_counted_apart(settings, practitioner, other_practitioner):  # type: ignore[no-untyped-def]
    settings.QUOTAS = {"mail": "5/d/user,1/d/target", "upload": "1/h/ip"}
    check_quota(_request(practitioner), "mail", target="A@Example.org")
    # The same address, however it is written, from anyone: refused.
    with pytest.raises(QuotaExceeded):
        check_quota(_request(other_practitioner), "mail", target=" a@example.ORG")
    check_quota(_request(practitioner), "mail", target="b@example.org")
    check_quota(_request(ip="203.0.113.7"), "upload")
    check_quota(_request(ip="198.51.100.1"), "upload")
    with pytest.raises(QuotaExceeded):
        check_quota(_request(ip="203.0.113.7"), "upload")
    # IPv6: one /64 is one household or phone.
    check_quota(_request(ip="2001:db8:1:2::1"), "upload")
    with pytest.raises(QuotaExceeded):
        check_quota(_request(ip="2001:db8:1:2:ffff::9"), "upload")


def test_a_refused_attempt_uses_up_nothing(settings, practitioner) -> None:
    settings.QUOTAS = {"mail": "2/d/user,1/d/target"}
    request = _request(practitioner)
    check_quota(request, "mail", target="a@example.org")
    for _ in range(3):
        with pytest.raises(QuotaExceeded):
            check_quota(request, "mail", target="a@example.org")
    # The person's own budget still has its second use.
    check_quota(request, "mail", target="b@example.org")


def test_when_text_says_when_in_uk_time() -> None:
    now = dt.datetime(2026, 3, 5, 14, 10, tzinfo=LONDON)
    assert when_text(30, now) == "in a minute"
    assert when_text(50 * 60, now) == "in 50 minutes"
    assert when_text(3 * 3600, now) == "after 17:10"
    assert when_text(10 * 3600, now) == "after 00:10 tomorrow"
    assert when_text(3 * 86400, now) == "after 14:10 on 8 March"


def test_the_429_page_says_when_in_the_site_layout(client, settings, practitioner) -> None:  # type: ignore[no-untyped-def]
    settings.QUOTAS = {**settings.QUOTAS, "export_request": "1/h/user"}
    client.force_login(practitioner)
    data = {"kind": "portfolio", "level": "2"}
    start = dt.datetime(2026, 3, 5, 14, 20, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        assert client.post("/portfolio/exports/", data).status_code == 302
        response = client.post("/portfolio/exports/", {"kind": "portfolio", "level": "3"})

    assert response.status_code == 429
    assert response["Retry-After"] == str(40 * 60)
    html = response.content.decode()
    assert "<title>Too many requests — IMH CPD</title>" in html
    assert "You have asked for as many PDFs as we allow in an hour." in html
    assert "You can try again in 40 minutes." in html
    assert 'href="/"' in html  # the site's layout, with its way home


def test_allauth_limits_answer_with_the_same_page(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    limits = django_settings.ACCOUNT_RATE_LIMITS
    # Account emails go to whatever address is typed in: a few per address, not per minute.
    assert limits["reset_password"] == "20/m/ip,5/h/key"
    assert limits["confirm_email"].startswith("1/3m/key")
    assert "manage_email" in limits
    for _ in range(5):
        client.post("/accounts/password/reset/", {"email": "practitioner@example.org"})
    sent = len(mail.outbox)

    response = client.post("/accounts/password/reset/", {"email": "practitioner@example.org"})

    assert response.status_code == 429
    assert len(mail.outbox) == sent
    assert "<title>Too many requests — IMH CPD</title>" in response.content.decode()
