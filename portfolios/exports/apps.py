from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "portfolios.exports"
    label = "exports"
    verbose_name = "PDF exports and verification"

    def ready(self) -> None:
        from imhcpd.erasure import register_step
        from portfolios.exports import erasure

        register_step(
            "exports", order=20, erase=erasure.erase, export=erasure.export, files=erasure.files
        )
