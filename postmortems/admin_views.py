"""Custom admin views of post-mortems: open one from an incident, start a revision, patterns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from incidents.models import Incident
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from postmortems import services
from postmortems.admin_forms import report_error
from postmortems.models import PostMortem
from postmortems.selectors import pattern_report

if TYPE_CHECKING:
    _Base = admin.ModelAdmin
else:
    _Base = object


class PostMortemViewsMixin(_Base):
    """Mixed into PostMortemAdmin, which provides admin_site, model, message_user…"""

    # --- custom views --------------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "for-incident/<int:incident_id>/",
                wrap(self.for_incident_view),
                name="postmortems_postmortem_for_incident",
            ),
            path("<int:pk>/revise/", wrap(self.revise_view), name="postmortems_postmortem_revise"),
            path("patterns/", wrap(self.patterns_view), name="postmortems_postmortem_patterns"),
            path(
                "<int:pk>/export/<str:fmt>/",
                wrap(self.export_view),
                name="postmortems_postmortem_export",
            ),
            *super().get_urls(),
        ]

    def for_incident_view(self, request: HttpRequest, incident_id: int) -> HttpResponse:
        """The incident page's button: open its post-mortem, creating it on demand (POST)."""
        incident = get_object_or_404(Incident, pk=incident_id)
        existing = PostMortem.objects.filter(incident=incident).first()
        if existing is not None:
            return HttpResponseRedirect(
                reverse("admin:postmortems_postmortem_change", args=[existing.pk])
            )
        if request.method == "POST":
            if not self.has_change_permission(request):
                return HttpResponse(status=403)
            try:
                pm = services.create_postmortem(
                    incident=incident, actor=Actor.for_user(request.user)
                )
            except DomainError as exc:
                report_error(self, request, exc)
                return HttpResponseRedirect(
                    reverse("admin:incidents_incident_change", args=[incident.pk])
                )
            return HttpResponseRedirect(
                reverse("admin:postmortems_postmortem_change", args=[pm.pk])
            )
        context = {
            **self.admin_site.each_context(request),
            "incident": incident,
            "opts": self.model._meta,
            "title": f"Write a post-mortem for {incident.ref}",
        }
        return TemplateResponse(request, "admin/postmortems/postmortem/for_incident.html", context)

    def revise_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        pm = get_object_or_404(PostMortem.objects.select_related("incident"), pk=pk)
        error = ""
        if request.method == "POST":
            try:
                services.start_revision(
                    postmortem=pm,
                    actor=Actor.for_user(request.user),
                    reason=request.POST.get("reason", ""),
                )
                self.message_user(
                    request, f"Revision {pm.revision + 1} started as a draft.", messages.SUCCESS
                )
                return HttpResponseRedirect(
                    reverse("admin:postmortems_postmortem_change", args=[pm.pk])
                )
            except DomainError as exc:
                error = exc.message
        context = {
            **self.admin_site.each_context(request),
            "pm": pm,
            "error": error,
            "opts": self.model._meta,
            "title": f"New revision of the post-mortem of {pm.incident.ref}",
        }
        return TemplateResponse(request, "admin/postmortems/postmortem/revise.html", context)

    def export_view(self, request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
        """The post-mortem page's export buttons: one document, Markdown, HTML or PDF."""
        from postmortems import exports
        from postmortems.selectors import postmortem_by_ref

        pm = get_object_or_404(PostMortem.objects.select_related("incident"), pk=pk)
        if not self.has_view_permission(request, pm):
            return HttpResponse(status=403)
        try:
            content, content_type, name = exports.export(postmortem_by_ref(pm.incident.ref), fmt)
        except DomainError as exc:
            report_error(self, request, exc)
            return HttpResponseRedirect(
                reverse("admin:postmortems_postmortem_change", args=[pm.pk])
            )
        response = HttpResponse(content, content_type=content_type)
        disposition = "inline" if fmt == "html" else "attachment"
        response["Content-Disposition"] = f'{disposition}; filename="{name}"'
        return response

    def patterns_view(self, request: HttpRequest) -> HttpResponse:
        report = pattern_report(today=timezone.now().date())
        context = {
            **self.admin_site.each_context(request),
            "report": report,
            "opts": self.model._meta,
            "title": "Post-mortem patterns",
        }
        return TemplateResponse(request, "admin/postmortems/postmortem/patterns.html", context)
