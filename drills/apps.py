from django.apps import AppConfig


class DrillsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "drills"
    verbose_name = "Drills"

    def ready(self) -> None:
        from drills.presets import load_drill_preset
        from incidents.policies import register_preset_loader

        register_preset_loader("drills", load_drill_preset)
