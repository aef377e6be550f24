"""Review of issue 23 §3 to §5 (approval, speaker confirmation, seats): each test fails on a real defect."""

from __future__ import annotations

from datetime import timedelta

from podium import posts
from podium.archive import Archive
from podium.audience import Audience
from podium.delivery.outbox import Outbox
from podium.talk_model import load_talk
from podium.talks import Actor, TalkService, composed_hooks
from tests import factories
from tests.podium.delivering import run_due
from tests.podium.workflow_world import (
    MEMBER,
    MOD,
    SPEAKER,
    deliver_due,
    make_dispatcher,
    rows,
    sign_up,
    world,
)

NEW_SPEAKER = 31337


async def test_past_and_a_speakers_record_leave_out_a_sign_up_that_was_never_approved(db, clock):
    # Issue 23 §3: nothing about a pending sign-up is shown before approval. One never decided before its time
    # "never took place" (podium/housekeeping.py), yet /schedule past (and the info autocomplete, which reads it)
    # lists it to every member, and /schedule stats counts it as a talk given.
    outbox, talks, _ = await world(db, clock, approval=True)
    held = await sign_up(talks, clock, actor=MEMBER, hours=2)
    assert held.approval == "pending"
    clock.set(held.starts_at + timedelta(hours=3))
    archive = Archive(db, outbox, clock)
    listed, total = await archive.past(factories.GUILD)
    assert (total, [t.id for t in listed]) == (0, [])
    record = await archive.speaker(factories.GUILD, MOD, SPEAKER)
    assert record.given == 0 and record.last is None


async def test_a_talk_given_to_a_new_speaker_asks_the_new_speaker_and_is_not_confirmed_by_the_old_one(db, clock):
    # Issue 23 §4: "the speaker gets 'Are you still giving X?'". After a moderator gives the talk to someone else,
    # the old speaker's ✅ Yes stands for the new one: the new speaker is never asked, and /schedule info and the
    # moderators' list say "The speaker confirmed they will come" though they never did.
    _, talks, flow = await world(db, clock, approval=False)
    talk = await sign_up(talks, clock, hours=100)
    await flow.confirm(talk_id=talk.id, user_id=SPEAKER)
    _, after = await talks.edit(guild_id=factories.GUILD, actor=MOD, talk_id=talk.id, speaker_id=NEW_SPEAKER)
    assert after.speaker_id == NEW_SPEAKER
    assert "🎤 The speaker confirmed they will come." not in await flow.status(after)
    asked = {(r["kind"], r["user_id"]) for r in await rows(db, talk.id, "pending")}
    assert ("speaker_confirmation", NEW_SPEAKER) in asked


async def test_a_speaker_who_never_received_the_question_is_not_released_for_not_answering(db, clock):
    # Issue 23 §4: "No answer within a day: moderators are told (and, if the server chose so, the slot is released)".
    # The question goes with the speaker's talk-reminder consent; a speaker who stopped talk reminders is never
    # asked, yet a day later the log line says they "haven't confirmed" and release-unconfirmed cancels their talk
    # (with cancel notices to everyone who joined) for not answering a question they never got.
    outbox, talks, _ = await world(db, clock, approval=False, release=True)
    await factories.add_user(db, SPEAKER, opt_out_talk_reminders=1)
    talk = await sign_up(talks, clock, hours=100)
    clock.set(talk.starts_at - timedelta(hours=72))
    _, [question] = await deliver_due(db, outbox, clock, "speaker_confirmation")
    assert question.state != "sent"  # consent: the speaker was not asked
    clock.set(talk.starts_at - timedelta(hours=48))
    await deliver_due(db, outbox, clock, "confirmation_overdue")
    assert (await load_talk(db, talk.id)).state == "scheduled"


# -- seats: the Join label on every post -------------------------------------------------------------------------

