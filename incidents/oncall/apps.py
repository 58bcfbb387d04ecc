from django.apps import AppConfig


class OncallConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents.oncall"
    label = "oncall"
    verbose_name = "On-call"

    def ready(self) -> None:
        from incidents.oncall import preset_loader, services
        from incidents.policies import register_preset_loader
        from incidents.services import on_incident_event

        on_incident_event("declared", services.on_declared)
        on_incident_event("acknowledged", services.on_acknowledged)
        on_incident_event("resolved", services.on_closed_out)
        on_incident_event("cancelled", services.on_closed_out)
        on_incident_event("severity_changed", services.on_severity_changed)
        register_preset_loader(self.label, preset_loader.load_oncall_preset)
