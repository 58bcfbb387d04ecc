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
import builtins
import io
import subprocess
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATHS = ["tests", "bench"]

# fixture name -> (annotation, imports it needs)
KNOWN: dict[str, tuple[str, tuple[str, ...]]] = {
    "client": ("Client", ("from django.test import Client",)),
    "admin_client": ("Client", ("from django.test import Client",)),
    "async_client": ("AsyncClient", ("from django.test import AsyncClient",)),
    "rf": ("RequestFactory", ("from django.test import RequestFactory",)),
    "async_rf": ("AsyncRequestFactory", ("from django.test import AsyncRequestFactory",)),
    "settings": ("Settings", ("from pytest_django import Settings",)),
    "monkeypatch": ("pytest.MonkeyPatch", ("import pytest",)),
    "tmp_path": ("Path", ("from pathlib import Path",)),
    "tmp_path_factory": ("pytest.TempPathFactory", ("import pytest",)),
    "capsys": ("pytest.CaptureFixture[str]", ("import pytest",)),
    "capfd": ("pytest.CaptureFixture[str]", ("import pytest",)),
    "caplog": ("pytest.LogCaptureFixture", ("import pytest",)),
    "recwarn": ("pytest.WarningsRecorder", ("import pytest",)),
    "request": ("pytest.FixtureRequest", ("import pytest",)),
    "pytestconfig": ("pytest.Config", ("import pytest",)),
    "db": ("None", ()),
    "transactional_db": ("None", ()),
    "django_db_setup": ("None", ()),
    "django_db_reset_sequences": ("None", ()),
    "django_db_serialized_rollback": ("None", ()),
    "django_db_blocker": ("DjangoDbBlocker", ("from pytest_django import DjangoDbBlocker",)),
    "django_assert_num_queries": (
        "DjangoAssertNumQueries",
        ("from pytest_django import DjangoAssertNumQueries",),
    ),
    "django_assert_max_num_queries": (
        "DjangoAssertNumQueries",
        ("from pytest_django import DjangoAssertNumQueries",),
    ),
    "django_capture_on_commit_callbacks": (
        "DjangoCaptureOnCommitCallbacks",
        ("from pytest_django import DjangoCaptureOnCommitCallbacks",),
    ),
    "live_server": ("LiveServer", ("from pytest_django.live_server_helper import LiveServer",)),
    "django_user_model": ("type[User]", ("from django.contrib.auth.models import User",)),
    "django_username_field": ("str", ()),
    "admin_user": ("User", ("from django.contrib.auth.models import User",)),
    "mailoutbox": ("list[EmailMessage]", ("from django.core.mail import EmailMessage",)),
    "time_machine": ("TimeMachineFixture", ("from time_machine import TimeMachineFixture",)),
}

ITERATOR_WRAPPERS = {"Iterator", "Generator", "Iterable", "AsyncIterator", "AsyncGenerator"}
BUILTIN_NAMES = set(dir(builtins))


@dataclass
class Fixture:
    annotation: str | None  # the value a test receives, as source text
    imports: tuple[str, ...] = ()


@dataclass
class Module:
    path: Path
    source: str
    tree: ast.Module
    bound: set[str] = field(default_factory=set)  # names bound at module level
    import_of: dict[str, str] = field(default_factory=dict)  # name -> import statement
    fixtures: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)


def load(path: Path) -> Module:
    source = path.read_text(encoding="utf-8")
    module = Module(path, source, ast.parse(source))
    for node in module.tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                module.bound.add(name)
                module.import_of[name] = (
                    f"import {alias.name} as {alias.asname}"
                    if alias.asname
                    else f"import {alias.name.split('.')[0]}"
                )
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                name = alias.asname or alias.name
                module.bound.add(name)
                as_part = f" as {alias.asname}" if alias.asname else ""
                module.import_of[name] = f"from {node.module} import {alias.name}{as_part}"
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            module.bound.add(node.name)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and is_fixture(node):
                module.fixtures[fixture_name(node)] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name):
                        module.bound.add(sub.id)
        elif isinstance(node, ast.If):  # `if TYPE_CHECKING:` imports
            for sub in node.body:
                if isinstance(sub, ast.ImportFrom) and sub.module:
                    for alias in sub.names:
                        module.bound.add(alias.asname or alias.name)
    return module


