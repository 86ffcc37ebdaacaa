"""What the register does. Every status change is a conditional update plus its audit row in
one transaction, so two administrators deciding at once produce exactly one outcome.

- applications: start, declare, endorsement (request, decide), references (request, submit,
  withdraw), submit (frozen snapshot + PDF), withdraw
- decisions: assign, notes, approve, reject, request information, the applicant's answer
- entries: renew, expiry reminders and lapse (beat), removal
Reads (eligibility, renewal checks) are in `register.selectors`.
"""

from register.services.applications import (
    NotEligible,
    ReferenceProblem,
    application_declare,
    application_start,
    application_submit,
    application_withdraw,
    check_reference,
    endorsement_decide,
    endorsement_request,
    reference_for_token,
    reference_request,
    reference_submit,
    reference_withdraw,
    submission_problems,
)
from register.services.common import DECLARATIONS, RENEWAL_DECLARATIONS
from register.services.decisions import (
    PartyToApplication,
    application_approve,
    application_assign,
    application_reject,
    application_request_info,
    info_answer,
    note_add,
)
from register.services.entries import entry_remove, entry_renew, renewal_reminders_and_lapses

__all__ = [
    "DECLARATIONS",
    "RENEWAL_DECLARATIONS",
    "NotEligible",
    "PartyToApplication",
    "ReferenceProblem",
    "application_approve",
    "application_assign",
    "application_declare",
    "application_reject",
    "application_request_info",
    "application_start",
    "application_submit",
    "application_withdraw",
    "check_reference",
    "endorsement_decide",
    "endorsement_request",
    "entry_remove",
    "entry_renew",
    "info_answer",
    "note_add",
    "reference_for_token",
    "reference_request",
    "reference_submit",
    "reference_withdraw",
    "renewal_reminders_and_lapses",
    "submission_problems",
]
