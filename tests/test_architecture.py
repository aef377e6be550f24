"""Rules of the architecture, held for every module (docs/architecture.md)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    p for p in [*ROOT.glob("*.py"), *(ROOT / "podium").rglob("*.py"), *(ROOT / "cogs").rglob("*.py"),
                *(ROOT / "db").rglob("*.py")]
    if "fixtures" not in p.parts
)
WRITES_OUTBOX = re.compile(r"\b(insert\s+(or\s+\w+\s+)?into|update|delete\s+from|replace\s+into)\s+outbox\b", re.I)
NEXTCORD = re.compile(r"^\s*(import nextcord|from nextcord)", re.M)


NOT_OUTBOX = [p for p in SOURCES if p != ROOT / "podium" / "outbox.py"]


@pytest.mark.parametrize("path", NOT_OUTBOX, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_outbox_module_writes_the_outbox_table(path):
    assert not WRITES_OUTBOX.search(path.read_text(encoding="utf-8")), "write the outbox through podium.outbox.Outbox"


DOMAIN = [p for p in SOURCES if p.is_relative_to(ROOT / "podium") or p.is_relative_to(ROOT / "db")]


@pytest.mark.parametrize("path", DOMAIN, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_domain_does_not_know_discord(path):
    assert not NEXTCORD.search(path.read_text(encoding="utf-8")), "Discord objects belong in cogs/ and bot.py"


# Loaded when first used, not at start (docs/performance.md, "Idle memory"): the calendar builder (icalendar, for
# feeds and /schedule export) and aiohttp's server (only with HTTP_PORT). Each costs the idle process MBs.
LOADED_ON_FIRST_USE = ("icalendar", "aiohttp.web")


def test_start_up_leaves_features_that_are_used_later_unimported(tmp_path):
    from tests.botprocess import TOKEN, bot_command, inherited_environ, working_dir

    # `--check` builds the whole bot (every cog and service, the command localizations) as a start does.
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *bot_command("--check")[1:]],
        cwd=working_dir(tmp_path),
        env={**inherited_environ(), "DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path / "p.db")},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = result.stderr.splitlines()
    imported = {line.rsplit("|", 1)[1].strip() for line in lines if line.startswith("import time:")}
    assert "nextcord" in imported, result.stderr[-2000:]  # the check saw the imports at all
    assert [name for name in LOADED_ON_FIRST_USE if name in imported] == []
