"""Admin of channels, routing rules and the outbox (failures visible, "Retry now")."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.kernel.service_admin import ServiceModelAdmin
from portal.notifications.channels import save_channel, save_notification_route
from portal.notifications.models import NotificationChannel, NotificationRoute, OutboxMessage
from portal.notifications.services import retry_message
from portal.notifications.targets import masked


@admin.register(NotificationChannel)
class NotificationChannelAdmin(ServiceModelAdmin):
    """Add and change write through `save_channel`: the rules and the audit of the CLI and API.

    Who may view but not change a channel (Responders, Auditors) sees its target masked:
    it carries the provider's secret (a Slack webhook token). Add, change and delete
    follow the model permissions, which only Founders hold (portal.audit.roles)."""

    list_display = ("name", "kind", "enabled", "description")
    list_filter = ("kind", "enabled")
    search_fields = ("name", "description")
    fields = ("name", "kind", "target", "enabled", "description")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not self.has_change_permission(request, obj):
            return tuple("masked_target" if name == "target" else name for name in self.fields)
        return self.fields

    @admin.display(description="target")
    def masked_target(self, obj: NotificationChannel) -> str:
        return masked(obj.kind, obj.target) or "-"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Presets, the CLI (`channel NAME`) and the API find a channel by its name.
        return ("name",) if obj is not None else ()

    def write(self, request: HttpRequest, form: Any, change: bool) -> NotificationChannel:
        data = form.cleaned_data
        return save_channel(
            name=form.instance.name if change else data["name"],
            kind=data["kind"],
            target=data["target"],
            enabled=data["enabled"],
            description=data["description"],
            actor=Actor.for_request(request),
        )


@admin.register(NotificationRoute)
class NotificationRouteAdmin(ServiceModelAdmin):
    """Add and change write through `save_notification_route`, as the presets do."""

    list_display = ("level_code", "channel", "enabled")
    list_select_related = ("channel",)
    list_filter = ("enabled", "level_code")
    autocomplete_fields = ("channel",)
    fields = ("level_code", "channel", "enabled")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A rule is its (level, channel) pair: route elsewhere with a new rule.
        return ("level_code", "channel") if obj is not None else ()

    def write(self, request: HttpRequest, form: Any, change: bool) -> NotificationRoute:
        rule = form.instance
        return save_notification_route(
            level_code=rule.level_code if change else form.cleaned_data["level_code"],
            channel=rule.channel if change else form.cleaned_data["channel"],
            enabled=form.cleaned_data["enabled"],
            actor=Actor.for_request(request),
        )


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "status",
        "kind",
        "destination",
        "subject",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "short_error",
        "incident",
    )
    list_select_related = ("incident",)
    list_filter = ("status", "kind", "audience", "channel")
    search_fields = ("subject", "dedupe_key", "destination")
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ("retry_now",)
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="last error")
    def short_error(self, obj: OutboxMessage) -> str:
        return obj.last_error[:120]

    @admin.action(description="Retry now")
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        actor = Actor.for_request(request)
        done = 0
        for message in queryset.order_by("pk"):
            try:
                retry_message(message=message, actor=actor)
                done += 1
            except DomainError as exc:
                self.message_user(request, exc.message, messages.WARNING)
        if done:
            self.message_user(
                request, f"{done} message(s) queued for delivery now.", messages.SUCCESS
            )
