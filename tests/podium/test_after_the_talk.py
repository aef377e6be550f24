"""A kind about a talk that has taken place (KindSpec.after_the_talk) goes after the talk is over, not once cancelled.

Housekeeping marks a talk `done` once it has ended; a kind that must fire after the end (feedback) would otherwise
be stopped by the last look like every talk-bound kind.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from podium.clock import to_ms
from podium.delivery import kinds
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox, OutboxMessage
from podium.delivery.pacing import Pacer
from podium.housekeeping import tidy
from podium.talks import Actor, TalkService, default_hooks
from tests import factories
from tests.doubles import ScriptedTransport
from tests.podium.delivering import ANNOUNCE, GUILD, SPEAKER

AFTER = timedelta(minutes=5)


async def plan(tx, talk, now):
    return [OutboxMessage(kind="test_after_talk", dedupe_key=f"talk:{talk.id}:after:{to_ms(talk.starts_at)}",
                          due_at=talk.ends_at + AFTER, target_type="channel", guild_id=talk.guild_id,
                          channel_id=ANNOUNCE, talk_id=talk.id, talk_start=talk.starts_at)]


@pytest.fixture(params=[True, False], ids=["after-the-talk", "an-ordinary-talk-bound-kind"])
def spec(request, monkeypatch):
    spec = kinds.KindSpec(name="test_after_talk", render=lambda ctx: "how did it go?", consent=None,
                          talk_bound=True, plan=plan, after_the_talk=request.param, label="after the talk")
    monkeypatch.setitem(kinds._registry, spec.name, spec)
    return spec


async def setup(db, clock):
    outbox = Outbox(db)
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE)
    talks = TalkService(db, outbox, clock, default_hooks(outbox))
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(hours=2))
    transport = ScriptedTransport(clock)
    dispatcher = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000),
                            rng=random.Random(1))
    return talks, talk, transport, dispatcher


async def test_it_is_delivered_after_the_talk_is_done_only_if_the_spec_says_so(spec, db, clock):
    _, talk, transport, dispatcher = await setup(db, clock)
    clock.set(talk.ends_at + AFTER)
    assert await tidy(db, dispatcher.outbox, clock.now()) == (1, 0)  # the talk is over: marked done
    [row] = [r for r in await dispatcher.outbox.claim_due(clock.now(), 100) if r.kind == spec.name]
    outcome = await dispatcher.deliver(row)
    if spec.after_the_talk:
        assert outcome.state == "sent"
        assert [c[2]["content"] for c in transport.posts()] == ["how did it go?"]
    else:
        assert outcome.state == "cancelled" and not transport.posts()


async def test_it_is_still_stopped_when_the_talk_was_cancelled(spec, db, clock):
    talks, talk, transport, dispatcher = await setup(db, clock)
    clock.set(talk.starts_at - timedelta(minutes=1))  # a talk can be cancelled until it starts
    # In flight when the talk is cancelled (claimed as if due): the last look stops it.
    [row] = [r for r in await dispatcher.outbox.claim_due(talk.ends_at + AFTER, 100) if r.kind == spec.name]
    await talks.cancel(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id)
    clock.set(talk.ends_at + AFTER)
    assert (await dispatcher.deliver(row)).state == "cancelled"
    assert not transport.posts()


async def test_a_pending_one_is_cancelled_with_its_talk(spec, db, clock):
    talks, talk, _, _ = await setup(db, clock)
    await talks.cancel(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id)
    states = await db.fetchall("SELECT state FROM outbox WHERE kind = ?", (spec.name,))
    assert [r["state"] for r in states] == ["cancelled"]
