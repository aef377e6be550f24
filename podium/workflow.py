"""Sign-ups a moderator approves, and speakers confirming they will come (issue 23 §3 and §4).

Everything about both is here, by the recipe of docs/architecture.md: the server's choices (`workflow_settings`,
set by `/announce-settings talks`), the review post with Approve / Decline in the log or review channel (kept true
once decided), the speaker's DM with the decision, the question "are you still giving it?" a set time before each
talk (talk-bound: re-planned when the talk moves), and the log channel's line when it went unanswered (which may
also cancel the talk, with the usual notices, when the server chose so).

Nothing about a sign-up waiting for approval reaches anyone but its speaker and the moderators: the talk hooks run
only `while_pending` subscribers for it (podium/talks.py), talk-bound kinds are planned only for approved talks
(`talks.replan_talk_bound`), the lists everyone sees leave it out, and the dispatcher's last look stops a talk's
message while its talk is not approved. Approving it emits `talk_scheduled`: from then on it is a talk like any
other (announced, mirrored, reminded).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from db import Database, Transaction
from podium import components, i18n, posts, privacy, talks
from podium.clock import Clock, from_ms, to_ms
from podium.components import Click, Reply
from podium.consent import NOTICES, TALK_REMINDERS
from podium.delivery import kinds
from podium.delivery.outbox import Outbox, OutboxMessage, OutboxRow
from podium.delivery.render import RenderContext, Rendered, talk_of
from podium.errors import UserError
from podium.i18n import N_, Translator
from podium.markup import both_times, command, discord_time, quote, quote_clipped
from podium.preferences import load_guild, load_guild_name
from podium.talk_model import Talk, TalkError, load_talk
from podium.talks import Actor, TalkEvent, TalkHooks, authorize, replan_talk_bound

log = logging.getLogger(__name__)

privacy.holds_no_user_ids(
    "workflow_settings", "guild_id", "approval", "review_channel_id", "confirm_hours", "release_unconfirmed",
    why="a server's choices about sign-ups and confirmations",
)
privacy.holds_user_ids("talk_reviews", "decided_by", forget="anonymise",
                       why="the moderator who approved or declined a sign-up")
privacy.holds_no_user_ids("talk_reviews", "talk_id", "decision", "decided_at_ms", "reason",
                          why="what was decided about a talk, when, and the moderator's reason (text, shown inert)")
privacy.holds_no_user_ids("talk_confirmations", "talk_id", "start_ms", "state", "updated_at_ms",
                          why="whether a talk's speaker confirmed it: the talk's, kept with it")

DEFAULT_CONFIRM_HOURS = 72
# How long the speaker has to answer before moderators are told (at most half the lead, so a short lead still
# leaves time to act before the talk).
ANSWER_WITHIN = timedelta(days=1)
REASON_MAX = 300


@dataclass(frozen=True, slots=True)
class WorkflowSettings:
    """One server's choices (defaults when it never set any)."""

    guild_id: int
    approval: bool = False
    review_channel_id: int | None = None
    confirm_hours: int = DEFAULT_CONFIRM_HOURS  # 0: speakers are not asked
    release_unconfirmed: bool = False


async def load_settings(source: Database | Transaction, guild_id: int) -> WorkflowSettings:
    """The server's workflow settings."""
    row = await source.fetchone("SELECT * FROM workflow_settings WHERE guild_id = ?", (guild_id,))
    if row is None:
        return WorkflowSettings(guild_id)
    return WorkflowSettings(guild_id, bool(row["approval"]), row["review_channel_id"], int(row["confirm_hours"]),
                            bool(row["release_unconfirmed"]))


@talks.approval_rule
async def _held_for_approval(tx: Transaction, guild_id: int, actor: Actor) -> bool:
    # A moderator's own sign-ups (and those they make for others) are approved at once: they would approve them.
    return not actor.is_moderator and (await load_settings(tx, guild_id)).approval


async def _review_channel(tx: Database | Transaction, guild_id: int) -> int | None:
    settings = await load_settings(tx, guild_id)
    return settings.review_channel_id or (await load_guild(tx, guild_id)).log_channel_id


