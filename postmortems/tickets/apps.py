from django.apps import AppConfig


class TicketsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "postmortems.tickets"
    label = "tickets"
    verbose_name = "Action-item tickets"

    def ready(self) -> None:
        from incidents.policies import register_preset_loader
        from incidents.services import on_incident_event
        from postmortems.tickets import services

        # Publishing a post-mortem closes its incident: that is when items become tickets.
        on_incident_event("closed", services.on_incident_closed)
        register_preset_loader(self.label, services.load_tickets_preset)
