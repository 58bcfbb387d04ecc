"""Admin of integrations (with each one's endpoint and key), alerts and recent changes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from incidents.admin_extensions import register_incident_inline
from incidents.integrations.models import (
    Alert,
    ChangeEvent,
    IncidentChange,
    Integration,
    RoutingRule,
)
from incidents.integrations.selectors import endpoint_path


class RoutingRuleInline(admin.TabularInline):
    model = RoutingRule
    extra = 0
    fields = ("position", "path", "operator", "value", "severity")


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "service",
        "default_severity",
        "auto_resolve",
        "enabled",
        "last_ping_at",
    )
    list_filter = ("kind", "enabled")
    list_select_related = ("service",)
    search_fields = ("name",)
    readonly_fields = ("endpoint", "key", "last_ping_at", "created_at")
    inlines = (RoutingRuleInline,)
    fieldsets = (
        (None, {"fields": ("name", "kind", "enabled", "endpoint", "key")}),
        ("Incidents it opens", {"fields": ("service", "default_severity", "auto_resolve")}),
        ("Sentry", {"fields": ("client_secret",), "classes": ("collapse",)}),
        ("Heartbeat", {"fields": ("heartbeat_period", "heartbeat_grace", "last_ping_at")}),
    )

    @admin.display(description="endpoint URL")
    def endpoint(self, obj: Integration) -> str:
        if obj.pk is None:
            return "Shown once saved."
        base = getattr(settings, "PORTAL_BASE_URL", "")
        url = base + endpoint_path(obj)
        if obj.kind == "pagerduty":
            return f"{url}  (routing key / integration key = the key below; client base URL {base}/integrations/pagerduty)"
        return url


class AlertInline(admin.TabularInline):
    model = Alert
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "integration",
        "dedup_key",
        "status",
        "count",
        "summary",
        "first_seen_at",
        "last_seen_at",
        "resolved_at",
    )
    verbose_name_plural = "alerts"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Alert]:
        return super().get_queryset(request).select_related("integration")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RecentChangeInline(admin.TabularInline):
    model = IncidentChange
    extra = 0
    can_delete = False
    fields = readonly_fields = ("happened_at", "source", "summary")
    verbose_name_plural = "recent changes before declaration"

    def get_queryset(self, request: HttpRequest) -> QuerySet[IncidentChange]:
        return super().get_queryset(request).select_related("change")

    @admin.display(description="when")
    def happened_at(self, obj: IncidentChange) -> Any:
        return obj.change.happened_at

    @admin.display(description="source")
    def source(self, obj: IncidentChange) -> str:
        return obj.change.source

    @admin.display(description="change")
    def summary(self, obj: IncidentChange) -> str:
        return obj.change.summary

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


register_incident_inline(AlertInline)
register_incident_inline(RecentChangeInline)


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = (
        "dedup_key",
        "integration",
        "status",
        "count",
        "incident",
        "summary",
        "last_seen_at",
    )
    list_filter = ("status", "integration")
    list_select_related = ("integration", "incident")
    search_fields = ("dedup_key", "summary")
    show_full_result_count = False
    readonly_fields = (
        "integration",
        "dedup_key",
        "incident",
        "status",
        "count",
        "summary",
        "first_seen_at",
        "last_seen_at",
        "resolved_at",
        "details",
    )
    exclude = ("open_key",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ChangeEvent)
class ChangeEventAdmin(admin.ModelAdmin):
    list_display = ("happened_at", "integration", "source", "summary")
    list_filter = ("integration",)
    list_select_related = ("integration",)
    search_fields = ("summary", "source")
    show_full_result_count = False
    readonly_fields = (
        "integration",
        "summary",
        "source",
        "happened_at",
        "received_at",
        "custom_details",
        "links",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
