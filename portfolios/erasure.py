"""The portfolio's part of closing an account (see imhcpd.erasure).

The portfolio, its evidence, revisions, links, attachments, plan and history go with the
account (CASCADE from the user); this step removes what would stop that and collects the
stored files. Events the person recorded on someone else's evidence (as a supervisor) stay
with the name they acted under.
"""

from __future__ import annotations

from django.core.files.storage import default_storage

from imhcpd.erasure import Erasure, frozen_name
from portfolios.models import Attachment, Evidence, EvidenceEvent, EvidenceRevision, Portfolio


def erase(erasure: Erasure) -> None:
    user = erasure.user
    attachments = Attachment.objects.for_owner(user)
    erasure.count("attachments", attachments.count())
    # Every stored file of the person's: the rows' files, and anything else left in their
    # folder (an upload whose transaction rolled back after the file was written).
    names = set(attachments.values_list("file", flat=True))
    for portfolio_id in Portfolio.objects.for_owner(user).values_list("pk", flat=True):
        folder = f"attachments/{portfolio_id}"
        names.update(_stored_in(folder))
    for name in sorted(names):
        erasure.remove_file_after_commit(name)

    erasure.count(
        "evidence history rows kept with a frozen name",
        EvidenceEvent.objects.filter(actor=user, actor_name="")
        .exclude(evidence__portfolio__user=user)
        .update(actor_name=frozen_name(user)),
    )
    # These two protect the portfolio's rows from the cascade: the reviews that protect
    # revisions and supervisions are removed by the supervision step, which runs first.
    EvidenceRevision.objects.for_owner(user).exclude(submitted_to=None).update(submitted_to=None)
    erasure.count("evidence items", Evidence.objects.for_owner(user).update(current=None))


def _stored_in(folder: str) -> list[str]:
    # Listed, not checked with exists(): an object store has no folders, only name prefixes.
    try:
        return [f"{folder}/{name}" for name in default_storage.listdir(folder)[1]]
    except FileNotFoundError:
        return []
