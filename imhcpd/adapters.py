from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # An organisation running a closed pilot can switch public sign-up off.
        return settings.ACCOUNT_ALLOW_SIGNUP
