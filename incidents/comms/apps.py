from django.apps import AppConfig


class CommsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents.comms"
    label = "comms"
    verbose_name = "Customer comms"

    def ready(self) -> None:
        from incidents.comms import page_cache, services
        from incidents.comms.preset_templates import load_preset_templates
        from incidents.policies import register_preset_loader
        from incidents.services import HOOK_NAMES, on_incident_event

        register_preset_loader(self.label, load_preset_templates)
        # Any change to an incident may change what the status page shows.
        for name in HOOK_NAMES:
            on_incident_event(name, page_cache.on_incident_event)
        # A public status update is also a status-page post (subscribers, deadline).
        on_incident_event("status_update", services.on_status_update)
