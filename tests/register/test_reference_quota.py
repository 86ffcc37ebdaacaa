"""Reference requests are a quota: withdrawing and asking again counts each time (issue 11,
finding 10)."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from register.models import Reference
from tests.register.drafts import draft_application

pytestmark = pytest.mark.django_db


def ask(client, email: str = "referee@example.org"):  # type: ignore[no-untyped-def]
    return client.post(
        "/register/apply/", {"action": "reference", "name": "Rae Referee", "email": email}
    )


def withdraw(client, reference: Reference):  # type: ignore[no-untyped-def]
    return client.post(
        "/register/apply/", {"action": "withdraw_reference", "reference": str(reference.pk)}
    )


def test_the_defaults_limit_each_applicant_and_each_referee() -> None:
    assert django_settings.QUOTAS["reference_request"] == "10/d/user,3/d/target"


def test_a_withdraw_and_resend_loop_is_stopped(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    draft_application(practitioner)
    client.force_login(practitioner)
    for _ in range(3):
        assert ask(client).status_code == 302
        withdraw(client, Reference.objects.exclude(status=Reference.Status.WITHDRAWN).get())

    refused = ask(client)

    assert refused.status_code == 429
    assert "reference requests" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert Reference.objects.count() == 3


def test_an_applicant_has_a_daily_number_of_requests(client, settings, practitioner) -> None:  # type: ignore[no-untyped-def]
    settings.QUOTAS = {**settings.QUOTAS, "reference_request": "2/d/user,3/d/target"}
    draft_application(practitioner)
    client.force_login(practitioner)
    assert ask(client, "one@example.org").status_code == 302
    assert ask(client, "two@example.org").status_code == 302

    assert ask(client, "three@example.org").status_code == 429
    assert Reference.objects.count() == 2
