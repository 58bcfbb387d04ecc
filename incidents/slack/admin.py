"""Admin of the Slack app: credentials (masked, rotatable by founders), level settings,
war rooms, user links and the outbox of calls (failures visible, "Retry now")."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from incidents.slack.models import (
    SlackApp,
    SlackCall,
    SlackIdentity,
    SlackLevelSetting,
    WarRoom,
    mask,
)
from incidents.slack.services import configure_slack_app, retry_call
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.kernel.service_admin import ServiceModelAdmin


class SlackAppForm(forms.ModelForm):
    """Secrets are write-only: blank keeps the stored value, a new value rotates it."""

    new_bot_token = forms.CharField(
        required=False, widget=forms.PasswordInput, help_text="xoxb-…; blank keeps the current one."
    )
    new_signing_secret = forms.CharField(
        required=False, widget=forms.PasswordInput, help_text="Blank keeps the current one."
    )

    class Meta:
        model = SlackApp
        fields = ("team_id", "api_url", "enabled")


@admin.register(SlackApp)
class SlackAppAdmin(ServiceModelAdmin):
    """Add and change write through `configure_slack_app`; a refusal is a form error."""

    form = SlackAppForm
    form_field_of_error = {"bot_token": "new_bot_token", "signing_secret": "new_signing_secret"}
    list_display = ("__str__", "masked_signing_secret", "enabled", "rotated_at", "rotated_by")
    list_select_related = ("rotated_by",)
    readonly_fields = (
        "masked_bot_token",
        "masked_signing_secret",
        "rotated_at",
        "rotated_by",
        "manifest_link",
    )
    fields = (
        "manifest_link",
        "masked_bot_token",
        "new_bot_token",
        "masked_signing_secret",
        "new_signing_secret",
        "team_id",
        "api_url",
        "enabled",
        "rotated_at",
        "rotated_by",
    )

    @admin.display(description="bot token")
    def masked_bot_token(self, obj: SlackApp) -> str:
        return mask(obj.bot_token) or "not set"

    @admin.display(description="signing secret")
    def masked_signing_secret(self, obj: SlackApp) -> str:
        return mask(obj.signing_secret) or "not set"

    @admin.display(description="manifest")
    def manifest_link(self, obj: SlackApp | None) -> str:
        return format_html(
            '<a href="{}">Create the app from the manifest</a>', reverse("slack:manifest")
        )

    # Add/change follow the model permissions, which only Founders hold (portal.audit.roles);
    # adding a second row edits the one app (the service keeps a single row).
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def write(self, request: HttpRequest, form: Any, change: bool) -> SlackApp:
        return configure_slack_app(
            actor=Actor.for_request(request),
            bot_token=form.cleaned_data.get("new_bot_token") or None,
            signing_secret=form.cleaned_data.get("new_signing_secret") or None,
            team_id=form.cleaned_data.get("team_id", ""),
            api_url=form.cleaned_data.get("api_url") or None,
            enabled=form.cleaned_data.get("enabled"),
        )


@admin.register(SlackLevelSetting)
class SlackLevelSettingAdmin(admin.ModelAdmin):
    list_display = ("level_code", "mode", "channel", "mention", "pin_runbooks", "post_updates")


@admin.register(WarRoom)
class WarRoomAdmin(admin.ModelAdmin):
    list_display = ("incident", "mode", "channel_name", "channel_id", "opened_at", "closed_at")
    list_select_related = ("incident",)
    list_filter = ("mode",)
    search_fields = ("incident__ref", "channel_name", "channel_id")
    readonly_fields = [f.name for f in WarRoom._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SlackIdentity)
class SlackIdentityAdmin(admin.ModelAdmin):
    list_display = ("user", "slack_user_id", "source", "linked_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email", "slack_user_id")
    readonly_fields = ("user", "slack_user_id", "source", "linked_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SlackCall)
class SlackCallAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "status",
        "operation",
        "incident",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "short_error",
    )
    list_select_related = ("incident",)
    list_filter = ("status", "operation")
    search_fields = ("dedupe_key", "incident__ref")
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ("retry_now",)
    readonly_fields = [f.name for f in SlackCall._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="last error")
    def short_error(self, obj: SlackCall) -> str:
        return obj.last_error[:120]

    @admin.action(description="Retry now")
    def retry_now(self, request: HttpRequest, queryset: QuerySet[SlackCall]) -> None:
        actor = Actor.for_request(request)
        done = 0
        for call in queryset.order_by("pk"):
            try:
                retry_call(call=call, actor=actor)
                done += 1
            except DomainError as exc:
                self.message_user(request, exc.message, messages.WARNING)
        if done:
            self.message_user(request, f"{done} Slack call(s) queued now.", messages.SUCCESS)