# -- the review post ------------------------------------------------------------------------------------------

APPROVE = components.declare("podium:review:approve")  # :talk id — answered by cogs/review.py (needs the roles)
DECLINE = components.declare("podium:review:decline")  # :talk id — opens DECLINE_MODAL
DECLINE_MODAL = components.declare("podium:review:decline-form")  # :talk id — the reason, sent


async def _prepare_review(db: Database, row: OutboxRow, now: datetime) -> dict[str, Any]:
    """Who decided the sign-up, and why, read when the post goes out or is edited."""
    review = await db.fetchone("SELECT decided_by, reason FROM talk_reviews WHERE talk_id = ?", (row.talk_id,))
    if review is None:
        return {}
    return {"decided_by": review["decided_by"], "reason": review["reason"] or ""}


def render_review(ctx: RenderContext) -> Rendered:
    """The review post as the talk is now: waiting (with Approve / Decline), or how it was decided (greyed out)."""
    talk, t = talk_of(ctx), ctx.t
    details = {"topic": quote_clipped(talk.topic, 400), "speaker": f"<@{talk.speaker_id}>",
               "minutes": talk.duration_minutes}
    by = ctx.payload.get("decided_by")
    by_whom = f"<@{by}>" if isinstance(by, int) and by != privacy.FORGOTTEN_USER else t._("a moderator")
    approve = components.button(t._("✅ Approve"), APPROVE, talk.id, style=components.SUCCESS)
    decline = components.button(t._("❌ Decline…"), DECLINE, talk.id, style=components.DANGER)
    if talk.approval == "pending" and talk.state == "scheduled":
        text = t._("📝 Sign-up waiting for approval: {topic} by {speaker}, {when}, {minutes} min.",
                   when=both_times(talk.starts_at), **details)
        if talk.description:
            text += "\n" + quote_clipped(talk.description, 1000)
        return Rendered(text, components=(components.row(approve, decline),))
    struck = f"~~{discord_time(talk.starts_at)}~~"
    if talk.approval == "declined":
        reason = ctx.payload.get("reason")
        text = t._("❌ Declined by {by}: {topic} by {speaker}, {when}.", by=by_whom, when=struck, **details)
        if isinstance(reason, str) and reason:
            text += " " + t._("Reason: {reason}", reason=quote(reason))
    elif talk.approval == "pending":
        text = t._("🚫 Withdrawn before a decision: {topic} by {speaker}, {when}.", when=struck, **details)
    elif talk.state == "cancelled":
        text = t._("✅ Approved by {by}, since cancelled: {topic} by {speaker}, {when}.", by=by_whom, when=struck,
                   **details)
    else:
        text = t._("✅ Approved by {by}: {topic} by {speaker}, {when}.", by=by_whom,
                   when=discord_time(talk.starts_at), **details)
    return Rendered(text, components=(components.row({**approve, "disabled": True}, {**decline, "disabled": True}),))


TALK_REVIEW = kinds.register(kinds.KindSpec(
    name="talk_review", render=render_review, consent=None, prepare=_prepare_review,
    # Edited when the sign-up is decided, moved or withdrawn: its buttons must not outlive the question.
    kept_true=render_review,
    label=N_("sign-up to approve"),
    example={"decided_by": 10**18, "reason": "*" * REASON_MAX},
))


# -- the speaker hears the decision -----------------------------------------------------------------------------

async def _prepare_decision(db: Database, row: OutboxRow, now: datetime) -> dict[str, Any]:
    return {"guild_name": await load_guild_name(db, row.guild_id)}


def render_decision(ctx: RenderContext) -> str:
    """The speaker's DM: approved (it is on the schedule now) or declined (with the moderator's reason)."""
    talk, t = talk_of(ctx), ctx.t
    name = ctx.payload.get("guild_name")
    where = t._(" at {server}", server=quote(name)) if isinstance(name, str) and name else ""
    if ctx.payload.get("decision") == "approved":
        return t._("✅ Your talk {topic}{where} on {when} was approved: it is on the schedule now, and you'll be "
                   "reminded before it.", topic=quote(talk.topic), where=where, when=both_times(talk.starts_at))
    reason = ctx.payload.get("reason")
    if isinstance(reason, str) and reason:
        return t._("❌ Your sign-up {topic}{where} on {when} was declined: {reason}", topic=quote(talk.topic),
                   where=where, when=discord_time(talk.starts_at), reason=quote(reason))
    return t._("❌ Your sign-up {topic}{where} on {when} was declined.", topic=quote(talk.topic), where=where,
               when=discord_time(talk.starts_at))


