from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "portfolios.supervision"
    label = "supervision"
    verbose_name = "Supervision"

    def ready(self) -> None:
        from django.db.models import Exists, OuterRef

        from imhcpd.erasure import register_step
        from imhcpd.navigation import register_flag, register_link
        from portfolios.supervision import erasure
        from portfolios.supervision.models import Supervision
        from portfolios.supervision.notifications import unread_count

        register_step("supervision", order=30, erase=erasure.erase, export=erasure.export)

        # The dashboard's "Get started" list: inviting a supervisor is supervision's step.
        from portfolios.panels import register_onboarding_step
        from portfolios.supervision.dashboard import invite_step

        register_onboarding_step(order=40, task=invite_step)

        register_flag(
            "supervisor",
            lambda: Exists(
                Supervision.objects.filter(
                    supervisor_id=OuterRef("pk"), status=Supervision.Status.ACTIVE
                )
            ),
            landing="supervision:home",
        )
        register_link(
            "review-queue",
            "Review queue",
            "supervision:home",
            role="supervisor",
            order=20,
            matches=("supervision:home", "supervision:review*", "supervision:supervisee*"),
        )
        register_link(
            "supervisors",
            "Supervisors",
            "supervision:supervisors",
            role="practitioner",
            order=50,
            matches=("supervision:supervisors", "supervision:invit*"),
        )
        register_flag(
            "unread",
            # A counted subquery, not a join: the join made the whole navigation query a
            # GROUP BY, planned on every page (EXPLAIN ANALYZE: 0.44 → 0.28 ms planning).
            unread_count,
        )
