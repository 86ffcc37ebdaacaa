"""Stub: replaced by the membership views (services, invitations, consent, leaving)."""

from django.http import Http404


def _todo(*args: object, **kwargs: object) -> None:
    raise Http404


home = service_create = members = invite = withdraw = remove = make_lead = _todo
accept = sharing = leave = _todo
