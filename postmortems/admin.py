"""Post-mortem admin: thin. Edits, transitions and exports all go through the services.

Action items and the quarterly risk review live in `admin_items.py` (imported below).
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from postmortems import exports, services
from postmortems.admin_forms import (
    ActionItemInline,
    PostMortemForm,
    TimelineInline,
    mark_problems,
    report_error,
)
from postmortems.admin_views import PostMortemViewsMixin
from postmortems.choices import OPEN_ACTION_STATUSES
from postmortems.exceptions import PublishRefused
from postmortems.models import PostMortem, PostMortemTimelineEntry
from postmortems.sections import EDITABLE_FIELDS, IMPACT_FIGURES, WRITE_UP_FIELDS

# The session key of a refused publish: the page it redirects to marks the fields.
PUBLISH_REFUSED = "postmortems.publish_refused"


@admin.register(PostMortem)
class PostMortemAdmin(PostMortemViewsMixin, admin.ModelAdmin):
    form = PostMortemForm
    change_form_template = "admin/postmortems/postmortem/change_form.html"
    change_list_template = "admin/postmortems/postmortem/change_list.html"
    list_display = (
        "ref",
        "title",
        "severity",
        "status",
        "revision",
        "due_at",
        "open_items",
        "published_at",
    )
    list_select_related = ("incident", "incident__severity")
    list_filter = ("status",)
    search_fields = ("incident__ref", "incident__title", "root_cause")
    show_full_result_count = False
    inlines = (TimelineInline, ActionItemInline)
    actions = ("export_md", "export_html", "export_pdf", "publish")
    readonly_fields = (
        "incident_link",
        "severity",
        "duration",
        "status",
        "revision",
        "due_at",
        "author",
        "reviewer_names",
        "submitted_at",
        "published_at",
        "published_by",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "incident_link",
                    "severity",
                    "duration",
                    "status",
                    "revision",
                    "due_at",
                    "author",
                    "reviewer_names",
                    "submitted_at",
                    "published_at",
                    "published_by",
                )
            },
        ),
        (
            "Write-up",
            {"fields": WRITE_UP_FIELDS},
        ),
        (
            "Customer impact",
            {"fields": ("customer_impact_summary", *IMPACT_FIGURES)},
        ),
        ("Review", {"fields": ("submit_reviewers",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[PostMortem]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_item_count=Count(
                    "action_items", filter=Q(action_items__status__in=OPEN_ACTION_STATUSES)
                )
            )
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # Opened by the resolve hook, or from the incident page.

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.is_published:
            return (*self.readonly_fields, *EDITABLE_FIELDS)
        return self.readonly_fields

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.is_published:
            return self.fieldsets[:-1]
        return self.fieldsets

    # --- columns -----------------------------------------------------------------------

    @admin.display(description="incident", ordering="incident__ref")
    def ref(self, obj: PostMortem) -> str:
        return obj.incident.ref

    @admin.display(ordering="incident__title")
    def title(self, obj: PostMortem) -> str:
        return obj.incident.title

    @admin.display(ordering="incident__severity__rank")
    def severity(self, obj: PostMortem) -> str:
        return obj.incident.severity.code

    @admin.display(description="open action items", ordering="open_item_count")
    def open_items(self, obj: PostMortem) -> int:
        return getattr(obj, "open_item_count", 0)

    @admin.display(description="duration (resolved − impact start)")
    def duration(self, obj: PostMortem) -> str:
        return exports.human_duration(obj.duration)

    @admin.display(description="incident")
    def incident_link(self, obj: PostMortem) -> str:
        from django.utils.html import format_html

        url = reverse("admin:incidents_incident_change", args=[obj.incident_id])
        return format_html('<a href="{}">{} {}</a>', url, obj.incident.ref, obj.incident.title)

    @admin.display(description="reviewers")
    def reviewer_names(self, obj: PostMortem) -> str:
        return ", ".join(u.get_username() for u in obj.reviewers.all()) or "—"

    # --- saving goes through the services ------------------------------------------------

    def save_model(self, request: HttpRequest, obj: PostMortem, form: Any, change: bool) -> None:
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in EDITABLE_FIELDS}
        request._pm_reviewers = list(form.cleaned_data.get("submit_reviewers") or [])  # type: ignore[attr-defined]
        if changes:
            self._call(request, services.update_postmortem, postmortem=obj, changes=changes)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        postmortem = form.instance
        # The change message reads these; the services did the writing.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is PostMortemTimelineEntry:
            edits = [
                {"id": f.instance.pk, **{k: f.cleaned_data[k] for k in f.changed_data}}
                for f in formset.forms
                if f.has_changed()
            ]
            if edits:
                self._call(
                    request,
                    services.update_postmortem,
                    postmortem=postmortem,
                    changes={"timeline": edits},
                )
            return
        for f in formset.forms:
            if not f.has_changed():
                continue
            if f.instance.pk is None:
                data = f.cleaned_data
                self._call(
                    request,
                    services.create_action_item,
                    postmortem=postmortem,
                    description=data["description"],
                    owner=data.get("owner"),
                    due_date=data.get("due_date"),
                    ticket_url=data.get("ticket_url") or "",
                )
            else:
                self._call(
                    request,
                    services.update_action_item,
                    item=f.instance,
                    changes={k: f.cleaned_data[k] for k in f.changed_data},
                )

    def _call(self, request: HttpRequest, service: Any, **kwargs: Any) -> Any:
        try:
            return service(actor=Actor.for_user(request.user), **kwargs)
        except DomainError as exc:
            # The admin wraps the POST in one transaction: refuse it all, never half.
            transaction.set_rollback(True)
            report_error(self, request, exc)
            return None

    def response_change(self, request: HttpRequest, obj: PostMortem) -> HttpResponse:
        actor = Actor.for_user(request.user)
        try:
            if "_submit_review" in request.POST:
                services.submit_for_review(
                    postmortem=obj, actor=actor, reviewers=getattr(request, "_pm_reviewers", [])
                )
                self.message_user(request, "Submitted for review.", messages.SUCCESS)
            elif "_publish" in request.POST:
                try:
                    services.publish_postmortem(postmortem=obj, actor=actor)
                except PublishRefused:
                    # The page after the redirect marks each field at fault (issue 25).
                    request.session[PUBLISH_REFUSED] = obj.pk
                    raise
                self.message_user(
                    request, f"Published; {obj.incident.ref} is closed.", messages.SUCCESS
                )
            else:
                return super().response_change(request, obj)
        except DomainError as exc:
            report_error(self, request, exc)
        return HttpResponseRedirect(request.path)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        refused = request.session.get(PUBLISH_REFUSED)
        if obj is not None and request.method == "GET" and refused == obj.pk:
            del request.session[PUBLISH_REFUSED]
            problems = services.located_problems(obj, today=timezone.now().date())
            mark_problems(context["adminform"].form, context["inline_admin_formsets"], problems)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- actions -------------------------------------------------------------------------

    def _export(self, queryset: QuerySet[PostMortem], fmt: str) -> HttpResponse:
        from postmortems.selectors import postmortem_by_ref

        docs = [exports.export(postmortem_by_ref(pm.incident.ref), fmt) for pm in queryset]
        if len(docs) == 1:
            content, content_type, name = docs[0]
            response = HttpResponse(content, content_type=content_type)
        else:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for content, _, doc_name in docs:
                    archive.writestr(doc_name, content)
            response = HttpResponse(buffer.getvalue(), content_type="application/zip")
            name = f"postmortems-{timezone.now():%Y%m%d}-{fmt}.zip"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @admin.action(description="Export as Markdown")
    def export_md(self, request: HttpRequest, queryset: QuerySet[PostMortem]) -> HttpResponse:
        return self._export(queryset, "md")

    @admin.action(description="Export as printable HTML")
    def export_html(self, request: HttpRequest, queryset: QuerySet[PostMortem]) -> HttpResponse:
        return self._export(queryset, "html")

    @admin.action(description="Export as PDF")
    def export_pdf(self, request: HttpRequest, queryset: QuerySet[PostMortem]) -> HttpResponse:
        return self._export(queryset, "pdf")

    @admin.action(description="Publish (refuses with every problem listed)")
    def publish(self, request: HttpRequest, queryset: QuerySet[PostMortem]) -> None:
        for pm in queryset:
            try:
                services.publish_postmortem(postmortem=pm, actor=Actor.for_user(request.user))
                self.message_user(request, f"{pm.incident.ref}: published.", messages.SUCCESS)
            except DomainError as exc:
                self.message_user(request, f"{pm.incident.ref}: not published.", messages.ERROR)
                report_error(self, request, exc)


from postmortems import admin_items  # noqa: E402,F401 - registers ActionItem and RiskReview admins
