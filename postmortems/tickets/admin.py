"""Admin of the tracker (token masked, rotatable) and the action items' tickets."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from portal.kernel.actors import Actor
from portal.kernel.service_admin import ServiceModelAdmin
from postmortems.tickets.models import ActionItemTicket, TicketTracker, TrackerAccount
from postmortems.tickets.services import configure_tracker, mask


class TicketTrackerForm(forms.ModelForm):
    new_api_token = forms.CharField(
        required=False, widget=forms.PasswordInput, help_text="Blank keeps the current one."
    )

    class Meta:
        model = TicketTracker
        fields = ("kind", "api_url", "team_id", "repository", "label", "enabled")


@admin.register(TicketTracker)
class TicketTrackerAdmin(ServiceModelAdmin):
    """Add and change write through `configure_tracker`; a refusal is a form error."""

    form = TicketTrackerForm
    form_field_of_error = {"api_token": "new_api_token"}
    list_display = ("__str__", "label", "masked_token", "enabled", "rotated_at")
    readonly_fields = ("masked_token", "rotated_at")

    @admin.display(description="API token")
    def masked_token(self, obj: TicketTracker) -> str:
        return mask(obj.api_token) or "not set"

    # Add/change follow the model permissions, which only Founders hold.
    def write(self, request: HttpRequest, form: Any, change: bool) -> TicketTracker:
        data = {k: form.cleaned_data.get(k) for k in TicketTrackerForm.Meta.fields}
        return configure_tracker(
            actor=Actor.for_request(request),
            api_token=form.cleaned_data.get("new_api_token") or None,
            **data,
        )


@admin.register(TrackerAccount)
class TrackerAccountAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "account")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)


@admin.register(ActionItemTicket)
class ActionItemTicketAdmin(admin.ModelAdmin):
    list_display = ("identifier", "status", "state", "action_item", "attempts", "url", "synced_at")
    list_select_related = ("action_item",)
    list_filter = ("status", "kind")
    search_fields = ("identifier", "url")
    show_full_result_count = False
    readonly_fields = [f.name for f in ActionItemTicket._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
