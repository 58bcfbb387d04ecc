from django.apps import AppConfig


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        # Registers the OpenAPI description of token auth for every schema.
        from portal.api import schema  # noqa: F401
