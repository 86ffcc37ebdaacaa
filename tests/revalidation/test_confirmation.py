"""The NMC confirmation: invited by email, given without an account through a single-use
link, locked once given, and every misuse of the link answered plainly (404 / 410)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from imhcpd.links import token_digest
from imhcpd.models import User
from portfolios.exports.revalidation import bodies, confirmation
from portfolios.exports.revalidation.models import Confirmation, ConfirmationEvent
from portfolios.services import TransitionError
from portfolios.supervision.models import Notification
from tests.revalidation.helpers import set_body

PAGE = reverse("exports:revalidation_confirmation")
CONFIRMER = "confirmer@example.org"


def _date(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def _due() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=200)


def _nmc(user: User, due: dt.date | None = None, body: str = "nmc") -> None:
    set_body(user, body, due)


@pytest.fixture
def sent(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """`with sent():` runs the on-commit callbacks, so the outbox's mail reaches mail.outbox."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _invite(client: Any, user: User, sent: Any) -> str:
    """Ask a confirmer through the page; the token, from the email's link."""
    _nmc(user, _due())
    client.force_login(user)
    with sent():
        response = client.post(PAGE, {"name": "Casey Confirmer", "email": CONFIRMER})
    assert response.status_code == 302
    body = next(m.body for m in reversed(mail.outbox) if m.to == [CONFIRMER])
    match = re.search(r"/revalidation/confirm/([^/\s]+)/", body)
    assert match, body
    return match.group(1)


def _answer(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Casey Confirmer",
        "registration": "11a2222b",
        "role": "Line manager",
        "email": CONFIRMER,
        "address": "Northtown Health Centre\n2 Example Road",
        "postcode": "ls1 4ap",
        **_date("confirmed_on", timezone.localdate() - dt.timedelta(days=2)),
        "confirm": "on",
    }
    data.update(overrides)
    return data


def _confirm_url(token: str) -> str:
    return reverse("exports:revalidation_confirm", args=[token])


def test_the_invitation_emails_a_link_and_stores_only_its_digest(
    client, sent, practitioner
) -> None:  # type: ignore[no-untyped-def]
    token = _invite(client, practitioner, sent)
    item = Confirmation.objects.get()
    assert item.token_hash == token_digest(token) != token
    assert item.revalidation_date == _due()
    assert item.status == Confirmation.Status.REQUESTED
    event = ConfirmationEvent.objects.get(confirmation=item)
    assert (event.from_status, event.to_status, event.actor) == ("", "requested", practitioner)
    page = client.get(PAGE)
    assert b'data-testid="confirmation-live"' in page.content


def test_the_confirmer_confirms_without_an_account(client, sent, practitioner) -> None:  # type: ignore[no-untyped-def]
    token = _invite(client, practitioner, sent)
    client.logout()
    page = client.get(_confirm_url(token))
    assert page.status_code == 200
    assert page["X-Robots-Tag"] == "noindex"
    assert page["Referrer-Policy"] == "same-origin"
    text = page.content.decode()
    assert "Pat Practitioner" in text and "12A3456E" in text
    assert f"{_due():%-d %B %Y}" in text
    assert "reflective discussion" in text
    with sent():
        response = client.post(_confirm_url(token), _answer())
    assert response.status_code == 200
    assert b"panel-confirmation" in response.content
    item = Confirmation.objects.get()
    assert item.status == Confirmation.Status.CONFIRMED
    assert (item.registration, item.postcode) == ("11A2222B", "LS1 4AP")
    assert item.confirmed_on == timezone.localdate() - dt.timedelta(days=2)
    moves = list(item.events.values_list("from_status", "to_status"))
    assert moves == [("", "requested"), ("requested", "confirmed")]
    # The practitioner is told, in the inbox and by email, and sees it on their page.
    assert Notification.objects.filter(user=practitioner, url=PAGE).exists()
    assert any(m.to == [practitioner.email] for m in mail.outbox)
    client.force_login(practitioner)
    own = client.get(PAGE)
    assert b'data-testid="confirmation-given"' in own.content
    assert b"Line manager" in own.content


