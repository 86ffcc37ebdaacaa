from django.apps import AppConfig


class ImhcpdConfig(AppConfig):
    name = "imhcpd"
    verbose_name = "Accounts and site"

    def ready(self) -> None:
        from allauth.mfa.signals import authenticator_added

        from imhcpd.adapters import record_mfa_on_set_up
        from imhcpd.navigation import register_link

        register_link("site-admin", "Site admin", "admin:index", role="staff", order=95)

        authenticator_added.connect(record_mfa_on_set_up, dispatch_uid="imhcpd-mfa-set-up")
