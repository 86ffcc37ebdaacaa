"""Stub: replaced by the team page, the CSV and the PDF report."""

from django.http import Http404


def _todo(*args: object, **kwargs: object) -> None:
    raise Http404


team = report_csv = report_pdf = _todo
