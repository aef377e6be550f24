"""An independent review of "the last look happens last" (a0061d1): what still gets past it, or is broken by it.

Real parts: the Dispatcher, nextcord's HTTP client with Podium's keying, NextcordTransport and the Pacer, against
the loopback fake Discord (its rate limits enforced), with a real SQLite file.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import nextcord
import pytest_asyncio
from nextcord.http import Route

from cogs._discord_http import MajorKeyedHTTPClient
from cogs._nextcord_transport import NextcordTransport
from db import Database
from podium import audience
from podium.audience import ATTENDEE_REMINDER, Audience
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox, OutboxMessage
from podium.delivery.pacing import Pacer, Ticket
from podium.people import People
from podium.talks import Actor, TalkService, default_hooks
from tests import factories
from tests.fake_discord import BOT_TOKEN, BOT_USER_ID, GUILD_ID, FakeChannel, FakeDiscord, FakeGuild, loopback_only

CHANNELS = [GUILD_ID + 500 + i for i in range(10)]
ANNOUNCE = CHANNELS[0]
SPEAKER = GUILD_ID + 42
ANN, BEN = GUILD_ID + 71, GUILD_ID + 72
# The fake's global limit (any 1 s window) and the pacer's rate: the pacer's burst (3) plus a second of its rate
# (4) is 7 requests in any second, under the fake's 9 with room for the fixture's own login request.
FAKE_GLOBAL_PER_S = 9
PACER_PER_S = 4.0


class CountingPacer(Pacer):
    """A Pacer that tells the test how many requests reached it and how many it has counted (let through)."""

    def __init__(self, per_second: float, expected: int) -> None:
        super().__init__(per_second)
        self.expected = expected
        self.arrived = 0
        self.counted = 0
        self.all_arrived = asyncio.Event()
        self.all_counted = asyncio.Event()
        self.waiting = asyncio.Event()

    async def acquire(self, channel_id: int | None = None, *, max_wait: float | None = None) -> Ticket:
        if self._paused_until > self._monotonic():
            self.waiting.set()
        self.arrived += 1
        if self.arrived >= self.expected:
            self.all_arrived.set()
        ticket = await super().acquire(channel_id, max_wait=max_wait)
        self.counted += 1
        if self.counted >= self.expected:
            self.all_counted.set()
        return ticket


@dataclass
class Env:
    fake: FakeDiscord
    pacer: CountingPacer
    dispatcher: Dispatcher


@pytest_asyncio.fixture
async def env(db, clock) -> AsyncIterator[Env]:
    guild = FakeGuild(channels=[FakeChannel(id=c, name=f"c{i}") for i, c in enumerate(CHANNELS)])
    original = Route.BASE
    with loopback_only():
        async with FakeDiscord(guilds=[guild], global_limit_per_s=FAKE_GLOBAL_PER_S) as fake:
            Route.BASE = fake.api_base
            client = nextcord.Client(intents=nextcord.Intents(guilds=True))
            MajorKeyedHTTPClient.adopt(client.http)
            await client.login(BOT_TOKEN)
            pacer = CountingPacer(PACER_PER_S, expected=len(CHANNELS))
            outbox = Outbox(db)
            transport = NextcordTransport(client.http, pacer, lambda: BOT_USER_ID)
            dispatcher = Dispatcher(db, outbox, transport, clock, pacer=pacer, rng=random.Random(1))
            try:
                yield Env(fake, pacer, dispatcher)
            finally:
                await client.close()
                Route.BASE = original


async def _hold_the_database(db: Database, holding: asyncio.Event, release: asyncio.Event) -> None:
    """A long write (issue 19 §6 measured 463 ms for one reschedule of a big talk): the one lock stays taken."""
    async with db.transaction():
        holding.set()
        await release.wait()


async def test_requests_counted_by_the_pacer_leave_when_counted_even_while_a_long_write_holds_the_database(
    env: Env, clock: Any
) -> None:
    """The pacer spaces requests by the instant it counts them; the last look must not wait between count and send.

    The last look reads the database AFTER the pacer has counted the request. While another transaction holds the
    one database lock, every counted request waits in the last look, and all leave together when it commits: the
    pacer's even spacing is gone and Discord's global limit answers 429 (the transport's own comment: "a slot
    taken earlier and used after a wait would let requests bunch up past Discord's limit").
    """
    db = env.dispatcher.db
    async with db.transaction() as tx:
        for i, channel in enumerate(CHANNELS):
            await env.dispatcher.outbox.enqueue(tx, OutboxMessage(
                kind="test", dedupe_key=f"burst:{i}", due_at=clock.now(), target_type="channel", guild_id=GUILD_ID,
                channel_id=channel, payload={"text": f"message {i}"},
            ), now=clock.now())
    rows = await env.dispatcher.outbox.claim_due(clock.now(), len(CHANNELS))
    assert len(rows) == len(CHANNELS)
    # A global pause (a 429 elsewhere): every delivery gets as far as the pacer, past all its own reads.
    env.pacer.pause(0.3)
    deliveries = [asyncio.create_task(env.dispatcher.deliver(row)) for row in rows]
    await asyncio.wait_for(env.pacer.all_arrived.wait(), 5)
    holding, release = asyncio.Event(), asyncio.Event()
    writer = asyncio.create_task(_hold_the_database(db, holding, release))
    await asyncio.wait_for(holding.wait(), 5)
    # The pacer lets them through at its pace (3 at once, then one every 0.25 s) while the write goes on.
    await asyncio.wait_for(env.pacer.all_counted.wait(), 10)
    release.set()
    await writer
    outcomes = await asyncio.wait_for(asyncio.gather(*deliveries), 30)
    assert [o.state for o in outcomes] == ["sent"] * len(CHANNELS)
    assert env.fake.count_429 == 0, "requests counted 0.25 s apart left together after the write"


async def test_a_member_forgotten_while_a_shared_thread_reminder_waits_is_not_mentioned_in_it(
    env: Env, clock: Any
) -> None:
    """The shared thread post's recipients are the attendees it mentions, read by its preparer BEFORE the waits.

    The last look checks the row's own user_id, which a shared post does not have (None): a member who asks to be
    forgotten (or stops talk reminders) while the post waits in the pacer or behind a 429 is still pinged seconds
    after their data was deleted. architecture.md: "a forget-me committed while a message waits stops it before
    it leaves ... for every kind"; audience.py: whom it mentions is "read when it goes out".
    """
    db, outbox = env.dispatcher.db, env.dispatcher.outbox
    talks = TalkService(db, outbox, clock, audience.subscribe(default_hooks(outbox), outbox))
    members = Audience(db, outbox, clock)
    await factories.add_guild(db, GUILD_ID, announce_channel_id=ANNOUNCE)
    talk = await talks.add(guild_id=GUILD_ID, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(days=1))
    for user in (ANN, BEN):
        await factories.add_user(db, user, reminder_via="thread")
        await members.join(talk_id=talk.id, user_id=user, guild_id=GUILD_ID)
    clock.set(talk.starts_at - timedelta(hours=1))
    [row] = [r for r in await outbox.claim_due(clock.now(), 100)
             if r.kind == ATTENDEE_REMINDER.name and r.user_id is None and r.talk_start is not None
             and r.due_at == clock.now()]
    env.pacer.pause(0.4)  # a global 429 elsewhere: the post waits in the pacer
    delivery = asyncio.create_task(env.dispatcher.deliver(row))
    await asyncio.wait_for(env.pacer.waiting.wait(), 5)
    assert not delivery.done()
    await People(db, outbox, clock).forget(BEN)
    # Who it mentions changed while it waited: it goes back to the queue at once and is built again.
    assert (await asyncio.wait_for(delivery, 10)).state == "deferred"
    [again] = await outbox.claim_due(clock.now(), 100)
    assert again.id == row.id
    outcome = await asyncio.wait_for(env.dispatcher.deliver(again), 10)
    assert outcome.state == "sent"
    [post] = env.fake.channel_messages(outcome.channel_id or 0)
    assert f"<@{ANN}>" in post.content
    assert f"<@{BEN}>" not in post.content, "a member forgotten while the post waited is pinged by it"


async def test_a_locked_nextcord_bucket_does_not_turn_the_last_look_into_a_busy_poll_of_the_database(
    env: Env, clock: Any, monkeypatch: Any
) -> None:
    """While nextcord holds a route's bucket locked, the transport retries every 20-50 ms; no request leaves.

    Each of those local retries runs the last look, two database reads through the one shared connection, so a
    delivery waiting up to LOCKED_BUCKET_PATIENCE (30 s) makes 600-1,500 checks for one request: 50 deliveries
    behind locked buckets (a channel's limit used up; the first request of a route in flight; issue 19 §4's
    stuck limiter) keep the database lock busy for everyone. The look belongs before the request that leaves.
    """
    channel = CHANNELS[1]
    http = env.dispatcher.transport.http  # type: ignore[attr-defined]
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel)
    # nextcord's own limiter of this channel's message route: used up, resetting in 0.5 s (its real reset task).
    limiter = http._make_url_rate_limit("POST", route, http._make_headers({}).get("Authorization"))
    limiter.limit, limiter.remaining, limiter._tracked_reset_time = 5, 0, 0.5
    limiter.start_reset_task()
    async with env.dispatcher.db.transaction() as tx:
        await env.dispatcher.outbox.enqueue(tx, OutboxMessage(
            kind="test", dedupe_key="locked", due_at=clock.now(), target_type="channel", guild_id=GUILD_ID,
            channel_id=channel, payload={"text": "hello"},
        ), now=clock.now())
    [row] = await env.dispatcher.outbox.claim_due(clock.now(), 10)
    looks = 0
    fetchone = env.dispatcher.db.fetchone

    async def counting_fetchone(sql: str, params: Any = ()) -> Any:
        nonlocal looks
        looks += "AS talk_state" in sql  # the last look's query
        return await fetchone(sql, params)

    monkeypatch.setattr(env.dispatcher.db, "fetchone", counting_fetchone)
    outcome = await asyncio.wait_for(env.dispatcher.deliver(row), 10)
    assert outcome.state == "sent"
    posts = [r for r in env.fake.requests if r.method == "POST" and r.path == f"/channels/{channel}/messages"]
    assert len(posts) == 1
    # The first look, the look before the refused attempt, and one after nextcord's reset: no polling in between.
    assert looks <= 3, f"{looks} last looks (each a database read) for one request that waited 0.5 s in nextcord"


async def test_a_talk_cancelled_while_its_announcement_waits_is_not_announced_without_a_word_after(
    env: Env, clock: Any
) -> None:
    """The last look reads the talk only for talk-bound kinds; a talk's announcement is not one.

    Cancelling the talk cancels its PENDING announcement (audience.cancelled), not one already in flight; the
    channel hears of a cancellation only if the talk had been announced (talks.py: `before.announced`), which the
    announcement marks when it is recorded sent, after the cancel. So a "📣 New talk … click 🔔" post for a
    cancelled talk appears in the channel after the cancel and nothing ever corrects it (a move the same: the old
    time, never corrected).
    """
    db, outbox = env.dispatcher.db, env.dispatcher.outbox
    talks = TalkService(db, outbox, clock, audience.subscribe(default_hooks(outbox), outbox))
    await factories.add_guild(db, GUILD_ID, announce_channel_id=ANNOUNCE, announce_new_talks=1)
    talk = await talks.add(guild_id=GUILD_ID, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(days=1))
    [row] = [r for r in await outbox.claim_due(clock.now(), 100) if r.kind == "talk_announcement"]
    env.pacer.pause(0.4)  # a global 429 elsewhere: the announcement waits in the pacer
    delivery = asyncio.create_task(env.dispatcher.deliver(row))
    await asyncio.wait_for(env.pacer.waiting.wait(), 5)
    assert not delivery.done()
    await talks.cancel(guild_id=GUILD_ID, actor=Actor(SPEAKER), talk_id=talk.id)
    await asyncio.wait_for(delivery, 10)
    announced = [m for m in env.fake.channel_messages(ANNOUNCE) if "Rust" in m.content]
    told = await db.fetchone(
        "SELECT 1 FROM outbox WHERE talk_id = ? AND kind = 'cancel_notice' AND target_type = 'channel'", (talk.id,)
    )
    assert not announced or told is not None, "the channel announces a talk cancelled before the post left"
