from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "portfolios.exports"
    label = "exports"
    verbose_name = "PDF exports and verification"
