"""The incident's transition views behind the change page's buttons: acknowledge,
post update, change severity, resolve, cancel, assign roles, and the cockpit's note box.

Each view parses a form, calls one service and either redirects back with a success
message or re-renders the form with the service's `DomainError` on the field it names
(never a 500). Mixed into `IncidentAdmin` through `IncidentFlowViews`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from incidents import extension_point, services
from incidents.choices import IncidentRole, IncidentStatus
from incidents.closing_duties import closing_duties
from incidents.forms import (
    AcknowledgeForm,
    AssignRoleForm,
    CancelForm,
    ChangeSeverityForm,
    MakeResponderForm,
    PostUpdateForm,
    ResolveForm,
    add_domain_error,
    role_assignments,
)
from incidents.models import Incident
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError

ACTION_TEMPLATE = "admin/incidents/incident/action_form.html"
BUTTON_LABELS = {
    "acknowledge": "Acknowledge",
    "post_update": "Post update",
    "change_severity": "Change severity",
    "resolve": "Resolve",
    "cancel": "Cancel incident",
    "assign_role": "Assign roles",
}


def page_context(
    model_admin: admin.ModelAdmin, request: HttpRequest, title: str, **extra: Any
) -> dict[str, Any]:
    """What every custom page of the incident admin renders with (the admin's chrome)."""
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        **extra,
    }


