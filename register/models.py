"""The IMH Recognition Register: applications, their frozen snapshots, and register entries.

An application's evidence is what its snapshot says, never the live portfolio: a snapshot is
written once at submission and never updated, and a resubmission writes a new version.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from imhcpd.audit import TransitionRecord, freeze_name, frozen_name
from imhcpd.querysets import owned_by


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        UNDER_REVIEW = "under_review", "Under review"
        INFO_REQUESTED = "info_requested", "More information requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    OPEN = (Status.DRAFT, Status.SUBMITTED, Status.UNDER_REVIEW, Status.INFO_REQUESTED)
    # What administrators work on: submitted and not yet decided.
    IN_QUEUE = (Status.SUBMITTED, Status.UNDER_REVIEW)

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications"
    )
    portfolio = models.ForeignKey(
        "portfolios.Portfolio", on_delete=models.CASCADE, related_name="applications"
    )
    level = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # {key: ISO timestamp of agreement}
    declarations = models.JSONField(default=dict, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_applications",
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reasons = models.TextField(blank=True)

    objects = owned_by("applicant")

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("review_application", "Can review register applications")]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant"],
                condition=models.Q(
                    status__in=["draft", "submitted", "under_review", "info_requested"]
                ),
                name="one_open_application",
            )
        ]

    def __str__(self) -> str:
        return f"Application #{self.pk} (Level {self.level})"

    @property
    def latest_snapshot(self) -> ApplicationSnapshot | None:
        return self.snapshots.order_by("-version").first()


class ApplicationSnapshot(models.Model):
    """The application as submitted: written once, never updated."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="snapshots")
    version = models.PositiveSmallIntegerField()
    data = models.JSONField()
    content_hash = models.CharField(max_length=64)
    export = models.ForeignKey(
        "exports.PortfolioExport",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["application", "version"]
        constraints = [
            models.UniqueConstraint(fields=["application", "version"], name="snapshot_version")
        ]

    def __str__(self) -> str:
        return f"Snapshot {self.version} of application #{self.application_id}"


class Endorsement(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        ENDORSED = "endorsed", "Endorsed"
        DECLINED = "declined", "Declined"

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="endorsements"
    )
    supervision = models.ForeignKey(
        "supervision.Supervision", on_delete=models.PROTECT, related_name="endorsements"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    # The supervisor's name when they answered: the endorsement outlives their account.
    endorser_name = models.CharField(max_length=150, blank=True)
    statement = models.TextField(blank=True)
    reason = models.TextField(blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"Endorsement ({self.get_status_display()})"

    @property
    def endorser_display(self) -> str:
        supervisor = self.supervision.supervisor
        return self.endorser_name or (supervisor.get_full_name() if supervisor else "")


class Reference(models.Model):
    """A referee answers by an emailed link, without an account, and sees no portfolio."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        RECEIVED = "received", "Received"
        WITHDRAWN = "withdrawn", "Withdrawn"

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="references"
    )
    name = models.CharField(max_length=150)
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    referee_role = models.CharField("role", max_length=200, blank=True)
    relationship = models.CharField(max_length=300, blank=True)
    statement = models.TextField(blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]

    def __str__(self) -> str:
        return f"Reference from {self.name}"


class InfoRequest(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="info_requests"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    asked_by_name = models.CharField(max_length=150, blank=True)
    questions = models.TextField()
    asked_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "pk"]

    def __str__(self) -> str:
        return f"Questions on application #{self.application_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        freeze_name(self, "asked_by", "asked_by_name")
        super().save(*args, **kwargs)


class AdminNote(models.Model):
    """Private to administrators; never shown to the applicant."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=150, blank=True)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Note on application #{self.application_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        freeze_name(self, "author", "author_name")
        super().save(*args, **kwargs)

    @property
    def author_display(self) -> str:
        return frozen_name(self, "author", "author_name", "A former administrator")


class ApplicationEvent(TransitionRecord):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")


class RegisterEntry(models.Model):
    class Status(models.TextChoices):
        CURRENT = "current", "Current"
        LAPSED = "lapsed", "Lapsed"
        REMOVED = "removed", "Removed"

    number = models.CharField("registration number", max_length=20, unique=True)
    # Empty once the account is closed: the entry stays, removed, with its audit trail, and
    # its number answers "removed — account closed" on a direct lookup.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="register_entries",
    )
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="entries"
    )
    account_closed_at = models.DateTimeField(null=True, blank=True)
    # What the practitioner consented to show, copied at approval.
    name = models.CharField(max_length=150)
    level = models.PositiveSmallIntegerField()
    region = models.CharField(max_length=30)
    region_label = models.CharField(max_length=100)
    valid_from = models.DateField()
    valid_to = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CURRENT)
    created_at = models.DateTimeField(default=timezone.now)

    objects = owned_by("user")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name_plural = "register entries"
        indexes = [models.Index(fields=["status", "name"])]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def grace_until(self) -> dt.date:
        """The last day before a current entry past its date lapses."""
        return self.valid_to + dt.timedelta(days=settings.REGISTER_GRACE_DAYS)

    @property
    def in_grace_period(self) -> bool:
        return self.status == self.Status.CURRENT and self.valid_to < timezone.localdate()

    @property
    def public_status(self) -> str:
        """What the public register says: never "Current" beside a date that has passed."""
        if self.in_grace_period:
            return f"Expired — in grace period until {self.grace_until:%-d %B %Y}"
        return self.get_status_display()


class EntryEvent(TransitionRecord):
    entry = models.ForeignKey(RegisterEntry, on_delete=models.CASCADE, related_name="events")


class ReminderSent(models.Model):
    """One row per reminder per validity period: each reminder is sent once."""

    entry = models.ForeignKey(RegisterEntry, on_delete=models.CASCADE, related_name="reminders")
    valid_to = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "valid_to", "days_before"], name="one_reminder_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.days_before}-day reminder for {self.entry_id}"


class Renewal(models.Model):
    entry = models.ForeignKey(RegisterEntry, on_delete=models.CASCADE, related_name="renewals")
    cpd_hours = models.DecimalField(max_digits=7, decimal_places=2)
    supervision_hours = models.DecimalField(max_digits=7, decimal_places=2)
    declarations = models.JSONField(default=dict)
    previous_valid_to = models.DateField()
    new_valid_to = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Renewal to {self.new_valid_to}"


# The credentials package keeps its models beside the entries they belong to.
from register.credentials.models import Credential, CredentialEvent  # noqa: E402

__all__ = [
    "AdminNote",
    "Application",
    "ApplicationEvent",
    "ApplicationSnapshot",
    "Credential",
    "CredentialEvent",
    "Endorsement",
    "EntryEvent",
    "InfoRequest",
    "Reference",
    "RegisterEntry",
    "ReminderSent",
    "Renewal",
]
