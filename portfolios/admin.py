"""Read-only admin: portfolio content changes only through the practitioner's own pages,
so that every change leaves its history (revisions, events)."""

from __future__ import annotations

from django.contrib import admin

from imhcpd.admin import ReadOnly
from portfolios.models import (
    DevelopmentGoal,
    Evidence,
    EvidenceEvent,
    EvidenceRevision,
    Portfolio,
)


@admin.register(Portfolio)
class PortfolioAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "user",
        "profession",
        "professional_body",
        "target_level",
        "region",
        "created_at",
    ]
    list_filter = ["profession", "professional_body", "target_level", "region"]
    search_fields = ["user__email", "user__full_name", "registration_number"]
    list_select_related = ["user"]


class RevisionInline(ReadOnly, admin.StackedInline):
    model = EvidenceRevision
    extra = 0
    fields = ["number", "status", "title", "date", "hours", "signed_off_level", "updated_at"]
    readonly_fields = fields


class EventInline(ReadOnly, admin.TabularInline):
    model = EvidenceEvent
    extra = 0
    fields = ["created_at", "action", "actor", "from_status", "to_status", "revision"]
    readonly_fields = fields


@admin.register(Evidence)
class EvidenceAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["pk", "kind", "portfolio", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["portfolio__user__email"]
    list_select_related = ["portfolio__user"]
    inlines = [RevisionInline, EventInline]


@admin.register(DevelopmentGoal)
class DevelopmentGoalAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["title", "portfolio", "status", "target_date"]
    list_filter = ["status"]
