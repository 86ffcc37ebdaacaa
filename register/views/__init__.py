"""Register pages: the applicant's (`applicant`), the administrators' (`admin`), and the
supervisor's endorsement, the referee's link and the public register (`public`)."""

from register.views.admin import (
    admin_application,
    admin_approve,
    admin_entries,
    admin_home,
    admin_reject,
)
from register.views.applicant import (
    apply,
    apply_check,
    apply_declarations,
    apply_eligibility,
    apply_endorsement,
    apply_references,
    apply_submitted,
    apply_withdraw,
    renew,
)
from register.views.public import endorsement, entry, reference, search

__all__ = [
    "admin_application",
    "admin_approve",
    "admin_entries",
    "admin_home",
    "admin_reject",
    "apply",
    "apply_check",
    "apply_declarations",
    "apply_eligibility",
    "apply_endorsement",
    "apply_references",
    "apply_submitted",
    "apply_withdraw",
    "endorsement",
    "entry",
    "reference",
    "renew",
    "search",
]
