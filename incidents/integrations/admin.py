"""Admin of integrations (with each one's endpoint and key), alerts and recent changes."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from incidents.integrations.keys import rotate_integration_key
from incidents.integrations.models import (
    Alert,
    AlertRoutingRule,
    ChangeEvent,
    IncidentChange,
    Integration,
)
from incidents.integrations.selectors import KEY_HEADER, endpoint_path
from incidents.integrations.services import (
    EDITABLE_FIELDS,
    create_integration,
    update_integration,
)
from incidents.integrations.sources import KeyTravel, source_for
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.kernel.service_admin import ServiceModelAdmin

KEY_PLACEHOLDER = "<key>"
GRACE_CHOICES = (
    (0, "None: refuse the old key at once"),
    (1, "1 hour"),
    (24, "24 hours"),
    (24 * 7, "7 days"),
)


class IntegrationForm(forms.ModelForm):
    """The client secret is write-only: typed once, never rendered back."""

    new_client_secret = forms.CharField(
        required=False,
        max_length=128,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        label="Client secret",
        help_text="Sentry: the integration's client secret. Leave blank to keep the current one.",
    )

    class Meta:
        model = Integration
        fields = EDITABLE_FIELDS


class RotateKeyForm(forms.Form):
    grace_hours = forms.TypedChoiceField(
        choices=GRACE_CHOICES, coerce=int, initial=0, label="Accept the old key for"
    )


class AlertRoutingRuleInline(admin.TabularInline):
    model = AlertRoutingRule
    extra = 0
    fields = ("position", "path", "operator", "value", "severity")


@admin.register(Integration)
class IntegrationAdmin(ServiceModelAdmin):
    """Add and change write through `create_integration` / `update_integration`: the admin
    refuses what the CLI refuses, and the audit names the admin user."""

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
    form = IntegrationForm
    readonly_fields = (
        "endpoint",
        "masked_key",
        "client_secret_state",
        "rotate_link",
        "last_ping_at",
        "created_at",
    )
    inlines = (AlertRoutingRuleInline,)
    form_field_of_error = {"client_secret": "new_client_secret"}

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        # Secrets are masked for everyone; only who may change the integration types a new one.
        sentry = ["client_secret_state"]
        main = ["name", "kind", "enabled", "endpoint", "masked_key"]
        if self.has_change_permission(request, obj):
            sentry.append("new_client_secret")
            if obj is not None:
                main.append("rotate_link")
        return (
            (None, {"fields": main}),
            ("Incidents it opens", {"fields": ("service", "default_severity", "auto_resolve")}),
            ("Sentry", {"fields": sentry, "classes": ("collapse",)}),
            ("Heartbeat", {"fields": ("heartbeat_period", "heartbeat_grace", "last_ping_at")}),
        )

    @admin.display(description="endpoint URL")
    def endpoint(self, obj: Integration) -> str:
        if obj.pk is None:
            return "Shown once saved."
        return _endpoint_text(obj, key=KEY_PLACEHOLDER)

    @admin.display(description="key")
    def masked_key(self, obj: Integration) -> str:
        if obj.pk is None:
            return "Generated and shown once when saved."
        text = f"{obj.key_hint} (shown only at creation and rotation)"
        if obj.previous_key_valid_until:
            text += (
                f"; previous key accepted until {obj.previous_key_valid_until:%Y-%m-%d %H:%M} UTC"
            )
        return text

    @admin.display(description="rotation")
    def rotate_link(self, obj: Integration) -> str:
        if obj.pk is None:
            return ""
        url = reverse("admin:integrations_integration_rotate_key", args=[obj.pk])
        return format_html('<a class="button" href="{}">Rotate key</a>', url)

    @admin.display(description="client secret")
    def client_secret_state(self, obj: Integration) -> str:
        return "set (hidden)" if obj.client_secret else "not set"

    def write(self, request: HttpRequest, form: Any, change: bool) -> Integration:
        data = form.cleaned_data
        actor = Actor.for_request(request)
        secret = data.get("new_client_secret", "")
        if not change:
            fields = {name: data[name] for name in EDITABLE_FIELDS if name in data}
            return create_integration(actor=actor, client_secret=secret, **fields)
        changes = {name: data[name] for name in form.changed_data if name in EDITABLE_FIELDS}
        return update_integration(
            integration=form.instance, actor=actor, changes=changes, client_secret=secret
        )

    def response_add(
        self, request: HttpRequest, obj: Integration, post_url_continue: Any = None
    ) -> HttpResponse:
        return self._key_shown_once(request, obj, what=f"Integration {obj} is ready.")

    def _key_shown_once(
        self, request: HttpRequest, obj: Integration, *, what: str
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Copy the key",
            "integration": obj,
            "key": obj.key,
            "what": what,
            "endpoint": _endpoint_text(obj, key=obj.key),
            "header_hint": _header_hint(obj),
        }
        response = TemplateResponse(
            request, "admin/integrations/integration/key_shown_once.html", context
        )
        # Never cached by a proxy or the browser: it holds the only copy of the key.
        response["Cache-Control"] = "no-store"
        return response

    def get_urls(self) -> list[URLPattern]:
        rotate = path(
            "<path:object_id>/rotate-key/",
            self.admin_site.admin_view(self.rotate_key_view),
            name="integrations_integration_rotate_key",
        )
        return [rotate, *super().get_urls()]

    def rotate_key_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        integration = get_object_or_404(Integration, pk=object_id)
        if not self.has_change_permission(request, integration):
            raise PermissionDenied
        form = RotateKeyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            grace = datetime.timedelta(hours=form.cleaned_data["grace_hours"])
            try:
                integration, _ = rotate_integration_key(
                    integration=integration, actor=Actor.for_user(request.user), grace=grace
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return self._key_shown_once(request, integration, what="The key was rotated.")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Rotate the key of {integration}",
            "integration": integration,
            "form": form,
        }
        return TemplateResponse(request, "admin/integrations/integration/rotate_key.html", context)


def _endpoint_text(obj: Integration, *, key: str) -> str:
    base = settings.PORTAL_BASE_URL
    source = source_for(obj.kind)
    if source is not None and source.key_travels == KeyTravel.BODY:
        return (
            f"{base}{endpoint_path(obj)}  (routing key = the integration key; "
            f"client base URL {base}/integrations/{source.kind})"
        )
    return base + endpoint_path(obj).replace(obj.key, key)


def _header_hint(obj: Integration) -> str:
    """How to set up the sender, and how to keep the key out of URLs where it can."""
    source = source_for(obj.kind)
    if source is None:
        return ""
    hint = source.sender_setup
    if source.parse is not None or source.periodic:
        hint += (
            f" Key in a header instead: post to {reverse(f'integrations:{obj.kind}-header')} "
            f"with Authorization: Bearer <key> or {KEY_HEADER}: <key>."
        )
    return hint


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
