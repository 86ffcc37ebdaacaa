"""Show, rotate or retire the credential signing keys (the file in CREDENTIAL_SIGNING_KEYS)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from register.credentials import keys


class Command(BaseCommand):
    help = (
        "show: list the keys (the first signs). rotate: add a new signing key in front; the "
        "old keys stay published so what they signed still verifies. retire KID: stop "
        "publishing an old key (credentials it signed will no longer verify)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["show", "rotate", "retire"])
        parser.add_argument("kid", nargs="?")

    def handle(self, *args: Any, action: str, kid: str | None, **options: Any) -> None:
        if action == "rotate":
            key = keys.rotate()
            self.stdout.write(f"New signing key {key.kid}.")
            return
        if action == "retire":
            if not kid:
                raise CommandError("Name the key to retire.")
            try:
                keys.retire(kid)
            except KeyError:
                raise CommandError(f"No key {kid}.") from None
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"Retired {kid}.")
            return
        try:
            found = keys.private_keys()
        except keys.SigningKeyMissing as exc:
            raise CommandError(str(exc)) from None
        for i, key in enumerate(found):
            self.stdout.write(f"{key.kid}{'  (signs new credentials)' if i == 0 else ''}")
