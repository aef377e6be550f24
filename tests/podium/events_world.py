"""The scheduled-events world of the unit tests: talks mirrored as events through EventsTransport."""


import json
from datetime import timedelta

import pytest

from podium import audience, scheduled_events
from podium.audience import Audience
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox
from podium.delivery.pacing import Pacer
from podium.scheduled_events import (
    ScheduledEvents,
)
from podium.talks import Actor, TalkService, default_hooks
from tests import factories
from tests.doubles import (
    ANNOUNCE,
    GUILD,
    LOG_CHANNEL,
    MOD,
    SPEAKER,
    EventsTransport,
)
from tests.podium.delivering import run_due

speaker, mod = Actor(SPEAKER), Actor(MOD, is_moderator=True)


@pytest.fixture
def outbox(db):
    return Outbox(db)


@pytest.fixture
def talks(db, outbox, clock):
    hooks = scheduled_events.subscribe(audience.subscribe(default_hooks(outbox), outbox), outbox)
    return TalkService(db, outbox, clock, hooks)


@pytest.fixture
def transport(clock):
    return EventsTransport(clock)


@pytest.fixture
def dispatcher(db, outbox, transport, clock):
    return Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000))


@pytest.fixture
def events(db, outbox, clock, talks):
    return ScheduledEvents(db, outbox, clock, talks, Audience(db, outbox, clock))


@pytest.fixture
async def guild(db):
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, log_channel_id=LOG_CHANNEL,
                              events_enabled=1, events_location="#talks")


async def move(talks, talk, starts_at):
    return await talks.reschedule(guild_id=GUILD, actor=speaker, talk_id=talk.id, starts_at=starts_at)


async def rows(db, kind):
    found = await db.fetchall("SELECT * FROM outbox WHERE kind = ? ORDER BY id", (kind,))
    return [dict(r) | {"payload": json.loads(r["payload"])} for r in found]


async def event_id_of(db, talk_id):
    return (await db.fetchone("SELECT event_id FROM talks WHERE id = ?", (talk_id,)))["event_id"]


async def mirrored(db, talks, clock, dispatcher):
    talk = await add(talks, clock)
    await run_due(dispatcher, clock)
    return talk, await event_id_of(db, talk.id)


async def add(talks, clock, days=3, topic="Rust"):
    return await talks.add(guild_id=GUILD, actor=speaker, speaker_id=SPEAKER, topic=topic,
                           starts_at=clock.now() + timedelta(days=days), speaker_name="Ada")
