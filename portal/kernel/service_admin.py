"""Admin add and change pages that write through a domain service.

Django's admin saves a form's instance itself (`save_model`), around the services
where the rules, the actor and the audit entries live. `ServiceModelAdmin` keeps
Django's pages and hands the write to `write()`, which calls the service; the
service's `DomainError` becomes an error on the form field it names, and nothing
is written.

Django calls `save_model` only after the form validated, and offers no public way
back to a re-rendered form from there. So a refusal leaves the admin's transaction
by an exception (rolling back every write of the attempt), and the page is built a
second time from the same POST with the refusal added during validation. Forms
only parse and validate; the second pass writes nothing.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponse

from portal.kernel.errors import DomainError

# The refusal a request's second pass shows, by request (a ModelAdmin serves every thread).
_REFUSALS: WeakKeyDictionary[HttpRequest, DomainError] = WeakKeyDictionary()


class _Refused(Exception):
    def __init__(self, error: DomainError) -> None:
        super().__init__(error.message)
        self.error = error


def show_domain_error(
    form: forms.BaseForm, error: DomainError, form_field_of: dict[str, str] | None = None
) -> None:
    """Put `error` on the form field it names (through `form_field_of` where the form
    calls a model field otherwise), or above the form when the form has no such field."""
    field = (form_field_of or {}).get(error.field or "", error.field)
    if field and field in form.fields:
        form.add_error(field, error.message)
    elif field:
        form.add_error(None, f"{field}: {error.message}")
    else:
        form.add_error(None, error.message)


class ServiceModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose add and change pages save through `write()` (a service call)."""

    # The service names model fields; where the form's field is called otherwise.
    form_field_of_error: dict[str, str] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Checked when the admin module is imported, not on the first save: a page
        # without its service would otherwise fail only when someone submits it.
        super().__init_subclass__(**kwargs)
        if cls.write is ServiceModelAdmin.write:
            raise TypeError(f"{cls.__name__}: define write(), the service call that saves it.")

    def write(self, request: HttpRequest, form: Any, change: bool) -> models.Model:
        """Call the service with `form.cleaned_data` (and `form.instance.pk` on a change);
        return the row it wrote. A `DomainError` re-renders the form and writes nothing.
        Every subclass defines it (`__init_subclass__` refuses one that does not)."""
        raise TypeError(f"{type(self).__name__} saves through no service.")

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused as refused:
            _REFUSALS[request] = refused.error
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        finally:
            _REFUSALS.pop(request, None)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal = _REFUSALS.get(request)
        if refusal is None:
            return form_class
        form_field_of = self.form_field_of_error

        def clean(form: forms.ModelForm) -> Any:
            cleaned = form_class.clean(form)
            show_domain_error(form, refusal, form_field_of)
            return cleaned

        return type(form_class.__name__, (form_class,), {"clean": clean})

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            saved = self.write(request, form, change)
        except DomainError as error:
            raise _Refused(error) from error
        # Django goes on with `obj` (the form's instance, the inlines' parent, the log
        # entry's object): it becomes the row the service wrote.
        obj.pk = saved.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Only the inlines: the service wrote the form's own fields, many-to-many ones too."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
