"""Write the training catalogue as JSON or CSV that `import_training` reads back."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from competencies.catalogue.formats import to_csv, to_json
from competencies.catalogue.selectors import catalogue_data


class Command(BaseCommand):
    help = "Export the training catalogue (every course, by code) as JSON or CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args: object, **options: object) -> None:
        courses = catalogue_data()
        text = to_json(courses) if options["format"] == "json" else to_csv(courses)
        if options["output"]:
            Path(str(options["output"])).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {len(courses)} course(s) to {options['output']}.")
        else:
            self.stdout.write(text, ending="")
