"""Load training courses (JSON or CSV) into the catalogue, all or nothing.

The whole file is checked first against the active framework; on any problem every
problem is listed with its line or record and nothing is written. Courses are matched by
`code`: a new code adds a course, a known one is updated and its competency mapping is
replaced by the file's. Courses the file does not mention are left alone.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from competencies.catalogue.formats import parse_training
from competencies.catalogue.models import Course
from competencies.catalogue.services import courses_import
from competencies.formats import FrameworkFileError, guess_format
from competencies.models import Competency
from competencies.selectors import active_framework


class Command(BaseCommand):
    help = (
        "Import training courses from JSON (format imhcpd-training) or CSV. Courses are "
        "matched by code; a known course is updated and its competency mapping replaced."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="JSON or CSV file, UTF-8")
        parser.add_argument("--format", choices=["json", "csv"], help="default: from the name")
        parser.add_argument(
            "--skip-existing",
            action="store_true",
            help="add only courses whose code is new; leave the others as they are (for "
            "set-up scripts, so a course edited in the admin is not overwritten)",
        )
        parser.add_argument("--check", action="store_true", help="validate only; write nothing")

    def handle(self, *args: object, **options: object) -> None:
        path = Path(str(options["path"]))
        fmt = options["format"] or guess_format(path.name)
        if fmt is None:
            raise CommandError(f"{path}: cannot tell the format from the name; pass --format")
        framework = active_framework()
        if framework is None:
            # Mappings are checked against the framework's codes: it must be loaded first.
            raise CommandError("No framework is active; run import_framework --activate first.")
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from exc
        codes = set(Competency.objects.filter(framework=framework).values_list("code", flat=True))
        try:
            courses = parse_training(raw, fmt=str(fmt), known_codes=codes)
        except FrameworkFileError as exc:
            for problem in exc.problems:
                self.stderr.write(f"{path}: {problem}")
            raise CommandError(
                f"{len(exc.problems)} problem(s) found in {path}; nothing was imported."
            ) from exc
        if options["check"]:
            self.stdout.write(f"{path}: no problems ({len(courses)} courses).")
            return
        skipped = 0
        if options["skip_existing"]:
            known = set(Course.objects.values_list("code", flat=True))
            skipped = sum(1 for c in courses if c.code in known)
            courses = [c for c in courses if c.code not in known]
        result = courses_import(courses=courses)
        replaced = " (their competency mappings replaced by the file's)" if result.updated else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {path.name}: {len(result.added)} course(s) added, "
                f"{len(result.updated)} updated{replaced}"
                + (f", {skipped} already loaded and left as they are." if skipped else ".")
            )
        )