APPROVAL_NOTICE = kinds.register(kinds.KindSpec(
    name="approval_notice", render=render_decision, consent=NOTICES, recipient="speaker",
    prepare=_prepare_decision, label=N_("approval notice"),
    example={"decision": "declined", "reason": "*" * REASON_MAX, "guild_name": "_" * 100},
))


# -- "Are you still giving it?" --------------------------------------------------------------------------------

async def _confirmation(source: Database | Transaction, talk: Talk) -> str | None:
    """The speaker's answer about the talk's current start: 'asked', 'confirmed', 'unanswered' or None."""
    row = await source.fetchone("SELECT state FROM talk_confirmations WHERE talk_id = ? AND start_ms = ?",
                                (talk.id, to_ms(talk.starts_at)))
    return None if row is None else str(row["state"])


async def _record(tx: Transaction, talk: Talk, state: str, now: datetime) -> None:
    await tx.execute(
        "INSERT INTO talk_confirmations (talk_id, start_ms, state, updated_at_ms) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (talk_id) DO UPDATE SET start_ms = excluded.start_ms, state = excluded.state,"
        " updated_at_ms = excluded.updated_at_ms",
        (talk.id, to_ms(talk.starts_at), state, to_ms(now)),
    )


def _ask_at(talk: Talk, settings: WorkflowSettings) -> datetime | None:
    if settings.confirm_hours <= 0:
        return None
    return talk.starts_at - timedelta(hours=settings.confirm_hours)


def answer_within(settings: WorkflowSettings) -> timedelta:
    """How long a speaker has to answer: a day, at most half the lead (what the settings reply tells moderators)."""
    return min(ANSWER_WITHIN, timedelta(hours=settings.confirm_hours) / 2)


def _overdue_at(talk: Talk, settings: WorkflowSettings) -> datetime | None:
    ask = _ask_at(talk, settings)
    return None if ask is None else ask + answer_within(settings)


async def plan_ask(tx: Transaction, talk: Talk, now: datetime) -> list[OutboxMessage]:
    """The question, at the server's lead time before the talk, unless answered for this start already.

    A talk added (or moved) less than the lead time ahead is not asked: whoever did it has just committed to the
    time, and a question at once would ask what they just answered. Moderators still see it unasked.
    """
    ask = _ask_at(talk, await load_settings(tx, talk.guild_id))
    if ask is None or ask <= now or await _confirmation(tx, talk) is not None:
        return []
    # Keyed by speaker too: a talk given to someone else asks its new speaker, though the old one was asked.
    key = f"talk:{talk.id}:confirm:{to_ms(talk.starts_at)}:{talk.speaker_id}"
    return [OutboxMessage(kind=SPEAKER_CONFIRMATION.name, dedupe_key=key, due_at=ask, target_type="dm",
                          guild_id=talk.guild_id, user_id=talk.speaker_id, talk_id=talk.id,
                          talk_start=talk.starts_at)]


async def _prepare_ask(db: Database, row: OutboxRow, now: datetime) -> dict[str, Any]:
    return {"guild_name": await load_guild_name(db, row.guild_id)}


def render_ask(ctx: RenderContext) -> Rendered:
    """The question, with ✅ Yes, and the speaker's usual 📅 Reschedule… and ❌ Cancel… forms."""
    talk, t = talk_of(ctx), ctx.t
    name = ctx.payload.get("guild_name")
    where = t._(" at {server}", server=quote(name)) if isinstance(name, str) and name else ""
    return Rendered(
        t._("🎤 Are you still giving {topic}{where} on {when}?", topic=quote(talk.topic), where=where,
            when=both_times(talk.starts_at)),
        components=(components.row(
            components.button(t._("✅ Yes"), STILL_YES, talk.id, style=components.SUCCESS),
            components.button(t._("📅 Move…"), components.MOVE, talk.id),
            components.button(t._("❌ Cancel…"), components.CANCEL, talk.id, style=components.DANGER),
        ),),
    )


