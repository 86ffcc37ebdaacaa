"""Supervision: who reviews whose evidence, the reviews themselves, comments, notifications.

These tables were created by the portfolios app and keep its names (`db_table`): the
supervision app took them over without moving a row.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from imhcpd.audit import TransitionRecord, freeze_name, frozen_name
from imhcpd.querysets import owned_by


class SupervisionQuerySet(models.QuerySet):
    def active(self) -> SupervisionQuerySet:
        # A supervision whose supervisor's account is gone supervises nobody, whatever its
        # status says (account closure ends them; this also covers rows from before that).
        return self.filter(status=Supervision.Status.ACTIVE, supervisor__isnull=False)

    def for_supervisor(self, user: Any) -> SupervisionQuerySet:
        """The supervisions this person gives now; an ended one grants nothing."""
        return self.active().filter(supervisor=user)

    def for_practitioner(self, user: Any) -> SupervisionQuerySet:
        """Every supervision of this person's portfolio, whatever its status."""
        return self.filter(portfolio__user=user)


class ReviewQuerySet(models.QuerySet):
    def for_supervisor(self, user: Any) -> ReviewQuerySet:
        """Reviews this person wrote."""
        return self.filter(reviewer=user)

    def for_owner(self, user: Any) -> ReviewQuerySet:
        """Reviews of this person's evidence."""
        return self.filter(revision__evidence__portfolio__user=user)


class Supervision(models.Model):
    """A practitioner ↔ supervisor relationship, from invitation to its end."""

    class Role(models.TextChoices):
        CLINICAL_SUPERVISOR = "clinical_supervisor", "Clinical supervisor"
        LINE_MANAGER = "line_manager", "Line manager"
        MENTOR = "mentor", "Mentor"

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ACTIVE = "active", "Active"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"
        ENDED = "ended", "Ended"

    portfolio = models.ForeignKey(
        "portfolios.Portfolio", on_delete=models.CASCADE, related_name="supervisions"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervisions_given",
    )
    invitee_name = models.CharField("supervisor's name", max_length=150)
    invitee_email = models.EmailField("supervisor's email")
    role = models.CharField(max_length=30, choices=Role.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.INVITED)
    # Only a hash is stored: a database leak must not hand out working invitation links.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_sent_at = models.DateTimeField(default=timezone.now)
    send_count = models.PositiveSmallIntegerField(default=1)
    responded_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = SupervisionQuerySet.as_manager()

    class Meta:
        db_table = "portfolios_supervision"
        ordering = ["-invited_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "supervisor"],
                condition=models.Q(status="active"),
                name="one_active_supervision_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invitee_name} ({self.get_role_display()})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE and self.supervisor_id is not None


class SupervisionEvent(TransitionRecord):
    supervision = models.ForeignKey(Supervision, on_delete=models.CASCADE, related_name="events")

    class Meta(TransitionRecord.Meta):
        db_table = "portfolios_supervisionevent"


class Review(models.Model):
    """A supervisor's decision on one submitted revision; one per revision, enforced."""

    class Outcome(models.TextChoices):
        SIGNED_OFF = "signed_off", "Signed off"
        RETURNED = "returned", "Returned for changes"

    revision = models.OneToOneField(
        "portfolios.EvidenceRevision", on_delete=models.PROTECT, related_name="review"
    )
    supervision = models.ForeignKey(Supervision, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="reviews_given"
    )
    # As the reviewer was named when they reviewed: the sign-off outlives their account.
    reviewer_name = models.CharField(max_length=150, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    declaration = models.TextField(blank=True)
    feedback = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        db_table = "portfolios_review"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.created_at:%Y-%m-%d})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        freeze_name(self, "reviewer", "reviewer_name")
        super().save(*args, **kwargs)

    @property
    def reviewer_display(self) -> str:
        return frozen_name(self, "reviewer", "reviewer_name", "a former supervisor")


class Comment(models.Model):
    evidence = models.ForeignKey(
        "portfolios.Evidence", on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=150, blank=True)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "portfolios_comment"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment by {self.author_display} on {self.created_at:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        freeze_name(self, "author", "author_name")
        super().save(*args, **kwargs)

    @property
    def author_display(self) -> str:
        return frozen_name(self, "author", "author_name", "A former user")


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    # Notifications about the same thing (an evidence item's submissions, reviews and
    # comments) share a key and are shown as one entry; empty: shown on its own.
    group_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = owned_by("user")

    class Meta:
        db_table = "portfolios_notification"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["user", "group_key"], name="notification_user_group"),
        ]

    def __str__(self) -> str:
        return self.text


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_each_event = models.BooleanField(
        "Email me about each event",
        default=True,
        help_text="Invitations, submissions, sign-offs, returns and comments.",
    )
    weekly_digest = models.BooleanField(
        "As a supervisor, send one weekly summary of items waiting for me instead of an "
        "email per submission",
        default=False,
    )

    class Meta:
        db_table = "portfolios_notificationpreference"

    def __str__(self) -> str:
        return f"Preferences of {self.user}"


class DigestSent(models.Model):
    """One row per supervisor per ISO week: the digest is sent at most once a week."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week = models.CharField(max_length=8)  # e.g. 2026-W48
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "portfolios_digestsent"
        constraints = [models.UniqueConstraint(fields=["user", "week"], name="one_digest_a_week")]

    def __str__(self) -> str:
        return f"{self.user} {self.week}"


class AttachmentAccess(models.Model):
    """Each time someone other than its owner opens or downloads an attachment (today: the
    supervisor it was submitted to). Kept with the name frozen when their account closes;
    it goes with the attachment, which goes only with its owner's account."""

    attachment = models.ForeignKey(
        "portfolios.Attachment", on_delete=models.CASCADE, related_name="accesses"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    user_name = models.CharField(max_length=150, blank=True)
    inline = models.BooleanField("opened in the browser")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "attachment accesses"

    def __str__(self) -> str:
        how = "opened" if self.inline else "downloaded"
        return (
            f"{self.attachment_id} {how} by {self.user_display} at {self.created_at:%Y-%m-%d %H:%M}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        freeze_name(self, "user", "user_name")
        super().save(*args, **kwargs)

    @property
    def user_display(self) -> str:
        return frozen_name(self, "user", "user_name", "a former user")
