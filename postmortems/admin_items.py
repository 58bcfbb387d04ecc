"""Admin of action items ("my action items", "overdue") and the quarterly risk review."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from postmortems import services
from postmortems.admin_forms import ActionItemForm
from postmortems.choices import OPEN_ACTION_STATUSES, ActionItemStatus
from postmortems.models import ActionItem, RiskReview
from postmortems.selectors import risk_review_contents


class MineFilter(admin.SimpleListFilter):
    title = "owner"
    parameter_name = "mine"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "My action items")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[ActionItem]
    ) -> QuerySet[ActionItem]:
        if self.value() == "yes":
            return queryset.filter(owner_id=request.user.pk)
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = "due"
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Overdue")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[ActionItem]
    ) -> QuerySet[ActionItem]:
        if self.value() == "yes":
            return queryset.filter(
                status__in=OPEN_ACTION_STATUSES, due_date__lt=timezone.now().date()
            )
        return queryset


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    form = ActionItemForm
    list_display = (
        "description_short",
        "owner",
        "due_date",
        "status",
        "incident_ref",
        "source",
        "ticket",
    )
    list_select_related = ("owner", "postmortem", "postmortem__incident")
    list_filter = (MineFilter, OverdueFilter, "status", "source")
    search_fields = ("description", "postmortem__incident__ref")
    autocomplete_fields = ("owner",)
    readonly_fields = ("postmortem", "source", "labels", "created_at", "completed_at")
    actions = ("mark_done",)
    show_full_result_count = False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="action", ordering="description")
    def description_short(self, obj: ActionItem) -> str:
        return obj.description[:80]

    @admin.display(description="incident", ordering="postmortem__incident__ref")
    def incident_ref(self, obj: ActionItem) -> str:
        return obj.postmortem.incident.ref if obj.postmortem else "—"

    @admin.display(description="ticket")
    def ticket(self, obj: ActionItem) -> SafeString | str:
        return format_html('<a href="{}">ticket</a>', obj.ticket_url) if obj.ticket_url else "—"

    def save_model(self, request: HttpRequest, obj: ActionItem, form: Any, change: bool) -> None:
        actor = Actor.for_user(request.user)
        data = form.cleaned_data
        try:
            if change:
                services.update_action_item(
                    item=obj, actor=actor, changes={k: data[k] for k in form.changed_data}
                )
            else:
                created = services.create_action_item(
                    actor=actor,
                    description=data["description"],
                    owner=data.get("owner"),
                    due_date=data.get("due_date"),
                    ticket_url=data.get("ticket_url") or "",
                    source_label="manual",
                )
                obj.pk = created.pk
        except DomainError as exc:
            transaction.set_rollback(True)
            self.message_user(request, f"{exc.field or 'error'}: {exc.message}", messages.ERROR)

    @admin.action(description="Mark done")
    def mark_done(self, request: HttpRequest, queryset: QuerySet[ActionItem]) -> None:
        for item in queryset:
            services.update_action_item(
                item=item,
                actor=Actor.for_user(request.user),
                changes={"status": ActionItemStatus.DONE},
            )
        self.message_user(
            request, f"{queryset.count()} action item(s) marked done.", messages.SUCCESS
        )


@admin.register(RiskReview)
class RiskReviewAdmin(admin.ModelAdmin):
    list_display = ("__str__", "quarter_start", "quarter_end", "signed_off_by", "signed_off_at")
    list_select_related = ("signed_off_by",)
    fields = ("quarter_start", "quarter_end", "notes", "signed_off_by", "signed_off_at", "contents")
    readonly_fields = ("signed_off_by", "signed_off_at", "contents")
    actions = ("sign_off",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.signed_off_at is not None:
            return ("quarter_start", "quarter_end", "notes", *self.readonly_fields)
        if obj is not None:
            return ("quarter_start", "quarter_end", *self.readonly_fields)
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="post-mortems and open action items of the period")
    def contents(self, obj: RiskReview) -> str:
        if obj.pk is None:
            return "Shown once the review is saved."
        return render_to_string(
            "admin/postmortems/riskreview/contents.html",
            {"contents": risk_review_contents(obj), "today": timezone.now().date()},
        )

    def save_model(self, request: HttpRequest, obj: RiskReview, form: Any, change: bool) -> None:
        try:
            if change:  # Only the notes are editable before sign-off.
                services.update_risk_review_notes(
                    review=obj, actor=Actor.for_user(request.user), notes=obj.notes
                )
                return
            created = services.create_risk_review(
                actor=Actor.for_user(request.user),
                quarter_start=obj.quarter_start,
                quarter_end=obj.quarter_end,
                notes=obj.notes,
            )
            obj.pk = created.pk
        except DomainError as exc:
            transaction.set_rollback(True)
            self.message_user(request, f"{exc.field or 'error'}: {exc.message}", messages.ERROR)

    @admin.action(description="Sign off")
    def sign_off(self, request: HttpRequest, queryset: QuerySet[RiskReview]) -> None:
        for review in queryset:
            try:
                services.sign_off_risk_review(review=review, actor=Actor.for_user(request.user))
                self.message_user(request, f"{review}: signed off.", messages.SUCCESS)
            except DomainError as exc:
                self.message_user(request, f"{review}: {exc.message}", messages.ERROR)
