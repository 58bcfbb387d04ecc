"""The incident admin: the primary UI for running an incident (SPEC §1, §3).

A door only: every change goes through `incidents.services`; the model is never
saved directly. The list, the change page and its read-only inlines live here; the
custom views behind the buttons live in `incident_views`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from incidents import extension_point, services
from incidents.admin.incident_views import IncidentFlowViews
from incidents.cockpit import FINISHED, countdown_words, deadline_kind_label, humanize
from incidents.fields import BY_NAME as FIELDS_BY_NAME
from incidents.fields import FieldGroup, field_names, in_group
from incidents.forms import IncidentChangeForm
from incidents.models import (
    Deadline,
    Incident,
    IncidentRoleAssignment,
    StatusUpdate,
    TimelineEntry,
)
from portal.kernel.actors import Actor
from portal.kernel.service_admin import ServiceModelAdmin


def countdown(due_at: datetime.datetime | None, now: datetime.datetime) -> tuple[str, bool]:
    """("due in 12 min", False) before the deadline, ("missed 5 min ago", True) after it."""
    if due_at is None:
        return "", False
    return countdown_words(due_at, now)


def render_countdown(due_at: datetime.datetime | None, label: str = "") -> str:
    text, missed = countdown(due_at, timezone.now())
    if not text:
        return "—"
    prefix = f"{label}: " if label else ""
    if missed:
        return format_html(
            '<span class="deadline-missed" style="color:#ba2121;font-weight:bold">{}{}</span>',
            prefix,
            text,
        )
    return format_html(
        '<span class="deadline-pending" style="color:#1d6b32">{}{}</span>', prefix, text
    )


class SeverityCodeFilter(admin.SimpleListFilter):
    """Filter by level code across policy versions (SEV-1 of v1 and v2 are one choice)."""

    title = "severity"
    parameter_name = "severity_code"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        from incidents.models import SeverityLevel

        rows = (
            SeverityLevel.objects.order_by("rank", "code").values_list("code", flat=True).distinct()
        )
        seen: dict[str, None] = {}
        for code in rows:
            seen.setdefault(code, None)
        return [(code, code) for code in seen]

    def queryset(self, request: Any, queryset: QuerySet[Incident]) -> QuerySet[Incident]:
        if self.value():
            return queryset.filter(severity__code=self.value())
        return queryset


class ReadOnlyInline(admin.TabularInline):
    """A list on the incident page that only services write."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class StatusUpdateInline(ReadOnlyInline):
    model = StatusUpdate
    fields = readonly_fields = (
        "posted_at",
        "status",
        "message",
        "next_steps",
        "eta",
        "public",
        "posted_by",
    )
    ordering = ("-posted_at", "-id")

    def get_queryset(self, request: Any) -> QuerySet[StatusUpdate]:
        return super().get_queryset(request).select_related("posted_by")


class RoleAssignmentInline(ReadOnlyInline):
    model = IncidentRoleAssignment
    verbose_name = "role"
    verbose_name_plural = "roles (current and history; use “Assign role” to change)"
    fields = readonly_fields = ("role", "user", "assigned_at", "relieved_at", "assigned_by")

    def get_queryset(self, request: Any) -> QuerySet[IncidentRoleAssignment]:
        return super().get_queryset(request).select_related("user", "assigned_by")


class TimelineInline(ReadOnlyInline):
    model = TimelineEntry
    verbose_name_plural = "timeline (append-only, UTC)"
    fields = readonly_fields = ("at", "kind", "actor_label", "message")
    ordering = ("at", "id")


class DeadlineInline(ReadOnlyInline):
    model = Deadline
    fields = readonly_fields = (
        "label",
        "target",
        "due_at",
        "countdown",
        "met_at",
        "on_time",
        "superseded_at",
    )
    ordering = ("superseded_at", "due_at", "id")

    @admin.display(description="countdown")
    def countdown(self, obj: Deadline) -> str:
        if obj.met_at is not None or obj.superseded_at is not None:
            return "—"
        return render_countdown(obj.due_at)

    @admin.display(description="on time", boolean=True)
    def on_time(self, obj: Deadline) -> bool | None:
        """Green ✓ met on time, red ✗ missed, grey ? still open (the icons mean what they show)."""
        if obj.missed_recorded_at is not None or obj.is_missed(timezone.now()):
            return False
        if obj.met_at is not None:
            return True
        return None


