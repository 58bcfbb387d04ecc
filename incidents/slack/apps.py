from django.apps import AppConfig


class SlackConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents.slack"
    label = "slack"
    verbose_name = "Slack"

    def ready(self) -> None:
        from incidents.policies import register_preset_loader
        from incidents.services import on_incident_event
        from incidents.slack import preset_loader, war_room

        # Each hook only writes outbox rows in the incident's transaction; the worker
        # talks to Slack after the commit, so Slack being down never blocks an incident.
        on_incident_event("declared", war_room.on_declared)
        on_incident_event("acknowledged", war_room.on_acknowledged)
        on_incident_event("severity_changed", war_room.on_severity_changed)
        on_incident_event("status_update", war_room.on_status_update)
        on_incident_event("resolved", war_room.on_resolved)
        on_incident_event("closed", war_room.on_closed)
        on_incident_event("cancelled", war_room.on_closed)
        register_preset_loader(self.label, preset_loader.load_slack_preset)
