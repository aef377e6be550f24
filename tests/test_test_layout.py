"""How the tests themselves are laid out: shared helpers live in helper modules, never in another test module."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Benchmarks reuse the test doubles, so they are held to the same rule.
FILES = sorted([*(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py")])


def imported_test_modules(source: str) -> list[str]:
    """The `test_*` modules a file imports (pytest collects those; a helper another file needs lives elsewhere)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found += [n for n in names if n.startswith(("tests.", "bench.")) and n.split(".")[-1].startswith("test_")]
    return found


def test_the_finder_sees_each_way_of_importing_a_test_module():
    source = (
        "from tests.podium.test_dispatcher import ScriptedTransport\n"
        "import tests.e2e.test_audience\n"
        "from tests.e2e import test_ops\n"
        "def later():\n    from tests.e2e.test_going import run\n"
        "from tests.e2e.commands import run\nfrom tests import factories\n"
    )
    assert imported_test_modules(source) == [
        "tests.podium.test_dispatcher", "tests.e2e.test_audience", "tests.e2e.test_ops", "tests.e2e.test_going",
    ]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_file_imports_a_test_module(path):
    # A test module is for pytest to collect; importing from one ties its tests to another module's insides (and its
    # fixtures into a second module). Doubles shared by several files are in tests/doubles.py, e2e commands in
    # tests/e2e/commands.py, worlds of fixtures in helper modules (tests/podium/delivering.py, events_world.py, …).
    assert imported_test_modules(path.read_text(encoding="utf-8")) == []
