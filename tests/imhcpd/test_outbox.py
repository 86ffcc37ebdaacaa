"""The email outbox (imhcpd.mail, imhcpd.outbox): written in the transaction of the change,
sent after commit, never lost or answered with a 500 when the broker is down, never sent
twice, retried on SMTP trouble. The real broker outage is in tests/imhcpd/test_worker.py."""

from __future__ import annotations

import ast
import smtplib
from pathlib import Path

import kombu.exceptions
import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import transaction
from mailer.models import RESULT_FAILURE, RESULT_SUCCESS, Message, MessageLog

from imhcpd import mail as site_mail
from imhcpd import outbox
from imhcpd.tasks import retry_deferred_mail, send_queued_mail
from portfolios.supervision.models import Supervision
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db

INVITE = {"name": "Dee Example", "email": "dee@example.org", "role": "mentor"}


class BrokerDown:
    """Stands in for `send_queued_mail.delay` while Redis is unreachable."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, **kwargs: object) -> None:
        self.calls += 1
        raise kombu.exceptions.OperationalError("[Errno 111] Connection refused")


@pytest.fixture
def broker_down(monkeypatch) -> BrokerDown:  # type: ignore[no-untyped-def]
    down = BrokerDown()
    monkeypatch.setattr(site_mail.send_queued_mail, "delay", down)
    return down


def _queue_email() -> None:
    site_mail.send_templated_email(
        to="dee@example.org",
        name="exports/ready",
        context={"export": None, "retention_days": 30},
    )


def test_the_email_is_written_in_the_transaction_and_sent_after_commit(
    django_capture_on_commit_callbacks,
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _queue_email()
        # In the outbox before commit, and not yet sent.
        assert Message.objects.count() == 1
        assert mail.outbox == []
    (sent,) = mail.outbox
    assert sent.to == ["dee@example.org"]
    assert sent.alternatives and sent.alternatives[0][1] == "text/html"
    assert sent.extra_headers["Message-ID"]
    assert Message.objects.count() == 0
    assert MessageLog.objects.filter(result=RESULT_SUCCESS).count() == 1


def test_a_rolled_back_change_sends_nothing(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _queue_email()
        raise RuntimeError("the change failed")
    assert Message.objects.count() == 0
    assert mail.outbox == []


def test_a_broker_outage_after_commit_answers_without_500_and_keeps_the_email(
    client, practitioner, broker_down, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(practitioner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/supervision/supervisors/", INVITE)
    assert response.status_code == 302
    assert Supervision.objects.count() == 1
    assert broker_down.calls == 1
    assert mail.outbox == []
    assert Message.objects.count() == 1  # waiting, not lost

    # The broker is back: beat's run sends it, once; a second run finds nothing to send.
    send_queued_mail.apply()
    send_queued_mail.apply()
    (sent,) = mail.outbox
    assert sent.to == ["dee@example.org"]
    assert "invites you to supervise" in sent.subject
    assert Message.objects.count() == 0


def test_allauth_emails_go_through_the_same_outbox(
    client, practitioner, settings, broker_down, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    # Django's test set-up swaps EMAIL_BACKEND for locmem; put the site's back.
    settings.EMAIL_BACKEND = "imhcpd.mail.OutboxBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": practitioner.email})
    assert response.status_code == 302
    assert mail.outbox == []
    (queued,) = Message.objects.all()
    assert queued.email.to == [practitioner.email]
    send_queued_mail.apply()
    (sent,) = mail.outbox
    assert "/accounts/password/reset/key/" in sent.body


def test_without_a_broker_the_email_is_sent_at_once_after_commit(
    client, practitioner, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    # `make run`: eager Celery, the console shows the email as soon as the request commits.
    settings.EMAIL_BACKEND = "imhcpd.mail.OutboxBackend"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": practitioner.email})
    assert len(mail.outbox) == 1
    assert Message.objects.count() == 0


class FlakySMTP(LocmemBackend):
    """A backend whose server refuses the next messages with the queued errors."""

    errors: list[Exception] = []

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        if FlakySMTP.errors:
            raise FlakySMTP.errors.pop(0)
        return super().send_messages(messages)


@pytest.fixture
def flaky_smtp(settings):  # type: ignore[no-untyped-def]
    settings.MAILER_EMAIL_BACKEND = f"{__name__}.FlakySMTP"
    FlakySMTP.errors = []
    yield FlakySMTP
    FlakySMTP.errors = []


def test_a_transient_smtp_error_defers_the_message_and_a_retry_sends_it(
    flaky_smtp, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    flaky_smtp.errors = [smtplib.SMTPServerDisconnected("Connection unexpectedly closed")]
    with django_capture_on_commit_callbacks(execute=True):
        _queue_email()
    assert mail.outbox == []
    assert Message.objects.deferred().count() == 1
    assert MessageLog.objects.get().result == RESULT_FAILURE

    send_queued_mail.apply()  # beat's minute run leaves deferred mail to the retry
    assert mail.outbox == []
    assert retry_deferred_mail.apply().get() == 1
    assert len(mail.outbox) == 1
    assert Message.objects.count() == 0


def test_a_permanent_refusal_is_not_retried_and_does_not_block_the_queue(
    flaky_smtp, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    flaky_smtp.errors = [
        smtplib.SMTPRecipientsRefused({"dee@example.org": (550, b"No such user")}),
        ValueError("a defect in one message"),
    ]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for _ in range(3):
            _queue_email()
    for callback in callbacks:
        callback()
    # The first is refused for good, the second hits a defect; the third still goes.
    assert len(mail.outbox) == 1
    refused, broken = Message.objects.deferred().order_by("pk")
    assert refused.retry_count == outbox.settings.MAILER_EMAIL_MAX_RETRIES
    assert broken.retry_count == 0
    assert retry_deferred_mail.apply().get() == 1  # only the one with retries left
    assert len(mail.outbox) == 2


def test_two_senders_at_once_send_each_message_once(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=False):
        for _ in range(3):
            _queue_email()
    ids = list(Message.objects.values_list("pk", flat=True))
    # A nudge and beat's run overlapping: the second finds the rows gone.
    outbox.send(ids=ids)
    outbox.send(ids=ids)
    outbox.send()
    assert len(mail.outbox) == 3
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 3


def _delay_calls_outside_try(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    protected: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            h.type is None or (isinstance(h.type, ast.Name) and h.type.id == "Exception")
            for h in node.handlers
        ):
            for inner in node.body:
                protected.update(id(n) for n in ast.walk(inner))
    return [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("delay", "apply_async")
        and id(node) not in protected
    ]


def test_every_hand_over_to_the_broker_is_protected() -> None:
    # After commit a broker error can only answer 500 or lose work: every .delay() in the
    # site's code sits in a try that catches it (the outbox nudge, exports.tasks.enqueue).
    unprotected = [
        where
        for package in ("imhcpd", "competencies", "portfolios", "register")
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for where in _delay_calls_outside_try(path)
    ]
    assert unprotected == []
