"""Write a framework version as JSON or CSV that `import_framework` reads back."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from competencies.formats import to_csv, to_json
from competencies.models import Framework
from competencies.selectors import framework_to_data


class Command(BaseCommand):
    help = "Export a competency framework version as JSON or CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["json", "csv"], default="json")
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
        text = to_json(data) if options["format"] == "json" else to_csv(data)
        if options["output"]:
            Path(str(options["output"])).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {framework} to {options['output']}.")
        else:
            self.stdout.write(text, ending="")
