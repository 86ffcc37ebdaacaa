"""The revalidation records are in the person's data download, and go when the account does."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from imhcpd.erasure import account_erase, personal_data_sections
from portfolios.exports.revalidation.confirmation import confirmation_request
from portfolios.exports.revalidation.models import (
    Confirmation,
    Declaration,
    HcpcProfile,
    RecordEvent,
)
from portfolios.exports.revalidation.records import declarations_make
from tests.revalidation.helpers import set_body

pytestmark = pytest.mark.django_db


def test_the_data_download_has_the_records_but_no_token_and_closing_removes_them(
    practitioner,
) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    p = set_body(practitioner, "nmc", today + dt.timedelta(days=100))
    asked = confirmation_request(
        portfolio=p, by=practitioner, name="Casey Confirmer", email="casey@example.org"
    )
    declarations_make(portfolio=p, by=practitioner, kinds=["indemnity"], today=today)
    HcpcProfile.objects.create(
        portfolio=p, renewal_date=today, summary="Health visitor.", statement_items=[1]
    )

    data = json.dumps(personal_data_sections(practitioner), cls=DjangoJSONEncoder)
    section = json.loads(data)["revalidation"]
    assert [c["name"] for c in section["confirmations"]] == ["Casey Confirmer"]
    assert asked.token_hash not in data
    assert [d["kind"] for d in section["declarations"]] == ["indemnity"]
    assert section["hcpc_profiles"][0]["statement_items"] == [1]
    assert {e["record"] for e in section["history"]} >= {"settings", "declaration"}

    account_erase(user=practitioner, by=practitioner)
    for model in (Confirmation, Declaration, HcpcProfile, RecordEvent):
        assert not model.objects.exists()
