"""System checks of the alert sources (the pattern of `django/contrib/admin/checks.py`).

`integrations.E001`: an integration row whose kind has no source module (a module was
removed or renamed): its sender would be answered 404 and its set-up lists would break.
`integrations.E002`…`E004`: a source module that the rest could not derive from.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError

from incidents.choices import DetectionSource
from incidents.integrations.sources import KeyTravel, all_sources, kinds

KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,14}$")  # a URL segment within kind's 15 characters


@register()
def check_source_modules(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for source in all_sources():
        where = f"incidents.integrations.sources (kind {source.kind!r})"
        if not KIND_PATTERN.match(source.kind):
            errors.append(
                Error(
                    "An alert source's kind must be lowercase letters, digits or _, at most 15.",
                    obj=where,
                    id="integrations.E002",
                )
            )
        if source.parse is None and not source.routes:
            errors.append(
                Error(
                    "An alert source needs a parser or its own routes.",
                    obj=where,
                    id="integrations.E003",
                )
            )
        if source.key_travels == KeyTravel.BODY and not source.routes:
            errors.append(
                Error(
                    "A source keyed in the body needs its routes.",
                    obj=where,
                    id="integrations.E003",
                )
            )
        if source.detection_source not in DetectionSource.values:
            errors.append(Error("Unknown detection source.", obj=where, id="integrations.E004"))
    return errors


@register(Tags.database)
def check_integration_kinds(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    if not databases:
        return []
    from incidents.integrations.models import Integration

    try:
        unknown = sorted(
            set(Integration.objects.exclude(kind__in=kinds()).values_list("kind", flat=True))
        )
    except DatabaseError:  # not migrated yet: nothing to check
        return []
    return [
        Error(
            f"Integrations of kind {kind!r} exist but no alert source module declares it.",
            hint="Restore its module in incidents/integrations/sources/ or delete those integrations.",
            obj="integrations.Integration",
            id="integrations.E001",
        )
        for kind in unknown
    ]
