"""Rules of the architecture, held for every module (docs/architecture.md)."""

import re
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


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_outbox_module_writes_the_outbox_table(path):
    if path == ROOT / "podium" / "outbox.py":
        return
    assert not WRITES_OUTBOX.search(path.read_text(encoding="utf-8")), "write the outbox through podium.outbox.Outbox"


DOMAIN = [p for p in SOURCES if p.is_relative_to(ROOT / "podium") or p.is_relative_to(ROOT / "db")]


@pytest.mark.parametrize("path", DOMAIN, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_domain_does_not_know_discord(path):
    assert not NEXTCORD.search(path.read_text(encoding="utf-8")), "Discord objects belong in cogs/ and bot.py"
