"""The last-look world of tests/cogs: a real nextcord transport against the fake, watched, with a talk due now."""

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
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox, OutboxMessage
from podium.delivery.pacing import Pacer, Ticket
from podium.delivery.transport import RateLimitedError
from podium.people import People
from podium.talks import Actor, TalkService, default_hooks
from tests.fake_discord import BOT_TOKEN, BOT_USER_ID, GUILD_ID, FakeChannel, FakeDiscord, FakeGuild, loopback_only

SPEAKER = GUILD_ID + 42


ANNOUNCE = GUILD_ID + 300


@pytest_asyncio.fixture
async def env(db, clock) -> AsyncIterator[Env]:
    guild = FakeGuild(channels=[FakeChannel(id=ANNOUNCE, name="talks")])
    original = Route.BASE
    with loopback_only():
        async with FakeDiscord(guilds=[guild]) as fake:
            fake.add_user(SPEAKER, "sam")
            Route.BASE = fake.api_base
            client = nextcord.Client(intents=nextcord.Intents(guilds=True))
            MajorKeyedHTTPClient.adopt(client.http)
            await client.login(BOT_TOKEN)
            pacer = WatchedPacer()
            outbox = Outbox(db)
            transport = WatchedTransport(client.http, pacer, lambda: BOT_USER_ID)
            dispatcher = Dispatcher(db, outbox, transport, clock, pacer=pacer, rng=random.Random(1))
            try:
                yield Env(fake, pacer, dispatcher, TalkService(db, outbox, clock, default_hooks(outbox)),
                          People(db, outbox, clock))
            finally:
                await client.close()
                Route.BASE = original


async def reminder_due_now(env: Env, clock) -> int:
    """A talk in 30 minutes by SPEAKER, and its 5-minute reminder by DM due now (the DM channel already known)."""
    talk = await env.talks.add(guild_id=GUILD_ID, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                               starts_at=clock.now() + timedelta(minutes=30))
    dm_channel = await env.dispatcher.transport.open_dm(SPEAKER)
    async with env.dispatcher.db.transaction() as tx:
        await tx.execute("UPDATE users SET dm_channel_id = ? WHERE user_id = ?", (dm_channel, SPEAKER))
        await env.dispatcher.outbox.enqueue(tx, OutboxMessage(
            kind="talk_reminder", dedupe_key="t5", due_at=clock.now(), target_type="dm", guild_id=GUILD_ID,
            user_id=SPEAKER, talk_id=talk.id, talk_start=talk.starts_at, payload={"offset_s": 300},
        ), now=clock.now())
    return talk.id


def reminders_posted(env: Env) -> list[str]:
    dm = env.fake.dm_channels[SPEAKER]
    return [m.content for m in env.fake.channel_messages(dm)]


async def deliver_while(env: Env, clock, wait_starts: asyncio.Event, change) -> str:
    """Claim the reminder, deliver it, and commit `change` once the delivery waits; the outcome's state."""
    [row] = await env.dispatcher.outbox.claim_due(clock.now(), 10)
    delivery = asyncio.create_task(env.dispatcher.deliver(row))
    await asyncio.wait_for(wait_starts.wait(), 5)
    assert not delivery.done()
    await change()
    outcome = await asyncio.wait_for(delivery, 10)
    return outcome.state


class WatchedTransport(NextcordTransport):
    """The real transport, telling the test when Discord answered a request with a 429."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limited = asyncio.Event()

    async def _request_once(self, route: Route, body: dict[str, Any] | None, **kwargs: Any) -> Any:
        try:
            return await super()._request_once(route, body, **kwargs)
        except RateLimitedError:
            self.limited.set()
            raise


class WatchedPacer(Pacer):
    """A Pacer that tells the test when a request starts to wait in it and when Discord closed a channel."""

    def __init__(self) -> None:
        super().__init__(1000)
        self.waiting = asyncio.Event()
        self.blocked = asyncio.Event()

    async def acquire(self, channel_id: int | None = None, *, max_wait: float | None = None) -> Ticket:
        paused = self._paused_until > self._monotonic()
        if paused or (channel_id is not None and self.channel_delay(channel_id) > 0):
            self.waiting.set()
        return await super().acquire(channel_id, max_wait=max_wait)

    def block(self, channel_id: int, seconds: float) -> None:
        super().block(channel_id, seconds)
        self.blocked.set()


@dataclass
class Env:
    fake: FakeDiscord
    pacer: WatchedPacer
    dispatcher: Dispatcher
    talks: TalkService
    people: People
