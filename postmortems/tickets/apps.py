from django.apps import AppConfig


class TicketsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "postmortems.tickets"
    label = "tickets"
    verbose_name = "Action-item tickets"

    def ready(self) -> None:
        from incidents import extension_point
        from incidents.extension_point import Extension, IncidentEvent
        from postmortems.tickets import services

        extension_point.register(
            Extension(
                app_label=self.label,
                order=60,
                # Publishing a post-mortem closes its incident: then items become tickets.
                hooks={IncidentEvent.CLOSED: [services.on_incident_closed]},
                preset_loader=services.load_tickets_preset,
            )
        )
