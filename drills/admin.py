"""The drills admin: the catalogue, planning, the draw, results, reports and the trend.

Thin: forms parse, buttons and custom views call `drills.services`; domain errors become
form errors or messages. Production is refused by the form (field error on `environment`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from drills import services
from drills.choices import DrillStage, DrillStatus
from drills.models import Drill, DrillDraw, DrillGap, Scenario
from drills.reports import drill_report_html, drill_report_markdown, timing_rows, trend_rows
from drills.selectors import drill_gaps, drill_list, drill_trend
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.kernel.service_admin import ServiceModelAdmin

SEALED = "🔒 sealed until the drill starts"


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "target_service",
        "expected_detection_source",
        "expected_severity",
        "enabled",
    )
    list_select_related = ("target_service",)
    list_filter = ("enabled", "expected_detection_source")
    list_editable = ("enabled",)
    search_fields = ("title", "description")
    autocomplete_fields = ("target_service",)


class DrillForm(forms.ModelForm):
    """Plans or edits a drill. It parses only: `DrillAdmin.write` calls the services
    (which refuse production)."""

    class Meta:
        model = Drill
        fields = ("planned_on", "facilitator", "environment", "notes")


class DrawInline(admin.StackedInline):
    model = DrillDraw
    can_delete = False
    extra = 0
    fields = readonly_fields = (
        "drawn_at",
        "drawn_by_label",
        "scenario",
        "candidate_ids",
        "excluded_ids",
        "note",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Drill)
class DrillAdmin(ServiceModelAdmin):
    form = DrillForm
    list_display = (
        "__str__",
        "planned_on",
        "status",
        "environment",
        "facilitator",
        "drawn_scenario",
        "incident_link",
    )
    list_select_related = ("facilitator", "scenario", "practice_incident")
    list_filter = ("status", "environment")
    date_hierarchy = "planned_on"
    readonly_fields = (
        "status",
        "drawn_scenario",
        "severity",
        "incident_link",
        "started_at",
        "completed_at",
        "cancelled_at",
        "timings_table",
        "what_worked",
        "gaps_found",
        "playbook_updates",
    )
    inlines = (DrawInline,)

    def get_fieldsets(self, request: HttpRequest, obj: Drill | None = None) -> Any:
        plan = (None, {"fields": ("planned_on", "facilitator", "environment", "notes")})
        if obj is None:
            return (plan,)
        return (
            plan,
            (
                "Drill",
                {
                    "fields": (
                        "status",
                        "drawn_scenario",
                        "severity",
                        "incident_link",
                        "started_at",
                        "completed_at",
                        "cancelled_at",
                    )
                },
            ),
            (
                "Results",
                {"fields": ("timings_table", "what_worked", "gaps_found", "playbook_updates")},
            ),
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Drill | None = None) -> Any:
        if obj is not None and obj.status != DrillStatus.PLANNED:
            return ("planned_on", "facilitator", "environment", "notes", *self.readonly_fields)
        return self.readonly_fields

    def get_inlines(self, request: HttpRequest, obj: Drill | None) -> Any:
        return self.inlines if obj is not None and not obj.sealed else ()

    def write(self, request: HttpRequest, form: Any, change: bool) -> Drill:
        actor = Actor.for_request(request)
        # The admin's generated form also lists the read-only fields: edit only the form's own.
        data = {
            name: form.cleaned_data[name] for name in DrillForm.Meta.fields if name in form.fields
        }
        if "notes" in data:
            data["notes"] = data["notes"] or ""
        if not change:
            return services.plan_drill(actor=actor, **data)
        current = Drill.objects.get(pk=form.instance.pk)
        changes = {name: value for name, value in data.items() if getattr(current, name) != value}
        return services.update_drill(drill=current, actor=actor, changes=changes)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # Drills are a record: cancel one instead.

    @admin.display(description="scenario")
    def drawn_scenario(self, obj: Drill) -> str:
        return SEALED if obj.sealed else str(obj.scenario)

    @admin.display(description="practice incident", ordering="practice_incident__declared_at")
    def incident_link(self, obj: Drill) -> str:
        if obj.practice_incident is None:
            return "—"
        url = reverse("admin:incidents_incident_change", args=[obj.practice_incident.pk])
        return format_html('<a href="{}">{}</a>', url, obj.practice_incident.ref)

    @admin.display(description="timings")
    def timings_table(self, obj: Drill) -> str:
        rows = timing_rows(obj)
        if not rows:
            return "—"
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((r.label, r.took, r.target, r.verdict) for r in rows),
        )
        return format_html(
            "<table><tr><th>Stage</th><th>Took</th><th>Target</th><th>Result</th></tr>{}</table>",
            body,
        )

    # --- buttons and custom views --------------------------------------------------

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/start/", wrap(self.start_view), name="drills_drill_start"),
            path("<int:pk>/complete/", wrap(self.complete_view), name="drills_drill_complete"),
            path("<int:pk>/cancel/", wrap(self.cancel_view), name="drills_drill_cancel"),
            path("<int:pk>/report/", wrap(self.report_view), name="drills_drill_report"),
            path("trend/", wrap(self.trend_view), name="drills_drill_trend"),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:
        gaps = [g.quarter_label for g in drill_gaps()[:8]]
        return super().changelist_view(request, {**(extra_context or {}), "drill_gaps": gaps})

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        drill = Drill.objects.filter(pk=object_id).first()
        return super().change_view(
            request,
            object_id,
            form_url,
            {**(extra_context or {}), "drill_buttons": self._buttons(drill)},
        )

    def _buttons(self, drill: Drill | None) -> list[dict[str, Any]]:
        if drill is None:
            return []
        pk = drill.pk
        buttons = []
        if drill.status == DrillStatus.PLANNED:
            buttons.append(
                {
                    "label": "Start drill (draw from the hat)",
                    "post": True,
                    "url": reverse("admin:drills_drill_start", args=[pk]),
                    "dom_id": "drill-start",
                }
            )
        if drill.status == DrillStatus.RUNNING:
            buttons.append(
                {
                    "label": "Complete",
                    "url": reverse("admin:drills_drill_complete", args=[pk]),
                    "dom_id": "drill-complete",
                }
            )
        if drill.status in (DrillStatus.PLANNED, DrillStatus.RUNNING):
            buttons.append(
                {
                    "label": "Cancel drill",
                    "post": True,
                    "dom_id": "drill-cancel",
                    "url": reverse("admin:drills_drill_cancel", args=[pk]),
                }
            )
        buttons.append(
            {
                "label": "Report",
                "url": reverse("admin:drills_drill_report", args=[pk]),
                "dom_id": "drill-report",
            }
        )
        return buttons

    def _run(self, request: HttpRequest, pk: int, call: Any, done: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            return HttpResponse(status=403)
        drill = get_object_or_404(Drill, pk=pk)
        try:
            call(drill=drill, actor=Actor.for_user(request.user))
            self.message_user(request, done, messages.SUCCESS)
        except DomainError as exc:
            self.message_user(request, f"{exc.field or 'drill'}: {exc.message}", messages.ERROR)
        return HttpResponseRedirect(reverse("admin:drills_drill_change", args=[pk]))

    def start_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._run(
            request,
            pk,
            services.start_drill,
            "Drill started: scenario drawn and practice incident opened.",
        )

    def cancel_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._run(request, pk, services.cancel_drill, "Drill cancelled.")

    def complete_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_change_permission(request):
            return HttpResponse(status=403)
        drill = get_object_or_404(drill_list(), pk=pk)
        form = CompleteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.complete_drill(
                    drill=drill,
                    actor=Actor.for_user(request.user),
                    what_worked=form.cleaned_data["what_worked"],
                    gaps_found=form.cleaned_data["gaps_found"],
                    playbook_updates=form.cleaned_data["playbook_updates"].splitlines(),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, "Drill results filed.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:drills_drill_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "drill": drill,
            "form": form,
            "rows": timing_rows(drill),
            "title": f"Complete {drill}",
        }
        return TemplateResponse(request, "admin/drills/drill/complete.html", context)

    def report_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        drill = get_object_or_404(drill_list(), pk=pk)
        if request.GET.get("format") == "md":
            return HttpResponse(
                drill_report_markdown(drill), content_type="text/markdown; charset=utf-8"
            )
        return HttpResponse(drill_report_html(drill), content_type="text/html; charset=utf-8")

    def trend_view(self, request: HttpRequest) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Drill trend: durations per drill",
            "stages": DrillStage.choices,
            "rows": trend_rows(list(drill_trend())),
            "gaps": list(drill_gaps()),
        }
        return TemplateResponse(request, "admin/drills/drill/trend.html", context)


class CompleteForm(forms.Form):
    what_worked = forms.CharField(widget=forms.Textarea, required=False, max_length=10_000)
    gaps_found = forms.CharField(widget=forms.Textarea, required=False, max_length=10_000)
    playbook_updates = forms.CharField(
        widget=forms.Textarea,
        required=False,
        max_length=20_000,
        help_text="One per line; each becomes an action item (source 'drill').",
    )


@admin.register(DrillGap)
class DrillGapAdmin(admin.ModelAdmin):
    list_display = ("__str__", "quarter_start", "flagged_at")
    readonly_fields = ("quarter_start", "flagged_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[DrillGap]:
        return drill_gaps()
