from django.apps import AppConfig


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    # The app label stays "portal": its tables, permissions and migrations keep their names.
    name = "portal.access"
    label = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        # Registers the OpenAPI description of token auth for every schema.
        # Each login lockout is audited and sent to the founders at once.
        from axes.signals import user_locked_out

        from portal.access.lockouts import on_user_locked_out
        from portal.kernel.api import schema  # noqa: F401

        user_locked_out.connect(on_user_locked_out, dispatch_uid="portal-login-lockout")
