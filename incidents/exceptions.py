"""Domain errors. Doors translate them: 400 in the API, a form error or message in
the admin, exit code 2 and one line on stderr in the CLI."""

from __future__ import annotations


class DomainError(Exception):
    """A refused operation. `field` names the input at fault, when there is one."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def as_dict(self) -> dict[str, list[str]]:
        return {self.field or "non_field_errors": [self.message]}


class TransitionNotAllowed(DomainError):
    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(
            f"An incident that is {current} cannot become {wanted}.",
            field="status",
            code="transition_not_allowed",
        )


class NoActivePolicy(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "No policy is in force: load one with `python manage.py loadpolicy NAME`.",
            field="severity",
            code="no_active_policy",
        )
