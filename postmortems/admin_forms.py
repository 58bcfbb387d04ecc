"""Forms and inlines of the post-mortem admin page (validation mirrors the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import models
from django.http import HttpRequest

from portal.kernel.errors import DomainError
from postmortems.choices import ActionItemStatus
from postmortems.exceptions import PublishRefused
from postmortems.models import ActionItem, PostMortem, PostMortemTimelineEntry
from postmortems.sections import EDITABLE_FIELDS
from postmortems.services.publishing import Problem


def report_error(admin_obj: admin.ModelAdmin, request: HttpRequest, exc: DomainError) -> None:
    if isinstance(exc, PublishRefused):
        for message in exc.messages:
            admin_obj.message_user(request, message, messages.ERROR)
    else:
        admin_obj.message_user(request, f"{exc.field or 'error'}: {exc.message}", messages.ERROR)


def _mark(form: forms.BaseForm, field: str, message: str) -> None:
    """Show `message` on `field` of a form that may be unbound (a page after a redirect):
    its error dict exists, empty, once `errors` was read."""
    name = field if field in form.fields else NON_FIELD_ERRORS
    form.errors.setdefault(name, form.error_class()).append(message)


def mark_problems(form: forms.BaseForm, inline_formsets: Any, problems: list[Problem]) -> None:
    """Put each refused-publish problem on the field it names: a section's row, an action
    item's or a timeline entry's cell, or above the inline it concerns. ("status" has no
    field to mark: the messages above the form say it.)"""
    formsets = {f.formset.prefix: f.formset for f in inline_formsets}
    inline_of = {"action_items": "action_items", "timeline": "timeline_entries"}
    for problem in problems:
        formset = formsets.get(inline_of.get(problem.field, ""))
        if formset is not None:
            rows = [f for f in formset.forms if f.instance.pk and f.instance.pk == problem.row_id]
            if rows:
                _mark(rows[0], problem.row_field, problem.message)
            else:
                formset.non_form_errors().append(problem.message)
        elif problem.field in form.fields:
            _mark(form, problem.field, problem.message)


class PostMortemForm(forms.ModelForm):
    submit_reviewers = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
        help_text="Who reviews it; used by “Submit for review”.",
    )

    class Meta:
        model = PostMortem
        fields = EDITABLE_FIELDS

    def clean_revenue_currency(self) -> str:
        code = (self.cleaned_data.get("revenue_currency") or "").strip().upper()
        if code and not (len(code) == 3 and code.isalpha()):
            raise forms.ValidationError("Use a three-letter ISO currency code such as EUR.")
        return code


class TimelineInline(admin.TabularInline):
    model = PostMortemTimelineEntry
    fields = ("at", "actor_label", "text", "included")
    readonly_fields = ("at", "actor_label")
    extra = 0
    can_delete = False
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 1, "cols": 80})}
    }

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.is_published:
            return ("at", "actor_label", "text", "included")
        return self.readonly_fields


class ActionItemForm(forms.ModelForm):
    """An action item as the post-mortem's inline and the action-item admin edit it."""

    class Meta:
        model = ActionItem
        fields = ("description", "owner", "due_date", "status", "wont_do_reason", "ticket_url")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("status") == ActionItemStatus.WONT_DO
            and not (data.get("wont_do_reason") or "").strip()
        ):
            self.add_error("wont_do_reason", "Say why it won't be done.")
        return data


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    form = ActionItemForm
    fields = ("description", "owner", "due_date", "status", "wont_do_reason", "ticket_url")
    autocomplete_fields = ("owner",)
    extra = 1
    can_delete = False
    # Small boxes that grow with the column: the default 40×10 textareas pushed Due date
    # and Status behind a sideways scroll at 1366 px (issue 25).
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 24})},
        models.URLField: {"widget": forms.URLInput(attrs={"size": 16})},
    }

    def get_extra(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        return 0 if obj is not None and obj.is_published else 1

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not obj.is_published

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("description",) if obj is not None and obj.is_published else ()
