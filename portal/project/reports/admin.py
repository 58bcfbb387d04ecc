"""Reports in the admin: the dashboard, the exports page and the evidence pack.

The views hang off the ExportRecord admin (`get_urls`), wrapped in
`admin_site.admin_view`; the admin index links to them (templates/admin/index.html).
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.safestring import mark_safe

from drills.choices import DrillStatus
from incidents.choices import DetectionSource
from portal.kernel.actors import Actor
from portal.project.reports import charts, evidence
from portal.project.reports.api.views import streamed
from portal.project.reports.forms import ExportForm, PeriodForm, default_period
from portal.project.reports.models import ExportRecord
from portal.project.reports.selectors import MEASURES, compute_metrics
from portal.project.reports.services import record_export
from portal.project.reports.stats import human

# The evidence pack's period form shares the exports page with the export form, whose
# From/To fields have the same names: its own ids, so no id is on the page twice (the
# labels would point at the other form's boxes). Its parameter names stay the same.
EVIDENCE_IDS = "id_evidence_%s"
MEASURE_LABELS = {"ttd": "Detect", "tta": "Acknowledge", "ttm": "Mitigate", "ttr": "Resolve"}


def _svg(markup: str) -> str:
    return mark_safe(markup)  # noqa: S308 -- portal.project.reports.charts escapes every label


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def dashboard_context(metrics: Any) -> dict[str, Any]:
    series = list(metrics.severity_counts)
    weeks = [(w["week"].strftime("%d %b"), w["counts"]) for w in metrics.weekly]
    trend = [
        (w["week"].strftime("%d %b"), {"TTA": w["tta_of_target"], "TTR": w["ttr_of_target"]})
        for w in metrics.weekly
    ]

    def rows(groups: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "name": name,
                "cells": [
                    (human(s[m].mean), human(s[m].median), human(s[m].p90), s[m].count)
                    for m in MEASURES
                ],
            }
            for name, s in groups.items()
        ]

    return {
        "metrics": metrics,
        # Labels, never stored values ("Monitoring alert", not "monitoring_alert").
        "source_rows": [(_label(DetectionSource, s), n) for s, n in metrics.by_source.items()],
        "drill_status_rows": [
            (_label(DrillStatus, s), n)
            for s, n in ((metrics.drills or {}).get("by_status") or {}).items()
        ],
        "measure_labels": [MEASURE_LABELS[m] for m in MEASURES],
        "overall_rows": rows({"All": metrics.overall}),
        "severity_rows": rows(metrics.by_severity),
        "service_rows": rows(metrics.by_service),
        "customer_share": None
        if metrics.customer_found_share is None
        else round(metrics.customer_found_share * 100),
        "action_open_age": human(metrics.action_items["open_age"].median)
        if metrics.action_items
        else "—",
        "chart_weekly": _svg(charts.stacked_bars(weeks, series, "Incidents per week by severity")),
        "chart_trend": _svg(
            charts.lines_against_target(
                trend, ["TTA", "TTR"], "Median TTA and TTR as a share of their target"
            )
        ),
        "chart_compliance": _svg(
            charts.outcome_bars(list(metrics.compliance.items()), "Deadline compliance")
        ),
    }


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    list_display = ("at", "name", "fmt", "period_start", "period_end", "actor_label")
    list_filter = ("name", "fmt")
    show_full_result_count = False
    readonly_fields = (
        "name",
        "fmt",
        "period_start",
        "period_end",
        "actor_label",
        "actor_user_id",
        "at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("dashboard/", wrap(self.dashboard_view), name="reports_dashboard"),
            path("definitions/", wrap(self.definitions_view), name="reports_definitions"),
            path("exports/", wrap(self.exports_view), name="reports_exports"),
            path("evidence/", wrap(self.evidence_view), name="reports_evidence"),
            *super().get_urls(),
        ]

    def _page(
        self, request: HttpRequest, template: str, title: str, **context: Any
    ) -> TemplateResponse:
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                **context,
            },
        )

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("incidents.view_incident"):
            raise PermissionDenied
        form = PeriodForm(request.GET)  # bound even when empty: the default period applies
        context: dict[str, Any] = {"form": form}
        if form.is_valid():
            period = form.cleaned_data["period"]
            context.update(dashboard_context(compute_metrics(period)), period=period)
        return self._page(request, "admin/reports/dashboard.html", "Dashboard", **context)

    def definitions_view(self, request: HttpRequest) -> HttpResponse:
        """docs/reports.md, where the dashboard's figures are defined, as its text: the
        dashboard named the file, which a reader of the page could not open (issue 25)."""
        if not request.user.has_perm("incidents.view_incident"):
            raise PermissionDenied
        source = settings.BASE_DIR / "docs" / "reports.md"
        if not source.is_file():
            raise Http404("docs/reports.md is not installed here.")
        return self._page(
            request,
            "admin/reports/definitions.html",
            "Report definitions",
            text=source.read_text(encoding="utf-8"),
        )

    def exports_view(self, request: HttpRequest) -> HttpResponseBase:
        if not request.user.has_perm("reports.export"):
            raise PermissionDenied
        form = ExportForm(request.GET or None)
        if request.GET and form.is_valid():
            data = form.cleaned_data
            record_export(
                name=data["name"],
                fmt=data["fmt"],
                period=data["period"],
                actor=Actor.for_user(request.user),
            )
            return streamed(data["name"], data["fmt"], data["period"])
        return self._page(
            request,
            "admin/reports/exports.html",
            "Exports",
            form=form,
            evidence_form=PeriodForm(auto_id=EVIDENCE_IDS),
            default_period=default_period(),
        )

    def evidence_view(self, request: HttpRequest) -> HttpResponseBase:
        if not request.user.has_perm("reports.export"):
            raise PermissionDenied
        form = PeriodForm(request.GET or None, auto_id=EVIDENCE_IDS)
        if not (request.GET and form.is_valid()):
            return self._page(
                request,
                "admin/reports/exports.html",
                "Exports",
                form=ExportForm(),
                evidence_form=form,
                default_period=default_period(),
            )
        period = form.cleaned_data["period"]
        record_export(name="evidence", fmt="zip", period=period, actor=Actor.for_user(request.user))
        spool = tempfile.TemporaryFile()  # noqa: SIM115 -- FileResponse closes it
        evidence.write_pack(period, spool)
        spool.seek(0)
        return FileResponse(
            spool,
            as_attachment=True,
            filename=evidence.pack_filename(period),
            content_type="application/zip",
        )
