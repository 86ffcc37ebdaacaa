"""Two administrators deciding the same application at the same moment, on real threads
against PostgreSQL: exactly one outcome, one decision audit row, at most one register entry."""

# ruff: noqa: F811  (the fixtures imported from test_register.py are parameters here)
from __future__ import annotations

import pytest

from imhcpd.models import User
from portfolios.services import TransitionError
from register import services
from register.models import Application, ApplicationEvent, RegisterEntry
from tests.races import postgresql_only, race
from tests.register.test_register import (  # noqa: F401
    _fast_pdf,
    commit,
    prepare,
    second_admin,
)

pytestmark = [pytest.mark.django_db(transaction=True), postgresql_only]
Status = Application.Status
DECIDED = (Status.APPROVED, Status.REJECTED, Status.INFO_REQUESTED)


def test_two_administrators_deciding_at_once_make_one_outcome(  # type: ignore[no-untyped-def]
    prepare, practitioner: User, register_admin: User, second_admin: User
) -> None:
    app = prepare()
    services.application_submit(application=app, by=practitioner)

    def approve() -> object:
        return services.application_approve(
            application=Application.objects.get(pk=app.pk), admin=register_admin
        )

    def reject() -> object:
        return services.application_reject(
            application=Application.objects.get(pk=app.pk),
            admin=second_admin,
            reasons="Not enough supervision evidence.",
        )

    results = race(approve, reject)
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], TransitionError), errors[0]
    assert "nothing was changed" in str(errors[0])
    app.refresh_from_db()
    assert app.status in (Status.APPROVED, Status.REJECTED)
    decisions = ApplicationEvent.objects.filter(application=app, to_status__in=DECIDED)
    assert decisions.count() == 1
    assert decisions.get().to_status == app.status
    assert RegisterEntry.objects.filter(application=app).count() == (
        1 if app.status == Status.APPROVED else 0
    )
