from django.apps import AppConfig


class PostmortemsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "postmortems"
    verbose_name = "Post-mortems"

    def ready(self) -> None:
        from incidents import extension_point
        from incidents.extension_point import Extension, IncidentButton, IncidentEvent
        from postmortems.selectors import comms_placeholder_values
        from postmortems.services import on_incident_resolved

        extension_point.register(
            Extension(
                app_label=self.label,
                order=50,
                # Runs inside the resolve transaction: the draft commits or rolls back with it.
                hooks={IncidentEvent.RESOLVED: [on_incident_resolved]},
                incident_buttons=[
                    IncidentButton(
                        "Post-mortem",
                        "admin:postmortems_postmortem_for_incident",
                        needs_open_incident=False,
                    )
                ],
                placeholder_values=comms_placeholder_values,
            )
        )
