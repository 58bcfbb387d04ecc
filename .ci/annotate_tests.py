"""Add the annotations mypy's `disallow_untyped_defs` asks for to the tests.

Idempotent: it only fills in what is missing, so re-run it after adding tests
(from the project root):

    .venv/bin/python .ci/annotate_tests.py            # tests/ and bench/
    .venv/bin/python .ci/annotate_tests.py tests/x    # some files or folders
    .venv/bin/python .ci/annotate_tests.py --check    # list what it would change, exit 1 if any

then `.venv/bin/python -m mypy .` and fix by hand what it could not decide (it prints
those parameters at the end). It sorts the imports it adds and formats the files it
changed with ruff.

What it fills in:
- `-> None` on every function (tests, fixtures, helpers, nested ones) that has no
  return annotation and returns no value; `-> Iterator[None]` on a fixture that only
  yields;
- the type of each unannotated parameter of a test or a fixture:
  * a `@pytest.mark.parametrize` argument, from the literal values it takes
    (str, int, float, bool, None, bytes, lists/tuples of them, dicts with str keys);
  * a fixture defined in the same module or in a conftest.py on the way up to
    tests/, from the fixture's own return annotation (the yielded type for
    `Iterator[X]`/`Generator[X, ...]`), importing the names the annotation uses
    the way that conftest imports them;
  * a pytest / pytest-django / time-machine fixture, from `KNOWN` below.
Anything else (a nested function's parameters, an unannotated fixture) is left
for a person: a wrong guess would hide real errors.
"""

from __future__ import annotations

import argparse
import ast
import io
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATHS = ["tests", "bench"]

# Sibling module: run as a script, this file's folder is first on sys.path.
from fixture_types import (  # noqa: E402
    BUILTIN_NAMES,
    KNOWN,
    Fixture,
    Module,
    conftests_for,
    fixture_value,
    is_fixture,
    load,
    names_in,
    parametrized,
    returns_value,
)


class Annotator:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache: dict[Path, Module] = {}
        self.undecided: list[str] = []

    def module(self, path: Path) -> Module:
        if path not in self.cache:
            self.cache[path] = load(path)
        return self.cache[path]

    def resolve_fixture(self, name: str, here: Module) -> Fixture | None:
        chain = [here, *(self.module(p) for p in conftests_for(here.path, self.root))]
        for owner in chain:
            node = owner.fixtures.get(name)
            if node is None:
                continue
            value = fixture_value(node)
            if value is None:
                return None
            if owner is here:
                return Fixture(value)
            imports = []
            for needed in names_in(value):
                if needed in BUILTIN_NAMES and needed not in owner.bound:
                    continue
                if needed in here.bound:
                    continue
                statement = owner.import_of.get(needed)
                if statement is None:
                    return None  # defined in the conftest itself: leave it to a person
                imports.append(statement)
            return Fixture(value, tuple(imports))
        if name in KNOWN:
            return Fixture(*KNOWN[name])
        return None

    def annotate(self, path: Path) -> str | None:
        """The new source of `path`, or None when nothing changes."""
        here = self.module(path)
        lines = here.source.splitlines(keepends=True)
        inserts: list[tuple[int, int, str]] = []  # (row, char column, text)
        imports: set[str] = set()
        closing = closing_parens(here.source)

        def char_col(row: int, byte_col: int) -> int:
            return len(lines[row - 1].encode("utf-8")[:byte_col].decode("utf-8"))

        def visit(
            node: ast.AST, class_decorators: list[ast.expr], in_class: bool, top: bool
        ) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.ClassDef):
                    visit(child, child.decorator_list, True, top)
                elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    handle(child, class_decorators, in_class, top)
                    visit(child, [], False, False)
                else:
                    visit(child, class_decorators, in_class, top)

        def handle(
            fn: ast.FunctionDef | ast.AsyncFunctionDef,
            class_decorators: list[ast.expr],
            in_class: bool,
            top: bool,
        ) -> None:
            fixture = is_fixture(fn)
            is_test = top and fn.name.startswith("test")
            if fn.returns is None:
                value, yields = returns_value(fn)
                annotation = None
                if not value and not yields:
                    annotation = "None"
                elif fixture and yields and not value:
                    annotation = "Iterator[None]"
                    imports.add("from collections.abc import Iterator")
                if annotation is not None:
                    row, col = closing[(fn.lineno, char_col(fn.lineno, fn.col_offset))]
                    inserts.append((row, col, f" -> {annotation}"))
            if not (is_test or fixture):
                return
            params = parametrized(fn, class_decorators) if is_test else {}
            arguments = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
            for index, arg in enumerate(arguments):
                if arg.annotation is not None:
                    continue
                if in_class and index == 0 and arg.arg in ("self", "cls"):
                    continue
                annotation = None
                if arg.arg in params:
                    annotation = params[arg.arg]
                    if annotation is not None and "Any" in names_in(annotation):
                        imports.add("from typing import Any")
                else:
                    found = self.resolve_fixture(arg.arg, here)
                    if found is not None and found.annotation is not None:
                        annotation = found.annotation
                        imports.update(found.imports)
                if annotation is None:
                    self.undecided.append(f"{path}:{arg.lineno}: {fn.name}({arg.arg})")
                    continue
                row, col = arg.end_lineno or arg.lineno, arg.end_col_offset or 0
                inserts.append((row, char_col(row, col), f": {annotation}"))

        visit(here.tree, [], False, True)
        # An import is only needed when the module does not already bind the name.
        needed_imports = sorted(
            statement
            for statement in imports
            if statement.split()[-1] not in here.bound
            and not (statement.startswith("import ") and statement.split()[1] in here.bound)
        )
        if not inserts and not needed_imports:
            return None
        for row, col, text in sorted(inserts, reverse=True):
            line = lines[row - 1]
            lines[row - 1] = line[:col] + text + line[col:]
        if needed_imports:
            at = import_position(here.tree)
            lines[at:at] = [f"{statement}\n" for statement in needed_imports]
        return "".join(lines)