class IncidentTransitionViews(admin.ModelAdmin):
    """One view per transition button; `IncidentFlowViews` routes them."""

    def _incident_action(
        self,
        request: HttpRequest,
        object_id: str,
        *,
        name: str,
        form_class: type[forms.Form],
        perform: Callable[[Incident, dict[str, Any], Actor], str],
        form_kwargs: Callable[[Incident], dict[str, Any]] | None = None,
        initial: Callable[[Incident], dict[str, Any]] | None = None,
        extra: Callable[[Incident], dict[str, Any]] | None = None,
    ) -> HttpResponse:
        """GET shows the form; POST calls the service, reporting a DomainError on its field."""
        incident = self.get_object(request, unquote(object_id))
        if incident is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)  # type: ignore[attr-defined]
        if not self.has_change_permission(request, incident):
            raise PermissionDenied
        kwargs = form_kwargs(incident) if form_kwargs else {}
        if request.method == "POST":
            form = form_class(request.POST, **kwargs)
        else:
            form = form_class(initial=initial(incident) if initial else None, **kwargs)
        change_url = reverse("admin:incidents_incident_change", args=[incident.pk])
        if form.is_bound and form.is_valid():
            try:
                message = perform(incident, form.cleaned_data, Actor.for_request(request))
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                self.message_user(request, message, messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        title = f"{BUTTON_LABELS[name]}: {incident.ref}"
        context = page_context(
            self,
            request,
            title,
            form=form,
            original=incident,
            change_url=change_url,
            submit_label=BUTTON_LABELS[name],
            **(extra(incident) if extra else {}),
        )
        return TemplateResponse(request, ACTION_TEMPLATE, context)

    def acknowledge_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def perform(incident: Incident, data: dict[str, Any], actor: Actor) -> str:
            services.acknowledge_incident(incident=incident, actor=actor)
            return f"{incident.ref} acknowledged: you are on it."

        return self._incident_action(
            request, object_id, name="acknowledge", form_class=AcknowledgeForm, perform=perform
        )

    def post_update_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def perform(incident: Incident, data: dict[str, Any], actor: Actor) -> str:
            services.post_status_update(
                incident=incident,
                actor=actor,
                status=data["status"],
                message=data["message"],
                next_steps=data["next_steps"],
                eta=data["eta"],
                public=data["public"],
            )
            return f"Update posted on {incident.ref}."

        return self._incident_action(
            request,
            object_id,
            name="post_update",
            form_class=PostUpdateForm,
            perform=perform,
            initial=lambda i: {"status": i.status},
        )

    def change_severity_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def perform(incident: Incident, data: dict[str, Any], actor: Actor) -> str:
            incident = services.change_severity(
                incident=incident, actor=actor, severity=data["severity"], reason=data["reason"]
            )
            return f"{incident.ref} is now {incident.severity.code}."

        return self._incident_action(
            request,
            object_id,
            name="change_severity",
            form_class=ChangeSeverityForm,
            perform=perform,
            form_kwargs=lambda i: {"version": i.policy_version},
            initial=lambda i: {"severity": i.severity.code},
        )

    def resolve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Resolve, showing what the playbook still requires (issue 15); the service enforces it."""

        def perform(incident: Incident, data: dict[str, Any], actor: Actor) -> str:
            incident = services.resolve_incident(
                incident=incident,
                actor=actor,
                message=data["message"],
                public=data["public"],
                unmet_comms_reason=data["unmet_comms_reason"],
            )
            if incident.status == IncidentStatus.CLOSED:
                return f"{incident.ref} resolved and closed (no post-mortem is required)."
            return f"{incident.ref} resolved; its post-mortem is due next."

        def initial(incident: Incident) -> dict[str, Any]:
            duties = closing_duties(incident)
            return {
                "message": extension_point.resolve_text(incident),
                "public": duties.public_closing_update,
            }

        return self._incident_action(
            request,
            object_id,
            name="resolve",
            form_class=ResolveForm,
            perform=perform,
            initial=initial,
            extra=lambda i: {"duties": closing_duties(i)},
        )

    def cancel_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def perform(incident: Incident, data: dict[str, Any], actor: Actor) -> str:
            services.cancel_incident(incident=incident, actor=actor, reason=data["reason"])
            return f"{incident.ref} cancelled."

        return self._incident_action(
            request, object_id, name="cancel", form_class=CancelForm, perform=perform
        )

    def assign_role_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def perform(incident: Incident, data: dict[str, Any], actor: Actor) -> str:
            done = services.assign_roles(
                incident=incident, actor=actor, assignments=role_assignments(data)
            )
            if not done:
                return f"Nothing changed on {incident.ref}: they already hold those roles."
            return f"On {incident.ref}: " + "; ".join(
                f"{IncidentRole(role).label}: {user.get_username()}" for role, user in done
            )

        def initial(incident: Incident) -> dict[str, Any]:
            values: dict[str, Any] = {"investigator": []}
            for a in incident.role_assignments.filter(relieved_at__isnull=True):
                if a.role == IncidentRole.INVESTIGATOR:
                    values["investigator"].append(a.user_id)
                else:
                    values[a.role] = a.user_id
            return values

        def extra(incident: Incident) -> dict[str, Any]:
            found: dict[str, Any] = {}
            if request.user.has_perm("auth.add_user"):
                url = reverse("admin:incidents_incident_add_responder")
                found["add_responder_url"] = f"{url}?next={request.path}"
            if request.user.has_perm("auth.change_user"):
                # Accounts made elsewhere (Users → Add) that the pickers do not offer yet.
                url = reverse("admin:incidents_incident_make_responder")
                found["make_responder_url"] = f"{url}?next={request.path}"
                found["make_responder_form"] = MakeResponderForm()
            return found

        return self._incident_action(
            request,
            object_id,
            name="assign_role",
            form_class=AssignRoleForm,
            perform=perform,
            initial=initial,
            extra=extra,
        )

    def note_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The cockpit's one-line note box: POST only, back to the incident."""
        incident = self.get_object(request, unquote(object_id))
        if incident is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)  # type: ignore[attr-defined]
        if not self.has_change_permission(request, incident):
            raise PermissionDenied
        change_url = reverse("admin:incidents_incident_change", args=[incident.pk])
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        text = request.POST.get("text", "")
        try:
            services.add_note(incident=incident, actor=Actor.for_request(request), text=text)
        except DomainError as exc:
            self.message_user(request, f"Note not added: {exc.message}", messages.ERROR)
        else:
            self.message_user(request, "Note added to the timeline.", messages.SUCCESS)
        return HttpResponseRedirect(change_url)
