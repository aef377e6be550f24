"""Review of issue 20 §3: attendee notices cannot be used to spam the audience, even just before a talk starts."""

import json
from datetime import timedelta

from podium import audience
from podium.audience import ATTENDEE_NOTICE, Audience
from podium.cooldown import Cooldown
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox
from podium.delivery.pacing import Pacer
from podium.talks import Actor, TalkService, default_hooks
from tests import factories
from tests.doubles import ScriptedTransport

GUILD, ANNOUNCE = factories.GUILD, 555
SPEAKER, MOD, ANN = 1, 2, 11
speaker = Actor(SPEAKER)


async def test_a_speaker_keeping_the_talk_a_minute_away_cannot_dm_the_audience_at_every_move(db, clock):
    outbox = Outbox(db)
    # The production change limit (10 a minute per member) is in force.
    talks = TalkService(db, outbox, clock, audience.subscribe(default_hooks(outbox), outbox), Cooldown(clock))
    members = Audience(db, outbox, clock)
    dispatcher = Dispatcher(db, outbox, ScriptedTransport(), clock, pacer=Pacer(1000, channel_limit=1000))
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE)
    talk = await talks.add(guild_id=GUILD, actor=speaker, speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(minutes=5))
    await members.join(talk_id=talk.id, user_id=ANN, guild_id=GUILD)
    clock.advance(timedelta(minutes=4))
    # Every 7 s (under the change limit), the speaker pushes the talk to 45 s from now: it never starts.
    for _ in range(int(timedelta(minutes=10) / timedelta(seconds=7))):
        await talks.reschedule(guild_id=GUILD, actor=speaker, talk_id=talk.id,
                               starts_at=clock.now() + timedelta(seconds=45))
        for row in await outbox.claim_due(clock.now(), 100):
            await dispatcher.deliver(row)
        clock.advance(timedelta(seconds=7))
    sent = await db.fetchall("SELECT payload FROM outbox WHERE kind = ? AND user_id = ? AND state = 'sent'",
                             (ATTENDEE_NOTICE.name, ANN))
    # NOTICE_EVERY is 10 minutes: ten minutes of moves are at most two notices (the first and the net change).
    assert len(sent) <= 2, f"{len(sent)} DMs to one attendee in 10 minutes: {[json.loads(r[0]) for r in sent[:3]]}"


async def test_thirty_moves_by_a_moderator_do_not_become_thirty_dms_to_the_speaker(db, clock):
    outbox = Outbox(db)
    # Moderators are exempt from the change limit (bulk scheduling): only a throttle can stop this.
    talks = TalkService(db, outbox, clock, audience.subscribe(default_hooks(outbox), outbox), Cooldown(clock))
    dispatcher = Dispatcher(db, outbox, ScriptedTransport(), clock, pacer=Pacer(1000, channel_limit=1000))
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE)
    talk = await talks.add(guild_id=GUILD, actor=speaker, speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(days=3))
    for i in range(1, 31):  # a move every 6 s (or thirty drags of the event in Discord's Events UI)
        await talks.reschedule(guild_id=GUILD, actor=Actor(MOD, is_moderator=True), talk_id=talk.id,
                               starts_at=talk.starts_at + timedelta(hours=i))
        clock.advance(timedelta(seconds=6))
        for row in await outbox.claim_due(clock.now(), 100):
            await dispatcher.deliver(row)
    sent = await db.fetchval("SELECT count(*) FROM outbox WHERE kind = 'reschedule_notice' AND user_id = ?"
                             " AND state = 'sent'", (SPEAKER,))
    assert sent <= 2, f"{sent} DMs to the speaker in three minutes"


async def test_a_cancellation_reaches_the_speaker_at_once_in_place_of_a_held_move(db, clock):
    """The speaker's notices are throttled, but a cancellation (the last word, sent once) never waits behind it."""
    outbox = Outbox(db)
    talks = TalkService(db, outbox, clock, default_hooks(outbox))
    dispatcher = Dispatcher(db, outbox, ScriptedTransport(), clock, pacer=Pacer(1000, channel_limit=1000))
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE)
    moderator = Actor(MOD, is_moderator=True)
    talk = await talks.add(guild_id=GUILD, actor=speaker, speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(days=3))
    for hours in (1, 2):  # the first move is told at once, the second is held
        await talks.reschedule(guild_id=GUILD, actor=moderator, talk_id=talk.id,
                               starts_at=talk.starts_at + timedelta(hours=hours))
        clock.advance(timedelta(seconds=5))
        for row in await outbox.claim_due(clock.now(), 100):
            await dispatcher.deliver(row)
    await talks.cancel(guild_id=GUILD, actor=moderator, talk_id=talk.id, reason="ill")
    for row in await outbox.claim_due(clock.now(), 100):
        await dispatcher.deliver(row)
    told = await db.fetchall("SELECT kind, state FROM outbox WHERE user_id = ? AND kind IN"
                             " ('reschedule_notice', 'cancel_notice') ORDER BY id", (SPEAKER,))
    assert [(r["kind"], r["state"]) for r in told] == [("reschedule_notice", "sent"), ("cancel_notice", "sent")]
