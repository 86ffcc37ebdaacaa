from django.apps import AppConfig


class PortfoliosConfig(AppConfig):
    name = "portfolios"
    verbose_name = "Portfolios"

    def ready(self) -> None:
        from django.db.models import Exists, OuterRef

        from imhcpd.navigation import register_flag
        from portfolios.models import Portfolio

        # Everyone signed in is a practitioner unless they came only to supervise or
        # administer (then they see their own work until they start a portfolio).
        register_flag(
            "practitioner",
            lambda: Exists(Portfolio.objects.filter(user_id=OuterRef("pk"))),
            landing="portfolios:dashboard",
            fallback=True,
        )
