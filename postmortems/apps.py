from django.apps import AppConfig


class PostmortemsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "postmortems"
    verbose_name = "Post-mortems"

    def ready(self) -> None:
        from incidents.services import on_incident_event
        from postmortems.services import on_incident_resolved

        # Runs inside the resolve transaction: the draft commits or rolls back with it.
        on_incident_event("resolved", on_incident_resolved)