def test_a_given_confirmation_is_locked(client, sent, practitioner) -> None:  # type: ignore[no-untyped-def]
    token = _invite(client, practitioner, sent)
    client.logout()
    client.post(_confirm_url(token), _answer())
    again = client.post(_confirm_url(token), _answer(name="Someone Else"))
    assert again.status_code == 410
    assert "already been given" in again.content.decode()
    assert client.get(_confirm_url(token)).status_code == 410
    item = Confirmation.objects.get()
    assert item.name == "Casey Confirmer"
    # The service refuses too, and the practitioner cannot withdraw it.
    with pytest.raises(confirmation.ConfirmationProblem):
        confirmation.confirmation_give(confirmation=item, data={})
    with pytest.raises(TransitionError):
        confirmation.confirmation_withdraw(confirmation=item, by=practitioner)
    client.force_login(practitioner)
    withdraw = reverse("exports:revalidation_confirmation_withdraw", args=[item.pk])
    assert client.post(withdraw).status_code == 409
    assert Confirmation.objects.get().status == Confirmation.Status.CONFIRMED
    # And nobody is asked again for the same date.
    refused = client.post(PAGE, {"name": "New Person", "email": "new@example.org"})
    assert refused.status_code == 409


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"postcode": "nope"}, "Enter a real UK postcode"),
        ({"confirm": ""}, "Tick to confirm the statements above."),
        ({"email": "nope"}, "Enter a valid email address."),
        ({"role": ""}, "This field is required."),
        ({"address": ""}, "This field is required."),
    ],
    ids=["postcode", "unticked", "email", "role", "address"],
)
def test_bad_confirmations_are_refused_with_a_message(
    client, sent, practitioner, change, message
) -> None:  # type: ignore[no-untyped-def]
    token = _invite(client, practitioner, sent)
    client.logout()
    response = client.post(_confirm_url(token), _answer(**change))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Confirmation.objects.get().status == Confirmation.Status.REQUESTED


def test_the_confirmation_date_is_past_and_within_the_twelve_months(
    client, sent, practitioner
) -> None:  # type: ignore[no-untyped-def]
    token = _invite(client, practitioner, sent)
    client.logout()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(_confirm_url(token), _answer(**_date("confirmed_on", tomorrow)))
    assert response.status_code == 400
    assert "The discussion must already have happened." in response.content.decode()
    first, _last = bodies.confirmation_window(
        bodies.current_cycle(practitioner.portfolio, timezone.localdate())
    )
    too_early = first - dt.timedelta(days=1)
    response = client.post(_confirm_url(token), _answer(**_date("confirmed_on", too_early)))
    assert response.status_code == 400
    assert "in the 12 months before the revalidation date" in response.content.decode()
    response = client.post(_confirm_url(token), _answer(**_date("confirmed_on", first)))
    assert response.status_code == 200


def test_a_wrong_token_is_not_found(client, db) -> None:  # type: ignore[no-untyped-def]
    response = client.get(_confirm_url("not-a-real-token"))
    assert response.status_code == 404
    assert response["X-Robots-Tag"] == "noindex"
    assert client.post(_confirm_url("not-a-real-token"), _answer()).status_code == 404


def test_an_expired_link_is_gone(client, sent, practitioner) -> None:  # type: ignore[no-untyped-def]
    token = _invite(client, practitioner, sent)
    client.logout()
    Confirmation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(_confirm_url(token))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert client.post(_confirm_url(token), _answer()).status_code == 410
    assert Confirmation.objects.get().status == Confirmation.Status.REQUESTED
    # An expired request is no longer live: the practitioner can ask again.
    client.force_login(practitioner)
    assert client.post(PAGE, {"name": "Next One", "email": "next@example.org"}).status_code == 302


def test_the_expiry_follows_the_setting(client, sent, practitioner, settings) -> None:  # type: ignore[no-untyped-def]
    settings.REVALIDATION_CONFIRMATION_DAYS = 5
    _invite(client, practitioner, sent)
    item = Confirmation.objects.get()
    assert dt.timedelta(days=4) < item.expires_at - timezone.now() <= dt.timedelta(days=5)


