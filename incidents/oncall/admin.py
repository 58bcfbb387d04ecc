"""On-call admin: schedules (with a two-week calendar view), escalation policies, pages."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import format_html

from incidents.oncall.choices import PersonalNotificationStatus
from incidents.oncall.coverage_admin import CoverageKeptInline, FoundersDeleteAdmin
from incidents.oncall.models import (
    Escalation,
    EscalationPolicy,
    EscalationStep,
    Layer,
    Override,
    Page,
    PersonalNotification,
    Rotation,
    RotationMember,
    Schedule,
    SeverityEscalation,
    StepTarget,
)
from incidents.oncall.roster import add_override, delete_override
from incidents.oncall.selectors import schedule_calendar
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.kernel.service_admin import ServiceModelAdmin
from portal.notifications.selectors import delivery_words


class LayerInline(admin.TabularInline):
    model = Layer
    extra = 0


class OverrideInline(CoverageKeptInline):
    model = Override
    extra = 0
    autocomplete_fields = ("user",)
    fields = ("layer", "user", "start", "end", "reason")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("layer", "user")


@admin.register(Schedule)
class ScheduleAdmin(FoundersDeleteAdmin):
    list_display = ("name", "time_zone", "calendar_link", "ical_link")
    search_fields = ("name",)
    inlines = (LayerInline,)
    readonly_fields = ("ical_link",)

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.calendar_view)
        return [
            path("<int:pk>/calendar/", view, name="oncall_schedule_calendar"),
            *super().get_urls(),
        ]

    @admin.display(description="calendar")
    def calendar_link(self, obj: Schedule) -> str:
        return format_html(
            '<a href="{}">two weeks</a>', reverse("admin:oncall_schedule_calendar", args=[obj.pk])
        )

    @admin.display(description="iCal feed (secret URL)")
    def ical_link(self, obj: Schedule) -> str:
        if not obj.pk:
            return "-"
        url = reverse("oncall:ical", args=[obj.ical_token])
        return format_html('<a href="{}">{}</a>', url, url)

    def calendar_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        schedule = get_object_or_404(Schedule, pk=pk)
        start = (
            parse_date(request.GET.get("start", ""))
            or timezone.now().astimezone(schedule.tz).date()
        )
        calendar = schedule_calendar(schedule, start=start)
        context = {
            **self.admin_site.each_context(request),
            "title": f"On call: {schedule.name} ({schedule.time_zone})",
            "opts": self.model._meta,
            "original": schedule,
            "calendar": calendar,
            "previous": start - datetime.timedelta(days=14),
            "next": start + datetime.timedelta(days=14),
        }
        return TemplateResponse(request, "admin/oncall/schedule_calendar.html", context)


class RotationMemberInline(CoverageKeptInline):
    model = RotationMember
    extra = 1
    autocomplete_fields = ("user",)


@admin.register(Rotation)
class RotationAdmin(FoundersDeleteAdmin):
    list_display = ("__str__", "layer", "kind", "shift_hours", "start_date", "handoff_time")
    list_select_related = ("layer__schedule",)
    inlines = (RotationMemberInline,)


@admin.register(Layer)
class LayerAdmin(FoundersDeleteAdmin):
    list_display = ("schedule", "name", "order")
    list_select_related = ("schedule",)
    search_fields = ("name", "schedule__name")
    inlines = (OverrideInline,)


@admin.register(Override)
class OverrideAdmin(ServiceModelAdmin):
    """Added through `add_override` and deleted through `delete_override`, as by the API
    and the CLI. No service edits an override, so the change page stays Django's."""

    list_display = ("layer", "user", "start", "end", "reason")
    list_select_related = ("layer__schedule", "user")
    autocomplete_fields = ("user", "layer")

    def write(self, request: HttpRequest, form: Any, change: bool) -> Override:
        if change:
            form.instance.save()
            return form.instance
        data = form.cleaned_data
        return add_override(
            layer=data["layer"],
            user=data["user"],
            start=data["start"],
            end=data["end"],
            reason=data["reason"],
            actor=Actor.for_request(request),
        )

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The service decides (own overrides, coverage kept); a refusal is shown, not a 500."""
        if request.method == "POST" and object_id.isdigit():
            try:
                with transaction.atomic():
                    delete_override(override_id=int(object_id), actor=Actor.for_request(request))
            except DomainError as refusal:
                self.message_user(request, refusal.message, messages.ERROR)
                return redirect("admin:oncall_override_change", object_id)
            self.message_user(request, "The override was deleted.", messages.SUCCESS)
            return redirect("admin:oncall_override_changelist")
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Delete selected overrides", permissions=["delete"])
    def delete_overrides(self, request: HttpRequest, queryset: QuerySet[Override]) -> None:
        actor = Actor.for_request(request)
        done = 0
        for override_id in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                with transaction.atomic():
                    delete_override(override_id=override_id, actor=actor)
            except DomainError as refusal:
                self.message_user(
                    request, f"Override {override_id}: {refusal.message}", messages.ERROR
                )
                continue
            done += 1
        if done:
            self.message_user(request, f"Deleted {done} override(s).", messages.SUCCESS)

    actions = ("delete_overrides",)


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    extra = 0
    fields = (
        "order",
        "delay_minutes",
        "condition",
        "mention_here",
        "target_kind",
        "schedule",
        "layer",
        "user",
        "group",
        "channel",
    )
    show_change_link = True  # parallel targets are edited on the step's own page


class StepTargetInline(admin.TabularInline):
    model = StepTarget
    extra = 0
    fields = ("target_kind", "schedule", "layer", "user", "group", "channel")


@admin.register(EscalationStep)
class EscalationStepAdmin(admin.ModelAdmin):
    list_display = ("__str__", "delay_minutes", "condition", "mention_here")
    list_select_related = ("policy",)
    inlines = (StepTargetInline,)


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "repeat", "repeat_after_minutes", "fallback_schedule", "fallback_user")
    list_select_related = ("fallback_schedule", "fallback_user")
    inlines = (EscalationStepInline,)


@admin.register(SeverityEscalation)
class SeverityEscalationAdmin(admin.ModelAdmin):
    list_display = ("level_code", "policy")
    list_select_related = ("policy",)


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ("incident", "policy", "status", "next_index", "next_step_at", "stopped_at")
    list_select_related = ("incident", "policy")
    list_filter = ("status",)
    readonly_fields = [f.name for f in Escalation._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class PageInline(admin.TabularInline):
    """Pages on the incident page: who, step, channel, sent, delivered, acknowledged."""

    model = Page
    extra = 0
    can_delete = False
    verbose_name_plural = "pages"
    fields = readonly_fields = (
        "user",
        "step_order",
        "target",
        "channel",
        "paged_at",
        "delivered",
        "acknowledged_at",
    )

    def get_queryset(self, request: HttpRequest) -> Any:
        return (
            super()
            .get_queryset(request)
            .select_related("user", "channel", "message")
            .prefetch_related(
                Prefetch(
                    "notifications",
                    PersonalNotification.objects.select_related("contact_method", "message"),
                )
            )
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="delivered")
    def delivered(self, obj: Page) -> str:
        """Each way the page took, read from the rows that know: the channel post and every
        personal notification (sent when, by which carrier; or why not)."""
        lines = []
        if obj.channel is not None and obj.message is not None and obj.message.channel_id:
            lines.append(f"{obj.channel.name}: {delivery_words(obj.message, obj.channel)}")
        for n in obj.notifications.all():
            what = str(n.contact_method) if n.contact_method else "removed method"
            when = "now" if n.delay_minutes == 0 else f"+{n.delay_minutes} min"
            if n.message is not None:
                state = delivery_words(n.message)
            elif n.status == PersonalNotificationStatus.SCHEDULED:
                state = f"due {n.due_at:%H:%M:%S} UTC"
            else:
                state = n.detail or n.get_status_display()
            lines.append(f"{what} ({when}): {state}")
        if not lines and obj.message is not None:
            lines.append(delivery_words(obj.message))
        return "; ".join(lines) or "nobody could be reached"


class EscalationInline(admin.TabularInline):
    """The escalation on the incident page, with its warning (a step that paged nobody)."""

    model = Escalation
    extra = 0
    can_delete = False
    verbose_name_plural = "escalation"
    fields = readonly_fields = ("policy", "status", "next_step_at", "warning_shown")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("policy")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="warning")
    def warning_shown(self, obj: Escalation) -> str:
        if not obj.warning:
            return "-"
        return format_html('<strong class="errornote">⚠ {}</strong>', obj.warning)


# People's own contact methods: a page of their own (incidents/oncall/contact_admin.py).
from incidents.oncall import contact_admin  # noqa: E402, F401 - registers ContactMethodAdmin