async def test_the_thread_posts_join_button_counts_seats_as_they_are_taken(db, clock):
    # Issue 23 §5: "🔔 Remind me becomes Join (12/20); when full, Join the waitlist (3 waiting)". The thread's first
    # post carries that button too (podium/audience.py TALK_THREAD_OPEN: "its Join button counts seats"), but a
    # join edits only the new-talk post (posts.attendance_changed: going_only), so the thread keeps offering
    # "Join (0/2)" on a full talk whose click only queues the member.
    transport, engine = make_dispatcher(db, Outbox(db), clock)
    outbox = engine.outbox
    talks = TalkService(db, outbox, clock, composed_hooks(outbox))
    await factories.add_guild(db, factories.GUILD, announce_channel_id=555, announce_new_talks=True)
    talk = await talks.add(guild_id=factories.GUILD, actor=MOD, speaker_id=SPEAKER, topic="Workshop",
                           starts_at=clock.now() + timedelta(days=2), duration_minutes=30, seat_limit=2)
    await run_due(engine, clock)
    await run_due(engine, clock)
    sent = {r["kind"]: r for r in await db.fetchall("SELECT * FROM outbox WHERE state = 'sent'")}
    assert {"talk_announcement", "talk_thread_open"} <= set(sent)
    clock.advance(posts.EDIT_HOLD)  # any edit the posting itself caused goes out first
    await run_due(engine, clock)
    transport.calls.clear()
    members = Audience(db, outbox, clock, on_attendance=posts.attendance_changed)
    for user in (10, 11, 12):
        await members.join(talk_id=talk.id, user_id=user, guild_id=factories.GUILD)
    clock.advance(posts.GOING_HOLD + posts.EDIT_HOLD)
    await run_due(engine, clock)
    labels = {call[2]: call[3]["components"][0]["components"][0]["label"]
              for call in transport.calls if call[0] == "edit"}
    assert labels.get(sent["talk_announcement"]["message_id"]) == "⏳ Join the waitlist (1 waiting)"
    assert labels.get(sent["talk_thread_open"]["message_id"]) == "⏳ Join the waitlist (1 waiting)"


async def _posted_workshop(db, clock, limit):
    """A talk with seats whose new-talk post and thread post went out (and any edit the posting caused)."""
    transport, engine = make_dispatcher(db, Outbox(db), clock)
    outbox = engine.outbox
    talks = TalkService(db, outbox, clock, composed_hooks(outbox))
    await factories.add_guild(db, factories.GUILD, announce_channel_id=555, announce_new_talks=True)
    talk = await talks.add(guild_id=factories.GUILD, actor=MOD, speaker_id=SPEAKER, topic="Workshop",
                           starts_at=clock.now() + timedelta(days=2), duration_minutes=30, seat_limit=limit)
    await run_due(engine, clock)
    await run_due(engine, clock)
    sent = {r["kind"]: r for r in await db.fetchall("SELECT * FROM outbox WHERE state = 'sent'")}
    assert {"talk_announcement", "talk_thread_open"} <= set(sent)
    clock.advance(posts.EDIT_HOLD)
    await run_due(engine, clock)
    members = Audience(db, outbox, clock, on_attendance=posts.attendance_changed)
    return transport, engine, talk, sent, members


async def test_forget_me_of_a_waiting_member_updates_the_waiting_count_on_the_talks_post(db, clock):
    # Issue 23 §5 and the standards ("public posts kept true"; forget-me): "Join the waitlist (2 waiting)" must
    # become "(1 waiting)" when one of the two waiting is forgotten, as when they click "Can't make it". People.forget
    # takes them off the waitlist (seats.refill) but queues no edit of the talk's posts: the count stays wrong.
    from podium.people import People

    transport, engine, talk, sent, members = await _posted_workshop(db, clock, limit=1)
    for user in (10, 11, 12):
        await members.join(talk_id=talk.id, user_id=user, guild_id=factories.GUILD)
    clock.advance(posts.GOING_HOLD + posts.EDIT_HOLD)
    await run_due(engine, clock)
    before = [call[3]["components"][0]["components"][0]["label"] for call in transport.calls
              if call[0] == "edit" and call[2] == sent["talk_announcement"]["message_id"]]
    assert before[-1] == "⏳ Join the waitlist (2 waiting)"
    transport.calls.clear()
    await People(db, engine.outbox, clock).forget(12)
    clock.advance(posts.GOING_HOLD + posts.EDIT_HOLD)
    await run_due(engine, clock)
    labels = {call[2]: call[3]["components"][0]["components"][0]["label"]
              for call in transport.calls if call[0] == "edit"}
    assert labels.get(sent["talk_announcement"]["message_id"]) == "⏳ Join the waitlist (1 waiting)"


