"""URL converters shared by the apps."""

from django.urls import register_converter


class CompetencyCodeConverter:
    """Competency codes such as 1.01; anything else is a 404 before any view runs."""

    regex = r"[0-9]+\.[0-9]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CompetencyCodeConverter, "code")
