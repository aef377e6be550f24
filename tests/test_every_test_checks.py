"""A passed test means a test that checked something: the count of passed tests is worth reading.

Held over every test function in tests/ (AST, no import): it asserts, expects an exception, or calls a checker
(a function named assert*/expect*/check*/verify*/wait_for*/validate*, or Discord's validators in the fake); and
no parametrized case returns before checking (collect only the cases that apply, or skip with a reason).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
FILES = sorted(p for p in ROOT.rglob("test_*.py"))
CHECKER = re.compile(r"^_?(assert|expect|check|verify|wait_for|validate|raises|fail)", re.I)


def functions_of(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    found = []
    for node in tree.body:
        bodies = node.body if isinstance(node, ast.ClassDef) and node.name.startswith("Test") else [node]
        found += [f for f in bodies if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                  and f.name.startswith("test")]
    return found


def checks_something(function: ast.AST) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if CHECKER.match(name):
                return True
    return False


def returns_early(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[int]:
    """Lines of `if ...: return` at the top of the test: a case that ends before it checked anything."""
    return [statement.lineno for statement in function.body if isinstance(statement, ast.If)
            and any(isinstance(inner, ast.Return) for inner in statement.body)]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_test_checks_something(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    unchecked = [f"{f.name} (line {f.lineno})" for f in functions_of(tree) if not checks_something(f)]
    assert unchecked == [], "assert something, or name the helper that checks assert_*/expect_*/check_*"
    early = [f"{f.name} (line {line})" for f in functions_of(tree) for line in returns_early(f)]
    assert early == [], "parametrize over the cases that apply, or pytest.skip(reason) instead of returning"
