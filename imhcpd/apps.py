from django.apps import AppConfig


class ImhcpdConfig(AppConfig):
    name = "imhcpd"
    verbose_name = "Accounts and site"
