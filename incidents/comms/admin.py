"""Admin: templates, the message log, subscribers and the compose view."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse

from incidents.choices import CommsChannel, DeadlineKind
from incidents.comms.choices import KIND_CHANNEL, TemplateKind
from incidents.comms.forms import CommsTemplateForm, ComposeForm
from incidents.comms.models import CommsMessage, CommsTemplate, Subscriber
from incidents.comms.placeholders import (
    PLACEHOLDERS,
    blank_placeholders,
    fill,
    incident_values,
)
from incidents.comms.selectors import (
    messages_for_incident,
    templates_for_incident,
    with_delivery,
)
from incidents.comms.services import send_comms
from incidents.models import Incident
from incidents.selectors import current_deadlines
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError


@admin.register(CommsTemplate)
class CommsTemplateAdmin(admin.ModelAdmin):
    form = CommsTemplateForm
    list_display = ("name", "kind", "audience", "severity_codes", "policy_version", "updated_at")
    list_filter = ("kind", "audience")
    list_select_related = ("policy_version__policy",)
    search_fields = ("name", "key", "body")

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        form.base_fields["body"].help_text = "Placeholders: " + ", ".join(
            "{" + p + "}" for p in PLACEHOLDERS
        )
        return form


def delivery_of(obj: CommsMessage) -> str:
    """Read from the outbox rows (`with_delivery`), never the state stored at send time."""
    if not hasattr(obj, "delivery"):
        with_delivery([obj])
    return str(obj.delivery)  # type: ignore[attr-defined]


class _DeliveryFormSet(BaseInlineFormSet):
    """The inline's rows, read once with their outbox state (one query, not one per row)."""

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        if not getattr(self, "_delivery_read", False):
            # Evaluates the queryset; the forms then index into its cache (same objects).
            with_delivery(queryset)
            self._delivery_read = True
        return queryset


class CommsMessageInline(admin.TabularInline):
    model = CommsMessage
    formset = _DeliveryFormSet
    fields = ("sent_at", "channel", "delivery", "subject", "body", "recipient_count", "actor_label")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = "comms sent"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="delivery")
    def delivery(self, obj: CommsMessage) -> str:
        return delivery_of(obj)


@admin.register(CommsMessage)
class CommsMessageAdmin(admin.ModelAdmin):
    list_display = (
        "sent_at",
        "incident",
        "channel",
        "delivery",
        "public",
        "subject",
        "recipient_count",
        "actor_label",
    )
    list_filter = ("channel", "state", "public")
    readonly_fields = ("delivery",)
    list_select_related = ("incident",)
    search_fields = ("incident__ref", "subject", "body")
    show_full_result_count = False
    date_hierarchy = "sent_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # Messages are composed from the incident page.

    @admin.display(description="delivery")
    def delivery(self, obj: CommsMessage) -> str:
        return delivery_of(obj)

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        with_delivery(changelist.result_list)  # the page's rows, one query
        return changelist

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # The log of what went out is not edited.

    def get_urls(self) -> list[URLPattern]:
        compose = path(
            "compose/<int:incident_id>/",
            self.admin_site.admin_view(self.compose_view),
            name="comms_compose",
        )
        return [compose, *super().get_urls()]

    def compose_view(self, request: HttpRequest, incident_id: int) -> HttpResponse:
        """Pick a template, preview it filled, edit, send (one send per form)."""
        if not request.user.has_perm("comms.add_commsmessage"):
            raise PermissionDenied
        incident = get_object_or_404(
            Incident.objects.select_related("severity", "policy_version"), pk=incident_id
        )
        templates = templates_for_incident(incident)
        values = incident_values(incident)
        if request.method == "POST":
            form = ComposeForm(request.POST, templates=templates)
            if form.is_valid() and "send" in request.POST:
                response = self._send(request, incident, form)
                if response is not None:
                    return response
        else:
            form = self._initial_form(request, templates, values)
        subject = form.data.get("subject", "") if form.is_bound else form.initial.get("subject", "")
        body = form.data.get("body", "") if form.is_bound else form.initial.get("body", "")
        channel = form.data.get("channel", "") if form.is_bound else form.initial.get("channel", "")
        if channel == CommsChannel.INTERNAL:
            values = incident_values(incident, internal=True)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Compose comms: {incident.ref}",
            "opts": self.model._meta,
            "incident": incident,
            "form": form,
            "preview_subject": fill(subject, values),
            "preview_body": fill(body, values),
            "blanks": blank_placeholders(f"{subject}\n{body}", values),
            "comms_deadlines": [
                d for d in current_deadlines(incident) if d.kind == DeadlineKind.COMMS
            ],
            "sent": with_delivery(messages_for_incident(incident)[:20]),
            "drill": incident.is_drill,
        }
        return TemplateResponse(request, "admin/comms/compose.html", context)

    def _initial_form(
        self, request: HttpRequest, templates: Any, values: dict[str, str]
    ) -> ComposeForm:
        initial: dict[str, Any] = {}
        template = (
            templates.filter(pk=request.GET["template"]).first()
            if request.GET.get("template", "").isdigit()
            else None
        )
        if template is not None:
            # The placeholders stay in the text (the preview shows them filled) so that
            # the send can still tell which of them are empty.
            initial = {
                "template": template.pk,
                "channel": KIND_CHANNEL.get(template.kind, ""),
                "subject": template.subject,
                "body": template.body,
            }
        return ComposeForm(initial=initial, templates=templates)

    def _send(
        self, request: HttpRequest, incident: Incident, form: ComposeForm
    ) -> HttpResponse | None:
        data = form.cleaned_data
        try:
            result = send_comms(
                incident=incident,
                actor=Actor.for_user(request.user),
                channel=data["channel"],
                template=data["template"],
                subject=data["subject"],
                body=data["body"],
                idempotency_key=data["idempotency_key"],
                extra_recipients=form.recipient_list(),
                allow_blanks=data["allow_blanks"],
            )
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.message)
            return None
        message = result.message
        if result.created:
            note = " (drill: sandboxed, nothing reached customers)" if incident.is_drill else ""
            self.message_user(
                request, f"Sent: {message.get_channel_display()}{note}.", messages.SUCCESS
            )
        else:
            self.message_user(
                request,
                "Already sent: this form was submitted before; nothing was sent again.",
                messages.WARNING,
            )
        try:
            target = reverse("admin:incidents_incident_change", args=[incident.pk])
        except NoReverseMatch:
            target = reverse("admin:comms_compose", args=[incident.pk])
        return HttpResponseRedirect(target)


def resolved_status_text(incident: Incident) -> str:
    """The status page's "resolved" template, filled as if resolved now (for the resolve form)."""
    template = (
        templates_for_incident(incident).filter(kind=TemplateKind.STATUS_PAGE_RESOLVED).first()
    )
    if template is None:
        return ""
    values = incident_values(incident)
    values["status"] = "Resolved"
    values["end"] = values["now"][:5]
    return fill(template.body, values)


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("email", "created_at", "confirmed_at", "unsubscribed_at")
    list_filter = (
        ("confirmed_at", admin.EmptyFieldListFilter),
        ("unsubscribed_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("email",)
    readonly_fields = ("created_at", "confirmed_at", "unsubscribed_at")
    show_full_result_count = False
