"""Signing a test client in the way a person does: the login form, then the TOTP step.

`client.force_login` leaves no record of how the session authenticated, so it reads as a
password-only session; pages that need a second factor must be reached this way.
"""

from __future__ import annotations

import time

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt

from imhcpd.models import User
from tests.factories import PASSWORD

TOTP_PERIOD = 30
LOGIN = "/accounts/login/"
CODE_STEP = "/accounts/2fa/authenticate/"


def totp_code(user: User) -> str:
    """The code the person's authenticator app shows now.

    allauth accepts only the current period, so when it is about to roll over wait for the
    next one rather than race it.
    """
    left = TOTP_PERIOD - time.time() % TOTP_PERIOD
    if left < 1:
        time.sleep(left + 0.05)
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // TOTP_PERIOD))


def sign_in(client, user: User, *, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """Password, then (if the person has TOTP) the code; returns the last response."""
    response = client.post(LOGIN, {"login": user.email, "password": password})
    if response.status_code == 302 and response["Location"] == CODE_STEP:
        response = client.post(CODE_STEP, {"code": totp_code(user)})
    assert int(client.session.get("_auth_user_id", 0)) == user.pk, response
    return response


def force_login_with_mfa(client, user: User) -> None:  # type: ignore[no-untyped-def]
    """A shortcut for tests about something else: a session as allauth leaves it after the
    password and TOTP steps. Tests about signing in itself use `sign_in`."""
    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )

    client.force_login(user)
    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "email": user.email},
        {"method": "mfa", "at": now, "type": "totp"},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()
