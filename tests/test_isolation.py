"""Tests never start bot.py in the checkout: a developer's own `.env` there holds the real token."""

import io
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HELPER = ROOT / "tests" / "botprocess.py"
SOURCES = sorted(p for folder in ("tests", "bench") for p in (ROOT / folder).rglob("*.py"))


def string_literals(path):
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return [(t.start[0], t.string) for t in tokens if t.type == tokenize.STRING]


# The helper itself and this file name bot.py by design: they are not collected as cases.
OTHERS = [p for p in SOURCES if p not in (HELPER, Path(__file__).resolve())]


@pytest.mark.parametrize("path", OTHERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_bot_subprocesses_go_through_the_helper(path):
    """Only tests/botprocess.py names bot.py: its bot_command() and working_dir() keep the checkout out."""
    named = [line for line, text in string_literals(path) if text.strip("\"'") == "bot.py"]
    assert named == [], f"{path.name} starts bot.py itself (line {named}); use tests.botprocess.bot_command"
    assert "cwd=ROOT" not in path.read_text(encoding="utf-8").replace(" ", "")
