"""One member cannot flood a channel or the queue: coalesced channel notices, a change limit, few channel pings."""

from datetime import timedelta

import pytest

from podium.cooldown import Cooldown, SlowDown
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox
from podium.delivery.pacing import Pacer
from podium.people import People, PeopleError
from podium.talks import Actor, TalkService, default_hooks
from tests import factories
from tests.doubles import ScriptedTransport

GUILD, SPEAKER, ANNOUNCE = factories.GUILD, factories.SPEAKER, 555


def test_the_cooldown_allows_ten_changes_a_minute_then_says_when(clock):
    cooldown = Cooldown(clock)
    for _ in range(10):
        cooldown.hit(1)
        clock.advance(1)
    with pytest.raises(SlowDown, match="Try again <t:"):
        cooldown.hit(1)
    cooldown.hit(2)  # another member is not held back
    clock.advance(51)  # the first change leaves the window
    cooldown.hit(1)


async def test_twenty_reschedules_in_a_minute_make_at_most_two_channel_posts(db, clock):
    outbox = Outbox(db)
    talks = TalkService(db, outbox, clock, default_hooks(outbox), Cooldown(clock))
    transport = ScriptedTransport()
    dispatcher = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000))
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, engagement_days=None)
    start = clock.now() + timedelta(days=2)
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust", starts_at=start)
    async with db.transaction() as tx:  # it was shown in a weekly summary: changes are told to the channel
        await tx.execute("UPDATE talks SET announced = 1 WHERE id = ?", (talk.id,))
    refused = 0
    for n in range(20):
        clock.advance(3)
        try:
            await talks.reschedule(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id,
                                   starts_at=start + timedelta(hours=n + 1))
        except SlowDown:
            refused += 1
        for row in await outbox.claim_due(clock.now(), 100):
            await dispatcher.deliver(row)
    clock.advance(timedelta(minutes=11))
    for row in await outbox.claim_due(clock.now(), 100):
        await dispatcher.deliver(row)
    channel_posts = [c[2]["content"] for c in transport.posts() if c[1] == ANNOUNCE]
    assert refused == 10  # the change limit
    assert len(channel_posts) == 2
    final = await talks.get(GUILD, talk.id)
    # The second post carries the latest state, from where the channel last saw it.
    assert f"<t:{int(final.starts_at.timestamp())}:F>" in channel_posts[1]
    assert f"<t:{int((start + timedelta(hours=1)).timestamp())}:F>" in channel_posts[1]


async def test_a_talk_moved_back_before_the_channel_heard_of_it_posts_nothing_more(db, clock):
    outbox = Outbox(db)
    talks = TalkService(db, outbox, clock, default_hooks(outbox))
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, engagement_days=None)
    start = clock.now() + timedelta(days=2)
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust", starts_at=start)
    async with db.transaction() as tx:
        await tx.execute("UPDATE talks SET announced = 1 WHERE id = ?", (talk.id,))
        # The channel heard of a change a minute ago: the next one waits.
        await tx.execute(
            "INSERT INTO outbox (kind, target_type, channel_id, talk_id, guild_id, payload, due_at_ms,"
            " next_attempt_at_ms, dedupe_key, created_at_ms, updated_at_ms, state, sent_at_ms)"
            " VALUES ('reschedule_notice', 'channel', ?, ?, ?, '{}', 0, 0, 'earlier', 0, 0, 'sent', ?)",
            (ANNOUNCE, talk.id, GUILD, round((clock.now() - timedelta(minutes=1)).timestamp() * 1000)),
        )
    await talks.reschedule(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id, starts_at=start + timedelta(hours=1))
    await talks.reschedule(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id, starts_at=start)
    rows = await db.fetchall(
        "SELECT state FROM outbox WHERE kind = 'reschedule_notice' AND target_type = 'channel'"
        " AND dedupe_key != 'earlier'"
    )
    assert [r["state"] for r in rows] == ["cancelled"]


async def test_channel_talk_reminders_are_few(db, clock):
    people = People(db, Outbox(db), clock)
    five = tuple(timedelta(minutes=m) for m in (60, 30, 20, 10, 5))
    with pytest.raises(PeopleError, match="at most 2"):
        await people.set_talk_reminders(SPEAKER, five, "channel")
    await people.set_talk_reminders(SPEAKER, five, "dm")  # by DM, as many as allowed
    await people.set_talk_reminders(SPEAKER, five[:2], "channel")
    with pytest.raises(PeopleError, match="at most 2"):
        await people.set_talk_reminders(SPEAKER, five, None)  # still by channel, as stored
