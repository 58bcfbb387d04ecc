"""YAML in and out. Dates and times stay strings: the schema checks their format."""

from __future__ import annotations

import re
from typing import Any

import yaml

from portal.project.configuration.errors import ConfigError


class _StringTimesLoader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver: "2026-03-01" stays a string."""


# YAML 1.1 also reads 17:00 as the base-60 integer 61200; hand-off times must stay text.
_DROPPED = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_StringTimesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StringTimesLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789")
)
_StringTimesLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)


def load_document(text: str) -> dict[str, Any]:
    try:
        document = yaml.load(text, Loader=_StringTimesLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "document"
        raise ConfigError([f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ConfigError(["(document): expected a mapping with sections such as schedules"])
    return document


def dump_document(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
