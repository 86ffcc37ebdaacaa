"""The teams admin: staff edit the standards (requirements inline); services, members,
invitations and events are read-only (they change only through the services)."""

from __future__ import annotations

import json

import pytest

from portfolios.teams.models import StandardRequirement, TeamStandard
from tests.imhcpd.signin import force_login_with_mfa
from tests.teams import pair_team

pytestmark = pytest.mark.django_db


def test_staff_edit_a_standard_and_its_requirements(client, staff) -> None:
    force_login_with_mfa(client, staff)
    standard = TeamStandard.objects.get(kind="pair", is_default=True)
    url = f"/admin/teams/teamstandard/{standard.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert "requirements-TOTAL_FORMS" in page.content.decode()
    requirements = list(standard.requirements.all())
    data = {
        "name": standard.name,
        "kind": standard.kind,
        "description": standard.description,
        "source": standard.source,
        "source_url": standard.source_url,
        "is_default": "on",
        "requirements-TOTAL_FORMS": str(len(requirements)),
        "requirements-INITIAL_FORMS": str(len(requirements)),
        "requirements-MIN_NUM_FORMS": "0",
        "requirements-MAX_NUM_FORMS": "1000",
    }
    for i, r in enumerate(requirements):
        data |= {
            f"requirements-{i}-id": str(r.pk),
            f"requirements-{i}-standard": str(standard.pk),
            f"requirements-{i}-position": str(r.position),
            f"requirements-{i}-label": r.label,
            f"requirements-{i}-roles": json.dumps(r.roles),
            f"requirements-{i}-level": str(r.level),
            f"requirements-{i}-minimum": "" if r.minimum is None else str(r.minimum),
        }
    first = requirements[0]
    data["requirements-0-level"] = "3"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert StandardRequirement.objects.get(pk=first.pk).level == 3


def test_services_members_and_events_are_read_only(client, staff, practitioner) -> None:
    service = pair_team(practitioner)
    force_login_with_mfa(client, staff)
    for model in ("service", "membership", "teaminvitation", "teamevent"):
        assert client.get(f"/admin/teams/{model}/").status_code == 200
        assert client.get(f"/admin/teams/{model}/add/").status_code == 403
    page = client.get(f"/admin/teams/service/{service.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert "service created by" in page.content.decode()