class IncidentAdmin(IncidentFlowViews, ServiceModelAdmin):
    form = IncidentChangeForm
    list_display = (
        "ref",
        "title",
        "severity_code",
        "status",
        "commander",
        "age",
        "next_deadline",
        "environment",
        "is_drill",
    )
    list_display_links = ("ref", "title")
    list_filter = ("status", SeverityCodeFilter, "environment", "is_drill", "detection_source")
    search_fields = ("ref", "title", "summary")
    list_select_related = ("severity", "commander")
    show_full_result_count = False
    list_per_page = 50
    actions = ("acknowledge_selected", "resolve_selected", "cancel_selected")
    # Deadlines, updates, roles and the timeline are the cockpit's own panels
    # (admin/incidents/incident/change_form.html); add-on inlines (comms sent, pages,
    # alerts, post-mortem) follow them.
    base_inlines: tuple[Any, ...] = ()
    # The catalogue's fields (incidents/fields.py) in its groups, around what the
    # services own (reference, severity, status, roles, policy version, counters).
    readonly_fields = (
        "ref",
        "severity",
        "status",
        "commander",
        "policy_version",
        "next_deadline",
        "suggested_severity",
        "declared_by",
        "alert_count",
        *field_names(editable=False),
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "ref",
                    *in_group(FieldGroup.HEADER),
                    "severity",
                    "status",
                    "commander",
                    "next_deadline",
                    "policy_version",
                )
            },
        ),
        (
            FieldGroup.DESCRIPTION.value,
            {"fields": (*in_group(FieldGroup.DESCRIPTION), "alert_count")},
        ),
        (FieldGroup.CUSTOMER.value, {"fields": in_group(FieldGroup.CUSTOMER)}),
        (FieldGroup.FACTS.value, {"fields": (*in_group(FieldGroup.FACTS), "suggested_severity")}),
        (
            FieldGroup.MILESTONES.value,
            {
                "fields": tuple(
                    name
                    for milestone in in_group(FieldGroup.MILESTONES)
                    for name in (
                        (milestone, "declared_by") if milestone == "declared_at" else (milestone,)
                    )
                )
            },
        ),
    )

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """The admin's widgets, with the catalogue's labels and help texts."""
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        spec = FIELDS_BY_NAME.get(db_field.name)
        if field is not None and spec is not None:
            field.label = spec.label or field.label
            field.help_text = spec.help_text or field.help_text
        return field

    # --- list columns -------------------------------------------------------------

    @admin.display(description="severity", ordering="severity__rank")
    def severity_code(self, obj: Incident) -> str:
        return obj.severity.code

    @admin.display(description="age", ordering="declared_at")
    def age(self, obj: Incident) -> str:
        return humanize(timezone.now() - obj.declared_at)

    @admin.display(description="next deadline", ordering="next_deadline_at")
    def next_deadline(self, obj: Incident) -> str:
        if obj.next_deadline_at is None or obj.status in FINISHED:
            return "—"
        return render_countdown(obj.next_deadline_at, deadline_kind_label(obj.next_deadline_kind))

    @admin.display(description="suggested severity (from the facts)")
    def suggested_severity(self, obj: Incident) -> str:
        suggestion = services.suggest_for_incident(obj)
        code = suggestion.level.code if suggestion.level else "none"
        return f"{code} — " + "; ".join(suggestion.reasons)

    # --- permissions: writes go through the services ------------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        """The generic add form is replaced by the “Declare incident” view."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Incidents are a record: cancel one declared by mistake, never delete it."""
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """A closed or cancelled incident is a record: every field read-only."""
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status in FINISHED:
            return fields + tuple(
                name
                for _, options in self.fieldsets
                for name in options["fields"]
                if name not in fields
            )
        return fields

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return [*self.base_inlines, *extension_point.incident_inlines()]

    def write(self, request: HttpRequest, form: Any, change: bool) -> Incident:
        """The change page's edits, through `update_incident_details` (on the timeline)."""
        editable = set(field_names(editable=True))
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in editable}
        if not changes:
            return form.instance
        return services.update_incident_details(
            incident=form.instance, actor=Actor.for_request(request), changes=changes
        )
