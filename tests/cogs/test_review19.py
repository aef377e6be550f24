"""Review of issue 19 as built (bcb04da): each test shows one way a promise of the issue still breaks.

Real parts: the Dispatcher, nextcord's HTTP client with Podium's keying, NextcordTransport and the Pacer, against
the loopback fake Discord, with a real SQLite file (the fixtures of tests/cogs/test_last_look.py).
"""

from __future__ import annotations

from datetime import timedelta

from podium.audience import ATTENDEE_REMINDER, Audience
from podium.clock import to_ms
from podium.delivery.outbox import OutboxMessage
from podium.talks import Actor
from tests.cogs.last_look import ANNOUNCE, SPEAKER, deliver_while, env, reminder_due_now, reminders_posted
from tests.fake_discord import GUILD_ID

__all__ = ["env"]  # the fixture, imported for pytest


async def test_a_dm_opt_out_during_a_429_wait_stops_the_dm(env, clock):
    """Issue 19 §1: 'recipient not ... opted out' right before each request. `/opt-out stop dms` answers "I won't
    send you direct messages any more"; committed while the reminder waits behind a 429 on the DM route, the
    last look checks only the kind's topic (talk reminders), not DMs, and the DM leaves anyway.
    """
    await reminder_due_now(env, clock)
    dm = env.fake.dm_channels[SPEAKER]
    env.fake.fail("POST", f"/channels/{dm}/messages", status=429, retry_after=0.4)

    async def stop_dms() -> None:
        await env.people.set_opt_out(SPEAKER, "dms", True)

    await deliver_while(env, clock, env.pacer.blocked, stop_dms)
    assert reminders_posted(env) == [], "a DM went out after the recipient stopped DMs"


async def test_forget_me_of_a_member_named_in_a_waiting_notice_keeps_them_out_of_it(env, clock):
    """Issue 19 §1 with issue 20 §4: forget-me committed while a notice naming the member ("moved by @them") waits
    in the pacer. forget-me rewrites the queued row's payload (`_forget_mentions`), but the delivery renders from
    the payload it claimed, and the last look compares neither the payload nor anything forget-me changed: the
    notice leaves naming the member who was just forgotten.
    """
    moderator = GUILD_ID + 43
    talk = await env.talks.add(guild_id=GUILD_ID, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                               starts_at=clock.now() + timedelta(days=1))
    async with env.dispatcher.db.transaction() as tx:
        row_id = await env.dispatcher.outbox.enqueue(tx, OutboxMessage(
            kind="reschedule_notice", dedupe_key="moved", due_at=clock.now(), target_type="channel",
            guild_id=GUILD_ID, channel_id=ANNOUNCE, talk_id=talk.id,
            payload={"topic": "Rust", "old_start_ms": to_ms(talk.starts_at - timedelta(hours=1)),
                     "new_start_ms": to_ms(talk.starts_at), "by_user_id": moderator, "speaker_id": SPEAKER,
                     "audience": "channel"},
        ), now=clock.now())
    env.pacer.pause(0.4)  # a global 429 elsewhere: the notice waits in the pacer

    async def forget_the_moderator() -> None:
        await env.people.forget(moderator)

    # The look sees the row rewritten: it goes back to be built again from what is stored now.
    assert await deliver_while(env, clock, env.pacer.waiting, forget_the_moderator) == "deferred"
    for row in await env.dispatcher.outbox.claim_due(clock.now(), 10):
        await env.dispatcher.deliver(row)
    stored = await env.dispatcher.db.fetchone("SELECT payload FROM outbox WHERE id = ?", (row_id,))
    assert str(moderator) not in stored["payload"]  # forget-me did its part in the database
    posted = [m.content for m in env.fake.channel_messages(ANNOUNCE)]
    assert posted, "the notice should still go out, without the forgotten member"
    assert not any(str(moderator) in content for content in posted), posted


async def test_a_talk_given_to_another_speaker_while_its_reminder_waits_does_not_remind_the_old_one(env, clock):
    """Issue 19 §1 ("never stale"): a moderator gives the talk to someone else while the speaker's reminder waits
    behind a 429. The edit bumps the talk's sequence, so the last look sends the row back to be "built again from
    what is true now" (no attempt used); but the row is still addressed to the old speaker, nothing re-derives its
    recipient, and the rebuilt delivery tells them "your talk starts" about a talk that is no longer theirs.
    """
    talk_id = await reminder_due_now(env, clock)
    dm = env.fake.dm_channels[SPEAKER]
    env.fake.fail("POST", f"/channels/{dm}/messages", status=429, retry_after=0.4)
    new_speaker = GUILD_ID + 44

    async def give_the_talk_away() -> None:
        await env.talks.edit(guild_id=GUILD_ID, actor=Actor(GUILD_ID + 43, is_moderator=True), talk_id=talk_id,
                             speaker_id=new_speaker)

    first = await deliver_while(env, clock, env.pacer.blocked, give_the_talk_away)
    assert first == "cancelled"  # the look saw the talk has another speaker: not theirs to be reminded of
    for row in await env.dispatcher.outbox.claim_due(clock.now(), 10):
        await env.dispatcher.deliver(row)
    # (They are rightly told "you no longer speak at it" by the speaker notice.)
    reminders = [content for content in reminders_posted(env) if content.startswith("⏰")]
    assert reminders == [], "the old speaker was reminded of a talk that is no longer theirs"


async def test_cant_make_it_during_a_429_wait_stops_the_attendee_reminder(env, clock):
    """Issue 19 §1: "Can't make it" promises "no more reminders or notices of the talk for this member". Clicked
    while their reminder waits behind a 429 on the DM route, it cancels only pending rows; the last look asks
    nothing about attendance (the row's state is 'sending', the talk is unchanged), so the reminder leaves.
    """
    attendee = GUILD_ID + 71
    env.fake.add_user(attendee, "ann")
    talk = await env.talks.add(guild_id=GUILD_ID, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                               starts_at=clock.now() + timedelta(minutes=30))
    audience = Audience(env.dispatcher.db, env.dispatcher.outbox, clock)
    await audience.join(talk_id=talk.id, user_id=attendee, guild_id=GUILD_ID)
    dm = await env.dispatcher.transport.open_dm(attendee)
    async with env.dispatcher.db.transaction() as tx:
        await tx.execute("UPDATE users SET dm_channel_id = ? WHERE user_id = ?", (dm, attendee))
        await env.dispatcher.outbox.enqueue(tx, OutboxMessage(
            kind=ATTENDEE_REMINDER.name, dedupe_key="a5", due_at=clock.now(), target_type="dm", guild_id=GUILD_ID,
            user_id=attendee, talk_id=talk.id, talk_start=talk.starts_at, payload={"offset_s": 1800},
        ), now=clock.now())
    env.fake.fail("POST", f"/channels/{dm}/messages", status=429, retry_after=0.4)

    async def cant_make_it() -> None:
        await audience.leave(talk_id=talk.id, user_id=attendee, guild_id=GUILD_ID)

    await deliver_while(env, clock, env.pacer.blocked, cant_make_it)
    row = await env.dispatcher.db.fetchone("SELECT id FROM outbox WHERE dedupe_key = ?", ("a5",))
    sent = [m.nonce for m in env.fake.channel_messages(dm)]
    assert sent == [], f"reminded (outbox {row['id']}) of a talk they said they cannot make"
