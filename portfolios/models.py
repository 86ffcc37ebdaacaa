"""A practitioner's portfolio: profile, self-assessments, evidence with revisions, plan.

History is kept by adding rows, never by editing them: self-assessments are append-only,
evidence content lives in numbered revisions, and every status change has an event.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from competencies.models import Competency, Framework
from imhcpd.audit import freeze_name, frozen_name
from imhcpd.querysets import owned_by


class Profession(models.TextChoices):
    EARLY_YEARS = "early_years", "Nursery / early years practitioner"
    HEALTH_VISITOR = "health_visitor", "Health visitor"
    MIDWIFE = "midwife", "Midwife"
    SOCIAL_WORKER = "social_worker", "Social worker"
    CLINICAL_PSYCHOLOGIST = "clinical_psychologist", "Clinical psychologist"
    CHILD_PSYCHOTHERAPIST = "child_psychotherapist", "Child and adolescent psychotherapist"
    PARENT_INFANT_PSYCHOTHERAPIST = "parent_infant_psychotherapist", "Parent-infant psychotherapist"
    GP = "gp", "GP"
    FAMILY_SUPPORT = "family_support", "Family support worker"
    OTHER = "other", "Other"


class ProfessionalBody(models.TextChoices):
    NONE = "none", "None"
    NMC = "nmc", "Nursing and Midwifery Council (NMC)"
    HCPC = "hcpc", "Health and Care Professions Council (HCPC)"
    SWE = "swe", "Social Work England"
    GMC = "gmc", "General Medical Council (GMC)"
    UKCP = "ukcp", "UK Council for Psychotherapy (UKCP)"
    BACP = "bacp", "British Association for Counselling and Psychotherapy (BACP)"


class WorkSetting(models.TextChoices):
    EARLY_YEARS = "early_years", "Nursery or early years setting"
    HEALTH_VISITING = "health_visiting", "Health visiting / public health nursing"
    MATERNITY = "maternity", "Maternity service"
    PERINATAL_MH = "perinatal_mh", "Perinatal mental health service"
    PARENT_INFANT = "parent_infant", "Specialist parent-infant relationship service"
    CAMHS = "camhs", "CAMHS"
    SOCIAL_CARE = "social_care", "Children's social care"
    FAMILY_HUB = "family_hub", "Family hub / children's centre"
    PRIMARY_CARE = "primary_care", "Primary care"
    VOLUNTARY = "voluntary", "Voluntary or community sector"
    PRIVATE = "private", "Independent practice"
    OTHER = "other", "Other"


class Region(models.TextChoices):
    NORTH_EAST = "england_north_east", "England — North East"
    NORTH_WEST = "england_north_west", "England — North West"
    YORKSHIRE = "england_yorkshire", "England — Yorkshire and the Humber"
    EAST_MIDLANDS = "england_east_midlands", "England — East Midlands"
    WEST_MIDLANDS = "england_west_midlands", "England — West Midlands"
    EAST = "england_east", "England — East of England"
    LONDON = "england_london", "England — London"
    SOUTH_EAST = "england_south_east", "England — South East"
    SOUTH_WEST = "england_south_west", "England — South West"
    SCOTLAND = "scotland", "Scotland"
    WALES = "wales", "Wales"
    NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"


class Portfolio(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portfolio"
    )
    # The framework version assessed against; a newer version never rewrites this portfolio.
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="+")
    profession = models.CharField(max_length=40, choices=Profession.choices)
    profession_other = models.CharField("profession (other)", max_length=100, blank=True)
    professional_body = models.CharField(
        max_length=10, choices=ProfessionalBody.choices, default=ProfessionalBody.NONE
    )
    registration_number = models.CharField(max_length=20, blank=True)
    # The day the current revalidation (NMC) or renewal (HCPC) is due; the cycle is worked out
    # back from it (exports.revalidation.bodies). Social Work England's year needs no date.
    revalidation_date = models.DateField("revalidation or renewal date", null=True, blank=True)
    nmc_dual_registration = models.BooleanField(
        "registered as both a nurse and a midwife", default=False
    )
    # Part of the signed calendar-feed token: raising it makes every earlier link stop working.
    # 0 means no feed has been made.
    calendar_feed_version = models.PositiveIntegerField(default=0)
    work_setting = models.CharField(max_length=30, choices=WorkSetting.choices)
    region = models.CharField("nation or region", max_length=30, choices=Region.choices)
    target_level = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = owned_by("user")

    def __str__(self) -> str:
        return f"Portfolio of {self.user}"

    @property
    def profession_label(self) -> str:
        if self.profession == Profession.OTHER and self.profession_other:
            return self.profession_other
        return self.get_profession_display()


class ProfileChange(models.Model):
    """Append-only history of the portfolio profile: what changed, from what, to what."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    changes = models.JSONField(help_text="{field: [old display value, new display value]}")

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"Profile change {self.changed_at:%Y-%m-%d %H:%M}"


