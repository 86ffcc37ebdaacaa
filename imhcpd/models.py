"""The custom user: the email address is the login; there is no username."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        # Logins are case-insensitive: people type their address however they like.
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(
        "full name",
        max_length=150,
        help_text="As it should appear on your portfolio and any register entry.",
    )
    is_staff = models.BooleanField(
        "staff status",
        default=False,
        help_text="Can log into the Django admin site (requires two-factor authentication).",
    )
    is_active = models.BooleanField("active", default=True)
    date_joined = models.DateTimeField("date joined", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class AccountErasure(models.Model):
    """That an account was closed, when and on whose request: written by
    `imhcpd.erasure.account_erase` and kept after the account is gone. No personal data:
    account numbers only, and counts of what each step removed or kept."""

    account_id = models.PositiveIntegerField(db_index=True)
    by_account_id = models.PositiveIntegerField(null=True, blank=True)
    by_self = models.BooleanField(help_text="The person closed their own account.")
    erased_at = models.DateTimeField(default=timezone.now)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-erased_at", "-pk"]
        verbose_name = "account erasure"

    def __str__(self) -> str:
        return f"Account #{self.account_id} closed {self.erased_at:%Y-%m-%d}"


class FileRemoval(models.Model):
    """A stored file that must go — an erased account's, an expired export's — written in the
    transaction that decides it (`imhcpd.files.remove_later`). If the file store is away when
    that commits, the row stays and beat tries again: the removal is delayed, never forgotten.
    Holds only the random storage name, no personal data."""

    name = models.CharField(max_length=255)
    reason = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.reason})"
