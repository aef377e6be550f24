"""Review r23g (issues 23/24, second round): forget-me over the new member data keeps public posts true."""

from __future__ import annotations

import random

from podium import posts
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.pacing import Pacer
from podium.feedback import FEEDBACK_POST
from podium.people import People
from tests.doubles import ScriptedTransport
from tests.podium.feedback_world import FAN, FAN2, GUILD, add_talk, world


async def test_forget_me_of_a_voter_updates_the_vote_count_on_the_feedback_post(db, clock):
    # Issue 24 §1: "Votes and comments are member data: covered by forget-me"; standards: public posts kept true.
    # Forget-me deletes the member's vote (feedback_votes.user_id, delete_row) but queues no edit of the feedback
    # post, which keeps saying "2 votes so far" while one vote is stored (as a vote queues count_changed).
    w = await world(db, clock, feedback=1)
    talk = await add_talk(w, clock)
    transport = ScriptedTransport(clock)
    dispatcher = Dispatcher(db, w.outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000),
                            rng=random.Random(1))
    clock.set(talk.ends_at)
    [row] = [r for r in await w.outbox.claim_due(clock.now(), 100) if r.kind == FEEDBACK_POST.name]
    assert (await dispatcher.deliver(row)).state == "sent"
    for fan in (FAN, FAN2):
        await w.feedback.vote(talk_id=talk.id, user_id=fan, guild_id=GUILD, stars=4)
    clock.advance(posts.GOING_HOLD + posts.EDIT_HOLD)
    for row in await w.outbox.claim_due(clock.now(), 100):
        await dispatcher.deliver(row)
    edits = [c[3]["content"] for c in transport.calls if c[0] == "edit"]
    assert edits and "2 votes so far" in edits[-1]
    transport.calls.clear()

    await People(db, w.outbox, clock).forget(FAN2)
    assert (await db.fetchone("SELECT count(*) FROM feedback_votes WHERE talk_id = ?", (talk.id,)))[0] == 1
    clock.advance(posts.GOING_HOLD + posts.EDIT_HOLD)
    for row in await w.outbox.claim_due(clock.now(), 100):
        await dispatcher.deliver(row)
    edits = [c[3]["content"] for c in transport.calls if c[0] == "edit"]
    assert edits and "1 vote so far" in edits[-1], edits


async def test_a_member_forgotten_during_the_talk_is_not_recorded_again_by_someone_elses_move(db, clock):
    # Issue 24 §2 + forget-me: after /opt-out forget-me, Podium must not re-collect that member's presence on its own
    # (as audience.remember_forgotten keeps a passive Discord state from making them an attendee again). Yet the
    # next voice update of ANY other member reads the whole channel and opens a new stay for the forgotten member.
    from datetime import timedelta

    from tests.podium.feedback_world import FAN3, VOICE

    w = await world(db, clock, events_enabled=1, events_entity_type=2, events_channel_id=VOICE)
    talk = await add_talk(w, clock, hours=1, minutes=60)
    clock.set(talk.starts_at + timedelta(minutes=5))
    await w.feedback.voice_seen(guild_id=GUILD, channels={VOICE: {FAN, FAN2}})
    await People(db, w.outbox, clock).forget(FAN2)
    assert await db.fetchval("SELECT count(*) FROM voice_presence WHERE user_id = ?", (FAN2,)) == 0
    clock.set(talk.starts_at + timedelta(minutes=10))
    await w.feedback.voice_seen(guild_id=GUILD, channels={VOICE: {FAN, FAN2, FAN3}})  # FAN3 came in; FAN2 sat on
    assert await db.fetchval("SELECT count(*) FROM voice_presence WHERE user_id = ?", (FAN2,)) == 0