class Rating(models.TextChoices):
    NOT_ASSESSED = "not_assessed", "Not yet assessed"
    WORKING_TOWARDS = "working_towards", "Working towards"
    ACHIEVED = "achieved", "Achieved"


class SelfAssessment(models.Model):
    """One rating, as given at one moment. Never updated: the latest row is the current one."""

    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.CASCADE, related_name="self_assessments"
    )
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    rating = models.CharField(max_length=20, choices=Rating.choices)
    confidence = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = owned_by("portfolio__user")

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["portfolio", "level", "competency", "-id"])]

    def __str__(self) -> str:
        return f"{self.get_rating_display()} at level {self.level}"


class EvidenceKind(models.TextChoices):
    REFLECTIVE_ACCOUNT = "reflective_account", "Reflective account"
    CPD_ACTIVITY = "cpd_activity", "CPD activity"
    SUPERVISION = "supervision", "Supervision session"
    FEEDBACK = "feedback", "Feedback received"
    OBSERVATION = "observation", "Observation of practice"
    CERTIFICATE = "certificate", "Qualification or certificate"
    OTHER = "other", "Other evidence"


class Evidence(models.Model):
    """An evidence item; its content lives in revisions, the newest being `current`."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=30, choices=EvidenceKind.choices)
    current = models.OneToOneField(
        "EvidenceRevision", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Anything ever submitted for review is kept: such an item is archived (hidden from lists,
    # every revision, review and attachment kept), never deleted.
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = owned_by("portfolio__user")

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name_plural = "evidence"
        indexes = [models.Index(fields=["portfolio", "-updated_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class EvidenceRevision(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for review"
        SIGNED_OFF = "signed_off", "Signed off"
        RETURNED = "returned", "Returned for changes"

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(max_length=200)
    date = models.DateField(help_text="When it happened")
    # Hours are columns, not details, so CPD and supervision totals are one SUM query.
    hours = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    is_participatory = models.BooleanField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    # The practitioner's confirmation that flagged text identifies nobody.
    confidentiality_confirmed_at = models.DateTimeField(null=True, blank=True)
    confidentiality_flags = models.JSONField(default=list, blank=True)
    # Set on submission and sign-off; a signed-off revision is never changed again.
    submitted_to = models.ForeignKey(
        "supervision.Supervision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submitted_revisions",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The level the sign-off is asked for, fixed at submission from the practitioner's target
    # level: raising the target afterwards does not change what a sign-off counts for.
    submitted_level = models.PositiveSmallIntegerField(null=True, blank=True)
    signed_off_level = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = owned_by("evidence__portfolio__user")

    class Meta:
        ordering = ["evidence", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["evidence", "number"], name="revision_number"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (revision {self.number})"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class EvidenceLink(models.Model):
    """A revision's claim that it shows a competency, with the reason why."""

    revision = models.ForeignKey(EvidenceRevision, on_delete=models.CASCADE, related_name="links")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    rationale = models.TextField("how this shows it")
    # The reviewer's view of this link at sign-off: only accepted links count as signed off.
    accepted = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["competency__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "competency"], name="one_link_per_competency"
            ),
        ]

    def __str__(self) -> str:
        return f"Link to competency {self.competency_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Random names: nothing about the practitioner or file leaks into the storage path.
    portfolio_id = instance.revision.evidence.portfolio_id
    return f"attachments/{portfolio_id}/{uuid.uuid4().hex}{instance.extension}"


