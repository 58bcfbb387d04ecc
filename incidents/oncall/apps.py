from django.apps import AppConfig


class OncallConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents.oncall"
    label = "oncall"
    verbose_name = "On-call"

    def ready(self) -> None:
        from incidents import extension_point
        from incidents.extension_point import Extension, IncidentEvent
        from incidents.oncall import preset_loader, selectors, services
        from incidents.oncall.admin import EscalationInline, PageInline
        from incidents.oncall.replies import RECEIVER
        from portal.notifications import replies

        # Replies to pages (a push acknowledged, an SMS code) come back through one door.
        replies.register(RECEIVER)

        extension_point.register(
            Extension(
                app_label=self.label,
                order=10,  # paging first: who is paged never waits on the other add-ons
                hooks={
                    IncidentEvent.DECLARED: [services.on_declared],
                    IncidentEvent.ACKNOWLEDGED: [services.on_acknowledged],
                    IncidentEvent.RESOLVED: [services.on_closed_out],
                    IncidentEvent.CANCELLED: [services.on_closed_out],
                    IncidentEvent.SEVERITY_CHANGED: [services.on_severity_changed],
                },
                preset_loader=preset_loader.load_oncall_preset,
                incident_inlines=[EscalationInline, PageInline],
                on_call_now=selectors.on_call_lines,
            )
        )
