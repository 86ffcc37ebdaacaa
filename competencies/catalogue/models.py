"""Courses, mapped to competencies by code and level (codes, not rows: a mapping outlives
a framework version, and is resolved against whichever version a portfolio uses)."""

from __future__ import annotations

from django.db import models


class CourseKind(models.TextChoices):
    SHORT = "short", "Short course"
    ONE_YEAR = "one_year", "One-year post-qualifying training"
    TWO_YEAR_PSYCHOTHERAPY = "two_year_psychotherapy", "Two-year psychotherapy training"
    PG_CERT = "pg_cert", "Postgraduate certificate"
    PG_DIP = "pg_dip", "Postgraduate diploma"
    MSC = "msc", "MSc"
    MICROCREDENTIAL = "microcredential", "Microcredential"


class CourseMode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "Online"
    BLENDED = "blended", "Blended"


class Course(models.Model):
    # The stable key an import file matches on.
    code = models.SlugField(max_length=80, unique=True)
    provider = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=30, choices=CourseKind.choices)
    duration = models.CharField(
        max_length=100, blank=True, help_text='As published, e.g. "2 years part-time".'
    )
    hours = models.DecimalField(
        "learning hours",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="For the CPD record made when someone completes it.",
    )
    mode = models.CharField(max_length=10, choices=CourseMode.choices, blank=True)
    eligibility = models.TextField(blank=True)
    url = models.URLField(blank=True)
    cost = models.DecimalField("cost (£)", max_digits=8, decimal_places=2, null=True, blank=True)
    # Where the course facts come from, and whether the competency mapping is ours.
    source = models.TextField(blank=True)
    mapping_is_illustrative = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.provider})"


class CourseCompetency(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="outcomes")
    code = models.CharField("competency code", max_length=10)
    level = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["course", "code"]
        constraints = [
            models.UniqueConstraint(fields=["course", "code"], name="course_competency_once")
        ]

    def __str__(self) -> str:
        return f"{self.code} at Level {self.level}"
