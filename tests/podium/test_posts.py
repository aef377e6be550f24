"""Podium's own posts about a talk stay true (issue 21 §1): the new-talk post, the thread's first post and the
weekly summary are edited through the outbox when the talk is moved, edited or cancelled.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from podium import audience, posts
from podium.delivery.outbox import OutboxMessage
from podium.delivery.transport import GoneError
from podium.talks import TalkService, default_hooks
from tests import factories
from tests.podium.delivering import ANNOUNCE, GUILD, MOD, SPEAKER, dispatcher, mod, posted_talk, run_due, transport  # noqa: F401 (fixtures)


@pytest.fixture
def talks(db, clock, dispatcher):
    outbox = dispatcher.outbox
    return TalkService(db, outbox, clock, posts.subscribe(audience.subscribe(default_hooks(outbox), outbox), outbox))


async def edits_after_the_hold(dispatcher, clock, transport):
    clock.advance(posts.EDIT_HOLD)
    outcomes = await run_due(dispatcher, clock)
    return outcomes, [c for c in transport.calls if c[0] == "edit"]


async def test_a_move_then_a_cancel_edit_every_post_of_the_talk(db, clock, dispatcher, talks, transport):
    talk, sent = await posted_talk(db, clock, dispatcher, talks, transport)
    later = talk.starts_at + timedelta(hours=3)
    await talks.reschedule(guild_id=GUILD, actor=mod, talk_id=talk.id, starts_at=later)
    # Nothing is edited before the hold: a quick correction merges.
    assert [c for c in transport.calls if c[0] == "edit"] == []
    _, edits = await edits_after_the_hold(dispatcher, clock, transport)
    by_message = {c[2]: c[3] for c in edits}
    assert set(by_message) == {sent[k]["message_id"] for k in ("talk_announcement", "talk_thread_open",
                                                                  "weekly_summary")}
    announcement = by_message[sent["talk_announcement"]["message_id"]]
    new = f"<t:{int(later.timestamp())}:F>"
    assert new in announcement["content"] and new in announcement["embeds"][0]["fields"][0]["value"]
    assert f"<t:{int(talk.starts_at.timestamp())}:" not in str(announcement)
    assert announcement["allowed_mentions"] == {"parse": [], "users": [], "replied_user": False}
    summary = by_message[sent["weekly_summary"]["message_id"]]
    assert new in summary["embeds"][0]["description"] and "content" not in summary  # the heading stays

    transport.calls.clear()
    await talks.cancel(guild_id=GUILD, actor=mod, talk_id=talk.id, reason="ill")
    outcomes, edits = await edits_after_the_hold(dispatcher, clock, transport)
    assert {o.state for o in outcomes if o.kind == "post_update"} == {"sent"}
    by_message = {c[2]: c[3] for c in edits}
    announcement = by_message[sent["talk_announcement"]["message_id"]]
    assert announcement["content"].startswith("🚫 **Cancelled**: ~~**Intro to Rust**~~")
    assert announcement["embeds"][0]["title"] == "🚫 Cancelled: ~~Intro to Rust~~"
    buttons = [b for row in announcement["components"] for b in row["components"]]
    assert buttons and all(b["disabled"] for b in buttons)
    thread_post = by_message[sent["talk_thread_open"]["message_id"]]
    assert "was cancelled" in thread_post["content"]
    assert all(b["disabled"] for row in thread_post["components"] for b in row["components"])
    summary = by_message[sent["weekly_summary"]["message_id"]]
    assert "~~**Intro to Rust**~~" in summary["embeds"][0]["description"] and "🚫 Cancelled" in str(summary)
    assert summary["components"] == []  # no 🔔 for a cancelled talk


async def test_twenty_moves_are_one_edit_of_the_latest_state(db, clock, dispatcher, talks, transport):
    talk, _sent = await posted_talk(db, clock, dispatcher, talks, transport, summary=False)
    start = talk.starts_at
    for minutes in range(1, 21):
        clock.advance(timedelta(milliseconds=100))
        await talks.reschedule(guild_id=GUILD, actor=mod, talk_id=talk.id, starts_at=start + timedelta(minutes=minutes))
    pending = await db.fetchall("SELECT payload FROM outbox WHERE kind = 'post_update' AND state = 'pending'")
    assert len(pending) == 2  # one per post: the new-talk post and the thread's
    _, edits = await edits_after_the_hold(dispatcher, clock, transport)
    assert len(edits) == 2
    final = f"<t:{int((start + timedelta(minutes=20)).timestamp())}:F>"
    assert all(final in edit[3]["content"] for edit in edits)


async def test_an_edit_of_a_talk_edits_its_posts_and_a_deleted_post_is_skipped(
    db, clock, dispatcher, talks, transport
):
    talk, sent = await posted_talk(db, clock, dispatcher, talks, transport, summary=False)
    transport.fail("edit", sent["talk_announcement"]["message_id"], GoneError("404 Unknown Message", status=404,
                                                                              code=10008))
    await talks.edit(guild_id=GUILD, actor=mod, talk_id=talk.id, topic="Intro to Rust 2")
    outcomes, edits = await edits_after_the_hold(dispatcher, clock, transport)
    assert sorted(o.state for o in outcomes) == ["sent", "skipped"]  # skipped, not retried
    [thread_edit] = [e for e in edits if e[2] == sent["talk_thread_open"]["message_id"]]
    assert "Intro to Rust 2" in thread_edit[3]["content"]
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE kind = 'post_update' AND state = 'pending'") == 0


async def test_a_summary_is_edited_only_while_its_week_lasts(db, clock, dispatcher, talks, transport):
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE)
    talk = await talks.add(guild_id=GUILD, actor=mod, speaker_id=SPEAKER, topic="Far ahead",
                           starts_at=clock.now() + timedelta(days=3), duration_minutes=30)
    async with db.transaction() as tx:
        await dispatcher.outbox.enqueue(tx, OutboxMessage(
            kind="weekly_summary", dedupe_key="weekly", due_at=clock.now(), target_type="channel",
            guild_id=GUILD, channel_id=ANNOUNCE), now=clock.now())
    await run_due(dispatcher, clock)
    # Moved out of the week: the summary says so while the week lasts.
    await talks.reschedule(guild_id=GUILD, actor=mod, talk_id=talk.id, starts_at=talk.starts_at + timedelta(days=30))
    _, edits = await edits_after_the_hold(dispatcher, clock, transport)
    assert len(edits) == 1
    # A week later nobody reads that summary for its talks: a later change does not touch it.
    clock.advance(posts.SUMMARY_LASTS)
    await talks.reschedule(guild_id=GUILD, actor=mod, talk_id=talk.id, starts_at=talk.starts_at + timedelta(days=31))
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE kind = 'post_update' AND state = 'pending'") == 0


async def test_the_edit_after_a_cancel_is_not_dropped_by_the_last_look(db, clock, dispatcher, talks, transport):
    # The talk is no longer scheduled when its edit runs: only kinds about a scheduled talk stop at that.
    talk, _sent = await posted_talk(db, clock, dispatcher, talks, transport, summary=False)
    await talks.cancel(guild_id=GUILD, actor=mod, talk_id=talk.id)
    outcomes, edits = await edits_after_the_hold(dispatcher, clock, transport)
    assert [o.state for o in outcomes if o.kind == "post_update"] == ["sent", "sent"]
    assert len(edits) == 2


async def test_a_change_committed_while_the_post_is_on_its_way_is_edited_into_it(
    db, clock, dispatcher, talks, transport
):
    # The last look stops a post rendered before a change; a change committed while the POST is in flight found no
    # sent post to edit, so the post's on-sent step queues the edit.
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, announce_new_talks=True)
    talk = await talks.add(guild_id=GUILD, actor=mod, speaker_id=SPEAKER, topic="Intro to Rust",
                           starts_at=clock.now() + timedelta(days=2), duration_minutes=30)
    later = talk.starts_at + timedelta(hours=1)
    post = transport.post_message

    async def moved_meanwhile(channel_id, body):
        message_id = await post(channel_id, body)  # it has left: the last look is behind it
        if body["content"].startswith("📣"):
            await talks.reschedule(guild_id=GUILD, actor=mod, talk_id=talk.id, starts_at=later)
        return message_id

    transport.post_message = moved_meanwhile
    await run_due(dispatcher, clock)
    [announced] = await db.fetchall("SELECT message_id FROM outbox WHERE kind = 'talk_announcement'")
    _, edits = await edits_after_the_hold(dispatcher, clock, transport)
    [edit] = [e for e in edits if e[2] == announced["message_id"]]
    assert f"<t:{int(later.timestamp())}:F>" in edit[3]["content"]


async def test_a_rush_of_clicks_is_one_edit_of_the_going_count_a_minute_later(
    db, clock, dispatcher, talks, transport
):
    # Issue 21 §1: the new-talk post says "🔔 N going"; a click changes only that, so its edit is held GOING_HOLD
    # and every click in that minute is the same edit (a rush on a new post costs the channel one edit a minute).
    talk, sent = await posted_talk(db, clock, dispatcher, talks, transport)
    await edits_after_the_hold(dispatcher, clock, transport)  # the posts' own corrections (the clock stood still)
    transport.calls.clear()
    members = audience.Audience(db, dispatcher.outbox, clock, on_attendance=posts.attendance_changed)
    for user_id in range(100, 110):
        clock.advance(timedelta(seconds=1))
        await members.join(talk_id=talk.id, user_id=user_id, guild_id=GUILD)
    await members.leave(talk_id=talk.id, user_id=100, guild_id=GUILD)
    _, edits = await edits_after_the_hold(dispatcher, clock, transport)
    assert edits == []  # not after EDIT_HOLD: only the count changed
    clock.advance(posts.GOING_HOLD)
    await run_due(dispatcher, clock)
    edits = [c for c in transport.calls if c[0] == "edit"]
    # The new-talk post and the weekly summary show the count; the thread's first post does not.
    assert sorted(edit[2] for edit in edits) == sorted(
        [sent["talk_announcement"]["message_id"], sent["weekly_summary"]["message_id"]])
    [post] = [edit for edit in edits if edit[2] == sent["talk_announcement"]["message_id"]]
    assert "🔔 9 going" in post[3]["embeds"][0]["footer"]["text"]
    # A move while a count-only edit waits is not held behind it.
    transport.calls.clear()
    await members.join(talk_id=talk.id, user_id=200, guild_id=GUILD)
    await talks.reschedule(guild_id=GUILD, actor=mod, talk_id=talk.id, starts_at=talk.starts_at + timedelta(hours=1))
    _, edits = await edits_after_the_hold(dispatcher, clock, transport)
    assert sent["talk_announcement"]["message_id"] in [edit[2] for edit in edits]
