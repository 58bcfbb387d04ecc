from django.apps import AppConfig


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        # Registers the OpenAPI description of token auth for every schema.
        # Each login lockout is audited and sent to the founders at once.
        from axes.signals import user_locked_out

        from portal.api import schema  # noqa: F401
        from portal.security.lockouts import on_user_locked_out

        user_locked_out.connect(on_user_locked_out, dispatch_uid="portal-login-lockout")
