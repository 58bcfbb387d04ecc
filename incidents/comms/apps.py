from django.apps import AppConfig


class CommsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents.comms"
    label = "comms"
    verbose_name = "Customer comms"
