"""What `annotate_tests.py` reads before it writes: the fixtures a test can ask for
(pytest's, pytest-django's, time-machine's, and the project's with their declared
types), parametrize literals, and whether a function returns or yields a value.
Nothing here edits a file.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

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
