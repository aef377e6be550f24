"""What counts as a test that checked something (tests/test_every_test_checks.py holds every test to it)."""

from __future__ import annotations

import ast
import re

CHECKER = re.compile(r"^_?(assert|expect|check|verify|wait_for|validate|raises)", re.I)


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
            if CHECKER.match(name) or _is_pytest_fail(node.func):
                return True
    return False


def _is_pytest_fail(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "fail" and isinstance(func.value, ast.Name)
            and func.value.id == "pytest")


def _statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """Every statement of a body, inside its blocks (with, for, while, try, if/else, match) too, but not inside
    functions or classes defined there: their returns do not end the test.
    """
    found = []
    for statement in body:
        found.append(statement)
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        for field in ("body", "orelse", "finalbody"):
            found += _statements(getattr(statement, field, []) or [])
        for handler in getattr(statement, "handlers", []) or []:
            found += _statements(handler.body)
        for case in getattr(statement, "cases", []) or []:
            found += _statements(case.body)
    return found


def returns_early(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[int]:
    """Lines of `if ...: return` (or its `else: return`) anywhere in the test, inside a with, for, try or else
    too: a case that ends before it checked anything.
    """
    return [statement.lineno for statement in _statements(function.body) if isinstance(statement, ast.If)
            and any(isinstance(inner, ast.Return) for inner in statement.body + statement.orelse)]
