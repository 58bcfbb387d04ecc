from django.apps import AppConfig


class CommsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents.comms"
    label = "comms"
    verbose_name = "Customer comms"

    def ready(self) -> None:
        from incidents import extension_point
        from incidents.comms import page_cache, services
        from incidents.comms.admin import CommsMessageInline, resolved_status_text
        from incidents.comms.preset_templates import load_preset_templates
        from incidents.extension_point import Extension, IncidentButton, IncidentEvent

        # Any change to an incident may change what the status page shows.
        hooks: dict[IncidentEvent, list[extension_point.IncidentHook]] = {
            event: [page_cache.on_incident_event] for event in IncidentEvent
        }
        # A public status update is also a status-page post (subscribers, deadline).
        hooks[IncidentEvent.STATUS_UPDATE].append(services.on_status_update)
        extension_point.register(
            Extension(
                app_label=self.label,
                order=30,
                hooks=hooks,
                preset_loader=load_preset_templates,
                incident_inlines=[CommsMessageInline],
                incident_buttons=[
                    IncidentButton(
                        "Compose comms", "admin:comms_compose", needs_open_incident=False
                    )
                ],
                resolve_text=resolved_status_text,
            )
        )
