"""Framework versions are read-only in the admin: texts change only by importing a new version."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from competencies.models import Competency, Descriptor, Domain, Framework, FrameworkEvent, Level


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class FrameworkEventInline(admin.TabularInline):
    model = FrameworkEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "actor", "detail", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyAdmin):
    list_display = ["name", "version", "is_illustrative", "is_active", "imported_at"]
    list_filter = ["is_active", "is_illustrative"]
    inlines = [FrameworkEventInline]


@admin.register(Domain)
class DomainAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "framework"]
    list_filter = ["framework"]


@admin.register(Level)
class LevelAdmin(ReadOnlyAdmin):
    list_display = ["number", "name", "framework"]
    list_filter = ["framework"]


class DescriptorInline(admin.StackedInline):
    model = Descriptor
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Competency)
class CompetencyAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "group", "domain", "framework"]
    list_filter = ["framework", "domain__number"]
    search_fields = ["code", "title", "group"]
    list_select_related = ["domain", "framework"]
    inlines = [DescriptorInline]


from competencies.catalogue import admin as _catalogue_admin  # noqa: E402,F401
