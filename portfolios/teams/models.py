"""A service (a PAIR team, a health visiting service …), its leads and members, the
single-use invitations that bring members in, the standards a team is measured against, and
the audit trail of every change."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from imhcpd.audit import TransitionRecord
from portfolios.models import Region


class ServiceKind(models.TextChoices):
    PAIR = "pair", "PAIR team (specialised parent-infant relationship team)"
    HEALTH_VISITING = "health_visiting", "Health visiting service"
    PERINATAL = "perinatal", "Perinatal mental health team"
    EARLY_YEARS = "early_years", "Early years setting"
    OTHER = "other", "Other"


class TeamRole(models.TextChoices):
    CLINICAL_LEAD = "clinical_lead", "Clinical lead"
    SENIOR_CLINICIAN = "senior_clinician", "Senior clinician"
    CLINICIAN = "clinician", "Clinician"
    PARENT_INFANT_SPECIALIST = "parent_infant_specialist", "Parent-infant specialist"
    SPECIALIST_HEALTH_VISITOR = "specialist_health_visitor", "Specialist health visitor"
    SUPPORT = "support", "Support or administration"


class TeamStandard(models.Model):
    """What a kind of service should have: which roles need which level, how many."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ServiceKind.choices)
    description = models.TextField(blank=True)
    # Where the standard comes from, shown beside every readiness statement.
    source = models.TextField()
    source_url = models.URLField(blank=True)
    is_default = models.BooleanField(default=True, help_text="Used for new services of this kind.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class StandardRequirement(models.Model):
    """'Every clinician at Level 2' (minimum empty) or 'at least 2 senior clinicians at
    Level 3' (minimum 2): members in any of `roles`, counted at `level` or above."""

    standard = models.ForeignKey(
        TeamStandard, on_delete=models.CASCADE, related_name="requirements"
    )
    label = models.CharField(max_length=100, help_text='Plural, as read: "clinicians".')
    roles = models.JSONField(help_text='Role keys, e.g. ["clinician", "senior_clinician"].')
    level = models.PositiveSmallIntegerField()
    minimum = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty: every member in these roles."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["standard", "position", "pk"]

    def __str__(self) -> str:
        count = f"at least {self.minimum}" if self.minimum else "every one of the"
        return f"{count} {self.label} at Level {self.level}"


class Service(models.Model):
    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=ServiceKind.choices)
    region = models.CharField("nation or region", max_length=30, choices=Region.choices)
    standard = models.ForeignKey(
        TeamStandard, null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's place in a service. Leads run it; members share a summary, by consent.
    Leaving ends the row (left_at) and sharing stops at once: nothing is read from a row
    that has left."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    is_lead = models.BooleanField(default=False)
    # Consent to share the summary (role, WTE, levels, counts, CPD hours, register status).
    shares_summary = models.BooleanField(default=False)
    consented_at = models.DateTimeField(null=True, blank=True)
    role = models.CharField(max_length=30, choices=TeamRole.choices, blank=True)
    wte = models.DecimalField(
        "whole-time equivalent", max_digits=3, decimal_places=2, null=True, blank=True
    )
    target_level = models.PositiveSmallIntegerField(null=True, blank=True)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["service", "joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "user"],
                condition=Q(left_at__isnull=True),
                name="one_current_membership",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.service}"


class TeamInvitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=30, choices=TeamRole.choices, blank=True)
    as_lead = models.BooleanField(default=False)
    # Only the digest: a database leak hands out no working links.
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Invitation to {self.service} for {self.email}"


class TeamEvent(TransitionRecord):
    """Every change to a service, its leads, members, invitations and consent."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="events")
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
