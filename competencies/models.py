"""The competency framework: versions, levels, domains, competencies, descriptors.

A framework version is written once, by the import service, and never edited
afterwards: portfolios point at a version, so a new text is a new version.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

CODE_PATTERN = r"^[1-9]\.\d{2}$"


class Framework(models.Model):
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=50)
    source = models.TextField(blank=True)
    licence_note = models.TextField(blank=True)
    is_illustrative = models.BooleanField(
        default=False,
        help_text="The statement texts were written by IMH CPD, not AiMH UK.",
    )
    is_active = models.BooleanField(
        "active",
        default=False,
        help_text="The version new portfolios use and the public pages show.",
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="framework_name_version"),
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_framework"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"


class FrameworkEvent(models.Model):
    """Audit trail of imports and activations."""

    class Action(models.TextChoices):
        IMPORTED = "imported", "Imported"
        ACTIVATED = "activated", "Activated"
        DEACTIVATED = "deactivated", "Deactivated"

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.framework}: {self.get_action_display()}"


class Level(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="levels")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["framework", "number"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="level_number"),
        ]

    def __str__(self) -> str:
        return f"Level {self.number}: {self.name}"


class Domain(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="domains")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["framework", "number"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="domain_number"),
        ]

    def __str__(self) -> str:
        return f"Domain {self.number}: {self.title}"


class Competency(models.Model):
    # Stored beside `domain` so a code can be unique per framework in the database.
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="competencies")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="competencies")
    code = models.CharField(
        max_length=10,
        validators=[RegexValidator(CODE_PATTERN, "Codes look like 1.01: domain, dot, two digits.")],
    )
    group = models.CharField("group heading", max_length=200, blank=True)
    title = models.CharField(max_length=300)
    order = models.PositiveIntegerField()

    class Meta:
        ordering = ["framework", "order"]
        verbose_name_plural = "competencies"
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="competency_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Descriptor(models.Model):
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="descriptors")
    level = models.ForeignKey(Level, on_delete=models.PROTECT, related_name="descriptors")
    text = models.TextField()

    class Meta:
        ordering = ["competency", "level__number"]
        constraints = [
            models.UniqueConstraint(fields=["competency", "level"], name="descriptor_level"),
        ]

    def __str__(self) -> str:
        return f"{self.competency.code} at level {self.level.number}"


# The training catalogue keeps its models beside the framework it maps to.
from competencies.catalogue.models import Course, CourseCompetency  # noqa: E402,F401
