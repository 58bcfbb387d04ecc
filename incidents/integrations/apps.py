from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents.integrations"
    label = "integrations"
    verbose_name = "Integrations"
