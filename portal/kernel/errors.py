"""The domain error every layer raises. Doors translate it: 400 in the API, a form error
or message in the admin, exit code 2 and one line on stderr in the CLI.

It sits in the foundation so that the portal's own modules (tokens, notifications,
the admin site) refuse input the same way as the apps, without importing one.
"""

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