async def _asked(sent: kinds.SentContext) -> None:
    talk = await load_talk(sent.tx, sent.row.talk_id or 0)
    if talk is not None and await _confirmation(sent.tx, talk) is None:
        await _record(sent.tx, talk, "asked", sent.now)


async def still_giving(click: Click) -> Reply:
    """✅ Yes: the speaker will come; moderators will not be told otherwise."""
    talk = await click.services.workflow.confirm(talk_id=click.id.numbers[0], user_id=click.user_id)
    t = i18n.translator(click.locale)
    return Reply(t._("✅ Thanks! {topic} on {when} is confirmed.", topic=quote(talk.topic),
                     when=discord_time(talk.starts_at)))


STILL_YES = components.declare("podium:still:yes", handler=still_giving)  # :talk id

SPEAKER_CONFIRMATION = kinds.register(kinds.KindSpec(
    name="speaker_confirmation", render=render_ask, consent=TALK_REMINDERS, recipient="speaker",
    talk_bound=True, plan=plan_ask, prepare=_prepare_ask, on_sent=_asked,
    expiry=lambda message: message.talk_start,
    label=N_("question to the speaker: still coming?"),
    example={"guild_name": "_" * 100},
))


# -- no answer: the moderators are told -------------------------------------------------------------------------

async def plan_overdue(tx: Transaction, talk: Talk, now: datetime) -> list[OutboxMessage]:
    """The log channel's line (and the release), a day after the question (at most half the lead), unless answered."""
    settings = await load_settings(tx, talk.guild_id)
    ask, due = _ask_at(talk, settings), _overdue_at(talk, settings)
    if ask is None or due is None or due <= now:
        return []
    answer = await _confirmation(tx, talk)
    # Asked at once is never planned (plan_ask): no question, no missing answer.
    if answer in ("confirmed", "unanswered") or (answer is None and ask <= now):
        return []
    # Planned with or without a log channel: the release (when the server chose it) is done when the line is due,
    # and a server with no log channel to tell is still told by its settings that an unanswered talk is released.
    # Without a channel the line has nowhere to go: it is skipped, and `_overdue_undelivered` does what it said.
    channel = (await load_guild(tx, talk.guild_id)).log_channel_id
    return [OutboxMessage(kind=CONFIRMATION_OVERDUE.name,
                          dedupe_key=f"talk:{talk.id}:confirm-overdue:{to_ms(talk.starts_at)}:{talk.speaker_id}",
                          due_at=due,
                          target_type="channel", guild_id=talk.guild_id, channel_id=channel, talk_id=talk.id,
                          talk_start=talk.starts_at)]


async def _prepare_overdue(db: Database | Transaction, row: OutboxRow, now: datetime) -> dict[str, Any]:
    # Read when it goes out: the line says what happens, and the on-sent step does what it said. Whether the
    # question reached the speaker at all: it goes with their consent to talk reminders (and may find no way to
    # them), and one who was never asked has nothing to answer: they are neither "unconfirmed" nor released.
    talk = await load_talk(db, row.talk_id or 0)
    asked = talk is not None and await _confirmation(db, talk) == "asked"
    return {"release": (await load_settings(db, row.guild_id or 0)).release_unconfirmed, "asked": asked}


# While the question itself still waits to go (both fell due during downtime), the line looks again this soon.
QUESTION_WAIT = timedelta(seconds=5)


