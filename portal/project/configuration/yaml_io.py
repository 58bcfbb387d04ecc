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


# Bounds for a document from anywhere (issue 27: an alias-expansion "billion laughs" ran
# to a MemoryError at 3.7 GB; 10,000 levels of flow nesting to a RecursionError).
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_ALIASES = 1000
MAX_DEPTH = 64
MAX_EXPANDED_NODES = 200_000  # what the document would be with every alias written out


class _BoundedLoader(_StringTimesLoader):
    """Counts aliases and nesting while composing, before anything is expanded."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def _refuse(self, what: str) -> ConfigError:
        mark = self.peek_event().start_mark
        return ConfigError([f"line {mark.line + 1}: {what}"])

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise self._refuse(f"more than {MAX_ALIASES} aliases (*name); write it out")
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise self._refuse(f"nested deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _expanded_size(node: yaml.Node) -> int:
    """Nodes of the document with every alias written out, counted on the composed graph
    (each shared node once, memoised): a few aliases can stand for billions of nodes."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, done = stack.pop()
        if id(current) in sizes:
            continue
        if isinstance(current, yaml.ScalarNode):
            sizes[id(current)] = 1
            continue
        children = (
            [child for pair in current.value for child in pair]
            if isinstance(current, yaml.MappingNode)
            else list(current.value)
        )
        if done:
            sizes[id(current)] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[id(current)] > MAX_EXPANDED_NODES:
                return sizes[id(current)]
            continue
        stack.append((current, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(node)]


def _load(text: str) -> Any:
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node) > MAX_EXPANDED_NODES:
            mark = node.start_mark
            raise ConfigError(
                [
                    f"line {mark.line + 1}: its aliases expand to more than "
                    f"{MAX_EXPANDED_NODES:,} values; write the document out"
                ]
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load_document(text: str) -> dict[str, Any]:
    if len(text.encode("utf-8", errors="replace")) > MAX_DOCUMENT_BYTES:
        raise ConfigError([f"(document): larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB"])
    try:
        document = _load(text)
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
