"""A passed test means a test that checked something: the count of passed tests is worth reading.

Held over every test function in tests/ (AST, no import): it asserts, expects an exception, or calls a checker
(a function named assert*/expect*/check*/verify*/wait_for*/validate*, pytest.fail, or Discord's validators in the
fake); and no parametrized case returns before checking (collect only the cases that apply, or skip with a reason).
Fault injection (the fake's ``fail(...)``) is not a check: it only sets the scene.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.checks_guard import checks_something, functions_of, returns_early

ROOT = Path(__file__).resolve().parent
FILES = sorted(p for p in ROOT.rglob("test_*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_test_checks_something(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    unchecked = [f"{f.name} (line {f.lineno})" for f in functions_of(tree) if not checks_something(f)]
    assert unchecked == [], "assert something, or name the helper that checks assert_*/expect_*/check_*"
    early = [f"{f.name} (line {line})" for f in functions_of(tree) for line in returns_early(f)]
    assert early == [], "parametrize over the cases that apply, or pytest.skip(reason) instead of returning"
