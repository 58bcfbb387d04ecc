from django.apps import AppConfig


class DrillsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "drills"
    verbose_name = "Drills"

    def ready(self) -> None:
        from drills.presets import load_drill_preset
        from incidents import extension_point
        from incidents.extension_point import Extension

        extension_point.register(
            Extension(app_label=self.label, order=70, preset_loader=load_drill_preset)
        )
