"""Bulk "Resolve selected" and "Cancel selected" on the incident list: they ask first.

As Django's `delete_selected` does, the first click renders a page that lists the
selected incidents and asks for a reason; its form posts the same action again with
`post=yes` and the selected ids. Only then is the service called, once per incident,
with the reason and the admin user as actor. An incident that cannot make the
transition is named in a message, and the others go on.

"Acknowledge selected" stays one click: acknowledging ends the paging and cannot
hurt; it goes through the same per-incident loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from incidents import services
from incidents.models import Incident
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError

CONFIRMATION_TEMPLATE = "admin/incidents/incident/bulk_transition_confirmation.html"

Transition = Callable[[Incident, Actor, str], Any]


class BulkReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Written on each incident's timeline, with your name.",
    )


class IncidentBulkActions(admin.ModelAdmin):
    """The changelist actions `IncidentAdmin.actions` names."""

    @admin.action(description="Acknowledge selected incidents", permissions=["change"])
    def acknowledge_selected(self, request: HttpRequest, queryset: QuerySet[Incident]) -> None:
        self._apply(
            request,
            list(queryset.order_by("pk")),
            lambda incident, actor, _reason: services.acknowledge_incident(
                incident=incident, actor=actor
            ),
            "",
            "Acknowledged",
        )

    @admin.action(description="Resolve selected incidents", permissions=["change"])
    def resolve_selected(
        self, request: HttpRequest, queryset: QuerySet[Incident]
    ) -> TemplateResponse | None:
        return self._confirmed(
            request,
            queryset,
            action="resolve_selected",
            title="Resolve the selected incidents",
            question="Resolve these incidents? Each one's playbook duties still apply: one "
            "that owes customer comms is refused and named.",
            submit_label="Yes, resolve them",
            done_label="Resolved",
            transition=lambda incident, actor, reason: services.resolve_incident(
                incident=incident, actor=actor, reason=reason
            ),
        )

    @admin.action(
        description="Cancel selected incidents (not an incident after all)", permissions=["change"]
    )
    def cancel_selected(
        self, request: HttpRequest, queryset: QuerySet[Incident]
    ) -> TemplateResponse | None:
        return self._confirmed(
            request,
            queryset,
            action="cancel_selected",
            title="Cancel the selected incidents",
            question="Cancel these incidents? They were declared in good faith and turned out "
            "not to be incidents: they stay on record, out of the metrics.",
            submit_label="Yes, cancel them",
            done_label="Cancelled",
            transition=lambda incident, actor, reason: services.cancel_incident(
                incident=incident, actor=actor, reason=reason
            ),
        )

    def _confirmed(
        self,
        request: HttpRequest,
        queryset: QuerySet[Incident],
        *,
        action: str,
        title: str,
        question: str,
        submit_label: str,
        done_label: str,
        transition: Transition,
    ) -> TemplateResponse | None:
        incidents = list(queryset.select_related("severity").order_by("pk"))
        form = BulkReasonForm(request.POST if request.POST.get("post") == "yes" else None)
        if form.is_bound and form.is_valid():
            self._apply(request, incidents, transition, form.cleaned_data["reason"], done_label)
            return None  # back to the list, with the messages
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "question": question,
            "opts": self.opts,
            "incidents": incidents,
            "form": form,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "submit_label": submit_label,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, CONFIRMATION_TEMPLATE, context)

    def _apply(
        self,
        request: HttpRequest,
        incidents: list[Incident],
        transition: Transition,
        reason: str,
        done_label: str,
    ) -> None:
        actor = Actor.for_request(request)
        done: list[str] = []
        for incident in incidents:
            try:
                transition(incident, actor, reason)
            except DomainError as exc:
                self.message_user(request, f"{incident.ref}: {exc.message}", messages.ERROR)
            else:
                done.append(incident.ref)
        if done:
            self.message_user(request, f"{done_label}: {', '.join(done)}.", messages.SUCCESS)