async def _overdue_not_before(db: Database, row: OutboxRow, now: datetime) -> datetime | None:
    """The line waits for its question: the speaker gets the answer window after it actually reached them.

    The window as planned (a day, at most half the lead), counted from the delivery: at most half the time that was
    left before the talk then, so a question delivered late still leaves moderators time to act.

    After downtime the question and the line can fall due together; sent first (they go to different targets, at
    once), the line would tell moderators the speaker "could not be asked" while the question is on its way.
    """
    question_key = row.dedupe_key.replace(":confirm-overdue:", ":confirm:", 1)
    question = await db.fetchone("SELECT state, sent_at_ms FROM outbox WHERE dedupe_key = ?", (question_key,))
    if question is None:
        return None
    if question["state"] in ("pending", "sending"):
        return now + QUESTION_WAIT
    if question["state"] != "sent" or question["sent_at_ms"] is None:
        return None  # never reached them (opted out, no way to them): the line says so now
    sent, window = from_ms(question["sent_at_ms"]), answer_within(await load_settings(db, row.guild_id or 0))
    if row.talk_start is not None:
        window = min(window, (row.talk_start - sent) / 2)  # as planned: half the lead left, time to act before it
    return sent + window


def render_overdue(ctx: RenderContext) -> str:
    """The moderators' line (speaker named, not pinged)."""
    talk, t = talk_of(ctx), ctx.t
    if ctx.payload.get("asked") is False:
        return t._("⚠️ {speaker} could not be asked whether they are still giving {topic} on {when} (their "
                   "settings don't let Podium ask them). It stays on the schedule: ask them yourselves, or cancel "
                   "it with {command}.", speaker=f"<@{talk.speaker_id}>", topic=quote(talk.topic),
                   when=discord_time(talk.starts_at), command=command("schedule cancel"))
    text = t._("⚠️ {speaker} hasn't confirmed they are still giving {topic} on {when}.",
               speaker=f"<@{talk.speaker_id}>", topic=quote(talk.topic), when=discord_time(talk.starts_at))
    if ctx.payload.get("release") is True:
        return text + " " + t._("It is cancelled now, with the usual notices, and its time is free again.")
    return text + " " + t._("Ask them, or cancel it with {command}.", command=command("schedule cancel"))


async def _went_unanswered(tx: Transaction, row: OutboxRow, payload: dict[str, Any], outbox: Outbox,
                           now: datetime) -> None:
    """The question is unanswered now: recorded, and the talk released if the server chose so."""
    talk = await load_talk(tx, row.talk_id or 0)
    if talk is None or talk.state != "scheduled" or payload.get("asked") is False:
        return
    if await _confirmation(tx, talk) != "asked":
        return  # answered (or given to another speaker) while the line went out: nothing went unanswered
    await _record(tx, talk, "unanswered", now)
    if payload.get("release") is True and talk.starts_at > now:
        # Cancelled as any talk is (notices, its event, its posts, a series slot freed), in this transaction: the
        # line that says so and the cancellation commit together. Podium itself acts: no one is named.
        changed = await tx.fetchrow(
            "UPDATE talks SET state = 'cancelled', updated_by = ?, updated_at_ms = ?, sequence = sequence + 1"
            " WHERE id = ? RETURNING *",
            (privacy.FORGOTTEN_USER, to_ms(now), talk.id),
        )
        after = Talk.from_db(changed)
        hooks = talks.composed_hooks(outbox)
        await hooks.emit(tx, TalkEvent("talk_cancelled", talk, after, Actor(privacy.FORGOTTEN_USER), now))
        log.info("talk %d cancelled: its speaker did not confirm", talk.id)


async def _overdue_sent(sent: kinds.SentContext) -> None:
    await _went_unanswered(sent.tx, sent.row, sent.payload, sent.outbox, sent.now)


async def _overdue_undelivered(ctx: kinds.UndeliveredContext) -> None:
    # No log channel (or one gone): nobody could be told, but the deadline passed all the same. What the server
    # chose (release) does not wait on a line being posted; read now, as the line would have read it.
    payload = await _prepare_overdue(ctx.tx, ctx.row, ctx.now)
    await _went_unanswered(ctx.tx, ctx.row, payload, ctx.outbox, ctx.now)


CONFIRMATION_OVERDUE = kinds.register(kinds.KindSpec(
    name="confirmation_overdue", render=render_overdue, consent=None, talk_bound=True, plan=plan_overdue,
    prepare=_prepare_overdue, not_before=_overdue_not_before, on_sent=_overdue_sent,
    on_undelivered=_overdue_undelivered,
    expiry=lambda message: message.talk_start,
    # For moderators only: never the public announcement channel, even with no log channel to go to.
    announce_fallback=False,
    label=N_("unconfirmed talk, told to moderators"),
    example={"release": True, "asked": True},
))
CONFIRM_KINDS = (SPEAKER_CONFIRMATION, CONFIRMATION_OVERDUE)


