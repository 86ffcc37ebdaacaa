from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "register"
    verbose_name = "IMH Recognition Register"

    def ready(self) -> None:
        from imhcpd.erasure import register_step
        from imhcpd.navigation import register_flag, register_link
        from imhcpd.roles import register_admin_annotation
        from portfolios.supervision.queue import register_queue_section
        from register import erasure
        from register.selectors import endorsements_waiting_for

        register_flag("register_admin", register_admin_annotation, landing="register:admin_home")
        register_link(
            "register-admin",
            "Register administration",
            "register:admin_home",
            role="register_admin",
            order=15,
            matches=("register:admin_*",),
        )
        register_link(
            "register-apply",
            "Register",
            "register:apply",
            role="practitioner",
            order=60,
            matches=("register:apply*", "register:application*", "register:renew*"),
        )
        register_link(
            "public-register",
            "Public register",
            "register:search",
            role=None,
            order=100,
            matches=("register:search", "register:entry"),
        )
        # First: applications protect supervisions (endorsements) and entries; the register
        # deals with them before the layers below.
        register_step("register", order=10, erase=erasure.erase, export=erasure.export)
        # The dashboard's last "Get started" step and its "You can now apply" prompt.
        from portfolios.panels import register_dashboard_panel, register_onboarding_step
        from register.dashboard import apply_prompt, finish_step

        register_onboarding_step(order=60, task=finish_step)
        register_dashboard_panel(
            order=10, template="register/_apply_prompt.html", context=apply_prompt
        )
        # Supervisors are asked to endorse applications; the request waits in their queue.
        register_queue_section(
            template="register/_endorsements_waiting.html", items=endorsements_waiting_for
        )
