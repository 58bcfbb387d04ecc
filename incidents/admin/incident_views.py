"""The incident flow's admin pages: the change page with its transition buttons, and
the URLs of the custom views.

The views themselves live by what they do: declaring (`declare`), the
transitions behind the buttons (`transitions`) and the list's bulk
actions (`bulk`). They are added in `get_urls()` and wrapped in
`admin_site.admin_view`, like Django's own `UserAdmin` password view, and mixed into
`IncidentAdmin` through `IncidentFlowViews`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.admin.utils import unquote
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.text import slugify

from incidents import extension_point
from incidents.admin.bulk import IncidentBulkActions
from incidents.admin.declare import IncidentDeclareViews
from incidents.admin.transitions import BUTTON_LABELS, IncidentTransitionViews
from incidents.choices import OPEN_STATUSES, IncidentStatus
from incidents.cockpit import FINISHED, cockpit_context
from incidents.models import Incident


def _button_visibility(incident: Incident) -> dict[str, bool]:
    is_open = incident.status in OPEN_STATUSES
    return {
        "acknowledge": is_open and incident.acknowledged_at is None,
        "post_update": is_open,
        "change_severity": is_open,
        "resolve": is_open,
        "cancel": is_open,
        "assign_role": incident.status not in (IncidentStatus.CLOSED, IncidentStatus.CANCELLED),
    }


class IncidentFlowViews(IncidentDeclareViews, IncidentTransitionViews, IncidentBulkActions):
    """Custom views and bulk actions of the incident admin; `IncidentAdmin` adds the lists."""

    # --- change page ----------------------------------------------------------------

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        incident = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if incident is not None:
            finished = incident.status in FINISHED
            can_change = self.has_change_permission(request, incident)
            extra_context.update(
                incident_buttons=self.buttons_for(request, incident),
                cockpit=cockpit_context(incident),
                title=f"{incident.ref} · {incident.title}",
                note_url=reverse("admin:incidents_incident_note", args=[incident.pk]),
                can_note=can_change and incident.status != IncidentStatus.CANCELLED,
                edit_open=request.GET.get("edit") == "1",
                has_editable_facts=can_change and not finished,
            )
            if finished:
                # A closed record is read, not edited: no save buttons (issue 15).
                extra_context.update(
                    show_save=False,
                    show_save_and_continue=False,
                    show_save_and_add_another=False,
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def buttons_for(self, request: HttpRequest, incident: Incident) -> list[dict[str, Any]]:
        if not self.has_change_permission(request, incident):
            return []
        buttons: list[dict[str, Any]] = []
        for name, visible in _button_visibility(incident).items():
            if visible:
                url = reverse(f"admin:incidents_incident_{name}", args=[incident.pk])
                buttons.append(
                    {
                        "label": BUTTON_LABELS[name],
                        "url": url,
                        "dom_id": "incident-" + name.replace("_", "-"),
                        "post": name == "acknowledge",
                        "primary": name in ("acknowledge", "post_update", "resolve"),
                    }
                )
        for button in extension_point.incident_buttons():
            if button.needs_open_incident and incident.status not in OPEN_STATUSES:
                continue
            try:
                url = reverse(button.url_name, args=[incident.pk])
            except NoReverseMatch:
                continue
            dom_id = "incident-" + slugify(button.url_name.replace(":", "-").replace("_", "-"))
            buttons.append({"label": button.label, "url": url, "dom_id": dom_id, "post": False})
        return buttons

    # --- custom views ----------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        views: list[tuple[str, Callable[..., HttpResponse]]] = [
            ("acknowledge", self.acknowledge_view),
            ("post_update", self.post_update_view),
            ("change_severity", self.change_severity_view),
            ("resolve", self.resolve_view),
            ("cancel", self.cancel_view),
            ("assign_role", self.assign_role_view),
            ("note", self.note_view),
        ]
        urls = [
            path("declare/", wrap(self.declare_view), name="incidents_incident_declare"),
            path(
                "add-responder/",
                wrap(self.add_responder_view),
                name="incidents_incident_add_responder",
            ),
            path(
                "make-responder/",
                wrap(self.make_responder_view),
                name="incidents_incident_make_responder",
            ),
        ]
        for name, view in views:
            route = "<path:object_id>/{}/".format(name.replace("_", "-"))
            urls.append(path(route, wrap(view), name=f"incidents_incident_{name}"))
        return urls + super().get_urls()
