"""The incidents' own domain errors, on the foundation's `DomainError` (portal/kernel/errors.py).

The base is imported as `errors.DomainError`, not by name: this module hands on no
second path to it (import it from `portal.kernel.errors`)."""

from __future__ import annotations

from portal.kernel import errors


class TransitionNotAllowed(errors.DomainError):
    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(
            f"An incident that is {current} cannot become {wanted}.",
            field="status",
            code="transition_not_allowed",
        )


class NoActivePolicy(errors.DomainError):
    def __init__(self) -> None:
        super().__init__(
            "No policy is in force: load one with `python manage.py loadpolicy NAME`.",
            field="severity",
            code="no_active_policy",
        )
