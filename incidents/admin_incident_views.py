"""The incident flow's custom admin views: declare, and one per transition button.

Added in `get_urls()` and wrapped in `admin_site.admin_view`, like Django's own
`UserAdmin` password view.

Mixed into `IncidentAdmin`. Each view parses a form, calls one service and either
redirects back with a success message or re-renders the form with the service's
`DomainError` on the field it names (never a 500).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify

from incidents import extension_point, services
from incidents.choices import OPEN_STATUSES, IncidentRole, IncidentStatus
from incidents.classification import IncidentFacts, suggest_severity
from incidents.closing_duties import closing_duties
from incidents.cockpit import FINISHED, cockpit_context
from incidents.exceptions import DomainError
from incidents.forms import (
    AcknowledgeForm,
    AddResponderForm,
    AssignRoleForm,
    CancelForm,
    ChangeSeverityForm,
    DeclareIncidentForm,
    PostUpdateForm,
    ResolveForm,
    add_domain_error,
    role_assignments,
)
from incidents.models import Incident, PolicyVersion
from incidents.selectors import active_policy_version
from portal.actors import Actor
from portal.responders import add_responder

ACTION_TEMPLATE = "admin/incidents/incident/action_form.html"
DECLARE_TEMPLATE = "admin/incidents/incident/declare.html"
FACT_FIELDS = (
    "customers_affected_pct",
    "critical_flow_broken",
    "production_outage",
    "data_loss",
    "customer_facing",
)


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


BUTTON_LABELS = {
    "acknowledge": "Acknowledge",
    "post_update": "Post update",
    "change_severity": "Change severity",
    "resolve": "Resolve",
    "cancel": "Cancel incident",
    "assign_role": "Assign roles",
}


class IncidentFlowViews(admin.ModelAdmin):
    """Custom views and bulk actions of the incident admin; `IncidentAdmin` adds the lists."""

    def can_declare(self, request: HttpRequest) -> bool:
        return request.user.has_perm("incidents.add_incident")

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
        ]
        for name, view in views:
            route = "<path:object_id>/{}/".format(name.replace("_", "-"))
            urls.append(path(route, wrap(view), name=f"incidents_incident_{name}"))
        return urls + super().get_urls()

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **extra}

    def declare_view(self, request: HttpRequest) -> HttpResponse:
        """The declare form. “Suggest severity” re-renders it with the suggestion and its reasons."""
        if not self.can_declare(request):
            raise PermissionDenied
        try:
            version: PolicyVersion | None = active_policy_version()
        except DomainError as exc:
            version = None
            messages.error(request, exc.message)
        form = DeclareIncidentForm(
            request.POST if request.method == "POST" else None, version=version
        )
        suggestion = None
        if form.is_bound:
            valid = form.is_valid()
            data = form.cleaned_data
            if version is not None and all(name in data for name in FACT_FIELDS):
                suggestion = suggest_severity(
                    version,
                    IncidentFacts(
                        customers_affected_pct=data["customers_affected_pct"],
                        critical_flow_broken=data["critical_flow_broken"],
                        production_outage=data["production_outage"],
                        data_loss=data["data_loss"],
                        customer_facing=data["customer_facing"],
                    ),
                )
            if "_suggest" in request.POST:
                # Show the suggestion on a fresh form (no "required" noise); the person decides.
                initial = {**data, "title": request.POST.get("title", "")}
                if (
                    not initial.get("severity")
                    and suggestion is not None
                    and suggestion.level is not None
                ):
                    initial["severity"] = suggestion.level.code
                form = DeclareIncidentForm(initial=initial, version=version)
            elif valid:
                response = self._declare(request, form, suggestion)
                if response is not None:
                    return response
        context = self._context(
            request,
            "Declare incident",
            form=form,
            suggestion=suggestion,
            version=version,
            levels=list(version.levels.order_by("rank")) if version is not None else [],
        )
        return TemplateResponse(request, DECLARE_TEMPLATE, context)

    def _declare(
        self, request: HttpRequest, form: DeclareIncidentForm, suggestion: Any
    ) -> HttpResponse | None:
        data = form.cleaned_data
        try:
            incident = services.declare_incident(
                actor=Actor.for_request(request),
                title=data["title"],
                severity=data["severity"],
                summary=data["summary"],
                what_is_broken=data["what_is_broken"],
                customer_impact=data["customer_impact"],
                environment=data["environment"],
                detection_source=data["detection_source"],
                services=data["services"],
                customers_affected_pct=data["customers_affected_pct"],
                critical_flow_broken=data["critical_flow_broken"],
                production_outage=data["production_outage"],
                data_loss=data["data_loss"],
                customer_facing=data["customer_facing"],
                commander=data["commander"],
                is_drill=data["is_drill"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            return None
        self.message_user(
            request, f"{incident.ref} declared as {incident.severity.code}.", messages.SUCCESS
        )
        if (
            suggestion is not None
            and suggestion.level is not None
            and suggestion.level.pk != incident.severity_id
        ):
            self.message_user(
                request,
                f"The facts suggest {suggestion.level.code}: "
                + "; ".join(suggestion.reasons)
                + " Use “Change severity” if they are right.",
                messages.WARNING,
            )
        return HttpResponseRedirect(reverse("admin:incidents_incident_change", args=[incident.pk]))

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
        context = self._context(
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
            if not request.user.has_perm("auth.add_user"):
                return {}
            url = reverse("admin:incidents_incident_add_responder")
            return {"add_responder_url": f"{url}?next={request.path}"}

        return self._incident_action(
            request,
            object_id,
            name="assign_role",
            form_class=AssignRoleForm,
            perform=perform,
            initial=initial,
            extra=extra,
        )

    def add_responder_view(self, request: HttpRequest) -> HttpResponse:
        """Create a staff user in Responders and, when email is set up, invite them."""
        if not request.user.has_perm("auth.add_user"):
            raise PermissionDenied
        form = AddResponderForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                result = add_responder(actor=Actor.for_request(request), **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                note = (
                    f" An invitation to set a password went to {result.user.email}."
                    if result.invited
                    else " Email is not configured: give them this link to set a password: "
                    + result.invitation_url
                )
                self.message_user(
                    request,
                    f"{result.user.get_username()} added to Responders.{note}",
                    messages.SUCCESS,
                )
                target = request.GET.get("next", "")
                if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                    target = reverse("admin:index")
                return HttpResponseRedirect(target)
        context = self._context(
            request,
            "Add responder",
            form=form,
            submit_label="Add responder",
            change_url=request.GET.get("next") or reverse("admin:index"),
        )
        return TemplateResponse(request, ACTION_TEMPLATE, context)

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

    # --- bulk actions ------------------------------------------------------------

    def _bulk(
        self,
        request: HttpRequest,
        queryset: QuerySet[Incident],
        verb: str,
        call: Callable[[Incident, Actor], Any],
    ) -> None:
        actor = Actor.for_request(request)
        done: list[str] = []
        for incident in queryset.order_by("pk"):
            try:
                call(incident, actor)
            except DomainError as exc:
                self.message_user(request, f"{incident.ref}: {exc.message}", messages.ERROR)
            else:
                done.append(incident.ref)
        if done:
            self.message_user(request, f"{verb}: {', '.join(done)}.", messages.SUCCESS)

    @admin.action(description="Acknowledge selected incidents", permissions=["change"])
    def acknowledge_selected(self, request: HttpRequest, queryset: QuerySet[Incident]) -> None:
        self._bulk(
            request,
            queryset,
            "Acknowledged",
            lambda i, actor: services.acknowledge_incident(incident=i, actor=actor),
        )

    @admin.action(description="Resolve selected incidents", permissions=["change"])
    def resolve_selected(self, request: HttpRequest, queryset: QuerySet[Incident]) -> None:
        self._bulk(
            request,
            queryset,
            "Resolved",
            lambda i, actor: services.resolve_incident(incident=i, actor=actor),
        )

    @admin.action(
        description="Cancel selected incidents (not an incident after all)", permissions=["change"]
    )
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Incident]) -> None:
        self._bulk(
            request,
            queryset,
            "Cancelled",
            lambda i, actor: services.cancel_incident(
                incident=i, actor=actor, reason="Cancelled from the incident list."
            ),
        )
