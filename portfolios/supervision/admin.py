"""Read-only admin: supervisions and reviews change only through their services, so that
every change leaves its audit row."""

from __future__ import annotations

from django.contrib import admin

from imhcpd.admin import ReadOnly
from portfolios.supervision.models import AttachmentAccess, Review, Supervision, SupervisionEvent


class SupervisionEventInline(ReadOnly, admin.TabularInline):
    model = SupervisionEvent
    extra = 0
    fields = ["created_at", "actor", "from_status", "to_status", "detail"]
    readonly_fields = fields


@admin.register(Supervision)
class SupervisionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["invitee_name", "invitee_email", "role", "status", "portfolio", "invited_at"]
    list_filter = ["status", "role"]
    search_fields = ["invitee_email", "invitee_name", "portfolio__user__email"]
    exclude = ["token_hash"]
    inlines = [SupervisionEventInline]


@admin.register(Review)
class ReviewAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["revision", "outcome", "level", "reviewer", "created_at"]
    list_filter = ["outcome", "level"]


@admin.register(AttachmentAccess)
class AttachmentAccessAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["attachment", "user_name", "inline", "created_at"]
    list_filter = ["inline"]
    search_fields = ["user_name", "attachment__filename"]
    raw_id_fields = ["attachment", "user"]
