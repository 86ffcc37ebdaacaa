"""Invitations are a quota: per practitioner per day and per recipient address, resends
included (issue 11, finding 10: a spam relay carrying the sender's name)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings as django_settings

from portfolios.supervision.models import Supervision
from portfolios.supervision.services import supervision_invite

pytestmark = pytest.mark.django_db
DAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def invite(client, email: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/supervision/supervisors/", {"name": "Dee Example", "email": email, "role": "mentor"}
    )


def test_the_defaults_limit_each_practitioner_and_each_address() -> None:
    assert django_settings.QUOTAS["invitation"] == "20/d/user,3/d/target"


def test_a_practitioner_has_a_daily_number_of_invitations(client, settings, practitioner) -> None:  # type: ignore[no-untyped-def]
    settings.QUOTAS = {**settings.QUOTAS, "invitation": "3/d/user,3/d/target"}
    client.force_login(practitioner)
    with time_machine.travel(DAY, tick=False):
        for n in range(3):
            assert invite(client, f"person{n}@example.org").status_code == 302
        refused = invite(client, "person9@example.org")

    assert refused.status_code == 429
    assert "as many invitations as we allow" in refused.content.decode()
    assert refused["Retry-After"] == str(15 * 3600)  # the day's window ends at midnight UTC
    assert Supervision.objects.count() == 3
    with time_machine.travel(DAY + dt.timedelta(days=1), tick=False):
        assert invite(client, "person9@example.org").status_code == 302


def test_one_address_is_not_flooded_by_many_practitioners(  # type: ignore[no-untyped-def]
    client, settings, practitioner, other_practitioner
) -> None:
    settings.QUOTAS = {**settings.QUOTAS, "invitation": "20/d/user,1/d/target"}
    client.force_login(practitioner)
    assert invite(client, "target@example.org").status_code == 302
    client.force_login(other_practitioner)

    assert invite(client, "TARGET@example.org").status_code == 429
    assert Supervision.objects.count() == 1


def test_a_resend_counts_towards_the_address(client, settings, practitioner) -> None:  # type: ignore[no-untyped-def]
    settings.QUOTAS = {**settings.QUOTAS, "invitation": "20/d/user,2/d/target"}
    with time_machine.travel(DAY, tick=False) as t:
        client.force_login(practitioner)
        assert invite(client, "dee@example.org").status_code == 302
        supervision = Supervision.objects.get()
        t.shift(dt.timedelta(hours=1))
        assert client.post(f"/supervision/supervisors/{supervision.pk}/resend/").status_code == 302
        t.shift(dt.timedelta(hours=1))
        refused = client.post(f"/supervision/supervisors/{supervision.pk}/resend/")

    assert refused.status_code == 429
    supervision.refresh_from_db()
    assert supervision.send_count == 2


def test_the_service_itself_is_not_throttled(practitioner, settings) -> None:  # type: ignore[no-untyped-def]
    # The quota is the web's: the demo data and the admin may invite without it.
    settings.QUOTAS = {**settings.QUOTAS, "invitation": "1/d/user,1/d/target"}
    for n in range(2):
        supervision_invite(
            portfolio=practitioner.portfolio,
            name="Dee",
            email=f"d{n}@example.org",
            role=Supervision.Role.MENTOR,
            by=practitioner,
        )
    assert Supervision.objects.count() == 2
