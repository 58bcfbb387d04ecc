"""Model validation (`full_clean()`) as the refusal every door already presents.

Services validate before they save (DRF and the task queue do not call
`full_clean()`); this turns Django's `ValidationError` into a `DomainError` naming
the field at fault, so the API answers 400, the admin shows a form error and the CLI
exits 2, with the model's own message.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from portal.kernel.errors import DomainError


def model_errors(
    obj: models.Model,
    *,
    exclude: Iterable[str] = (),
    validate_unique: bool = True,
    validate_constraints: bool = True,
) -> dict[str, list[str]]:
    """Every message `full_clean()` finds, by field name; empty when `obj` is valid."""
    try:
        obj.full_clean(
            exclude=list(exclude) or None,
            validate_unique=validate_unique,
            validate_constraints=validate_constraints,
        )
    except ValidationError as exc:
        return exc.message_dict
    return {}


def validate_model(
    obj: models.Model,
    *,
    exclude: Iterable[str] = (),
    validate_constraints: bool = True,
    where: str = "",
    field: str | None = None,
) -> None:
    """Raise `DomainError` for the first field `full_clean()` refuses.

    `where` prefixes the message with the place and field (`"slack SEV-1: channel: …"`),
    for a row loaded from a preset or file; `field` then names the input the door shows
    the error on instead of the model's field. Errors of no one field have `field=None`.
    """
    errors = model_errors(obj, exclude=exclude, validate_constraints=validate_constraints)
    if not errors:
        return
    name, messages = next(iter(errors.items()))
    model_field = None if name == NON_FIELD_ERRORS else name
    message = " ".join(messages)
    if where:
        message = f"{where}: {model_field}: {message}" if model_field else f"{where}: {message}"
    raise DomainError(message, field=field or model_field)
