"""Podium refuses to start on a nextcord without the private parts it overrides or reads."""

import re
import textwrap
from pathlib import Path

import nextcord
import pytest
from nextcord.http import HTTPClient, RateLimit

from cogs._nextcord_internals import PINNED_NEXTCORD, missing_internals, require_nextcord_internals
from podium.config import ConfigError
from tests.botprocess import ROOT, TOKEN, run_cli


def test_the_installed_nextcord_is_the_pinned_one_and_has_everything():
    pinned = re.search(r"^nextcord==(\S+)$", (ROOT / "requirements.txt").read_text(), re.MULTILINE)
    assert pinned is not None
    assert pinned.group(1) == PINNED_NEXTCORD == nextcord.__version__
    client = nextcord.Client(intents=nextcord.Intents(guilds=True, scheduled_events=True))
    assert missing_internals(client) == []


def test_a_missing_override_point_or_parser_is_named_in_one_line(monkeypatch):
    monkeypatch.delattr(HTTPClient, "_make_url_rate_limit")
    monkeypatch.delattr(RateLimit, "start_reset_task")
    client = nextcord.Client(intents=nextcord.Intents(guilds=True, scheduled_events=True))
    del client._connection.parsers["GUILD_SCHEDULED_EVENT_UPDATE"]
    with pytest.raises(ConfigError) as caught:
        require_nextcord_internals(client)
    message = str(caught.value)
    assert "\n" not in message
    for name in ("HTTPClient._make_url_rate_limit", "RateLimit.start_reset_task", "GUILD_SCHEDULED_EVENT_UPDATE",
                 "nextcord==3.2.0"):
        assert name in message


def test_the_bot_refuses_to_start_on_such_a_nextcord_with_exit_2(tmp_path: Path):
    """The real bot.py, with a nextcord whose limiter cleanup is gone (as a later version might rename it)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(textwrap.dedent("""
        import nextcord.http
        del nextcord.http.HTTPClient._shed_ratelimits
    """))
    result = run_cli("--check", DISCORD_TOKEN=TOKEN, DATABASE_PATH=str(tmp_path / "x.db"), PYTHONPATH=str(site))
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1
    assert "HTTPClient._shed_ratelimits" in result.stderr
    assert "Traceback" not in result.stderr
