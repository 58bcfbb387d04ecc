"""The incident list's bulk actions: acknowledge, resolve and cancel the selected
incidents, each through its service, reporting every refusal by reference."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from incidents import services
from incidents.models import Incident
from portal.actors import Actor
from portal.errors import DomainError


class IncidentBulkActions(admin.ModelAdmin):
    """The changelist actions `IncidentAdmin.actions` names."""

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
