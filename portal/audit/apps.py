from django.apps import AppConfig


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from portal.audit import receivers, roles

        receivers.connect()
        # Permissions of apps added later only exist after their migrations ran, so the
        # roles are (re)applied after every migrate as well as by the data migration.
        post_migrate.connect(roles.setup_roles_after_migrate, sender=self)
