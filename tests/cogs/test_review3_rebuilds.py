"""Third review of the last look's rebuilds (96219fa): MAX_REBUILDS must bound a changing count, not forget-me.

Real parts: the Dispatcher, nextcord's HTTP client with Podium's keying, NextcordTransport and the Pacer, against
the loopback fake Discord, with a real SQLite file (the fixtures of tests/cogs/test_last_look.py).
"""

from __future__ import annotations

from datetime import timedelta

from podium.clock import to_ms
from podium.delivery.dispatcher import MAX_REBUILDS
from podium.delivery.outbox import OutboxMessage
from podium.talks import Actor
from tests.cogs.last_look import ANNOUNCE, SPEAKER, deliver_while, env
from tests.fake_discord import GUILD_ID

__all__ = ["env"]  # the fixture, imported for pytest


async def test_forget_me_after_three_talk_edits_still_keeps_the_member_out_of_a_waiting_notice(env, clock):
    """A notice naming a moderator waits in the pacer; the talk is edited while it waits, three times (each edit
    sends it back to be built again), then the moderator runs forget-me while the fourth try waits. The cap on
    rebuilds turns off every content check, the payload comparison that catches forget-me's rewrite among them:
    the notice leaves naming the member who was just forgotten.
    """
    moderator = GUILD_ID + 43
    talk = await env.talks.add(guild_id=GUILD_ID, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                               starts_at=clock.now() + timedelta(days=1))
    async with env.dispatcher.db.transaction() as tx:
        await env.dispatcher.outbox.enqueue(tx, OutboxMessage(
            kind="reschedule_notice", dedupe_key="moved", due_at=clock.now(), target_type="channel",
            guild_id=GUILD_ID, channel_id=ANNOUNCE, talk_id=talk.id,
            payload={"topic": "Rust", "old_start_ms": to_ms(talk.starts_at - timedelta(hours=1)),
                     "new_start_ms": to_ms(talk.starts_at), "by_user_id": moderator, "speaker_id": SPEAKER,
                     "audience": "channel"},
        ), now=clock.now())

    for i in range(MAX_REBUILDS):
        env.pacer.pause(0.4)  # a global 429 elsewhere: the notice waits in the pacer

        async def edit_the_topic(n: int = i) -> None:
            await env.talks.edit(guild_id=GUILD_ID, actor=Actor(SPEAKER), talk_id=talk.id, topic=f"Rust {n}")

        assert await deliver_while(env, clock, env.pacer.waiting, edit_the_topic) == "deferred"

    env.pacer.pause(0.4)

    async def forget_the_moderator() -> None:
        await env.people.forget(moderator)

    await deliver_while(env, clock, env.pacer.waiting, forget_the_moderator)
    for row in await env.dispatcher.outbox.claim_due(clock.now(), 10):
        await env.dispatcher.deliver(row)
    posted = [m.content for m in env.fake.channel_messages(ANNOUNCE)]
    assert not any(str(moderator) in content for content in posted), posted
