from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents.integrations"
    label = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from incidents import extension_point
        from incidents.extension_point import Extension, IncidentEvent
        from incidents.integrations import (
            changes,
            checks,  # noqa: F401 - registers the checks
            ingestion,
        )
        from incidents.integrations.admin import AlertInline, RecentChangeInline

        extension_point.register(
            Extension(
                app_label=self.label,
                order=20,
                hooks={
                    IncidentEvent.DECLARED: [changes.link_recent_changes],
                    IncidentEvent.RESOLVED: [ingestion.close_alerts_of_incident],
                    IncidentEvent.CANCELLED: [ingestion.close_alerts_of_incident],
                },
                incident_inlines=[AlertInline, RecentChangeInline],
            )
        )