async def test_a_seat_offer_that_cannot_reach_its_member_does_not_hold_the_seat_until_its_deadline(db, clock):
    # Issue 23 §5: "the first on the waitlist is offered the seat by DM with a deadline". When the offer DM cannot
    # be delivered (the member stopped DMs; the offer has no channel fallback), nothing takes the offer back: the
    # seat stays held for nobody for the whole window (12 h), the next one waiting is not offered it, and the
    # member silently loses their place at the deadline.
    from podium import seats

    _, engine, talk, _, members = await _posted_workshop(db, clock, limit=1)
    await factories.add_user(db, 11, opt_out_dms=1)
    for user in (10, 11, 12):
        await members.join(talk_id=talk.id, user_id=user, guild_id=factories.GUILD)
    await members.leave(talk_id=talk.id, user_id=10, guild_id=factories.GUILD)
    outcomes = await run_due(engine, clock)
    [offer] = [o for o in outcomes if o.kind == seats.SEAT_OFFER.name]
    assert offer.state != "sent"  # it could not reach member 11
    clock.advance(timedelta(minutes=5))
    await run_due(engine, clock)
    offered = await db.fetchall("SELECT user_id FROM waitlist WHERE talk_id = ? AND state = 'offered'", (talk.id,))
    assert [r["user_id"] for r in offered] == [12]


async def test_a_clashing_sign_up_is_not_told_the_topic_and_speaker_of_a_sign_up_waiting_for_approval(db, clock):
    # Issue 23 §3: nothing about a pending sign-up is shown before approval (podium/workflow.py: "Nothing about a
    # sign-up waiting for approval reaches anyone but its speaker and the moderators"). Another member who picks
    # the same time is refused with "That overlaps with **Rust** by <@speaker> at …": the held sign-up's topic,
    # speaker and time, to someone who may not even see it in /schedule info.
    from podium import i18n
    from podium.talk_model import TalkError

    _, talks, _ = await world(db, clock, approval=True)
    held = await sign_up(talks, clock, actor=MEMBER, hours=100)
    assert held.approval == "pending"
    other = 909
    try:
        await talks.add(guild_id=factories.GUILD, actor=Actor(other), speaker_id=other, topic="Go",
                        starts_at=held.starts_at)
    except TalkError as refused:
        text = refused.text_for(i18n.ENGLISH)
    else:
        text = ""
    assert "Rust" not in text and f"<@{SPEAKER}>" not in text, text


async def test_a_member_waiting_when_the_seat_limit_is_removed_keeps_the_talk_without_answering_an_offer(db, clock):
    # Issue 23 §5: the waitlist exists because seats are limited. When the limit is removed (`seats:0`), everyone
    # waiting is only *offered* a seat with a 12 h deadline (seats.fill: "no limit: every one waiting is offered");
    # a member who does not answer the DM in time is dropped from the talk altogether (no seat, no reminder,
    # nothing on the waitlist) though the talk now has room for everyone who asked.
    from podium import seats

    _, engine, talk, _, members = await _posted_workshop(db, clock, limit=1)
    for user in (10, 11):
        await members.join(talk_id=talk.id, user_id=user, guild_id=factories.GUILD)
    talks = TalkService(db, engine.outbox, clock, composed_hooks(engine.outbox))
    await talks.edit(guild_id=factories.GUILD, actor=MOD, talk_id=talk.id, seat_limit=None)
    await run_due(engine, clock)
    clock.advance(seats.DEFAULT_OFFER + timedelta(minutes=1))
    await run_due(engine, clock)
    await run_due(engine, clock)
    joined = {r["user_id"] for r in await db.fetchall("SELECT user_id FROM attendees WHERE talk_id = ?", (talk.id,))}
    assert joined == {10, 11}
