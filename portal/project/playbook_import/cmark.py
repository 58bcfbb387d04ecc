"""Markdown to HTML with cmark-gfm, the C library that the `cmarkgfm` package ships.

cmarkgfm's Python functions are not used: they free neither the syntax tree nor the
HTML they return (about 45 MB lost per MB of Markdown rendered with the table
extension, for the life of the process), and they give no way into the tree, which
the importer needs to say on which line each HTML block starts. The library's own C
API is called instead, through ctypes, on the compiled module cmarkgfm installs:
functions declared in cmark-gfm.h and cmark-gfm-extension_api.h, which it exports.

cmark-gfm is linear in its input: no backtracking on emphasis left open, runs of `#`,
backticks or brackets (tests/incidents/test_importer_pathological.py).
"""

from __future__ import annotations

import ctypes
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

from cmarkgfm import _cmark
from cmarkgfm.cmark import Options

# Source positions on every block element (`data-sourcepos="3:1-5:12"`); raw HTML kept
# as written (without UNSAFE it is replaced by a comment); `~x~` left as text, as
# markdown-it's strikethrough leaves it: only `~~x~~` strikes.
OPTIONS = (
    Options.CMARK_OPT_SOURCEPOS
    | Options.CMARK_OPT_UNSAFE
    | Options.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE
)
# Not "tagfilter": it escapes <script>, <style> and <iframe>, which the tree skips by
# their tag. Not "autolink": bare URLs stay text, as in CommonMark.
EXTENSIONS = (b"table", b"strikethrough")

_LIB = ctypes.CDLL(_cmark.__file__)
_P = ctypes.c_void_p


def _c(name: str, restype: Any, *argtypes: Any) -> Any:
    function = getattr(_LIB, name)
    function.restype = restype
    function.argtypes = argtypes
    return function


class _Mem(ctypes.Structure):
    _fields_ = [
        ("calloc", ctypes.CFUNCTYPE(_P, ctypes.c_size_t, ctypes.c_size_t)),
        ("realloc", ctypes.CFUNCTYPE(_P, _P, ctypes.c_size_t)),
        ("free", ctypes.CFUNCTYPE(None, _P)),
    ]


_parser_new = _c("cmark_parser_new", _P, ctypes.c_int)
_parser_free = _c("cmark_parser_free", None, _P)
_parser_feed = _c("cmark_parser_feed", None, _P, ctypes.c_char_p, ctypes.c_size_t)
_parser_finish = _c("cmark_parser_finish", _P, _P)
_find_extension = _c("cmark_find_syntax_extension", _P, ctypes.c_char_p)
_attach_extension = _c("cmark_parser_attach_syntax_extension", ctypes.c_int, _P, _P)
_parser_extensions = _c("cmark_parser_get_syntax_extensions", _P, _P)
_render_html = _c("cmark_render_html", _P, _P, ctypes.c_int, _P)
_node_free = _c("cmark_node_free", None, _P)
_first_child = _c("cmark_node_first_child", _P, _P)
_next = _c("cmark_node_next", _P, _P)
_get_type = _c("cmark_node_get_type", ctypes.c_int, _P)
_get_type_string = _c("cmark_node_get_type_string", ctypes.c_char_p, _P)
_start_line = _c("cmark_node_get_start_line", ctypes.c_int, _P)
_get_literal = _c("cmark_node_get_literal", ctypes.c_char_p, _P)
_set_literal = _c("cmark_node_set_literal", ctypes.c_int, _P, ctypes.c_char_p)
_default_mem = _c("cmark_get_default_mem_allocator", ctypes.POINTER(_Mem))

_c("cmark_gfm_core_extensions_ensure_registered", None)()
_EXTENSIONS = [_find_extension(name) for name in EXTENSIONS]
if not all(_EXTENSIONS):
    raise ImportError(f"cmark-gfm lacks one of the extensions {EXTENSIONS}")
_FREE = _default_mem().contents.free


