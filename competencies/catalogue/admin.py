"""Staff edit courses here between imports (e.g. retire one with is_active). Registered from
competencies/admin.py, since Django discovers only an app's own admin module."""

from __future__ import annotations

from django.contrib import admin

from competencies.catalogue.models import Course, CourseCompetency


class CourseCompetencyInline(admin.TabularInline):
    model = CourseCompetency
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "provider", "kind", "mode", "cost", "is_active")
    list_filter = ("kind", "mode", "is_active", "mapping_is_illustrative")
    search_fields = ("code", "title", "provider")
    inlines = [CourseCompetencyInline]
