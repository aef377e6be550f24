"""A world for the tests of approval and confirmation (podium/workflow.py): a server with every optional post and
approval on, its outbox rows, a member's sign-up and a dispatcher delivering on a scripted transport.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import cast

from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox
from podium.delivery.pacing import Pacer
from podium.delivery.transport import Transport
from podium.preferences import switches
from podium.talks import Actor, TalkService, composed_hooks
from podium.workflow import Workflow
from tests import factories
from tests.doubles import ScriptedTransport

GUILD, SPEAKER, MODERATOR, FAN = factories.GUILD, factories.SPEAKER, 4242, 77
ANNOUNCE, LOG_CHANNEL, REVIEW = 555, 556, 558
MEMBER, MOD = Actor(SPEAKER), Actor(MODERATOR, is_moderator=bool(MODERATOR))


async def world(db, clock, *, approval=True, confirm_hours=72, release=False):
    """A server with every optional post, the events mirror (in a voice channel: who came is read there) and (by
    default) approval on.
    """
    outbox = Outbox(db)
    hooks = composed_hooks(outbox)
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, log_channel_id=LOG_CHANNEL,
                              events_enabled=1, events_entity_type=2, events_channel_id=ANNOUNCE + 50,
                              **{setting.column: 1 for setting in switches()})
    flow = Workflow(db, outbox, clock, hooks)
    await flow.configure(GUILD, approval=approval, review_channel_id=REVIEW, confirm_hours=confirm_hours,
                         release_unconfirmed=release)
    return outbox, TalkService(db, outbox, clock, hooks), flow


async def rows(db, talk_id, *states):
    where = f" AND state IN ({','.join('?' * len(states))})" if states else ""
    return [dict(r) for r in await db.fetchall(
        f"SELECT id, kind, state, target_type, channel_id, user_id, due_at_ms, payload FROM outbox WHERE talk_id = ?"
        f"{where} ORDER BY id", (talk_id, *states))]


async def sign_up(talks, clock, actor=MEMBER, hours=100):
    return await talks.add(guild_id=GUILD, actor=actor, speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(hours=hours))


def make_dispatcher(db, outbox, clock):
    transport = ScriptedTransport(clock)
    # The double is the messages' half of a Transport (no scheduled events): all that these tests deliver.
    return transport, Dispatcher(db, outbox, cast(Transport, transport), clock, pacer=Pacer(1000, channel_limit=1000),
                                 rng=random.Random(1))


async def deliver_due(db, outbox, clock, kind):
    transport, engine = make_dispatcher(db, outbox, clock)
    due = [r for r in await outbox.claim_due(clock.now(), 100) if r.kind == kind]
    return transport, [await engine.deliver(row) for row in due]
