"""Supervision's part of closing an account (see imhcpd.erasure), and of the data download.

As a supervisor: every active supervision ends as `supervision_end` ends one (items waiting
go back to draft) and the practitioner is told; reviews and comments stay on the
practitioner's evidence under the name the supervisor had. As a practitioner: each active
supervisor is told; the reviews of the person's evidence go with it (they protect revisions
and supervisions from the account's cascade). Notifications, preferences and digest rows go
with the account (CASCADE). A record of the supervisor opening an attachment keeps their name;
it goes with the attachment, so with the practitioner's account.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from imhcpd.erasure import Erasure, frozen_name
from imhcpd.models import User
from portfolios.supervision.models import AttachmentAccess, Comment, Review, Supervision
from portfolios.supervision.notifications import notify
from portfolios.supervision.services import supervision_end


def erase(erasure: Erasure) -> None:
    user = erasure.user
    name = frozen_name(user)

    given = list(Supervision.objects.for_supervisor(user).select_related("portfolio__user"))
    for supervision in given:
        # The person leaving is the one who ends it, so supervision_end tells only the
        # practitioner (never emails the account being closed).
        supervision_end(supervision=supervision, by=user)
        notify(
            supervision.portfolio.user,
            f"{name} has closed their account, so your supervision with them has ended.",
            reverse("supervision:supervisors"),
            email="supervision/account_closed",
            context={"supervision": supervision, "closed_name": name, "to_practitioner": True},
        )
    erasure.count("supervisions given, ended", len(given))
    erasure.count(
        "reviews kept with a frozen name",
        Review.objects.for_supervisor(user).filter(reviewer_name="").update(reviewer_name=name),
    )
    erasure.count(
        "attachment opens kept with a frozen name",
        AttachmentAccess.objects.filter(user=user, user_name="").update(user_name=name),
    )
    erasure.count(
        "comments kept with a frozen name",
        Comment.objects.filter(author=user, author_name="")
        .exclude(evidence__portfolio__user=user)
        .update(author_name=name),
    )

    received = Supervision.objects.for_practitioner(user).active().select_related("supervisor")
    for supervision in received:
        notify(
            supervision.supervisor,
            f"{name} has closed their account, so your supervision of them has ended.",
            reverse("supervision:home"),
            email="supervision/account_closed",
            context={"supervision": supervision, "closed_name": name, "to_practitioner": False},
        )
    deleted, _ = Review.objects.for_owner(user).delete()
    erasure.count("reviews of the person's evidence", deleted)


def export(user: User) -> dict[str, Any]:
    """What the person did as a supervisor, and what they were told."""
    return {
        "supervision_given": {
            "supervisions": list(
                Supervision.objects.filter(supervisor=user)
                .order_by("pk")
                .values("portfolio__user__full_name", "role", "status", "responded_at", "ended_at")
            ),
            "reviews": [
                {
                    "practitioner": r.revision.evidence.portfolio.user.full_name,
                    "item": r.revision.title,
                    "revision": r.revision.number,
                    "outcome": r.get_outcome_display(),
                    "level": r.level,
                    "declaration": r.declaration,
                    "feedback": r.feedback,
                    "at": r.created_at,
                }
                for r in Review.objects.for_supervisor(user)
                .select_related("revision__evidence__portfolio__user")
                .order_by("created_at", "pk")
            ],
            "comments": [
                {
                    "on": c.evidence.portfolio.user.full_name,
                    "item": c.evidence_id,
                    "body": c.body,
                    "at": c.created_at,
                }
                for c in Comment.objects.filter(author=user)
                .select_related("evidence__portfolio__user")
                .order_by("created_at", "pk")
            ],
            "attachments_opened": [
                {
                    "practitioner": a.attachment.revision.evidence.portfolio.user.full_name,
                    "file": a.attachment.filename,
                    "how": "opened" if a.inline else "downloaded",
                    "at": a.created_at,
                }
                for a in AttachmentAccess.objects.filter(user=user)
                .select_related("attachment__revision__evidence__portfolio__user")
                .order_by("created_at", "pk")
            ],
        },
        "reviews_received": [
            {
                "item": r.revision.title,
                "revision": r.revision.number,
                "by": r.reviewer_display,
                "outcome": r.get_outcome_display(),
                "level": r.level,
                "feedback": r.feedback,
                "at": r.created_at,
            }
            for r in Review.objects.for_owner(user)
            .select_related("revision", "reviewer")
            .order_by("created_at", "pk")
        ],
        "notifications": list(
            user.notifications.order_by("created_at", "pk").values("text", "created_at", "read_at")
        ),
    }
