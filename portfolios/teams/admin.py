"""Teams admin: staff edit the team standards (the requirements inline); services, members,
invitations and their audit trail are read-only, because they change only through the
services, each leaving its TeamEvent."""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from imhcpd.admin import ReadOnly
from portfolios.teams.models import (
    Membership,
    Service,
    StandardRequirement,
    TeamEvent,
    TeamInvitation,
    TeamStandard,
)


class StandardRequirementInline(admin.TabularInline):
    model = StandardRequirement
    extra = 0
    fields = ["position", "label", "roles", "level", "minimum"]


@admin.register(TeamStandard)
class TeamStandardAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_default", "updated_at"]
    list_filter = ["kind", "is_default"]
    search_fields = ["name", "source"]
    inlines = [StandardRequirementInline]
    # Django 6 makes https the default scheme; say so now (the warning is an error in tests).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class MembershipInline(ReadOnly, admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "is_lead", "role", "wte", "shares_summary", "joined_at", "left_at"]
    readonly_fields = fields


class TeamEventInline(ReadOnly, admin.TabularInline):
    model = TeamEvent
    extra = 0
    fields = ["created_at", "actor_name", "from_status", "to_status", "detail"]
    readonly_fields = fields


@admin.register(Service)
class ServiceAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "kind", "region", "standard", "created_at"]
    list_filter = ["kind", "region"]
    search_fields = ["name"]
    inlines = [MembershipInline, TeamEventInline]


@admin.register(Membership)
class MembershipAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["user", "service", "is_lead", "role", "shares_summary", "left_at"]
    list_filter = ["is_lead", "shares_summary", "role"]
    search_fields = ["user__email", "user__full_name", "service__name"]


@admin.register(TeamInvitation)
class TeamInvitationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["email", "service", "as_lead", "status", "created_at", "expires_at"]
    list_filter = ["status", "as_lead"]
    search_fields = ["email", "name", "service__name"]
    exclude = ["token_hash"]


@admin.register(TeamEvent)
class TeamEventAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["created_at", "service", "actor_name", "to_status", "detail"]
    list_filter = ["to_status"]
    search_fields = ["service__name", "detail", "actor_name"]
