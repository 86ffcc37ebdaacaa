from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "register"
    verbose_name = "IMH Recognition Register"

    def ready(self) -> None:
        from imhcpd.navigation import register_flag
        from imhcpd.roles import register_admin_annotation
        from portfolios.supervision.queue import register_queue_section
        from register.selectors import endorsements_waiting_for

        register_flag("register_admin", register_admin_annotation, landing="register:admin_home")
        # Supervisors are asked to endorse applications; the request waits in their queue.
        register_queue_section(
            template="register/_endorsements_waiting.html", items=endorsements_waiting_for
        )
