"""The revalidation records that are not evidence items: practice hours, reflective
discussions, the confirmation, the declarations, the HCPC profile texts, and the reminders sent.

They belong to the exports app (its packs print them); they live in this package so the
regulators' rules, records and documents sit together. Each record is changed only through
`revalidation.services`/`records`, which write a `RecordEvent` in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from imhcpd.audit import ActorNameFrozen, TransitionRecord
from imhcpd.querysets import owned_by

__all__ = [
    "Confirmation",
    "ConfirmationEvent",
    "Declaration",
    "HcpcProfile",
    "PracticeHours",
    "RecordEvent",
    "ReflectiveDiscussion",
    "RevalidationReminder",
]


class PracticeHours(models.Model):
    """Hours of practice for revalidation, with the fields the NMC's practice-hours log asks for."""

    portfolio = models.ForeignKey(
        "portfolios.Portfolio", on_delete=models.CASCADE, related_name="practice_hours"
    )
    start = models.DateField("from")
    end = models.DateField("to")
    hours = models.DecimalField(max_digits=7, decimal_places=2, validators=[MinValueValidator(0)])
    role = models.CharField("role and setting", max_length=200)
    scope = models.CharField(
        "scope of practice",
        max_length=300,
        blank=True,
        help_text="For example 'health visiting, universal and targeted caseload'.",
    )
    employer_name = models.CharField("employer or organisation", max_length=200, blank=True)
    employer_address = models.TextField(
        "employer's address", blank=True, help_text="Including the postcode."
    )
    work_setting = models.CharField(
        "work setting",
        max_length=200,
        blank=True,
        help_text="For example 'community', 'hospital ward', 'GP practice' or 'children's centre'.",
    )
    description = models.TextField(
        "brief description of your work",
        blank=True,
        help_text="What you did in this role. Nothing that could identify a family.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = owned_by("portfolio__user")

    class Meta:
        db_table = "portfolios_practicehours"
        ordering = ["-start", "-pk"]
        verbose_name_plural = "practice hours"

    def __str__(self) -> str:
        return f"{self.hours} h, {self.start} to {self.end}"


class ReflectiveDiscussion(models.Model):
    """The record of a reflective discussion with another registrant (the NMC's form)."""

    portfolio = models.ForeignKey(
        "portfolios.Portfolio", on_delete=models.CASCADE, related_name="reflective_discussions"
    )
    date = models.DateField()
    partner_name = models.CharField("name of the registrant you discussed with", max_length=200)
    partner_registration = models.CharField(
        "their NMC PIN or other registration", max_length=100, blank=True
    )
    partner_role = models.CharField("their role", max_length=200, blank=True)
    partner_email = models.EmailField("their email address", blank=True)
    partner_address = models.TextField("their professional address", blank=True)
    partner_postcode = models.CharField("postcode", max_length=10, blank=True)
    summary = models.TextField(
        "what you discussed",
        help_text="What came out of the discussion. Nothing that could identify a family.",
    )
    # The reflective accounts discussed; the NMC asks that the discussion covers all five.
    accounts = models.ManyToManyField(
        "portfolios.Evidence", blank=True, related_name="reflective_discussions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = owned_by("portfolio__user")

    class Meta:
        db_table = "portfolios_reflectivediscussion"
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"Reflective discussion on {self.date}"


class Confirmation(models.Model):
    """A confirmer's confirmation, given by an emailed link without an account (like a
    referee) and locked once given: a confirmed row never changes again."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        CONFIRMED = "confirmed", "Confirmed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    portfolio = models.ForeignKey(
        "portfolios.Portfolio", on_delete=models.CASCADE, related_name="confirmations"
    )
    # The revalidation date the confirmation is for; fixed when the confirmer is asked.
    revalidation_date = models.DateField()
    name = models.CharField("confirmer's name", max_length=150)
    email = models.EmailField("confirmer's email address")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    # Filled in by the confirmer.
    registration = models.CharField(
        "NMC PIN or other professional registration", max_length=100, blank=True
    )
    role = models.CharField("role", max_length=200, blank=True)
    address = models.TextField("professional address", blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    confirmed_on = models.DateField("date of the confirmation discussion", null=True, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = owned_by("portfolio__user")

    class Meta:
        db_table = "portfolios_confirmation"
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"Confirmation by {self.name}"


class ConfirmationEvent(TransitionRecord):
    confirmation = models.ForeignKey(Confirmation, on_delete=models.CASCADE, related_name="events")

    class Meta(TransitionRecord.Meta):
        db_table = "portfolios_confirmationevent"


class Declaration(models.Model):
    """A declaration made for one revalidation date, with the words declared frozen on it."""

    class Kind(models.TextChoices):
        HEALTH_CHARACTER = "health_character", "Health and character"
        INDEMNITY = "indemnity", "Professional indemnity"

    portfolio = models.ForeignKey(
        "portfolios.Portfolio", on_delete=models.CASCADE, related_name="declarations"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    revalidation_date = models.DateField()
    text = models.TextField()
    made_at = models.DateTimeField(default=timezone.now)

    objects = owned_by("portfolio__user")

    class Meta:
        db_table = "portfolios_declaration"
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "kind", "revalidation_date"], name="one_declaration_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} declaration for {self.revalidation_date}"


class HcpcProfile(models.Model):
    """The texts of an HCPC CPD profile for one renewal date; the CPD list is the evidence."""

    portfolio = models.ForeignKey(
        "portfolios.Portfolio", on_delete=models.CASCADE, related_name="hcpc_profiles"
    )
    renewal_date = models.DateField()
    summary = models.TextField("summary of your practice history", blank=True)
    statement = models.TextField("personal statement", blank=True)
    # {"YYYY-MM-DD": "why there was no CPD"} keyed by the first day of each gap.
    gap_notes = models.JSONField(default=dict, blank=True)
    # The ids of the CPD items the statement draws on (typically four to six).
    statement_items = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = owned_by("portfolio__user")

    class Meta:
        db_table = "portfolios_hcpcprofile"
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "renewal_date"], name="one_hcpc_profile")
        ]

    def __str__(self) -> str:
        return f"HCPC profile for {self.renewal_date}"


class RecordEvent(ActorNameFrozen, models.Model):
    """Audit of every change to a revalidation record or setting: who, what, when."""

    portfolio = models.ForeignKey(
        "portfolios.Portfolio", on_delete=models.CASCADE, related_name="revalidation_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    record = models.CharField(max_length=30)  # "practice_hours", "discussion", …
    record_id = models.PositiveIntegerField(null=True, blank=True)
    action = models.CharField(max_length=20)  # "added", "changed", "deleted", …
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "portfolios_revalidationevent"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.record} {self.action}"


class RevalidationReminder(models.Model):
    """One row per reminder per deadline: each 60/30/7-day reminder is sent once."""

    portfolio = models.ForeignKey(
        "portfolios.Portfolio", on_delete=models.CASCADE, related_name="revalidation_reminders"
    )
    body = models.CharField(max_length=10)
    deadline = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "portfolios_revalidationreminder"
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "body", "deadline", "days_before"],
                name="one_revalidation_reminder_each",
            )
        ]

    def __str__(self) -> str:
        return f"{self.days_before}-day reminder for {self.deadline}"
