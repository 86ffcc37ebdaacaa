"""Load a framework text (JSON, CSV or a CASE 1.1 package) as a new framework version.

The whole file is checked before anything is written; on any problem every
problem is listed with its line or record and nothing reaches the database.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from competencies.formats import FrameworkFileError, Metadata, guess_format, parse_framework
from competencies.models import Framework
from competencies.services import FrameworkVersionExists, framework_import


class Command(BaseCommand):
    help = "Import a competency framework from JSON (the fixture's shape), CSV or CASE 1.1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="JSON, CSV or CASE (CFPackage JSON) file, UTF-8")
        parser.add_argument(
            "--format",
            choices=["json", "csv", "case"],
            help="default: from the name (a .json file holding a CFDocument is read as CASE)",
        )
        parser.add_argument("--name", help="framework name (overrides the file)")
        parser.add_argument(
            "--framework-version", dest="fw_version", help="version label, e.g. 2022.1"
        )
        parser.add_argument("--source", help="where the text comes from")
        parser.add_argument("--licence-note", help="the terms the text is used under")
        illustrative = parser.add_mutually_exclusive_group()
        illustrative.add_argument(
            "--illustrative",
            dest="is_illustrative",
            action="store_const",
            const=True,
            help="mark the text as illustrative (not AiMH UK's)",
        )
        illustrative.add_argument(
            "--official",
            dest="is_illustrative",
            action="store_const",
            const=False,
            help="mark the text as the official AiMH UK text",
        )
        parser.add_argument(
            "--activate", action="store_true", help="make it the framework new portfolios use"
        )
        parser.add_argument(
            "--skip-existing",
            action="store_true",
            help="succeed without change if this name and version are already loaded",
        )
        parser.add_argument("--check", action="store_true", help="validate only; write nothing")

    def handle(self, *args: object, **options: object) -> None:
        path = Path(str(options["path"]))
        fmt = options["format"] or guess_format(path.name)
        if fmt is None:
            raise CommandError(f"{path}: cannot tell the format from the name; pass --format")
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from exc
        metadata = Metadata(
            name=options["name"],
            version=options["fw_version"],
            source=options["source"],
            licence_note=options["licence_note"],
            is_illustrative=options["is_illustrative"],
        )
        try:
            data = parse_framework(raw, fmt=fmt, metadata=metadata)
        except FrameworkFileError as exc:
            for problem in exc.problems:
                self.stderr.write(f"{path}: {problem}")
            raise CommandError(
                f"{len(exc.problems)} problem(s) found in {path}; nothing was imported."
            ) from exc

        summary = (
            f"{len(data.domains)} domains, {data.competency_count} competencies, "
            f"{data.descriptor_count} descriptors"
        )
        if options["check"]:
            self.stdout.write(f"{path}: no problems ({summary}).")
            return
        if options["skip_existing"]:
            existing = Framework.objects.filter(name=data.name, version=data.version).first()
            if existing is not None:
                self.stdout.write(f"{existing} is already loaded; nothing to do.")
                return
        try:
            framework = framework_import(
                data=data, activate=bool(options["activate"]), source_name=path.name
            )
        except FrameworkVersionExists as exc:
            raise CommandError(f"{exc} Nothing was imported.") from exc
        note = " It is now the active framework." if framework.is_active else ""
        label = " (illustrative text)" if framework.is_illustrative else ""
        self.stdout.write(self.style.SUCCESS(f"Imported {framework}{label}: {summary}.{note}"))
