"""Read-only admin: applications and entries change only through the register's services,
so every change leaves its audit row; administrators decide on the register's own pages."""

from __future__ import annotations

from django.contrib import admin

from imhcpd.admin import ReadOnly
from register.models import (
    Application,
    ApplicationEvent,
    ApplicationSnapshot,
    EntryEvent,
    RegisterEntry,
)


class ApplicationEventInline(ReadOnly, admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    fields = ["created_at", "actor", "from_status", "to_status", "detail"]
    readonly_fields = fields


class SnapshotInline(ReadOnly, admin.TabularInline):
    model = ApplicationSnapshot
    extra = 0
    fields = ["version", "created_at", "content_hash", "export"]
    readonly_fields = fields


@admin.register(Application)
class ApplicationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["pk", "applicant", "level", "status", "submitted_at", "assigned_to"]
    list_filter = ["status", "level"]
    search_fields = ["applicant__email", "applicant__full_name"]
    inlines = [SnapshotInline, ApplicationEventInline]


class EntryEventInline(ReadOnly, admin.TabularInline):
    model = EntryEvent
    extra = 0
    fields = ["created_at", "actor", "from_status", "to_status", "detail"]
    readonly_fields = fields


@admin.register(RegisterEntry)
class RegisterEntryAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["number", "name", "level", "region_label", "valid_to", "status"]
    list_filter = ["status", "level", "region"]
    search_fields = ["number", "name"]
    inlines = [EntryEventInline]
