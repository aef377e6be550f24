"""Review of issue 21 §1 (reviewer r1): posts that stay true, and the one confirmation per action that says who
was told "with counts". Each test fails on the reviewed code because of a product defect.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from podium import audience, i18n, posts, scheduled_events
from podium.audience import Audience
from podium.delivery.outbox import OutboxMessage
from podium.talk_model import load_talk
from podium.talks import Actor, TalkService, confirmation, default_hooks, who_is_told
from tests import factories
from tests.podium.delivering import ANNOUNCE, GUILD, SPEAKER, dispatcher, posted_talk, run_due, transport  # noqa: F401 (fixtures)

MOD = 77
MEMBER = 555
mod = Actor(MOD, is_moderator=True)
ENGLISH = i18n.translator("en-US")


@pytest.fixture
def talks(db, clock, dispatcher):
    outbox = dispatcher.outbox
    return TalkService(db, outbox, clock, posts.subscribe(audience.subscribe(default_hooks(outbox), outbox), outbox))


async def deliver_everything(dispatcher, clock, minutes=15):
    """Run the dispatcher over the next quarter hour (every hold and NOTICE_EVERY passes)."""
    for _ in range(minutes * 2):
        clock.advance(timedelta(seconds=30))
        await run_due(dispatcher, clock)


async def sent_to(db, user_id, kinds):
    marks = ",".join("?" * len(kinds))
    return await db.fetchval(
        f"SELECT count(*) FROM outbox WHERE user_id = ? AND kind IN ({marks}) AND state = 'sent'", (user_id, *kinds))


@pytest.mark.parametrize("column", ["opt_out_notices", "opt_out_everything"])
async def test_the_confirmation_does_not_say_the_speaker_was_told_when_no_notice_can_reach_them(
    column, db, clock, dispatcher, talks, transport
):
    # A moderator cancels the talk of a speaker who stopped notices (or everything): Podium knows it
    # will not tell them, yet the moderator reads "The speaker was told." and does not tell them themselves.
    await factories.add_user(db, SPEAKER, **{column: 1})
    talk, _ = await posted_talk(db, clock, dispatcher, talks, transport, summary=False)
    after = await talks.cancel(guild_id=GUILD, actor=mod, talk_id=talk.id, reason="room closed")
    text = confirmation(ENGLISH, "cancel", after, await who_is_told(db, after, mod))
    await deliver_everything(dispatcher, clock)
    told = await sent_to(db, SPEAKER, ["cancel_notice"])
    assert told == 0  # the product's own consent rules: nothing reached the speaker
    assert "The speaker was told." not in text, text


async def test_the_confirmation_does_not_count_an_attendee_who_stopped_notices_as_told(
    db, clock, dispatcher, talks, transport
):
    # "1 person who asked for a reminder was told." — the one attendee stopped notices and is never told.
    talk, _ = await posted_talk(db, clock, dispatcher, talks, transport, summary=False)
    await Audience(db, dispatcher.outbox, clock).join(talk_id=talk.id, user_id=MEMBER, guild_id=GUILD)
    await factories.add_user(db, MEMBER, opt_out_notices=1)
    later = talk.starts_at + timedelta(hours=2)
    _, after = await talks.reschedule(guild_id=GUILD, actor=mod, talk_id=talk.id, starts_at=later)
    text = confirmation(ENGLISH, "reschedule", after, await who_is_told(db, after, mod))
    await deliver_everything(dispatcher, clock)
    assert await sent_to(db, MEMBER, ["attendee_notice"]) == 0
    assert "1 person who asked for a reminder was told." not in text, text


async def test_a_move_back_before_the_attendees_heard_does_not_claim_they_were_told(
    db, clock, dispatcher, talks, transport
):
    # Moved by mistake and moved straight back: the attendees' held notice is dropped ("changed and changed back
    # before anyone was told"), but the second confirmation says they were told.
    talk, _ = await posted_talk(db, clock, dispatcher, talks, transport, summary=False)
    await Audience(db, dispatcher.outbox, clock).join(talk_id=talk.id, user_id=MEMBER, guild_id=GUILD)
    start = talk.starts_at
    await talks.reschedule(guild_id=GUILD, actor=mod, talk_id=talk.id, starts_at=start + timedelta(hours=1))
    clock.advance(timedelta(seconds=5))
    _, after = await talks.reschedule(guild_id=GUILD, actor=mod, talk_id=talk.id, starts_at=start)
    text = confirmation(ENGLISH, "reschedule", after, await who_is_told(db, after, mod))
    await deliver_everything(dispatcher, clock)
    assert await sent_to(db, MEMBER, ["attendee_notice"]) == 0
    assert "1 person who asked for a reminder was told." not in text, text



async def test_a_move_committed_while_the_weekly_summary_is_on_its_way_is_edited_into_it(
    db, clock, dispatcher, talks, transport
):
    # The new-talk post and the thread's post have an on-sent step that edits in a change committed while their POST
    # was in flight; the weekly summary has none: it keeps showing the old time all week with a working 🔔.
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE)
    talk = await talks.add(guild_id=GUILD, actor=mod, speaker_id=SPEAKER, topic="Intro to Rust",
                           starts_at=clock.now() + timedelta(days=2), duration_minutes=30)
    async with db.transaction() as tx:
        await dispatcher.outbox.enqueue(tx, OutboxMessage(
            kind="weekly_summary", dedupe_key="weekly", due_at=clock.now(), target_type="channel",
            guild_id=GUILD, channel_id=ANNOUNCE), now=clock.now())
    later = talk.starts_at + timedelta(hours=1)
    post = transport.post_message

    async def moved_meanwhile(channel_id, body):
        message_id = await post(channel_id, body)  # it has left: the last look is behind it
        if "Intro to Rust" in str(body.get("embeds")):
            await talks.reschedule(guild_id=GUILD, actor=mod, talk_id=talk.id, starts_at=later)
        return message_id

    transport.post_message = moved_meanwhile
    await run_due(dispatcher, clock)
    [summary] = await db.fetchall("SELECT message_id, state FROM outbox WHERE kind = 'weekly_summary'")
    assert summary["state"] == "sent"
    assert (await load_talk(db, talk.id)).starts_at == later  # moved while the POST was in flight
    await deliver_everything(dispatcher, clock, minutes=2)
    edits = [c[3] for c in transport.calls if c[0] == "edit" and c[2] == summary["message_id"]]
    assert edits, "the summary still shows the old time"
    assert f"<t:{int(later.timestamp())}:" in edits[-1]["embeds"][0]["description"]


async def test_the_thread_notice_does_not_ping_the_moderator_who_moved_the_talk(
    db, clock, dispatcher, talks, transport
):
    # Attendees reminded in the talk's thread get one post there that mentions them. The moderator who moved the talk
    # also clicked 🔔 (and, like the member, stopped DMs): the DM path leaves the actor out, the thread path pings
    # them about their own change (a notification, "again", after their reply told them).
    talk, _ = await posted_talk(db, clock, dispatcher, talks, transport, summary=False)
    for user_id in (MEMBER, MOD):
        await factories.add_user(db, user_id, opt_out_dms=1)
        await Audience(db, dispatcher.outbox, clock).join(talk_id=talk.id, user_id=user_id, guild_id=GUILD)
    await deliver_everything(dispatcher, clock, minutes=1)
    transport.calls.clear()
    await talks.reschedule(guild_id=GUILD, actor=mod, talk_id=talk.id, starts_at=talk.starts_at + timedelta(hours=2))
    await deliver_everything(dispatcher, clock)
    [notice] = [c[2] for c in transport.calls if c[0] == "post" and "was moved" in c[2].get("content", "")
                and f"<@{MEMBER}>" in c[2]["content"]]
    assert str(MEMBER) in notice["allowed_mentions"]["users"]  # the member is told
    assert str(MOD) not in notice["allowed_mentions"]["users"] and f"<@{MOD}> " not in notice["content"], notice


async def test_a_talk_cancelled_in_discords_events_is_not_quoted_as_the_speakers_english_reason(
    db, clock, dispatcher, talks, transport
):
    # A speaker cancels their talk's Discord Event in a German server: Podium cancels the talk "for" them with the
    # reason CANCELLED_IN_DISCORD, and the channel's notice quotes that English sentence as the speaker's own words
    # ("abgesagt: „cancelled in Discord's Events“"), though they gave no reason at all.
    talk, _ = await posted_talk(db, clock, dispatcher, talks, transport, summary=False)
    async with db.transaction() as tx:
        await tx.execute("UPDATE guild_settings SET locale = 'de' WHERE guild_id = ?", (GUILD,))
    await talks.cancel(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id,
                       reason=scheduled_events.CANCELLED_IN_DISCORD)  # exactly as ScheduledEvents follows it
    await deliver_everything(dispatcher, clock, minutes=1)
    [notice] = [c[2]["content"] for c in transport.calls if c[0] == "post" and c[1] == ANNOUNCE
                and c[2].get("content", "").startswith("🚫")]
    assert "abgesagt" in notice, notice  # the German channel notice
    assert "cancelled in Discord" not in notice, notice


async def test_a_speaker_who_cancels_is_not_then_dmed_about_a_moderators_earlier_move(
    db, clock, dispatcher, talks, transport
):
    # A moderator moves the talk twice; the speaker's second notice waits NOTICE_EVERY. The speaker then cancels the
    # talk themselves: no notice is queued for them (they made the change), so the waiting one is never replaced and
    # goes out afterwards: "Your talk … was moved by @Mod" about a talk they have just cancelled.
    talk, _ = await posted_talk(db, clock, dispatcher, talks, transport, summary=False)
    start = talk.starts_at
    await talks.reschedule(guild_id=GUILD, actor=mod, talk_id=talk.id, starts_at=start + timedelta(hours=1))
    await run_due(dispatcher, clock)
    clock.advance(timedelta(minutes=1))
    await talks.reschedule(guild_id=GUILD, actor=mod, talk_id=talk.id, starts_at=start + timedelta(hours=2))
    await run_due(dispatcher, clock)
    clock.advance(timedelta(minutes=1))
    cancelled_at = clock.now()
    await talks.cancel(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id, reason="ill")
    await deliver_everything(dispatcher, clock)
    after_cancel = await db.fetchall(
        "SELECT kind, sent_at_ms FROM outbox WHERE user_id = ? AND target_type = 'dm' AND state = 'sent'"
        " AND kind IN ('reschedule_notice', 'cancel_notice') AND sent_at_ms > ?",
        (SPEAKER, int(cancelled_at.timestamp() * 1000)))
    assert [dict(r) for r in after_cancel] == []
