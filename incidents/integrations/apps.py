from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents.integrations"
    label = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from incidents.integrations import changes, services
        from incidents.services import on_incident_event

        on_incident_event("declared", changes.link_recent_changes)
        on_incident_event("resolved", services.close_alerts_of_incident)
        on_incident_event("cancelled", services.close_alerts_of_incident)
