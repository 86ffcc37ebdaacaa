"""What the register's services share: the declarations, the audit row and the race guard."""

from __future__ import annotations

from typing import Any

from imhcpd.audit import transition
from imhcpd.models import User
from portfolios.services import TransitionError
from register.models import (
    Application,
    ApplicationEvent,
)

Status = Application.Status
DECLARATIONS = {
    "health_character": "I declare that I am of good health and character, and know of nothing "
    "that would call my fitness to practise into question.",
    "registration": "My professional registration, where I have one, is in good standing.",
    "code_of_conduct": "I agree to follow the IMH Recognition Register's code of conduct.",
    "public_listing": "I consent to my name, level, nation or region and IMH register number "
    "being listed on the public register.",
}
RENEWAL_DECLARATIONS = {
    k: v
    for k, v in DECLARATIONS.items()
    if k in ("health_character", "registration", "code_of_conduct")
}


def event(app: Application, by: User | None, frm: str, to: str, detail: str = "") -> None:
    ApplicationEvent.objects.create(
        application=app, actor=by, from_status=frm, to_status=to, detail=detail
    )


def move(
    app: Application,
    from_statuses: tuple[str, ...],
    to: str,
    *,
    by: User | None,
    detail: str = "",
    **fields: Any,
) -> None:
    """The race guard: only one of two concurrent decisions finds the expected status."""
    if not transition(app, from_statuses, to, by=by, detail=detail, **fields):
        raise TransitionError(
            f"This application is now {app.get_status_display().lower()}; nothing was changed."
        )
