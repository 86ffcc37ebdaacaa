from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from imhcpd.erasure import account_erase
from imhcpd.models import AccountErasure, FileRemoval, User


class ReadOnly:
    """For records whose every change must go through a service and leave its audit row."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal details", {"fields": ("full_name",)}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "password1", "password2"),
            },
        ),
    )

    # Deleting a user here (the delete page or the "delete selected" action) closes the
    # account through the erasure service, as the person's own "delete my account" does:
    # a plain delete would hit protected rows or lose what others rely on.
    def get_deleted_objects(self, objs, request):  # type: ignore[no-untyped-def]
        users = list(objs)
        perms_needed = set() if self.has_delete_permission(request) else {"user"}
        summary = [
            f"{user}: account closed — portfolio, evidence, files and applications deleted; "
            "supervisions ended with notice; reviews, endorsements and decisions kept under "
            "the name as it was; any register entry kept as removed — account closed"
            for user in users
        ]
        return summary, {"users": len(users)}, perms_needed, []

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        account_erase(user=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in list(queryset):
            account_erase(user=user, by=request.user)

    def log_deletions(self, request: HttpRequest, queryset: object) -> None:
        # AccountErasure is the record, without the person's name (an admin log entry keeps
        # the object's name for ever).
        return None


@admin.register(AccountErasure)
class AccountErasureAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["account_id", "erased_at", "by_account_id", "by_self"]
    readonly_fields = ["account_id", "by_account_id", "by_self", "erased_at", "summary"]


@admin.register(FileRemoval)
class FileRemovalAdmin(ReadOnly, admin.ModelAdmin):
    """Files waiting to be removed because the store was away (imhcpd.files): normally empty;
    rows that stay, with many attempts, need an operator to look at the store."""

    list_display = ("name", "reason", "created_at", "attempts", "last_error")
    list_filter = ("reason",)
