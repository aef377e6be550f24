"""Third review of issue 20's notice throttles: a move must reach the speaker before the talk it moves starts."""

import json
from datetime import timedelta

from podium import audience
from podium.clock import to_ms
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox
from podium.delivery.pacing import Pacer
from podium.talks import Actor, TalkService, default_hooks
from tests import factories
from tests.doubles import ScriptedTransport

GUILD, ANNOUNCE = factories.GUILD, 555
SPEAKER, MOD, NEW_SPEAKER, ATTENDEE = 1, 2, 3, 11


async def test_a_second_move_to_minutes_from_now_reaches_the_speaker_before_the_talk_starts(db, clock):
    """A moderator moves a talk, then a minute later brings it forward to 5 minutes from now: the speaker must hear."""
    outbox = Outbox(db)
    talks = TalkService(db, outbox, clock, audience.subscribe(default_hooks(outbox), outbox))
    dispatcher = Dispatcher(db, outbox, ScriptedTransport(), clock, pacer=Pacer(1000, channel_limit=1000))
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE)
    moderator = Actor(MOD, is_moderator=True)
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(days=3))
    await talks.reschedule(guild_id=GUILD, actor=moderator, talk_id=talk.id,
                           starts_at=clock.now() + timedelta(days=2))
    for row in await outbox.claim_due(clock.now(), 100):
        await dispatcher.deliver(row)  # the first move is told at once
    clock.advance(timedelta(minutes=1))
    soon = clock.now() + timedelta(minutes=5)
    await talks.reschedule(guild_id=GUILD, actor=moderator, talk_id=talk.id, starts_at=soon)
    while clock.now() < soon:
        for row in await outbox.claim_due(clock.now(), 100):
            await dispatcher.deliver(row)
        clock.advance(timedelta(seconds=15))
    told = await db.fetchall("SELECT payload FROM outbox WHERE kind = 'reschedule_notice' AND user_id = ?"
                             " AND state = 'sent'", (SPEAKER,))
    starts = [json.loads(r["payload"])["new_start_ms"] for r in told]
    assert to_ms(soon) in starts, "the speaker is told the talk now starts in 5 minutes only after it started"


async def test_a_held_move_notice_is_not_sent_to_a_speaker_the_talk_was_taken_from(db, clock):
    """The second of two moves waits NOTICE_EVERY for the speaker; meanwhile a moderator gives the talk to someone
    else, and the old speaker is told at once "you no longer speak at it". Minutes later the held DM still tells
    them "your talk was moved": reschedule_notice declares no recipient, so neither the give-away nor the last look
    stops it (before the throttle it had gone before the give-away).
    """
    outbox = Outbox(db)
    talks = TalkService(db, outbox, clock, audience.subscribe(default_hooks(outbox), outbox))
    dispatcher = Dispatcher(db, outbox, ScriptedTransport(), clock, pacer=Pacer(1000, channel_limit=1000))
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE)
    moderator = Actor(MOD, is_moderator=True)
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(days=3))
    for days in (2, 1):  # the first move is told at once, the second is held
        await talks.reschedule(guild_id=GUILD, actor=moderator, talk_id=talk.id,
                               starts_at=clock.now() + timedelta(days=days))
        for row in await outbox.claim_due(clock.now(), 100):
            await dispatcher.deliver(row)
        clock.advance(timedelta(minutes=1))
    await talks.edit(guild_id=GUILD, actor=moderator, talk_id=talk.id, speaker_id=NEW_SPEAKER)
    for _ in range(20):
        for row in await outbox.claim_due(clock.now(), 100):
            await dispatcher.deliver(row)
        clock.advance(timedelta(minutes=1))
    told = await db.fetchall("SELECT kind FROM outbox WHERE user_id = ? AND state = 'sent'"
                             " AND kind IN ('reschedule_notice', 'speaker_notice') ORDER BY sent_at_ms, id", (SPEAKER,))
    assert [r["kind"] for r in told] == ["reschedule_notice", "speaker_notice"], (
        "the old speaker was told of a move of a talk they no longer speak at, after being told so")


async def test_the_first_move_in_a_day_to_just_before_the_start_reaches_the_audience_before_the_talk(db, clock):
    """`_notice_due`'s rule: the first change in NOTICE_EVERY is told before the talk starts. A talk whose audience
    heard of a move a day ago is moved to 45 s from now: the 'a notice went out' branch holds it NOTICE_HOLD (60 s)
    whatever how long ago that notice was, so the attendee hears of it after the talk started.
    """
    outbox = Outbox(db)
    talks = TalkService(db, outbox, clock, audience.subscribe(default_hooks(outbox), outbox))
    members = audience.Audience(db, outbox, clock)
    dispatcher = Dispatcher(db, outbox, ScriptedTransport(), clock, pacer=Pacer(1000, channel_limit=1000))
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE)
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(days=3))
    await members.join(talk_id=talk.id, user_id=ATTENDEE, guild_id=GUILD)
    await talks.reschedule(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id,
                           starts_at=clock.now() + timedelta(days=2))
    for _ in range(3):
        clock.advance(timedelta(minutes=1))
        for row in await outbox.claim_due(clock.now(), 100):
            await dispatcher.deliver(row)
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE kind = 'attendee_notice' AND state = 'sent'") == 1
    clock.advance(timedelta(days=1))
    soon = clock.now() + timedelta(seconds=45)
    await talks.reschedule(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id, starts_at=soon)
    while clock.now() < soon:
        for row in await outbox.claim_due(clock.now(), 100):
            await dispatcher.deliver(row)
        clock.advance(timedelta(seconds=5))
    told = await db.fetchall("SELECT payload FROM outbox WHERE kind = 'attendee_notice' AND user_id = ?"
                             " AND state = 'sent'", (ATTENDEE,))
    assert to_ms(soon) in [json.loads(r["payload"]).get("new_start_ms") for r in told], (
        "the audience hears that the talk starts in 45 s only after it started")
