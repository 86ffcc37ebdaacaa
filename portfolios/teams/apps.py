from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "portfolios.teams"
    label = "teams"
    verbose_name = "Services and teams"

    def ready(self) -> None:
        from django.db.models import Exists, OuterRef

        from imhcpd.erasure import register_step
        from imhcpd.navigation import register_flag, register_link
        from portfolios.teams import erasure
        from portfolios.teams.models import Membership

        # The top layer: its rows are dealt with before everything they read.
        register_step("teams", order=5, erase=erasure.erase, export=erasure.export)

        register_flag(
            "team",
            lambda: Exists(Membership.objects.filter(user_id=OuterRef("pk"), left_at=None)),
        )
        register_link("teams", "Teams", "teams:home", role="team", order=85, matches=("teams:*",))