# -- the talk's changes -----------------------------------------------------------------------------------------

@talks.subscribes
def subscribe(hooks: TalkHooks, outbox: Outbox) -> TalkHooks:
    """The review post for a held sign-up; it is kept true while it waits; a speaker's own move confirms."""

    @hooks.subscribe("talk_scheduled", while_pending=True)
    async def ask_for_review(tx: Transaction, event: TalkEvent) -> None:
        talk = event.after
        if talk.approval != "pending":
            return
        channel = await _review_channel(tx, talk.guild_id)
        if channel is None:
            return  # the setting asks for a channel; one cleared since leaves /schedule list to show it
        await outbox.enqueue(tx, OutboxMessage(
            kind=TALK_REVIEW.name, dedupe_key=f"talk:{talk.id}:review", due_at=event.now, target_type="channel",
            guild_id=talk.guild_id, channel_id=channel, talk_id=talk.id), now=event.now)

    @hooks.subscribe("talk_rescheduled", "talk_edited", "talk_cancelled", while_pending=True)
    async def keep_review_true(tx: Transaction, event: TalkEvent) -> None:
        # An approved talk's posts (this one too) are kept true by podium/posts.py; a held one's only here.
        if event.after.approval != "approved":
            await posts.queue_updates(tx, outbox, event.after, event.now)

    @hooks.subscribe("talk_rescheduled")
    async def moved_by_its_speaker(tx: Transaction, event: TalkEvent) -> None:
        # Moving it themselves (the question's 📅 Move… too) answers the question for the new time.
        talk = event.after
        if event.actor.user_id == talk.speaker_id:
            await _record(tx, talk, "confirmed", event.now)
            await replan_talk_bound(tx, outbox, talk, event.now, CONFIRM_KINDS)

    @hooks.subscribe("talk_edited")
    async def given_to_another_speaker(tx: Transaction, event: TalkEvent) -> None:
        # The old speaker's answer was theirs: the new one is asked in their turn (unless they gave it to
        # themselves, which answers it), and until then nobody has confirmed.
        talk, before = event.after, event.before
        if before is None or before.speaker_id == talk.speaker_id:
            return
        await tx.execute("DELETE FROM talk_confirmations WHERE talk_id = ?", (talk.id,))
        if event.actor.user_id == talk.speaker_id:
            await _record(tx, talk, "confirmed", event.now)
        await replan_talk_bound(tx, outbox, talk, event.now, CONFIRM_KINDS)

    return hooks


# -- the service ------------------------------------------------------------------------------------------------