class Attachment(models.Model):
    revision = models.ForeignKey(
        EvidenceRevision, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = owned_by("revision__evidence__portfolio__user")

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.filename


class EvidenceEvent(models.Model):
    """Audit of every evidence state change: who, when, from, to, which revision."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        EDITED = "edited", "Edited"
        NEW_REVISION = "new_revision", "New revision started"
        CONFIDENTIALITY_CONFIRMED = "confidentiality_confirmed", "Confidentiality confirmed"
        ATTACHED = "attached", "Attachment added"
        DETACHED = "detached", "Attachment removed"
        SUBMITTED = "submitted", "Submitted for review"
        SIGNED_OFF = "signed_off", "Signed off"
        RETURNED = "returned", "Returned"
        ARCHIVED = "archived", "Archived"
        RESTORED = "restored", "Restored from the archive"

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="events")
    revision = models.ForeignKey(
        EvidenceRevision, null=True, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The actor's name when they acted (a supervisor's account may close; the history stays).
    actor_name = models.CharField(max_length=150, blank=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.get_action_display()

    def save(self, *args: object, **kwargs: object) -> None:
        freeze_name(self, "actor", "actor_name")
        super().save(*args, **kwargs)

    @property
    def actor_display(self) -> str:
        return frozen_name(self, "actor", "actor_name")


class DevelopmentGoal(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "No longer needed"

    OPEN_STATUSES = (Status.PLANNED, Status.IN_PROGRESS)

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(max_length=200)
    competencies = models.ManyToManyField(Competency, blank=True, related_name="+")
    actions = models.TextField("actions", blank=True, help_text="What you will do, one per line")
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    # The level the goal aims at (the target level when it was set): it closes by itself once
    # every competency it names is signed off at this level or above.
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = owned_by("portfolio__user")

    class Meta:
        ordering = ["target_date", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return bool(
            self.target_date
            and self.status in self.OPEN_STATUSES
            and self.target_date < timezone.localdate()
        )


class GoalEvent(models.Model):
    goal = models.ForeignKey(DevelopmentGoal, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    # Why, when the change was not the practitioner's own (closed by a sign-off).
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"


HOURS_STEP = Decimal("0.25")


class PortfolioImport(models.Model):
    """Audit of one portable-portfolio import: who brought what in, from where, when.

    Written in the same transaction as the rows it created, so an import either left this
    record and everything it lists, or nothing at all."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="imports")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_site = models.CharField(max_length=200)
    exported_at = models.DateTimeField(null=True, blank=True)
    format_version = models.PositiveSmallIntegerField()
    # Of the uploaded file as received, so the very file can be recognised later.
    sha256 = models.CharField(max_length=64)
    counts = models.JSONField(default=dict, help_text="{what: how many rows were created}")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Import from {self.source_site} ({self.created_at:%Y-%m-%d})"


class ImportedSignOff(models.Model):
    """A sign-off given on another installation, kept as a record only.

    It never counts as signed off here: progress, goals and the register read reviews and
    revision statuses, never this table. Its own table (not the revision's details) so an
    edit of the imported draft, which rewrites details, cannot lose it."""

    evidence = models.ForeignKey(
        Evidence, on_delete=models.CASCADE, related_name="imported_sign_offs"
    )
    revision_number = models.PositiveIntegerField(
        help_text="The revision signed, as numbered there"
    )
    site = models.CharField(max_length=200)
    signed_by = models.CharField(max_length=150)
    signed_at = models.DateTimeField()
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    # CASE identifiers of the competencies the reviewer accepted there.
    competencies = models.JSONField(default=list, blank=True)
    portfolio_import = models.ForeignKey(
        PortfolioImport, null=True, on_delete=models.CASCADE, related_name="sign_offs"
    )

    class Meta:
        ordering = ["signed_at", "pk"]

    def __str__(self) -> str:
        return f"Signed off on {self.site} by {self.signed_by}"