def is_fixture(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for deco in node.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        if ast.unparse(target) in ("pytest.fixture", "fixture"):
            return True
    return False


def fixture_name(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    for deco in node.decorator_list:
        if isinstance(deco, ast.Call):
            for kw in deco.keywords:
                if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                    return str(kw.value.value)
    return node.name


def fixture_value(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """The type a test receives from this fixture, or None when it is not declared."""
    ann = node.returns
    if ann is None:
        return None
    if isinstance(ann, ast.Subscript) and ast.unparse(ann.value).split(".")[-1] in (
        ITERATOR_WRAPPERS
    ):
        inner = ann.slice
        if isinstance(inner, ast.Tuple):
            inner = inner.elts[0]
        return ast.unparse(inner)
    return ast.unparse(ann)


def names_in(annotation: str) -> set[str]:
    """The root names an annotation needs at module level (`datetime` of `datetime.date`)."""
    found = set()
    for node in ast.walk(ast.parse(annotation, mode="eval")):
        if isinstance(node, ast.Name):
            found.add(node.id)
    return found


def conftests_for(path: Path, root: Path) -> list[Path]:
    """conftest.py files that apply to `path`, nearest first."""
    found = []
    folder = path.parent
    while True:
        candidate = folder / "conftest.py"
        if candidate.exists() and candidate != path:
            found.append(candidate)
        if folder in (root, ROOT) or folder == folder.parent:
            break
        folder = folder.parent
    return found


def literal_type(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call) and ast.unparse(node.func) == "pytest.param" and node.args:
        return None  # pytest.param(a, b, ...) is handled by the caller
    if isinstance(node, ast.Constant):
        value = node.value
        if value is None:
            return "None"
        if isinstance(value, bool):
            return "bool"
        return type(value).__name__ if isinstance(value, int | float | str | bytes) else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return literal_type(node.operand)
    if isinstance(node, ast.Dict):
        keys = [literal_type(k) if k is not None else None for k in node.keys]
        return "dict[str, Any]" if keys and set(keys) == {"str"} else None
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        inner = union([literal_type(e) for e in node.elts]) if node.elts else None
        if inner is None:
            return None
        kind = {ast.List: "list", ast.Tuple: "tuple", ast.Set: "set"}[type(node)]
        return f"tuple[{inner}, ...]" if kind == "tuple" else f"{kind}[{inner}]"
    return None


def union(types: list[str | None]) -> str | None:
    if not types or any(t is None for t in types):
        return None
    ordered: list[str] = []
    for t in types:
        if t is not None and t not in ordered:
            ordered.append(t)
    if "None" in ordered:  # None last, as people write it
        ordered.remove("None")
        ordered.append("None")
    if "int" in ordered and "float" in ordered:
        ordered.remove("int")
    return " | ".join(ordered)


def parametrized(
    node: ast.FunctionDef | ast.AsyncFunctionDef, class_decorators: list[ast.expr]
) -> dict[str, str | None]:
    """Argument name -> its type from the parametrize values (None when undecidable)."""
    types: dict[str, str | None] = {}
    for deco in [*class_decorators, *node.decorator_list]:
        if not (isinstance(deco, ast.Call) and ast.unparse(deco.func).endswith("parametrize")):
            continue
        if any(kw.arg == "indirect" for kw in deco.keywords) or len(deco.args) < 2:
            continue
        names_node, values_node = deco.args[0], deco.args[1]
        if isinstance(names_node, ast.Constant) and isinstance(names_node.value, str):
            names = [n.strip() for n in names_node.value.split(",") if n.strip()]
        elif isinstance(names_node, ast.List | ast.Tuple):
            names = [str(e.value) for e in names_node.elts if isinstance(e, ast.Constant)]
        else:
            continue
        if not isinstance(values_node, ast.List | ast.Tuple):
            for name in names:
                types[name] = None
            continue
        columns: list[list[str | None]] = [[] for _ in names]
        for value in values_node.elts:
            if isinstance(value, ast.Call) and ast.unparse(value.func) == "pytest.param":
                items: list[ast.expr] = list(value.args)
            elif len(names) == 1:
                items = [value]
            elif isinstance(value, ast.Tuple | ast.List):
                items = list(value.elts)
            else:
                items = []
            if len(items) != len(names):
                columns = [[None] for _ in names]
                break
            for column, item in zip(columns, items, strict=True):
                column.append(literal_type(item))
        for name, column in zip(names, columns, strict=True):
            types[name] = union(column)
    return types


def returns_value(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[bool, bool]:
    """(returns a value, yields) in this function's own body (not nested functions)."""
    value = yields = False
    stack: list[ast.AST] = list(node.body)
    while stack:
        current = stack.pop()
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        if (
            isinstance(current, ast.Return)
            and current.value is not None
            and not (isinstance(current.value, ast.Constant) and current.value.value is None)
        ):
            value = True
        if isinstance(current, ast.Yield | ast.YieldFrom):
            yields = True
            if isinstance(current, ast.YieldFrom) or (
                current.value is not None
                and not (isinstance(current.value, ast.Constant) and current.value.value is None)
            ):
                value = True
        stack.extend(ast.iter_child_nodes(current))
    return value, yields


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
            annotation, imports = KNOWN[name]
            return Fixture(annotation, imports)
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