def test_a_withdrawn_request_is_gone_and_can_be_replaced(client, sent, practitioner) -> None:  # type: ignore[no-untyped-def]
    token = _invite(client, practitioner, sent)
    item = Confirmation.objects.get()
    withdraw = reverse("exports:revalidation_confirmation_withdraw", args=[item.pk])
    with sent():
        assert client.post(withdraw).status_code == 302
    item.refresh_from_db()
    assert item.status == Confirmation.Status.WITHDRAWN
    event = item.events.get(to_status="withdrawn")
    assert (event.from_status, event.actor) == ("requested", practitioner)
    assert any(m.to == [CONFIRMER] and "withdrawn" in m.body for m in mail.outbox)
    client.logout()
    gone = client.get(_confirm_url(token))
    assert gone.status_code == 410
    assert "withdrawn" in gone.content.decode()
    client.force_login(practitioner)
    assert client.post(withdraw).status_code == 409
    assert client.post(PAGE, {"name": "Next One", "email": "next@example.org"}).status_code == 302


def test_one_live_request_at_a_time_and_not_to_oneself(client, sent, practitioner) -> None:  # type: ignore[no-untyped-def]
    _invite(client, practitioner, sent)
    second = client.post(PAGE, {"name": "Another", "email": "another@example.org"})
    assert second.status_code == 409
    assert "already asked a confirmer" in second.content.decode()
    Confirmation.objects.all().delete()
    own = client.post(PAGE, {"name": "Me", "email": practitioner.email.upper()})
    assert own.status_code == 400
    assert "someone other than you" in own.content.decode()
    bad = client.post(PAGE, {"name": "", "email": "nope"})
    assert bad.status_code == 400
    assert not Confirmation.objects.exists()


def test_a_stranger_cannot_withdraw(client, sent, practitioner, other_practitioner) -> None:  # type: ignore[no-untyped-def]
    _invite(client, practitioner, sent)
    item = Confirmation.objects.get()
    client.force_login(other_practitioner)
    withdraw = reverse("exports:revalidation_confirmation_withdraw", args=[item.pk])
    assert client.post(withdraw).status_code == 404
    assert Confirmation.objects.get().status == Confirmation.Status.REQUESTED
    assert b"Casey Confirmer" not in client.get(PAGE).content


def test_a_changed_revalidation_date_retires_the_link(client, sent, practitioner) -> None:  # type: ignore[no-untyped-def]
    token = _invite(client, practitioner, sent)
    _nmc(practitioner, _due() + dt.timedelta(days=365))
    client.logout()
    response = client.get(_confirm_url(token))
    assert response.status_code == 410
    assert "has changed" in response.content.decode()


def test_only_nmc_registrants_are_asked_for_a_confirmation(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    _nmc(practitioner, _due(), body="hcpc")
    client.force_login(practitioner)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert b'data-testid="not-nmc"' in page.content
    response = client.post(PAGE, {"name": "Casey Confirmer", "email": CONFIRMER})
    assert response.status_code == 400
    assert "Only the NMC asks" in response.content.decode()
    assert not Confirmation.objects.exists()


def test_without_a_date_the_page_asks_for_it(client, practitioner) -> None:  # type: ignore[no-untyped-def]
    _nmc(practitioner, None)
    client.force_login(practitioner)
    page = client.get(PAGE)
    assert b'data-testid="needs-date"' in page.content
    assert reverse("exports:revalidation_settings") in page.content.decode()
    assert client.post(PAGE, {"name": "C", "email": CONFIRMER}).status_code == 400


def test_the_confirmation_page_needs_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_empty_confirmation_is_refused_with_linked_errors(client, sent, practitioner) -> None:  # type: ignore[no-untyped-def]
    token = _invite(client, practitioner, sent)
    client.logout()
    response = client.post(_confirm_url(token), {})
    assert response.status_code == 400
    html = response.content.decode()
    hrefs = re.findall(r'<a href="#([^"]+)"', html)
    assert "id_confirmed_on_0" in hrefs and "id_confirm" in hrefs
    assert [h for h in hrefs if f'id="{h}"' not in html] == []
