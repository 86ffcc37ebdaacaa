from django.apps import AppConfig


class PortfoliosConfig(AppConfig):
    name = "portfolios"
    verbose_name = "Portfolios"

    def ready(self) -> None:
        from django.db.models import Exists, OuterRef

        from imhcpd.erasure import register_step
        from imhcpd.navigation import register_flag, register_link
        from portfolios import erasure
        from portfolios.models import Portfolio
        from portfolios.personal_data import attachment_files, portfolio_section

        # Last among the apps: the layers above clear what protects the portfolio's rows.
        register_step(
            "portfolios",
            order=40,
            erase=erasure.erase,
            export=portfolio_section,
            files=attachment_files,
        )

        # Everyone signed in is a practitioner unless they came only to supervise or
        # administer (then they see their own work until they start a portfolio).
        register_flag(
            "practitioner",
            lambda: Exists(Portfolio.objects.filter(user_id=OuterRef("pk"))),
            landing="portfolios:dashboard",
            fallback=True,
        )
        register_link(
            "dashboard", "Dashboard", "portfolios:dashboard", role="practitioner", order=10
        )
        register_link(
            "matrix",
            "Competencies",
            "portfolios:matrix",
            role="practitioner",
            order=30,
            matches=("portfolios:matrix", "portfolios:competency", "portfolios:assess_domain"),
        )
        register_link(
            "evidence",
            "Evidence",
            "portfolios:evidence_list",
            role="practitioner",
            order=40,
            matches=("portfolios:evidence_*",),
        )
        register_link(
            "plan",
            "Plan",
            "portfolios:plan",
            role="practitioner",
            order=70,
            matches=("portfolios:plan", "portfolios:goal_*"),
        )
