from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "portfolios.exports"
    label = "exports"
    verbose_name = "PDF exports and verification"

    def ready(self) -> None:
        from imhcpd.erasure import register_step
        from imhcpd.navigation import register_link
        from portfolios.exports import erasure

        register_step(
            "exports", order=20, erase=erasure.erase, export=erasure.export, files=erasure.files
        )

        # Revalidation progress on the dashboard (the dashboard may not import exports).
        from portfolios.exports.dashboard import revalidation_panel
        from portfolios.panels import register_dashboard_panel

        register_dashboard_panel(
            order=20,
            template="exports/revalidation/_panel.html",
            context=revalidation_panel,
            area="side",
        )
        register_link(
            "exports",
            "PDF exports",
            "exports:list",
            role="practitioner",
            order=80,
            matches=("exports:list", "exports:detail"),
        )
        register_link(
            "revalidation",
            "Revalidation",
            "exports:revalidation",
            role="practitioner",
            order=75,
            matches=("exports:revalidation*",),
        )
