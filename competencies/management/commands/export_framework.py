"""Write a framework version as JSON, CSV or CASE 1.1 that `import_framework` reads back."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from competencies.formats import to_case_json, to_csv, to_json
from competencies.models import Framework
from competencies.selectors import framework_to_data


class Command(BaseCommand):
    help = "Export a competency framework version as JSON, CSV or a CASE 1.1 package (CFPackage)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["json", "csv", "case"], default="json")
        parser.add_argument(
            "--framework-version",
            help="version label to export (default: the active framework)",
        )
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args: object, **options: object) -> None:
        frameworks = Framework.objects.all()
        if options["framework_version"]:
            frameworks = frameworks.filter(version=options["framework_version"])
        else:
            frameworks = frameworks.filter(is_active=True)
        framework = frameworks.first()
        if framework is None:
            raise CommandError("No such framework version is loaded.")
        data = framework_to_data(framework)
        if options["format"] == "case":
            # The import time is the version's last change: versions are never edited.
            text = to_case_json(data, base_url=settings.SITE_URL, last_change=framework.imported_at)
        elif options["format"] == "json":
            text = to_json(data)
        else:
            text = to_csv(data)
        if options["output"]:
            Path(str(options["output"])).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {framework} to {options['output']}.")
        else:
            self.stdout.write(text, ending="")
