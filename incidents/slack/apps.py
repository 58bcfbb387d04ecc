from django.apps import AppConfig


class SlackConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents.slack"
    label = "slack"
    verbose_name = "Slack"

    def ready(self) -> None:
        from incidents import extension_point
        from incidents.extension_point import Extension, IncidentEvent
        from incidents.slack import direct_messages, preset_loader, war_room
        from portal.notifications import providers

        # A person's Slack DM is a contact method like SMS; its provider needs this
        # add-on's installed app, so the add-on brings it.
        providers.register(direct_messages.PROVIDER)

        # Each hook only writes outbox rows in the incident's transaction; the worker
        # talks to Slack after the commit, so Slack being down never blocks an incident.
        extension_point.register(
            Extension(
                app_label=self.label,
                order=40,
                hooks={
                    IncidentEvent.DECLARED: [war_room.on_declared],
                    IncidentEvent.ACKNOWLEDGED: [war_room.on_acknowledged],
                    IncidentEvent.SEVERITY_CHANGED: [war_room.on_severity_changed],
                    IncidentEvent.STATUS_UPDATE: [war_room.on_status_update],
                    IncidentEvent.RESOLVED: [war_room.on_resolved],
                    IncidentEvent.CLOSED: [war_room.on_closed],
                    IncidentEvent.CANCELLED: [war_room.on_closed],
                },
                preset_loader=preset_loader.load_slack_preset,
            )
        )