class _Tree:
    """A parsed document and its parser, both in C memory until `free`."""

    def __init__(self, text: bytes) -> None:
        self.parser: int | None = _parser_new(OPTIONS)
        self.root: int | None = None
        if not self.parser:
            raise MemoryError("cmark-gfm could not make a parser")
        try:
            for extension in _EXTENSIONS:
                _attach_extension(self.parser, extension)
            _parser_feed(self.parser, text, len(text))
            self.root = _parser_finish(self.parser)
            if not self.root:
                raise MemoryError("cmark-gfm could not parse the document")
        except BaseException:
            self.free()
            raise

    def free(self) -> None:
        if self.root:
            _node_free(self.root)
            self.root = None
        if self.parser:
            _parser_free(self.parser)
            self.parser = None

    def nodes(self, into: frozenset[int] | None) -> Iterator[tuple[int, int]]:
        """(node, type) in document order, entering only nodes of types `into` (None: all)."""
        stack = [_first_child(self.root)]
        while stack:
            node = stack.pop()
            if not node:
                continue
            stack.append(_next(node))
            kind: int = _get_type(node)
            yield node, kind
            if into is None or kind in into:
                stack.append(_first_child(node))

    def html(self) -> bytes:
        pointer = _render_html(self.root, OPTIONS, _parser_extensions(self.parser))
        if not pointer:
            raise MemoryError("cmark-gfm could not render the document")
        try:
            return ctypes.string_at(pointer)
        finally:
            _FREE(pointer)


def _types() -> dict[str, int]:
    """Node types by name, read from a parsed sample rather than copied from a header."""
    sample = _Tree(b"> - <div>\n>\n>   a <b>x</b>\n")
    try:
        return {_get_type_string(node).decode(): kind for node, kind in sample.nodes(None)}
    finally:
        sample.free()


_TYPES = _types()
_HTML_BLOCK = _TYPES["html_block"]
_HTML_INLINE = _TYPES["html_inline"]
# HTML blocks are found in these and nowhere else (no footnotes: that extension is off).
_CONTAINERS = frozenset({_TYPES["block_quote"], _TYPES["list"], _TYPES["item"]})
# An attribute of the raw HTML spelled as cmark's own: renamed, so that every
# data-sourcepos in the output is a position cmark gave.
_RAW_SOURCEPOS = re.compile(rb"(?i)(?<=[\s\"'/])data-sourcepos(?=[\s=/>])")
# cmark-gfm keeps the characters its extensions parse (`|`, `~`) in one table for the
# process, set when a parser is made and cleared when one is freed: one document at a
# time, or a document parsed while another's parser is freed loses its tables.
_ONE_AT_A_TIME = threading.Lock()


def to_html(text: str, html_block_prefix: Callable[[int], str]) -> bytes:
    """The HTML (UTF-8) of Markdown `text`, each HTML block preceded by its prefix.

    `html_block_prefix` gets the block's first line (0-based) and returns what to put
    before the block's first line in the output, on the same line.
    """
    encoded = text.encode("utf-8")
    # Cheap looks at the whole text spare walking the tree for what is not there.
    raw_html = b"<" in encoded
    raw_positions = raw_html and b"data-sourcepos" in encoded.lower()
    with _ONE_AT_A_TIME:
        return _to_html(encoded, html_block_prefix, raw_html=raw_html, raw_positions=raw_positions)


def _to_html(
    encoded: bytes,
    html_block_prefix: Callable[[int], str],
    *,
    raw_html: bool,
    raw_positions: bool,
) -> bytes:
    tree = _Tree(encoded)
    try:
        if not raw_html:
            return tree.html()
        for node, kind in tree.nodes(None if raw_positions else _CONTAINERS):
            if kind != _HTML_BLOCK and kind != _HTML_INLINE:
                continue
            literal: bytes = _get_literal(node) or b""
            if raw_positions:
                literal = _RAW_SOURCEPOS.sub(b"data-raw-sourcepos", literal)
            if kind == _HTML_BLOCK:
                prefix = html_block_prefix(_start_line(node) - 1)
                literal = prefix.encode("utf-8") + literal
            _set_literal(node, literal)
        return tree.html()
    finally:
        tree.free()
