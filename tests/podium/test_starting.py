from datetime import timedelta

from podium.delivery.outbox import Outbox
from podium.guild_settings import GuildSettingsService
from podium.starting import STARTING_NOW, STARTING_NOW_SETTING
from podium.talks import Actor, TalkService, default_hooks
from tests import factories

GUILD, SPEAKER = factories.GUILD, factories.SPEAKER


async def starting_rows(db):
    return [dict(r) for r in await db.fetchall(
        "SELECT talk_id, state, due_at_ms, expires_at_ms, channel_id FROM outbox WHERE kind = ? ORDER BY id",
        (STARTING_NOW.name,))]


async def test_the_post_is_planned_only_when_the_guild_turned_it_on(db, clock):
    outbox = Outbox(db)
    talks = TalkService(db, outbox, clock, default_hooks(outbox))
    settings = GuildSettingsService(db, outbox, clock)
    first = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Off",
                            starts_at=clock.now() + timedelta(hours=3))
    assert await starting_rows(db) == []  # off by default
    await settings.set_switch(GUILD, STARTING_NOW_SETTING, True)  # upcoming talks get theirs at once
    [row] = await starting_rows(db)
    assert (row["talk_id"], row["state"]) == (first.id, "pending")
    assert row["due_at_ms"] == round(first.starts_at.timestamp() * 1000)
    assert row["expires_at_ms"] - row["due_at_ms"] == 15 * 60 * 1000
    assert row["channel_id"] is None  # the announcement channel is read when it is sent
    second = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="On",
                             starts_at=clock.now() + timedelta(hours=5))
    assert [r["talk_id"] for r in await starting_rows(db)] == [first.id, second.id]
    await settings.set_switch(GUILD, STARTING_NOW_SETTING, False)
    assert {r["state"] for r in await starting_rows(db)} == {"cancelled"}
