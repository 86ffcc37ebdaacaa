from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "register"
    verbose_name = "IMH Recognition Register"

    def ready(self) -> None:
        from imhcpd.erasure import register_step
        from imhcpd.navigation import register_flag
        from imhcpd.roles import register_admin_annotation
        from portfolios.supervision.queue import register_queue_section
        from register import erasure
        from register.selectors import endorsements_waiting_for

        register_flag("register_admin", register_admin_annotation, landing="register:admin_home")
        # First: applications protect supervisions (endorsements) and entries; the register
        # deals with them before the layers below.
        register_step("register", order=10, erase=erasure.erase, export=erasure.export)
        # Supervisors are asked to endorse applications; the request waits in their queue.
        register_queue_section(
            template="register/_endorsements_waiting.html", items=endorsements_waiting_for
        )
