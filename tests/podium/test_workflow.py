"""Approval of sign-ups and the speakers' confirmation (issue 23 §3, §4), on a real database and the real dispatcher."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from podium import audience, calendar_feed, housekeeping, weekly
from podium.audience import Audience, AudienceError
from podium.clock import to_ms
from podium.delivery import kinds
from podium.delivery.outbox import Outbox, OutboxMessage
from podium.delivery.render import RenderContext, render
from podium.errors import UserError
from podium.talk_model import TalkError, load_talk
from podium.talks import Actor, composed_hooks
from podium.workflow import Workflow
from tests import factories
from tests.podium.workflow_world import (
    ANNOUNCE,
    FAN,
    GUILD,
    LOG_CHANNEL,
    MEMBER,
    MOD,
    MODERATOR,
    REVIEW,
    SPEAKER,
    deliver_due,
    make_dispatcher,
    rows,
    sign_up,
    world,
)

# -- approval ------------------------------------------------------------------------------------------------------

async def test_a_members_sign_up_is_held_and_only_the_review_post_is_queued(db, clock):
    _, talks, _ = await world(db, clock)
    talk = await sign_up(talks, clock)
    assert talk.approval == "pending" and talk.state == "scheduled"  # it holds its time (a series slot)
    assert [(r["kind"], r["channel_id"]) for r in await rows(db, talk.id)] == [("talk_review", REVIEW)]


async def test_a_moderators_sign_up_is_approved_at_once(db, clock):
    _, talks, _ = await world(db, clock)
    talk = await sign_up(talks, clock, actor=MOD)
    assert talk.approval == "approved"
    assert "talk_review" not in {r["kind"] for r in await rows(db, talk.id)}
    assert "talk_announcement" in {r["kind"] for r in await rows(db, talk.id)}


async def test_with_approval_off_a_sign_up_is_approved(db, clock):
    _, talks, _ = await world(db, clock, approval=False)
    assert (await sign_up(talks, clock)).approval == "approved"


@pytest.mark.parametrize("spec", [s for s in kinds.all_specs() if s.talk_bound], ids=lambda s: s.name)
async def test_no_talk_bound_kind_is_planned_before_approval_and_each_is_after(spec, db, clock):
    outbox, talks, flow = await world(db, clock, confirm_hours=72)
    members = Audience(db, outbox, clock)
    talk = await sign_up(talks, clock)
    with pytest.raises(AudienceError, match="hasn't approved"):
        await members.join(talk_id=talk.id, user_id=FAN, guild_id=GUILD)
    # Every re-plan path goes through replan_talk_bound: a change of the held talk plans nothing either.
    await talks.edit(guild_id=GUILD, actor=MEMBER, talk_id=talk.id, topic="Rust 2")
    # (A moderator's move: the speaker's own would answer the question for the new time.)
    await talks.reschedule(guild_id=GUILD, actor=MOD, talk_id=talk.id, starts_at=talk.starts_at + timedelta(hours=1))
    assert not [r for r in await rows(db, talk.id) if r["kind"] == spec.name]
    await flow.approve(talk_id=talk.id, actor=MOD)
    await members.join(talk_id=talk.id, user_id=FAN, guild_id=GUILD)
    assert [r for r in await rows(db, talk.id, "pending") if r["kind"] == spec.name]


@pytest.mark.parametrize("spec", [s for s in kinds.all_specs() if s.only_while_scheduled], ids=lambda s: s.name)
async def test_no_message_about_a_talk_goes_out_while_it_is_not_approved(spec, db, clock):
    """The last look over every kind about a talk: a row of a held talk (however it got queued) is not sent."""
    outbox, talks, _ = await world(db, clock)
    talk = await sign_up(talks, clock, hours=2)
    async with db.transaction() as tx:
        await outbox.enqueue(tx, OutboxMessage(
            kind=spec.name, dedupe_key=f"forged:{spec.name}", due_at=clock.now(), target_type="channel",
            guild_id=GUILD, channel_id=ANNOUNCE, user_id=SPEAKER, talk_id=talk.id, payload=dict(spec.example),
            talk_start=talk.starts_at), now=clock.now())
    transport, engine = make_dispatcher(db, outbox, clock)
    [row] = [r for r in await outbox.claim_due(clock.now(), 100) if r.kind == spec.name]
    outcome = await engine.deliver(row)
    assert outcome.state == "cancelled" and "not approved" in (outcome.reason or "")
    assert transport.calls == []


async def test_nothing_lists_a_held_talk_but_its_speaker_and_moderators(db, clock):
    _, talks, flow = await world(db, clock)
    talk = await sign_up(talks, clock, hours=30)
    assert (await talks.upcoming(GUILD))[1] == 0  # the posted list, the export
    assert [t.id for t in (await talks.upcoming(GUILD, speaker_id=SPEAKER, pending=True))[0]] == [talk.id]
    assert (await weekly.summary_payload(db, GUILD, clock.now()))["talks"] == []
    calendars = calendar_feed.Calendars(db, clock)
    assert await calendars.talks_of(calendar_feed.Feed(token="x", guild_id=GUILD, user_id=None)) == []
    assert "Rust" in await flow.overview(GUILD, SPEAKER, moderator=False)
    assert "Rust" in await flow.overview(GUILD, MODERATOR, moderator=True)
    assert await flow.overview(GUILD, FAN, moderator=False) == ""
    await flow.decline(talk_id=talk.id, actor=MOD, reason="Full")
    assert await calendars.talks_of(calendar_feed.Feed(token="x", guild_id=GUILD, user_id=None)) == []


async def test_approving_makes_it_a_talk_like_any_other_and_tells_the_speaker(db, clock):
    _, talks, flow = await world(db, clock)
    talk = await sign_up(talks, clock)
    after = await flow.approve(talk_id=talk.id, actor=MOD)
    assert (after.approval, after.state) == ("approved", "scheduled")
    queued = {r["kind"] for r in await rows(db, talk.id, "pending")}
    assert {"talk_reminder", "talk_announcement", "scheduled_event", "approval_notice"} <= queued
    [notice] = [r for r in await rows(db, talk.id) if r["kind"] == "approval_notice"]
    assert (notice["user_id"], notice["target_type"]) == (SPEAKER, "dm")
    assert '"decision":"approved"' in notice["payload"]


async def test_declining_cancels_frees_its_time_and_tells_the_speaker_why(db, clock):
    _, talks, flow = await world(db, clock)
    talk = await sign_up(talks, clock)
    after = await flow.decline(talk_id=talk.id, actor=MOD, reason="This evening is full")
    assert (after.approval, after.state) == ("declined", "cancelled")
    # Nothing public about it, ever: no cancel notice to a channel, no event, no announcement.
    assert {r["kind"] for r in await rows(db, talk.id)} == {"talk_review", "approval_notice"}
    [notice] = [r for r in await rows(db, talk.id) if r["kind"] == "approval_notice"]
    assert "This evening is full" in notice["payload"]
    # Its time is free again: someone else can sign up for it.
    await talks.add(guild_id=GUILD, actor=Actor(FAN), speaker_id=FAN, topic="Go", starts_at=talk.starts_at)


async def test_only_moderators_decide_even_their_own_sign_up(db, clock):
    _, talks, flow = await world(db, clock)
    talk = await sign_up(talks, clock)
    for decide in (flow.approve(talk_id=talk.id, actor=MEMBER), flow.decline(talk_id=talk.id, actor=MEMBER)):
        with pytest.raises(TalkError, match="Only moderators"):
            await decide
    assert (await load_talk(db, talk.id)).approval == "pending"


async def test_two_decisions_at_once_exactly_one_wins(db, clock):
    _, talks, flow = await world(db, clock)
    talk = await sign_up(talks, clock)
    results = await asyncio.gather(flow.approve(talk_id=talk.id, actor=MOD),
                                   flow.decline(talk_id=talk.id, actor=Actor(4343, is_moderator=bool(4343))),
                                   flow.approve(talk_id=talk.id, actor=MOD), return_exceptions=True)
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, TalkError)]
    assert len(won) == 1 and len(lost) == 2
    assert "already" in str(lost[0])
    assert int(await db.fetchval("SELECT count(*) FROM talk_reviews")) == 1
    assert len([r for r in await rows(db, talk.id) if r["kind"] == "approval_notice"]) == 1


async def test_approval_needs_a_channel_to_review_in(db, clock):
    outbox = Outbox(db)
    await factories.add_guild(db, GUILD)
    flow = Workflow(db, outbox, clock, composed_hooks(outbox))
    with pytest.raises(UserError, match="review-channel"):
        await flow.configure(GUILD, approval=True)
    assert not (await flow.settings(GUILD)).approval  # nothing stored


# -- confirmation --------------------------------------------------------------------------------------------------

async def confirm_rows(db, talk_id):
    return [(r["kind"], r["state"], r["due_at_ms"]) for r in await rows(db, talk_id)
            if r["kind"] in ("speaker_confirmation", "confirmation_overdue")]


async def test_the_speaker_is_asked_at_the_lead_time_and_moderators_a_day_later(db, clock):
    _, talks, _ = await world(db, clock, approval=False, confirm_hours=72)
    talk = await sign_up(talks, clock, hours=100)
    ask = talk.starts_at - timedelta(hours=72)
    assert sorted(await confirm_rows(db, talk.id), key=lambda r: r[2]) == [
        ("speaker_confirmation", "pending", to_ms(ask)),
        ("confirmation_overdue", "pending", to_ms(ask + timedelta(days=1)))]


async def test_a_talk_made_within_the_lead_time_is_not_asked(db, clock):
    _, talks, _ = await world(db, clock, approval=False, confirm_hours=72)
    talk = await sign_up(talks, clock, hours=50)
    assert await confirm_rows(db, talk.id) == []


async def test_off_asks_nobody(db, clock):
    _, talks, _ = await world(db, clock, approval=False, confirm_hours=0)
    assert await confirm_rows(db, (await sign_up(talks, clock)).id) == []


async def test_yes_confirms_and_the_moderators_are_not_told(db, clock):
    _, talks, flow = await world(db, clock, approval=False)
    talk = await sign_up(talks, clock)
    await flow.confirm(talk_id=talk.id, user_id=SPEAKER)
    assert {state for kind, state, _ in await confirm_rows(db, talk.id) if kind == "confirmation_overdue"} == {
        "cancelled"}
    assert await flow.status(talk) == ["🎤 The speaker confirmed they will come."]
    with pytest.raises(TalkError, match="Only the speaker"):
        await flow.confirm(talk_id=talk.id, user_id=FAN)
    # A later edit re-plans the talk's kinds: the answer stands.
    await talks.edit(guild_id=GUILD, actor=MEMBER, talk_id=talk.id, topic="Rust 2")
    assert [r for r in await confirm_rows(db, talk.id) if r[1] == "pending"] == []


async def test_a_speakers_own_move_confirms_and_a_moderators_move_asks_again(db, clock):
    _, talks, _ = await world(db, clock, approval=False)
    talk = await sign_up(talks, clock)
    await talks.reschedule(guild_id=GUILD, actor=MEMBER, talk_id=talk.id, starts_at=talk.starts_at + timedelta(hours=2))
    assert [r for r in await confirm_rows(db, talk.id) if r[1] == "pending"] == []
    await talks.reschedule(guild_id=GUILD, actor=MOD, talk_id=talk.id, starts_at=talk.starts_at + timedelta(hours=4))
    assert {r[0] for r in await confirm_rows(db, talk.id) if r[1] == "pending"} == {
        "speaker_confirmation", "confirmation_overdue"}


async def test_no_answer_tells_the_log_channel(db, clock):
    outbox, talks, flow = await world(db, clock, approval=False)
    talk = await sign_up(talks, clock)
    clock.set(talk.starts_at - timedelta(hours=72))
    _, [asked] = await deliver_due(db, outbox, clock, "speaker_confirmation")
    assert asked.state == "sent"
    assert await flow.status(talk) == ["🎤 The speaker was asked to confirm; no answer yet."]
    clock.set(talk.starts_at - timedelta(hours=48))
    transport, [told] = await deliver_due(db, outbox, clock, "confirmation_overdue")
    assert told.state == "sent" and told.channel_id == LOG_CHANNEL
    [post] = [c for c in transport.posts() if "hasn't confirmed" in c[2]["content"]]
    assert "Ask them" in post[2]["content"]
    assert (await load_talk(db, talk.id)).state == "scheduled"
    assert await flow.status(talk) == ["⚠️ The speaker didn't confirm in time."]


async def test_no_answer_releases_the_talk_when_the_server_chose_so(db, clock):
    outbox, talks, _ = await world(db, clock, approval=False, release=True)
    talk = await sign_up(talks, clock)
    await Audience(db, outbox, clock).join(talk_id=talk.id, user_id=FAN, guild_id=GUILD)
    clock.set(talk.starts_at - timedelta(hours=72))
    _, [asked] = await deliver_due(db, outbox, clock, "speaker_confirmation")
    assert asked.state == "sent"  # only a question that reached the speaker can go unanswered
    clock.set(talk.starts_at - timedelta(hours=48))
    transport, [told] = await deliver_due(db, outbox, clock, "confirmation_overdue")
    assert told.state == "sent"
    assert "cancelled now" in transport.posts()[-1][2]["content"]
    after = await load_talk(db, talk.id)
    assert after.state == "cancelled"
    # The usual notices: the speaker, and the member who asked to be reminded.
    kinds_queued = {(r["kind"], r["user_id"]) for r in await rows(db, talk.id, "pending")}
    assert ("cancel_notice", SPEAKER) in kinds_queued
    assert (audience.ATTENDEE_NOTICE.name, FAN) in kinds_queued



# -- the review post stays true --------------------------------------------------------------------------------------

def review_body(talk, clock, **payload):
    ctx = RenderContext(kind="talk_review", payload=payload, talk=talk, due_at=clock.now(), now=clock.now())
    body = render(ctx, mention_user_id=None, kept_true=True)
    return body["content"], [c.get("disabled", False) for row in body["components"] for c in row["components"]]


async def test_the_review_post_shows_each_outcome_and_only_a_waiting_one_has_live_buttons(db, clock):
    waiting = factories.talk(topic="Rust", approval="pending")
    assert review_body(waiting, clock)[1] == [False, False]
    assert review_body(waiting, clock)[0].startswith("📝 Sign-up waiting for approval: **Rust**")
    approved = factories.talk(topic="Rust", approval="approved")
    assert review_body(approved, clock, decided_by=MODERATOR)[0].startswith(f"✅ Approved by <@{MODERATOR}>")
    declined = factories.talk(topic="Rust", approval="declined", state="cancelled")
    text, buttons = review_body(declined, clock, decided_by=MODERATOR, reason="Full")
    assert text.startswith(f"❌ Declined by <@{MODERATOR}>") and "Reason: **Full**" in text and buttons == [True, True]
    withdrawn = factories.talk(topic="Rust", approval="pending", state="cancelled")
    assert review_body(withdrawn, clock)[0].startswith("🚫 Withdrawn before a decision")
    # A moderator who asked to be forgotten is "a moderator".
    assert "Approved by a moderator" in review_body(approved, clock, decided_by=0)[0]


async def test_a_sign_up_withdrawn_while_waiting_edits_its_review_post(db, clock):
    outbox, talks, _ = await world(db, clock)
    talk = await sign_up(talks, clock)
    _, [posted] = await deliver_due(db, outbox, clock, "talk_review")
    assert posted.state == "sent" and posted.channel_id == REVIEW
    await talks.cancel(guild_id=GUILD, actor=MEMBER, talk_id=talk.id)
    assert [r["kind"] for r in await rows(db, talk.id, "pending")] == ["post_update"]  # nothing else, nothing public


async def test_a_new_lead_time_re_plans_the_upcoming_questions_and_zero_stops_them(db, clock):
    _, talks, flow = await world(db, clock, approval=False, confirm_hours=72)
    talk = await sign_up(talks, clock, hours=100)
    await flow.configure(GUILD, confirm_hours=24)
    pending = [r for r in await confirm_rows(db, talk.id) if r[1] == "pending"]
    assert ("speaker_confirmation", "pending", to_ms(talk.starts_at - timedelta(hours=24))) in pending
    await flow.configure(GUILD, confirm_hours=0)
    assert [r for r in await confirm_rows(db, talk.id) if r[1] == "pending"] == []


async def test_a_sign_up_never_decided_before_its_time_is_not_done_and_cannot_be_decided_late(db, clock):
    outbox, talks, flow = await world(db, clock)
    talk = await sign_up(talks, clock, hours=2)
    clock.set(talk.ends_at + timedelta(minutes=1))
    assert await housekeeping.tidy(db, outbox, clock.now()) == (0, 0)
    assert (await load_talk(db, talk.id)).state == "scheduled"  # never took place: no feedback, no archive
    with pytest.raises(TalkError, match="time has passed"):
        await flow.approve(talk_id=talk.id, actor=MOD)