def closing_parens(source: str) -> dict[tuple[int, int], tuple[int, int]]:
    """(row, col) of each `def`/`async def` -> (row, col) just after its parameters' `)`."""
    found: dict[tuple[int, int], tuple[int, int]] = {}
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.NAME or tok.string not in ("def", "async"):
            continue
        if tok.string == "async" and not (i + 1 < len(tokens) and tokens[i + 1].string == "def"):
            continue
        j = i
        while tokens[j].string != "(":
            j += 1
        depth = 0
        while True:
            if tokens[j].string in "([{" and tokens[j].type == tokenize.OP:
                depth += 1
            elif tokens[j].string in ")]}" and tokens[j].type == tokenize.OP:
                depth -= 1
                if depth == 0:
                    break
            j += 1
        found[tok.start] = tokens[j].end
    # `async def` nodes start at `async`; plain ones at `def`: both keys are present.
    return found


def import_position(tree: ast.Module) -> int:
    """The line index after the docstring and any `from __future__` imports."""
    at = 0
    for node in tree.body:
        is_docstring = (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        )
        if is_docstring or (isinstance(node, ast.ImportFrom) and node.module == "__future__"):
            at = node.end_lineno or node.lineno
            continue
        break
    return at


def python_files(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = (ROOT / raw).resolve()
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.py") if "migrations" not in p.parts))
        elif path.suffix == ".py":
            files.append(path)
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=DEFAULT_PATHS)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if needed")
    options = parser.parse_args()
    annotator = Annotator(ROOT / "tests")
    changed: list[Path] = []
    for path in python_files(options.paths):
        new = annotator.annotate(path)
        if new is None:
            continue
        changed.append(path)
        if not options.check:
            path.write_text(new, encoding="utf-8")
    for path in changed:
        print(("would annotate " if options.check else "annotated ") + str(path.relative_to(ROOT)))
    if changed and not options.check:
        names = [str(p) for p in changed]
        ruff = [sys.executable, "-m", "ruff"]
        # Our own ruff on the files just written: sort the added imports, then format.
        subprocess.run([*ruff, "check", "--fix", "--select", "I,F401", *names], cwd=ROOT)  # noqa: S603
        subprocess.run([*ruff, "format", "--quiet", *names], cwd=ROOT, check=True)  # noqa: S603
    if annotator.undecided:
        print(f"\n{len(annotator.undecided)} parameters left for a person:")
        for line in annotator.undecided:
            print("  " + line)
    return 1 if options.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
