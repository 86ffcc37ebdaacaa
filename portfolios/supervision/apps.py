from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "portfolios.supervision"
    label = "supervision"
    verbose_name = "Supervision"

    def ready(self) -> None:
        from django.db.models import Count, Exists, OuterRef, Q

        from imhcpd.erasure import register_step
        from imhcpd.navigation import register_flag
        from portfolios.supervision import erasure
        from portfolios.supervision.models import Supervision

        register_step("supervision", order=30, erase=erasure.erase, export=erasure.export)

        register_flag(
            "supervisor",
            lambda: Exists(
                Supervision.objects.filter(
                    supervisor_id=OuterRef("pk"), status=Supervision.Status.ACTIVE
                )
            ),
            landing="supervision:home",
        )
        register_flag(
            "unread",
            lambda: Count("notifications", filter=Q(notifications__read_at__isnull=True)),
        )