class Workflow:
    """Settings, approving and declining sign-ups, the speaker's answer, and what moderators see of them."""

    def __init__(self, db: Database, outbox: Outbox, clock: Clock, hooks: TalkHooks) -> None:
        self.db = db
        self.outbox = outbox
        self.clock = clock
        self.hooks = hooks

    async def settings(self, guild_id: int) -> WorkflowSettings:
        """The server's settings."""
        return await load_settings(self.db, guild_id)

    async def configure(
        self, guild_id: int, *, approval: bool | None = None, review_channel_id: int | None = None,
        confirm_hours: int | None = None, release_unconfirmed: bool | None = None,
    ) -> WorkflowSettings:
        """Store the given choices; a new lead time re-plans the questions of the upcoming talks."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            current = await load_settings(tx, guild_id)
            new = WorkflowSettings(
                guild_id,
                current.approval if approval is None else approval,
                current.review_channel_id if review_channel_id is None else review_channel_id,
                current.confirm_hours if confirm_hours is None else confirm_hours,
                current.release_unconfirmed if release_unconfirmed is None else release_unconfirmed,
            )
            if not 0 <= new.confirm_hours <= 720:
                raise UserError(N_("Give `confirm-hours` from 0 (don't ask) to 720. Example: `confirm-hours:72`"))
            if new.approval and new.review_channel_id is None and (await load_guild(tx, guild_id)).log_channel_id \
                    is None:
                raise UserError(N_("Approval needs a channel where moderators see the sign-ups: give "
                                   "`review-channel`, or set a log channel with {command} first. "
                                   "Example: `approval:True review-channel:#mods`"),
                                command=command("announce-settings log-channel"))
            await tx.execute(
                "INSERT INTO workflow_settings (guild_id, approval, review_channel_id, confirm_hours,"
                " release_unconfirmed) VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET"
                " approval = excluded.approval, review_channel_id = excluded.review_channel_id,"
                " confirm_hours = excluded.confirm_hours, release_unconfirmed = excluded.release_unconfirmed",
                (guild_id, int(new.approval), new.review_channel_id, new.confirm_hours, int(new.release_unconfirmed)),
            )
            if new.confirm_hours != current.confirm_hours:
                await talks.replan_guild_talks(tx, self.outbox, guild_id, now, CONFIRM_KINDS)
        return new

    async def _decide(self, talk_id: int, actor: Actor, decision: str, reason: str | None) -> Talk:
        now = self.clock.now()
        async with self.db.transaction() as tx:
            before = await load_talk(tx, talk_id)
            if before is None:
                raise TalkError(N_("I can't find that talk."))
            authorize(actor, "approve" if decision == "approved" else "decline", before)
            if before.approval != "pending":
                # The first decision wins; a second click (or a second moderator at the same moment) is told.
                review = await tx.fetchone("SELECT decided_by FROM talk_reviews WHERE talk_id = ?", (talk_id,))
                by = f"<@{review['decided_by']}>" if review is not None else "Podium"
                if before.approval == "approved":
                    raise TalkError(N_("{topic} was already approved by {by}."), topic=quote(before.topic), by=by)
                raise TalkError(N_("{topic} was already declined by {by}."), topic=quote(before.topic), by=by)
            if before.state != "scheduled" or before.starts_at <= now:
                raise TalkError(N_("{topic} was withdrawn or its time has passed: nothing to decide."),
                                topic=quote(before.topic))
            # BEGIN IMMEDIATE serialises deciders; `approval = 'pending'` makes the write itself refuse a second.
            # Declined is cancelled too: its time (a series slot) is free again.
            row = await tx.fetchrow(
                "UPDATE talks SET approval = ?, state = CASE WHEN ? = 'declined' THEN 'cancelled' ELSE state END,"
                " updated_by = ?, updated_at_ms = ?, sequence = sequence + 1"
                " WHERE id = ? AND approval = 'pending' RETURNING *",
                (decision, decision, actor.user_id, to_ms(now), talk_id),
            )
            after = Talk.from_db(row)
            await tx.execute(
                "INSERT INTO talk_reviews (talk_id, decision, decided_by, decided_at_ms, reason)"
                " VALUES (?, ?, ?, ?, ?)",
                (talk_id, decision, actor.user_id, to_ms(now), reason),
            )
            if decision == "approved":
                # From now on a talk like any other: planned, announced, mirrored (every subscriber hears it).
                await self.hooks.emit(tx, TalkEvent("talk_scheduled", None, after, actor, now))
                await posts.queue_updates(tx, self.outbox, after, now)
            else:
                # Its time (a series slot) is free again; only the held-talk subscribers hear of it.
                await self.hooks.emit(tx, TalkEvent("talk_cancelled", before, after, actor, now, reason))
            await self.outbox.enqueue(tx, OutboxMessage(
                kind=APPROVAL_NOTICE.name, dedupe_key=f"talk:{talk_id}:decision", due_at=now, target_type="dm",
                guild_id=after.guild_id, user_id=after.speaker_id, talk_id=talk_id,
                payload={"decision": decision, "reason": reason or ""}), now=now)
        log.info("talk %d %s by %d", talk_id, decision, actor.user_id)
        return after

    async def approve(self, *, talk_id: int, actor: Actor) -> Talk:
        """Approve a held sign-up (moderators)."""
        return await self._decide(talk_id, actor, "approved", None)

    async def decline(self, *, talk_id: int, actor: Actor, reason: str | None = None) -> Talk:
        """Decline a held sign-up (moderators), with an optional reason told to the speaker."""
        return await self._decide(talk_id, actor, "declined", (reason or "").strip()[:REASON_MAX] or None)

    async def check_decider(self, talk_id: int, actor: Actor) -> Talk:
        """Before the Decline form: the talk exists and the clicker may decide it."""
        talk = await load_talk(self.db, talk_id)
        if talk is None:
            raise TalkError(N_("I can't find that talk."))
        authorize(actor, "decline", talk)
        return talk

    async def confirm(self, *, talk_id: int, user_id: int) -> Talk:
        """The speaker's ✅ Yes: confirmed for the talk's current start; the moderators' line is dropped."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            talk = await load_talk(tx, talk_id)
            if talk is None or talk.state != "scheduled" or talk.starts_at <= now:
                raise TalkError(N_("That talk is no longer scheduled; nothing to confirm."))
            authorize(Actor(user_id), "confirm", talk)
            await _record(tx, talk, "confirmed", now)
            await self.outbox.cancel_pending(tx, now=now, reason="the speaker confirmed", talk_id=talk.id,
                                             kinds=[CONFIRMATION_OVERDUE.name])
        return talk

    async def status(self, talk: Talk, t: Translator = i18n.ENGLISH) -> list[str]:
        """Lines for /schedule info (speaker and moderators): the approval and the speaker's answer."""
        lines = []
        review = await self.db.fetchone("SELECT decided_by, reason FROM talk_reviews WHERE talk_id = ?", (talk.id,))
        if talk.approval == "pending":
            lines.append(t._("⏳ Waiting for a moderator's approval."))
        elif talk.approval == "declined":
            lines.append(t._("❌ Declined by {by}.", by=f"<@{review['decided_by']}>" if review else "Podium"))
        answer = await _confirmation(self.db, talk)
        if answer is not None:
            lines.append(confirmation_line(answer, t))
        return lines

    async def overview(self, guild_id: int, user_id: int, moderator: bool, t: Translator = i18n.ENGLISH) -> str:
        """What only this member sees beside /schedule list ("" when nothing).

        Sign-ups waiting for approval (theirs, or all of them for moderators) and, for moderators, the speakers'
        answers.
        """
        now_ms = to_ms(self.clock.now())
        waiting = await self.db.fetchall(
            "SELECT * FROM talks WHERE guild_id = ? AND state = 'scheduled' AND approval = 'pending'"
            " AND starts_at_ms > ? AND (? OR speaker_id = ?) ORDER BY starts_at_ms LIMIT 20",
            (guild_id, now_ms, int(moderator), user_id),
        )
        lines = [t._("⏳ {topic} by {speaker}, {when}: waiting for approval.", topic=quote_clipped(r["topic"], 100),
                     speaker=f"<@{r['speaker_id']}>", when=discord_time(from_ms(r["starts_at_ms"])))
                 for r in waiting]
        if moderator:
            answers = await self.db.fetchall(
                "SELECT t.topic, t.speaker_id, t.starts_at_ms, c.state FROM talk_confirmations AS c"
                " JOIN talks AS t ON t.id = c.talk_id AND t.starts_at_ms = c.start_ms"
                " WHERE t.guild_id = ? AND t.state = 'scheduled' AND t.starts_at_ms > ?"
                " ORDER BY t.starts_at_ms LIMIT 20",
                (guild_id, now_ms),
            )
            lines += [f"{quote_clipped(r['topic'], 100)} ({discord_time(from_ms(r['starts_at_ms']), 'f')}): "
                      + confirmation_line(r["state"], t) for r in answers]
        if not lines:
            return ""
        return "\n".join([t._("Only you see this:"), *(f"• {line}" for line in lines)])[:2000]


def confirmation_line(answer: str, t: Translator) -> str:
    """The speaker's answer in words."""
    if answer == "confirmed":
        return t._("🎤 The speaker confirmed they will come.")
    if answer == "asked":
        return t._("🎤 The speaker was asked to confirm; no answer yet.")
    return t._("⚠️ The speaker didn't confirm in time.")
