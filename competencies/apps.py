from django.apps import AppConfig


class CompetenciesConfig(AppConfig):
    name = "competencies"
    verbose_name = "Competency framework"

    def ready(self) -> None:
        from competencies.content import connect_signals
        from imhcpd.navigation import register_link

        connect_signals()

        register_link(
            "framework",
            "Framework",
            "competencies:overview",
            role=None,
            order=90,
            matches=("competencies:*",),
        )
