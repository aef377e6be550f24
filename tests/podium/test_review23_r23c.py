"""Review of issue 24 §1 to §3 (feedback, who came, the archive): each test shows a defect (reviewer r23c)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from podium import i18n
from podium.archive import Archive
from podium.delivery.outbox import Outbox
from podium.errors import UserError
from podium.feedback import Feedback, FeedbackError
from podium.talk_model import TalkError, validate_link
from podium.talks import Actor, TalkService, composed_hooks
from podium.workflow import Workflow
from tests import factories

GUILD, SPEAKER, FAN = factories.GUILD, factories.SPEAKER, 77
MODERATOR = Actor(4242, is_moderator=True)


async def _approval_world(db, clock):
    """A server with approval on: a member's sign-up waits for a moderator."""
    outbox = Outbox(db)
    hooks = composed_hooks(outbox)
    await factories.add_guild(db, GUILD, announce_channel_id=555, log_channel_id=556, feedback=1)
    await Workflow(db, outbox, clock, hooks).configure(GUILD, approval=True, review_channel_id=558)
    return outbox, TalkService(db, outbox, clock, hooks)


async def _never_approved_past_talk(db, clock):
    outbox, talks = await _approval_world(db, clock)
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Held back",
                           starts_at=clock.now() + timedelta(hours=2))
    assert talk.approval == "pending" and talk.state == "scheduled"
    clock.advance(timedelta(hours=5))  # its time passed; no moderator ever approved it
    return outbox, talk


# -- the archive shows only talks that were on the schedule -----------------------------------------------------


async def test_a_sign_up_never_approved_is_not_listed_as_a_past_talk(db, clock):
    # Every other listing (feeds, page, weekly, housekeeping) shows approved talks only: a sign-up waiting for a
    # moderator "is nobody's business but its speaker's and the moderators'" (podium/talks.py). /schedule past
    # shows it to every member as a talk that took place.
    outbox, _ = await _never_approved_past_talk(db, clock)
    found, total = await Archive(db, outbox, clock).past(GUILD)
    assert [t.id for t in found] == [] and total == 0


async def test_a_sign_up_never_approved_is_not_counted_as_a_talk_given(db, clock):
    outbox, _ = await _never_approved_past_talk(db, clock)
    record = await Archive(db, outbox, clock).speaker(GUILD, MODERATOR, SPEAKER)
    assert record.given == 0 and record.last is None


async def test_a_vote_on_a_sign_up_never_approved_is_refused(db, clock):
    # It never had a feedback post (plan() needs approval), but a custom id names any talk (podium/audience.py
    # refuses that for the 🔔 button); the ⭐ handler stores the vote.
    outbox, talk = await _never_approved_past_talk(db, clock)
    with pytest.raises(FeedbackError):
        await Feedback(db, outbox, clock).vote(talk_id=talk.id, user_id=FAN, guild_id=GUILD, stars=1)
    assert await db.fetchval("SELECT count(*) FROM feedback_votes") == 0


async def test_a_vote_before_the_talk_ended_is_refused(db, clock):
    # "When a talk ends ... How was X?": the talk is still running (its stage not ended), yet a vote is stored.
    outbox = Outbox(db)
    hooks = composed_hooks(outbox)
    await factories.add_guild(db, GUILD, announce_channel_id=555, feedback=1)
    talks = TalkService(db, outbox, clock, hooks)
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(hours=1), duration_minutes=60)
    clock.advance(timedelta(hours=1, minutes=1))  # one minute into a one-hour talk
    with pytest.raises(FeedbackError):
        await Feedback(db, outbox, clock).vote(talk_id=talk.id, user_id=FAN, guild_id=GUILD, stars=1)
    assert await db.fetchval("SELECT count(*) FROM feedback_votes") == 0


async def test_past_talks_are_found_by_a_german_word_typed_in_lower_case(db, clock):
    # "searchable by topic", German too: SQLite's lower() folds ASCII only, so "über" misses "Über Rust".
    now = clock.now()
    await factories.add_guild(db, GUILD)
    await factories.add_talk(db, topic="Über Rust und Ärger", starts_at=now - timedelta(days=2), state="done")
    found, total = await Archive(db, Outbox(db), clock).past(GUILD, query="über")
    assert total == 1 and [t.topic for t in found] == ["Über Rust und Ärger"]


# -- the rules of a link --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["https://[::1/slides", "http://[example.org/", "https://example.org]/x"])
def test_a_malformed_link_gets_a_clear_refusal_not_a_crash(url):
    # urllib raises ValueError ("Invalid IPv6 URL"): not a UserError, so the member gets a generic failure
    # instead of the clear ephemeral message with a valid example.
    with pytest.raises(UserError) as refused:
        validate_link(url)
    assert "slides:https://example.org/slides.pdf" in refused.value.text_for(i18n.ENGLISH)


@pytest.mark.parametrize("invisible", ["\u200b", "\u202e", "\ufeff", "\u00ad", "\u2060", "\u200e"])
def test_a_link_with_an_invisible_character_is_refused(invisible):
    # The refusal promises "no ... invisible characters"; zero-width, bidi overrides (U+202E turns
    # "…/gpj.exe" around) and the like are taken, and shown on Discord, in calendar files and on the web page.
    with pytest.raises(TalkError, match="invisible"):
        validate_link(f"https://example.org/slides{invisible}.pdf")


async def test_links_given_while_a_sign_up_waits_show_in_its_thread_once_it_is_approved(db, clock):
    # /schedule links on a held sign-up is taken (the reply says "The talk's thread shows them"), its post rightly
    # held back; but approving it emits talk_scheduled only, and the links post is planned on talk_links alone:
    # the approved talk's thread never gets its "📎 Slides and recording" post.
    outbox = Outbox(db)
    hooks = composed_hooks(outbox)
    await factories.add_guild(db, GUILD, announce_channel_id=555, log_channel_id=556)
    flow = Workflow(db, outbox, clock, hooks)
    await flow.configure(GUILD, approval=True, review_channel_id=558)
    talks = TalkService(db, outbox, clock, hooks)
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(days=3))
    await talks.set_links(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id,
                          slides="https://example.org/slides.pdf")
    approved = await flow.approve(talk_id=talk.id, actor=MODERATOR)
    assert approved.approval == "approved" and approved.slides_url == "https://example.org/slides.pdf"
    queued = await db.fetchall("SELECT state FROM outbox WHERE talk_id = ? AND kind = 'talk_links'", (talk.id,))
    assert [r["state"] for r in queued] == ["pending"]


async def test_no_presence_is_recorded_for_a_sign_up_never_approved(db, clock):
    # "For talks held in a stage or voice channel ... nothing else about members": a sign-up waiting for approval
    # is not held (no event, not announced), yet whoever sits in the events' voice channel in its window is recorded
    # against it (voice_seen selects state 'scheduled' whatever the approval).
    voice = 300
    outbox = Outbox(db)
    hooks = composed_hooks(outbox)
    await factories.add_guild(db, GUILD, announce_channel_id=555, log_channel_id=556, events_enabled=1,
                              events_entity_type=2, events_channel_id=voice)
    await Workflow(db, outbox, clock, hooks).configure(GUILD, approval=True, review_channel_id=558)
    talk = await TalkService(db, outbox, clock, hooks).add(
        guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Held back",
        starts_at=clock.now() + timedelta(hours=1))
    assert talk.approval == "pending"
    clock.advance(timedelta(hours=1, minutes=5))
    await Feedback(db, outbox, clock).voice_seen(guild_id=GUILD, channels={voice: {FAN}})
    assert await db.fetchval("SELECT count(*) FROM voice_presence") == 0
