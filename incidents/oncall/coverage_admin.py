"""The admin's side of "only founders can leave a schedule with nobody on call": inline
formsets of members and overrides are checked before they save (the change they would
make is run in a savepoint and rolled back), and schedules, layers and rotations are
deleted by founders only. See incidents/oncall/coverage_guard.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from incidents.oncall.coverage_guard import may_leave_uncovered, would_uncover
from portal.kernel.actors import Actor


class CoverageKeptFormSet(forms.BaseInlineFormSet):
    """Refuses edits and deletions that leave an hour of the next 14 days uncovered."""

    actor: Actor = Actor.system("admin")

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        forms_ = [f for f in self.forms if f.instance.pk]
        deleting = [f for f in forms_ if self.can_delete and f.cleaned_data.get("DELETE")]
        deleted = [f.instance for f in deleting]
        edited = [f.instance for f in forms_ if f not in deleting and f.has_changed()]
        if not deleted and not edited:
            return

        def change() -> None:
            for row in deleted:
                type(row).objects.filter(pk=row.pk).delete()
            for row in edited:
                row.save()

        refusal = would_uncover(self.actor, change, field="__all__")
        if refusal is not None:
            raise forms.ValidationError(refusal.message)


class CoverageKeptInline(admin.TabularInline):
    formset = CoverageKeptFormSet

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        # A subclass per request: the formset class is shared, the actor is not.
        return type(formset.__name__, (formset,), {"actor": Actor.for_request(request)})


class FoundersDeleteAdmin(admin.ModelAdmin):
    """Deleting a schedule, layer or rotation takes its coverage with it: founders only."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and may_leave_uncovered(
            Actor.for_request(request)
        )
