"""How long the bot waits after READY before it counts as ready: nextcord's 2 s, or less where a test says so."""

from __future__ import annotations

import pytest

from bot import create_bot
from db import Database
from podium import markup
from podium.clock import ManualClock
from podium.config import Settings
from tests.factories import DEFAULT_START


@pytest.mark.parametrize(("settings", "seconds"), [(Settings(token="x"), 2.0),
                                                   (Settings(token="x", guild_ready_timeout=0.2), 0.2)])
async def test_the_guild_ready_timeout_reaches_nextcord(tmp_path, settings, seconds):
    db = await Database.open(tmp_path / "podium.db")
    bot = create_bot(settings, db, ManualClock(DEFAULT_START), background=False)
    try:
        # nextcord's state waits this long for one more GUILD_CREATE before it calls on_ready.
        assert bot._connection.guild_ready_timeout == seconds
    finally:
        markup.set_command_lookup(None)
        await bot.http.close()
        await db.close()
