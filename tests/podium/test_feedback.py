"""⭐ Feedback after a talk and who came: one changeable vote per member, the count only in public, the summary.

Real SQLite, the real outbox and dispatcher (with a scripted transport), a manual clock.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from podium import components, feedback, i18n
from podium.clock import to_ms
from podium.components import Click
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.pacing import Pacer
from podium.delivery.render import RenderContext
from podium.delivery.transport import RefusedError
from podium.feedback import FEEDBACK_POST, FEEDBACK_SUMMARY, SETTING, FeedbackError
from podium.housekeeping import tidy
from podium.talks import Actor
from tests import factories
from tests.doubles import ScriptedTransport
from tests.podium.feedback_world import FAN, FAN2, FAN3, GUILD, SPEAKER, VOICE, add_talk, world


async def rows(db, kind):
    return [dict(r) for r in await db.fetchall(
        "SELECT talk_id, state, due_at_ms, target_type, user_id FROM outbox WHERE kind = ? ORDER BY id", (kind,))]


async def test_planned_at_the_end_and_the_summary_a_day_later_only_when_the_server_turned_it_on(db, clock):
    w = await world(db, clock)
    talk = await add_talk(w, clock)
    assert await rows(db, FEEDBACK_POST.name) == [] and await rows(db, FEEDBACK_SUMMARY.name) == []  # off by default
    await w.settings.set_switch(GUILD, SETTING, True)
    [post] = await rows(db, FEEDBACK_POST.name)
    [dm] = await rows(db, FEEDBACK_SUMMARY.name)
    assert (post["state"], post["target_type"], post["due_at_ms"]) == ("pending", "thread", to_ms(talk.ends_at))
    assert (dm["target_type"], dm["user_id"], dm["due_at_ms"]) == ("dm", SPEAKER,
                                                                   to_ms(talk.ends_at + timedelta(hours=24)))
    await w.settings.set_switch(GUILD, SETTING, False)
    assert {r["state"] for r in await rows(db, FEEDBACK_POST.name) + await rows(db, FEEDBACK_SUMMARY.name)} == {
        "cancelled"}


async def test_the_summary_comes_the_servers_set_hours_after_the_talk(db, clock):
    w = await world(db, clock, feedback=1)
    async with db.transaction() as tx:
        await tx.execute("UPDATE guild_settings SET feedback_summary_hours = 3 WHERE guild_id = ?", (GUILD,))
    talk = await add_talk(w, clock)
    [dm] = await rows(db, FEEDBACK_SUMMARY.name)
    assert dm["due_at_ms"] == to_ms(talk.ends_at + timedelta(hours=3))


async def test_one_vote_per_member_changeable_and_only_after_the_talk_began(db, clock):
    w = await world(db, clock, feedback=1)
    talk = await add_talk(w, clock)
    with pytest.raises(FeedbackError, match="hasn't taken place yet"):
        await w.feedback.vote(talk_id=talk.id, user_id=FAN, guild_id=GUILD, stars=5)
    clock.set(talk.ends_at)
    assert (await w.feedback.vote(talk_id=talk.id, user_id=FAN, guild_id=GUILD, stars=3))[1] is None
    assert (await w.feedback.vote(talk_id=talk.id, user_id=FAN, guild_id=GUILD, stars=5))[1] == 3
    await w.feedback.vote(talk_id=talk.id, user_id=FAN2, guild_id=GUILD, stars=4)
    assert await feedback.vote_count(db, talk.id) == 2
    found = await feedback.summary(db, talk)
    assert found.distribution == {1: 0, 2: 0, 3: 0, 4: 1, 5: 1} and found.average == 4.5


@pytest.mark.parametrize("guild_id", [None, GUILD + 1], ids=["a DM", "another server"])
async def test_a_vote_from_outside_the_talks_server_is_refused_and_stores_nothing(db, clock, guild_id):
    w = await world(db, clock, feedback=1)
    talk = await add_talk(w, clock)
    clock.set(talk.ends_at)
    with pytest.raises(FeedbackError, match="in its server"):
        await w.feedback.vote(talk_id=talk.id, user_id=FAN, guild_id=guild_id, stars=5)
    assert await feedback.vote_count(db, talk.id) == 0


async def test_a_cancelled_talk_takes_no_votes(db, clock):
    w = await world(db, clock, feedback=1)
    talk = await add_talk(w, clock)
    await w.talks.cancel(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id)
    clock.set(talk.ends_at)
    with pytest.raises(FeedbackError, match="cancelled"):
        await w.feedback.vote(talk_id=talk.id, user_id=FAN, guild_id=GUILD, stars=5)


async def test_a_comment_needs_a_vote_and_is_anonymous_until_signed(db, clock):
    w = await world(db, clock, feedback=1)
    talk = await add_talk(w, clock)
    clock.set(talk.ends_at)
    with pytest.raises(FeedbackError, match="stars first"):
        await w.feedback.comment(talk_id=talk.id, user_id=FAN, guild_id=GUILD, text="nice")
    with pytest.raises(FeedbackError, match="stars first"):
        await w.feedback.may_comment(talk_id=talk.id, user_id=FAN, guild_id=GUILD)
    await w.feedback.vote(talk_id=talk.id, user_id=FAN, guild_id=GUILD, stars=4)
    with pytest.raises(FeedbackError, match="1 to 500 characters"):
        await w.feedback.comment(talk_id=talk.id, user_id=FAN, guild_id=GUILD, text="   ")
    _, signed = await w.feedback.comment(talk_id=talk.id, user_id=FAN, guild_id=GUILD, text="**nice** @everyone")
    assert not signed
    [comment] = (await feedback.summary(db, talk)).comments
    assert (comment.text, comment.stars, comment.signed_by) == ("**nice** @everyone", 4, None)
    await w.feedback.sign(talk_id=talk.id, user_id=FAN, guild_id=GUILD, signed=True)
    [comment] = (await feedback.summary(db, talk)).comments
    assert comment.signed_by == FAN
    # Shown inert: the member's text makes no markup and pings nobody.
    lines = feedback.summary_lines(i18n.ENGLISH, await feedback.summary(db, talk))
    assert rf"> \*\*nice\*\* \@everyone — ⭐⭐⭐⭐ <@{FAN}>" in lines


async def test_a_new_vote_queues_one_held_edit_of_the_posts_count_and_a_changed_vote_none(db, clock):
    w = await world(db, clock, feedback=1)
    talk = await add_talk(w, clock)
    transport = ScriptedTransport(clock)
    dispatcher = Dispatcher(db, w.outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000),
                            rng=random.Random(1))
    clock.set(talk.ends_at)
    [row] = [r for r in await w.outbox.claim_due(clock.now(), 100) if r.kind == FEEDBACK_POST.name]
    outcome = await dispatcher.deliver(row)
    assert outcome.state == "sent" and outcome.via == "thread"
    [post] = [c for c in transport.posts() if "How was" in c[2]["content"]]
    stars = post[2]["components"][0]["components"]
    assert [components.parse(b["custom_id"]) for b in stars] == [
        components.CustomId(feedback.VOTE, (talk.id, n)) for n in feedback.STARS]
    assert "so far" not in post[2]["content"]  # no votes yet: no count
    for fan in (FAN, FAN2, FAN3):
        await w.feedback.vote(talk_id=talk.id, user_id=fan, guild_id=GUILD, stars=2)
    await w.feedback.vote(talk_id=talk.id, user_id=FAN, guild_id=GUILD, stars=5)
    [edit] = [dict(r) for r in await db.fetchall(
        "SELECT due_at_ms, payload FROM outbox WHERE kind = 'post_update' AND state = 'pending'")]
    assert edit["due_at_ms"] == to_ms(clock.now() + timedelta(seconds=60))
    clock.advance(timedelta(seconds=60))
    [row] = await w.outbox.claim_due(clock.now(), 100)
    assert (await dispatcher.deliver(row)).state == "sent"
    [(_, _, _, body)] = [c for c in transport.calls if c[0] == "edit"]
    assert "3 votes so far" in body["content"] and "⭐⭐⭐⭐⭐" not in body["content"]


async def test_the_vote_button_answers_with_what_the_member_gave(db, clock):
    w = await world(db, clock, feedback=1)
    talk = await add_talk(w, clock)
    clock.set(talk.ends_at)

    def click(stars, locale="en-US"):
        return Click(components.CustomId(feedback.VOTE, (talk.id, stars)), FAN, GUILD, locale, (), w)

    first = await feedback.vote(click(3))
    assert "You gave **Rust** 3 of 5" in first.text
    assert components.parse(first.rows[0]["components"][0]["custom_id"]).action == feedback.COMMENT
    assert "from 3 to 4 of 5" in (await feedback.vote(click(4))).text
    assert "von 4 auf 2 von 5" in (await feedback.vote(click(2, "de"))).text


async def test_the_summary_dm_goes_after_the_talk_is_done_with_the_figures_and_comments(db, clock):
    w = await world(db, clock, feedback=1)
    talk = await add_talk(w, clock)
    transport = ScriptedTransport(clock)
    dispatcher = Dispatcher(db, w.outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000),
                            rng=random.Random(1))
    clock.set(talk.ends_at)
    for fan, stars in ((FAN, 5), (FAN2, 4), (FAN3, 1)):
        await w.feedback.vote(talk_id=talk.id, user_id=fan, guild_id=GUILD, stars=stars)
    await w.feedback.comment(talk_id=talk.id, user_id=FAN3, guild_id=GUILD, text="too fast")
    clock.set(talk.ends_at + timedelta(hours=24))
    await tidy(db, w.outbox, clock.now())  # housekeeping marked the talk done: an after-the-talk kind still goes
    [row] = [r for r in await w.outbox.claim_due(clock.now(), 100) if r.kind == FEEDBACK_SUMMARY.name]
    assert (await dispatcher.deliver(row)).state == "sent"
    [dm] = [c for c in transport.calls if c[0] == "post" and "Feedback on your talk" in c[2]["content"]]
    text = dm[2]["content"]
    assert "3 votes, 3.3 of 5 on average." in text
    assert "⭐⭐⭐⭐⭐ 1\n⭐⭐⭐⭐ 1\n⭐⭐⭐ 0\n⭐⭐ 0\n⭐ 1" in text
    assert "> too fast — ⭐ anonymous" in text
    assert str(FAN3) not in text


async def test_who_came_is_recorded_only_in_the_events_voice_channel_during_the_talks_window(db, clock):
    w = await world(db, clock, events_enabled=1, events_entity_type=2, events_channel_id=VOICE)
    talk = await add_talk(w, clock, hours=1, minutes=60)

    async def seen(here, elsewhere=()):
        # Who is in the events channel (and in another voice channel) now, as the gateway's cache says.
        return await w.feedback.voice_seen(guild_id=GUILD, channels={VOICE: here, VOICE + 1: elsewhere})

    # An hour before: outside the window, nothing kept.
    assert await seen({FAN}) == 0
    assert await seen(set()) == 0
    clock.set(talk.starts_at - timedelta(minutes=5))  # early: counted from the start
    await seen({FAN}, {FAN2})  # another channel: not recorded
    clock.set(talk.starts_at + timedelta(minutes=10))
    await seen({FAN, FAN2, FAN3})
    clock.set(talk.starts_at + timedelta(minutes=20))
    await seen({FAN, FAN2})
    clock.set(talk.starts_at + timedelta(minutes=40))
    await seen({FAN})
    clock.set(talk.ends_at + timedelta(minutes=30))  # FAN stayed: counted to the end + 15 minutes
    await seen(set())
    came = await feedback.turnout(db, talk)
    assert came == feedback.Turnout(peak=3, total=3, median_minutes=30.0)  # 75, 30 and 10 minutes
    assert await db.fetchval("SELECT count(*) FROM voice_presence WHERE user_id = ?", (FAN2,)) == 1


async def test_a_stay_that_ends_before_the_start_is_not_kept(db, clock):
    w = await world(db, clock, events_enabled=1, events_entity_type=2, events_channel_id=VOICE)
    talk = await add_talk(w, clock, hours=1)
    clock.set(talk.starts_at - timedelta(minutes=10))
    assert await w.feedback.voice_seen(guild_id=GUILD, channels={VOICE: {FAN}}) == 1
    clock.set(talk.starts_at - timedelta(minutes=5))
    assert await w.feedback.voice_seen(guild_id=GUILD, channels={VOICE: set()}) == 1
    assert await db.fetchval("SELECT count(*) FROM voice_presence") == 0
    assert await feedback.turnout(db, talk) is None


async def test_a_reconnect_closes_the_stays_of_members_who_left_while_the_bot_was_away(db, clock):
    # Members there before anyone moved, and members gone while the gateway was down: the channel is read whole.
    w = await world(db, clock, events_enabled=1, events_entity_type=1, events_channel_id=VOICE)
    talk = await add_talk(w, clock, hours=1)
    clock.set(talk.starts_at + timedelta(minutes=5))
    await w.feedback.voice_seen(guild_id=GUILD, channels={VOICE: {FAN, FAN2}})
    clock.set(talk.starts_at + timedelta(minutes=25))  # reconnected: FAN2 left meanwhile, FAN3 came
    assert await w.feedback.voice_seen(guild_id=GUILD, channels={VOICE: {FAN, FAN3}}) == 2
    stays = {r["user_id"]: r["left_at_ms"] for r in await db.fetchall("SELECT * FROM voice_presence")}
    assert stays == {FAN: None, FAN2: to_ms(clock.now()), FAN3: None}


async def test_who_came_is_not_recorded_where_the_events_are_not_in_a_voice_or_stage_channel(db, clock):
    w = await world(db, clock, events_enabled=1, events_entity_type=3, events_channel_id=VOICE)
    talk = await add_talk(w, clock)
    clock.set(talk.starts_at)
    assert await w.feedback.voice_seen(guild_id=GUILD, channels={VOICE: {FAN}}) == 0
    assert await db.fetchval("SELECT count(*) FROM voice_presence") == 0


async def test_talk_info_shows_feedback_and_who_came_to_the_speaker_and_moderators_only(db, clock):
    w = await world(db, clock, events_enabled=1, events_entity_type=1, events_channel_id=VOICE, feedback=1)
    talk = await add_talk(w, clock)
    clock.set(talk.starts_at)
    await w.feedback.voice_seen(guild_id=GUILD, channels={VOICE: {FAN}})
    clock.set(talk.ends_at)
    await w.feedback.vote(talk_id=talk.id, user_id=FAN, guild_id=GUILD, stars=5)
    assert await w.feedback.talk_info(talk, False, i18n.ENGLISH) is None
    shown = await w.feedback.talk_info(talk, True, i18n.ENGLISH)
    assert shown is not None
    assert "1 vote, 5 of 5 on average." in shown and "👥 Who came: 1 in all" in shown


def test_the_post_shows_the_count_never_a_members_vote():
    talk = factories.talk(id=1, topic="Rust")
    ctx = RenderContext(FEEDBACK_POST.name, {"votes": 12}, talk, talk.ends_at, talk.ends_at, via="thread")
    body = feedback.render_post(ctx)
    assert body.content.endswith("-# 12 votes so far")
    assert [len(row["components"]) for row in body.components] == [5, 1]


async def test_a_new_summary_time_re_times_the_summaries_still_to_come(db, clock):
    w = await world(db, clock, feedback=1)
    over = await add_talk(w, clock, hours=1)
    later = await add_talk(w, clock, hours=48)
    clock.set(over.ends_at + timedelta(hours=1))  # its summary is still to come (24 h after)
    with pytest.raises(FeedbackError, match="from 1 to 168"):
        await w.feedback.set_summary_hours(GUILD, 0)
    assert await w.feedback.set_summary_hours(GUILD, 3) is True
    pending = {r["talk_id"]: r["due_at_ms"] for r in await rows(db, FEEDBACK_SUMMARY.name) if r["state"] == "pending"}
    assert pending == {over.id: to_ms(over.ends_at + timedelta(hours=3)),
                       later.id: to_ms(later.ends_at + timedelta(hours=3))}
    # Sooner than the time since the talk that is over: its summary is due now, not lost.
    assert await w.feedback.set_summary_hours(GUILD, 1) is True
    pending = {r["talk_id"]: r["due_at_ms"] for r in await rows(db, FEEDBACK_SUMMARY.name) if r["state"] == "pending"}
    assert pending == {over.id: to_ms(clock.now()), later.id: to_ms(later.ends_at + timedelta(hours=1))}


async def test_an_event_ended_in_discord_before_the_talks_end_brings_the_post_forward(db, clock):
    w = await world(db, clock, feedback=1)
    talk = await add_talk(w, clock)
    async with db.transaction() as tx:
        await tx.execute("UPDATE talks SET event_id = 9001 WHERE id = ?", (talk.id,))
    assert await w.feedback.event_ended(guild_id=GUILD, event_id=9001) is False  # not begun: nothing to ask yet
    clock.set(talk.starts_at + timedelta(minutes=20))
    assert await w.feedback.event_ended(guild_id=GUILD + 1, event_id=9001) is False  # another server's event id
    assert await w.feedback.event_ended(guild_id=GUILD, event_id=9001) is True
    [post] = await rows(db, FEEDBACK_POST.name)
    assert (post["state"], post["due_at_ms"]) == ("pending", to_ms(clock.now()))
    clock.set(talk.ends_at)  # Podium's own end of the event, at the talk's end: the post is due then anyway
    assert await w.feedback.event_ended(guild_id=GUILD, event_id=9001) is False


async def test_a_refused_summary_dm_is_never_posted_in_the_thread_or_the_channel(db, clock):
    w = await world(db, clock, feedback=1)
    talk = await add_talk(w, clock)
    transport = ScriptedTransport(clock)
    dispatcher = Dispatcher(db, w.outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000),
                            rng=random.Random(1))
    clock.set(talk.ends_at)
    [row] = [r for r in await w.outbox.claim_due(clock.now(), 100) if r.kind == FEEDBACK_POST.name]
    await dispatcher.deliver(row)  # the talk has a thread now
    await w.feedback.vote(talk_id=talk.id, user_id=FAN, guild_id=GUILD, stars=5)
    await w.feedback.comment(talk_id=talk.id, user_id=FAN, guild_id=GUILD, text="signed praise")
    await w.feedback.sign(talk_id=talk.id, user_id=FAN, guild_id=GUILD, signed=True)
    transport.fail("post", 5000 + SPEAKER, RefusedError("403 closed DMs", status=403, code=50007))
    clock.set(talk.ends_at + timedelta(hours=24))
    [row] = [r for r in await w.outbox.claim_due(clock.now(), 100) if r.kind == FEEDBACK_SUMMARY.name]
    assert (await dispatcher.deliver(row)).state == "skipped"
    # Tried by DM only (refused there); nowhere else.
    assert [c[1] for c in transport.posts() if "signed praise" in c[2]["content"]] == [5000 + SPEAKER]


async def test_the_speaker_cannot_vote_on_their_own_talk(db, clock):
    w = await world(db, clock, feedback=1)
    talk = await add_talk(w, clock)
    clock.set(talk.ends_at)
    with pytest.raises(FeedbackError, match="the votes are the audience's"):
        await w.feedback.vote(talk_id=talk.id, user_id=SPEAKER, guild_id=GUILD, stars=5)
    assert await feedback.vote_count(db, talk.id) == 0


async def deliver_looks(w, db, clock, transport):
    """Deliver the voice_window rows due now, as the dispatcher would; their outcomes."""
    dispatcher = Dispatcher(db, w.outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000))
    claimed = [r for r in await w.outbox.claim_due(clock.now(), 100) if r.kind == feedback.VOICE_WINDOW.name]
    return [(await dispatcher.deliver(row)).state for row in claimed]


async def test_the_channel_is_read_as_the_talks_window_opens(db, clock):
    # Review r23c: a member sitting in the channel since before the window, who left during the talk, moved only
    # once (their leave, finding no open stay): they were never recorded.
    w = await world(db, clock, events_enabled=1, events_entity_type=2, events_channel_id=VOICE)
    talk = await add_talk(w, clock, hours=2)
    [look] = await rows(db, feedback.VOICE_WINDOW.name)
    assert look["due_at_ms"] == to_ms(talk.starts_at - feedback.MARGIN)
    transport = ScriptedTransport()
    transport.voice[VOICE] = {FAN}
    clock.set(talk.starts_at - feedback.MARGIN)
    assert await deliver_looks(w, db, clock, transport) == ["sent"]
    clock.set(talk.starts_at + timedelta(minutes=20))
    await w.feedback.voice_seen(guild_id=GUILD, channels={VOICE: set()})  # they leave
    [stay] = await db.fetchall("SELECT joined_at_ms, left_at_ms FROM voice_presence")
    assert (stay["joined_at_ms"], stay["left_at_ms"]) == (to_ms(talk.starts_at), to_ms(clock.now()))


async def test_a_look_that_comes_after_the_talk_records_nothing(db, clock):
    # The bot away all through the talk: whoever sits in the channel afterwards did not come to it.
    w = await world(db, clock, events_enabled=1, events_entity_type=2, events_channel_id=VOICE)
    talk = await add_talk(w, clock, hours=2)
    transport = ScriptedTransport()
    transport.voice[VOICE] = {FAN}
    clock.set(talk.ends_at + timedelta(minutes=5))
    assert "sent" not in await deliver_looks(w, db, clock, transport)
    assert await db.fetchval("SELECT count(*) FROM voice_presence") == 0


async def test_the_look_waits_for_the_server_to_be_available(db, clock):
    w = await world(db, clock, events_enabled=1, events_entity_type=2, events_channel_id=VOICE)
    talk = await add_talk(w, clock, hours=2)
    transport = ScriptedTransport()
    transport.unavailable.add(GUILD)
    clock.set(talk.starts_at - feedback.MARGIN)
    assert await deliver_looks(w, db, clock, transport) == ["retry"]  # tried again later, not lost
    assert [r["state"] for r in await rows(db, feedback.VOICE_WINDOW.name)] == ["pending"]


async def test_the_look_follows_where_the_servers_events_take_place(db, clock):
    w = await world(db, clock)
    await add_talk(w, clock, hours=2)
    assert await rows(db, feedback.VOICE_WINDOW.name) == []  # no events: no channel to read
    await w.settings.set_events(GUILD, enabled=True, entity_type=2, channel_id=VOICE)
    assert [r["state"] for r in await rows(db, feedback.VOICE_WINDOW.name)] == ["pending"]
    await w.settings.set_events(GUILD, enabled=True, entity_type=3, location="Room 1")
    assert [r["state"] for r in await rows(db, feedback.VOICE_WINDOW.name)] == ["cancelled"]


async def test_a_vote_during_the_talk_is_taken_once_its_stage_was_ended(db, clock):
    w = await world(db, clock, feedback=1, events_enabled=1, events_entity_type=1, events_channel_id=VOICE)
    talk = await add_talk(w, clock, hours=1, minutes=60)
    async with db.transaction() as tx:
        await tx.execute("UPDATE talks SET event_id = 5150 WHERE id = ?", (talk.id,))
    clock.set(talk.starts_at + timedelta(minutes=20))
    with pytest.raises(FeedbackError, match="still going on"):
        await w.feedback.vote(talk_id=talk.id, user_id=FAN, guild_id=GUILD, stars=4)
    assert await w.feedback.event_ended(guild_id=GUILD, event_id=5150)  # a host ended the stage early
    _, before = await w.feedback.vote(talk_id=talk.id, user_id=FAN, guild_id=GUILD, stars=4)
    assert before is None
