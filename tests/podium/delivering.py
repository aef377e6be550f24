"""The delivery world of the unit tests: one guild, its channels and speaker, a dispatcher over a scripted transport."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from podium.delivery import kinds
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox, OutboxMessage
from podium.delivery.pacing import Pacer
from podium.talk_model import load_talk
from podium.talks import Actor
from tests import factories
from tests.doubles import ScriptedTransport

GUILD, ANNOUNCE, LOG_CHANNEL, SPEAKER = 100, 200, 300, 42


@pytest.fixture
def transport(clock):
    return ScriptedTransport(clock)


@pytest.fixture
def dispatcher(db, clock, transport):
    return Dispatcher(
        db,
        Outbox(db),
        transport,
        clock,
        pacer=Pacer(1000, channel_limit=1000),
        retry_base_seconds=10,
        rng=random.Random(1),
    )


async def add_guild(db, log_channel=LOG_CHANNEL):
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, log_channel_id=log_channel)


async def add_talk(db, clock, state="scheduled"):
    return await factories.add_talk(db, guild_id=GUILD, speaker_id=SPEAKER, topic="@everyone rust",
                                    starts_at=clock.now() + timedelta(hours=1), state=state)


async def queue(dispatcher, clock, key="m1", **overrides):
    fields = {
        "kind": "personal_reminder",
        "dedupe_key": key,
        "due_at": clock.now(),
        "target_type": "dm",
        "guild_id": GUILD,
        "user_id": SPEAKER,
        "payload": {"text": "stretch"},
    }
    fields.update(overrides)
    if kinds.get(fields["kind"]).talk_bound and "talk_start" not in fields:
        talk = await load_talk(dispatcher.db, fields["talk_id"])
        assert talk is not None, fields
        fields["talk_start"] = talk.starts_at
    async with dispatcher.db.transaction() as tx:
        return await dispatcher.outbox.enqueue(tx, OutboxMessage(**fields), now=clock.now())


async def run_due(dispatcher, clock):
    rows = await dispatcher.outbox.claim_due(clock.now(), 100)
    return [await dispatcher.deliver(row) for row in rows]


async def stored(db, row_id):
    return dict(await db.fetchone("SELECT * FROM outbox WHERE id = ?", (row_id,)))


async def posted_talk(db, clock, dispatcher, talks, transport, *, summary=True):
    """A talk announced in the channel (its post and its thread's post) and listed in a posted weekly summary."""
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, announce_new_talks=True)
    talk = await talks.add(guild_id=GUILD, actor=mod, speaker_id=SPEAKER, topic="Intro to Rust",
                           starts_at=clock.now() + timedelta(days=2), duration_minutes=30)
    if summary:
        async with db.transaction() as tx:
            await dispatcher.outbox.enqueue(tx, OutboxMessage(
                kind="weekly_summary", dedupe_key="weekly", due_at=clock.now(), target_type="channel",
                guild_id=GUILD, channel_id=ANNOUNCE), now=clock.now())
    await run_due(dispatcher, clock)
    await run_due(dispatcher, clock)
    sent = {r["kind"]: r for r in await db.fetchall("SELECT * FROM outbox WHERE state = 'sent'")}
    assert {"talk_announcement", "talk_thread_open"} <= set(sent)
    transport.calls.clear()
    return talk, sent


MOD = 77


mod = Actor(MOD, is_moderator=True)
