from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "portfolios.teams"
    label = "teams"
    verbose_name = "Services and teams"
