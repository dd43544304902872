"""Every error class lives in promising/errors.py and maps to one gRPC status code."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import grpc
import pytest
from google.rpc import code_pb2

from promising import errors
from promising.errors import (
    Conflict,
    DuplicateRequest,
    FieldViolation,
    InvalidInput,
    JournalUnavailable,
    NotFound,
    NotReady,
    Overloaded,
    PromisingError,
    SnapshotError,
    SnapshotProblem,
    UnknownEntity,
)
from promising.rpc.status import rich_status

ROOT = Path(__file__).resolve().parent.parent

BAD_QUANTITY = FieldViolation(("lines", 0, "quantity"), "must be > 0")
CASES = [
    (InvalidInput("bad", [BAD_QUANTITY]), "INVALID_ARGUMENT"),
    (UnknownEntity("unknown item 'X'"), "INVALID_ARGUMENT"),
    (DuplicateRequest("request r1 was used before"), "ALREADY_EXISTS"),
    (NotFound("no hold h1"), "NOT_FOUND"),
    (Conflict("hold h1 expired"), "FAILED_PRECONDITION"),
    (Overloaded("queue full"), "RESOURCE_EXHAUSTED"),
    (NotReady("loading"), "UNAVAILABLE"),
    (JournalUnavailable("stopped"), "UNAVAILABLE"),
    # the admin service answers a refused snapshot as INVALID_ARGUMENT naming its path
    (SnapshotError(SnapshotProblem("supply", "quantity", "must be > 0")), "INTERNAL"),
    (PromisingError("no class of its own"), "INTERNAL"),
    (ValueError("a bug"), "INTERNAL"),
]


@pytest.mark.parametrize(("error", "code"), CASES, ids=[type(e).__name__ for e, _ in CASES])
def test_status_code_of_each_error(error: BaseException, code: str) -> None:
    """Each error maps to the gRPC code its group promises; anything else is INTERNAL."""
    status = rich_status(error)
    assert status.code == getattr(code_pb2, code)
    assert status.code == getattr(grpc.StatusCode, code).value[0]


def test_every_error_class_is_in_the_table() -> None:
    """The table above covers every error class of promising/errors.py."""
    classes = {
        obj
        for _, obj in inspect.getmembers(errors, inspect.isclass)
        if issubclass(obj, PromisingError) and obj.__module__ == errors.__name__
    }
    covered = {type(error) for error, _ in CASES}
    assert classes - covered == {errors.Unavailable}  # abstract: only its two kinds are raised


def _error_classes(path: Path) -> list[str]:
    """Names of the classes in `path` that derive from an exception (by their bases' names)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ClassDef):
            bases = [ast.unparse(base).split(".")[-1] for base in node.bases]
            if any(b.endswith(("Error", "Exception")) or b in _ERROR_NAMES for b in bases):
                found.append(node.name)
    return found


_ERROR_NAMES = {
    name
    for name, obj in vars(errors).items()
    if isinstance(obj, type) and issubclass(obj, BaseException)
}


def test_no_error_class_outside_errors_module() -> None:
    """No module but promising/errors.py defines an exception class."""
    sources = [ROOT / "server.py"]
    for package in ("kernels", "promising", "loaders", "cli"):
        sources += [p for p in (ROOT / package).rglob("*.py") if "v1" not in p.parts]
    elsewhere = {
        str(path.relative_to(ROOT)): _error_classes(path)
        for path in sources
        if path != ROOT / "promising" / "errors.py"
    }
    assert {path: names for path, names in elsewhere.items() if names} == {}
