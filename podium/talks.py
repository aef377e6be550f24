"""Talks: sign-up rules, permissions, and the hooks that plan reminders and notices in the same transaction."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from db import Database, Transaction, fold
from podium import components, privacy, weekly
from podium.clock import Clock, from_ms, to_ms
from podium.consent import NOTICES, TALK_REMINDERS, allows
from podium.cooldown import Cooldown
from podium.delivery import kinds
from podium.delivery.outbox import Outbox, OutboxMessage, OutboxRow
from podium.delivery.render import RenderContext, Rendered, need, talk_of
from podium.i18n import N_, Translator
from podium.markup import both_times, command, discord_time, quote, quote_clipped
from podium.preferences import effective_reminders, load_guild, load_guild_name, load_user
from podium.talk_model import (
    DURATION_RANGE,
    LINK_EXAMPLE,
    Talk,
    TalkError,
    load_talk,
    validate_description,
    validate_duration,
    validate_link,
    validate_start,
    validate_topic,
)

log = logging.getLogger(__name__)

# The talks a member gives stay after forget-me (the command says so): the audience expects them. Who made or last
# changed someone else's talk is forgotten.
privacy.holds_user_ids("talks", "speaker_id", forget="keep", why="the talks they give stay, as forget-me says")
_NOT_THEIR_TALK = "speaker_id = :user"
privacy.holds_user_ids("talks", "created_by", forget="anonymise", unless=_NOT_THEIR_TALK,
                       why="who added someone else's talk")
privacy.holds_user_ids("talks", "updated_by", forget="anonymise", unless=_NOT_THEIR_TALK,
                       why="who last changed someone else's talk")
privacy.holds_no_user_ids(
    "talks", "id", "guild_id", "topic", "starts_at_ms", "duration_minutes", "state", "thread_id", "announced",
    "created_at_ms", "updated_at_ms", "sequence", "speaker_name", "description", "event_id", "approval",
    "seat_limit", "slides_url", "recording_url",
    # speaker_name is the speaker's display name, which stays with the talks they give (speaker_id: "keep").
    why="the talk: its server, text, time, thread and event; the speaker's name stays with the talk",
)

MAX_UPCOMING_PER_SPEAKER = 5
# A talk's changes are told to the channel, and to its speaker by DM, at most this often: thirty moves (a moderator's
# bulk changes, drags in Discord's Events UI) are one notice of the net change, not thirty messages.
NOTICE_EVERY = timedelta(minutes=10)
# A held notice still goes this long before the talk starts (see _before_the_start).
NOTICE_HOLD = timedelta(minutes=1)
_LONGEST_MS = DURATION_RANGE[1] * 60_000
# A series evening at its longest (podium/series.py: 10 slots of 240 minutes); a literal, as series imports this.
_LONGEST_EVENING_MS = 10 * 240 * 60_000
# The reason Podium gives when it follows a talk's Discord Event cancelled in Discord (podium/scheduled_events.py):
# not the speaker's words, and English; notices say "cancelled in Discord's Events" in the reader's language instead.
CANCELLED_IN_DISCORD = "cancelled in Discord's Events"

EventName = Literal["talk_scheduled", "talk_rescheduled", "talk_cancelled", "talk_edited", "talk_links"]
# Every way a talk changes, as `authorize` knows it: "add" names a speaker (someone else's needs a moderator),
# "edit" is topic, length or description, "give" a new speaker, "import" a hand-made event made a talk; "approve" and
# "decline" decide a sign-up waiting for approval, "confirm" is the speaker saying they will still come
# (podium/workflow.py); "links" its slides and recording (podium/archive.py).
Action = Literal["add", "reschedule", "cancel", "edit", "give", "import", "approve", "decline", "confirm", "links"]
ACTIONS: tuple[Action, ...] = ("add", "reschedule", "cancel", "edit", "give", "import", "approve", "decline",
                               "confirm", "links")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: moderators (Manage Events, Manage Server or the moderator role) may act for anyone."""

    user_id: int
    is_moderator: bool = False


def refusal(
    actor: Actor, action: Action, talk: Talk | None = None, *, speaker_id: int | None = None
) -> TalkError | None:
    """Podium's one rule for who may change a talk: None when `actor` may do `action`, else the reason.

    The talk's speaker, or a server-wide moderator (Manage Server, Manage Events, Administrator or the moderator
    role, from server-wide roles only: `Actor.is_moderator`). Adding names the speaker (`speaker_id`) instead of
    a talk; giving a talk away and importing an event are for moderators only.
    """
    if actor.is_moderator:
        return None
    if action == "add":
        if speaker_id is None or speaker_id == actor.user_id:
            return None
        return TalkError(N_("Only moderators can sign someone else up. Leave out `speaker` to sign yourself up."))
    if action == "give":
        return TalkError(N_("Only moderators can give a talk to another speaker; ask one, or cancel yours."))
    if action == "import":
        return TalkError(
            N_("Only moderators (Manage Events, Manage Server or the moderator role) can import events.")
        )
    if action in ("approve", "decline"):
        # Deciding one's own sign-up would make approval pointless: moderators only, even for their own talk.
        return TalkError(
            N_("Only moderators (Manage Events, Manage Server or the moderator role) can approve or decline "
               "sign-ups.")
        )
    if talk is not None and talk.speaker_id == actor.user_id:
        return None
    return TalkError(
        N_("Only the speaker or a moderator (Manage Events, Manage Server or the moderator role) "
           "can change this talk.")
    )


def authorize(actor: Actor, action: Action, talk: Talk | None = None, *, speaker_id: int | None = None) -> None:
    """Raise the reason (a TalkError) unless `actor` may do `action` to `talk`; every door to a change calls it."""
    reason = refusal(actor, action, talk, speaker_id=speaker_id)
    if reason is not None:
        raise reason


@dataclass(frozen=True, slots=True)
class TalkEvent:
    """A change to a talk, seen by every subscriber inside the change's transaction."""

    name: EventName
    before: Talk | None
    after: Talk
    actor: Actor
    now: datetime
    reason: str | None = None


Subscriber = Callable[[Transaction, TalkEvent], Awaitable[None]]


class TalkHooks:
    """A small event registry. New behaviour (calendar sync...) is a new subscriber, not an edit of the cog."""

    def __init__(self) -> None:
        # Each subscriber with whether it also hears of talks that were never approved (`while_pending`).
        self._subscribers: dict[EventName, list[tuple[Subscriber, bool]]] = {
            "talk_scheduled": [],
            "talk_rescheduled": [],
            "talk_cancelled": [],
            "talk_edited": [],  # topic, length, description or speaker (not the time: that is a reschedule)
            "talk_links": [],  # its slides and recording links (podium/archive.py), before or after it took place
        }

    def subscribe(self, *names: EventName, while_pending: bool = False) -> Callable[[Subscriber], Subscriber]:
        """Decorator: run the function for these events, in registration order.

        A sign-up waiting for approval (or declined) is nobody's business but its speaker's and the moderators':
        its changes reach only subscribers that ask for them (`while_pending`, podium/workflow.py's review post).
        Approving it emits `talk_scheduled`, and from then on every subscriber hears of it as of any talk.
        """

        def register(fn: Subscriber) -> Subscriber:
            for name in names:
                self._subscribers[name].append((fn, while_pending))
            return fn

        return register

    async def emit(self, tx: Transaction, event: TalkEvent) -> None:
        """Run every subscriber in the caller's transaction: if one fails, the change and its messages roll back."""
        never_approved = event.after.approval != "approved" and (
            event.before is None or event.before.approval != "approved")
        for subscriber, while_pending in self._subscribers[event.name]:
            if while_pending or not never_approved:
                await subscriber(tx, event)


@dataclass(frozen=True, slots=True)
class Told:
    """Who hears of a change besides the person who made it (their confirmation says so)."""

    speaker: bool  # the speaker, by DM (not when they made the change)
    attendees: int  # members who asked to be reminded of the talk
    channel: bool  # the announcement channel (the talk had been announced there)


async def who_is_told(db: Database, talk: Talk, actor: Actor) -> Told:
    """Who is told of a move or cancellation of `talk` (as it is after the change) that `actor` made.

    Read from what the change actually queued, and from the readers' own consent: a notice dropped (moved back
    before anyone heard) or one its reader stopped is not "told", or the actor would not tell them themselves.
    """
    stamp = to_ms(talk.updated_at)
    # Rows this change queued (or replaced): touched at its time, and not in flight before it (a notice of an
    # earlier change that was on its way when this one came is not this change's).
    this_change = ("talk_id = ? AND state IN ('pending', 'sending', 'sent') AND updated_at_ms >= ?"
                   " AND coalesce(first_attempt_at_ms, updated_at_ms) >= ?")
    told = (RESCHEDULE_NOTICE.name, CANCEL_NOTICE.name)

    async def queued(where: str, *params: object) -> bool:
        return bool(await db.fetchval(f"SELECT EXISTS (SELECT 1 FROM outbox WHERE {this_change} AND {where})",
                                      (talk.id, stamp, stamp, *params)))

    speaker = (actor.user_id != talk.speaker_id
               and await queued("kind IN (?, ?) AND target_type = 'dm' AND user_id = ?", *told, talk.speaker_id)
               and allows(await load_user(db, talk.speaker_id), NOTICES))
    channel = await queued("kind IN (?, ?) AND target_type = 'channel'", *told)
    attendees = 0
    # The attendees' notices are planned together (one per DM reader, one thread post for the rest), or not at all.
    if await queued("kind = 'attendee_notice'"):  # podium/audience.py's kind (it imports this module)
        # A cancellation is told to those waiting for a seat too (podium/audience.py `_notices`).
        waiting = " UNION SELECT user_id FROM waitlist WHERE talk_id = :talk" if talk.state == "cancelled" else ""
        attendees = int(await db.fetchval(
            f"SELECT count(*) FROM (SELECT user_id FROM attendees WHERE talk_id = :talk{waiting}) AS a"
            " LEFT JOIN users AS u ON u.user_id = a.user_id WHERE a.user_id != :actor"
            " AND NOT (coalesce(u.opt_out_everything, 0) OR coalesce(u.opt_out_notices, 0))",
            {"talk": talk.id, "actor": actor.user_id}))
    return Told(speaker=speaker, attendees=attendees, channel=channel)


def confirmation(t: Translator, action: Literal["reschedule", "cancel"], talk: Talk, told: Told) -> str:
    """The one reply to a move or a cancellation, whichever door it came through: what happened, who was told."""
    topic = quote_clipped(talk.topic, 400)
    if action == "reschedule":
        done = t._("📅 {topic} moved to {when}.", topic=topic, when=both_times(talk.starts_at))
    else:
        done = t._("🚫 {topic} is cancelled.", topic=topic)
    parts = [done]
    if told.speaker:
        parts.append(t._("The speaker was told."))
    if told.attendees:
        parts.append(t.ngettext("{n} person who asked for a reminder was told.",
                                "{n} people who asked for a reminder were told.", told.attendees))
    if told.channel:
        parts.append(t._("The announcement channel was told."))
    if len(parts) == 1:
        parts.append(t._("Nobody else needed to be told."))
    return " ".join(parts)


def reminder_key(talk: Talk, offset_s: int) -> str:
    """Dedupe key of one reminder; the start is part of it so a moved talk gets fresh reminders."""
    return f"talk:{talk.id}:reminder:{offset_s}:{to_ms(talk.starts_at)}"


async def plan_reminders(tx: Transaction, talk: Talk, now: datetime) -> list[OutboxMessage]:
    """The talk's reminders from the speaker's offsets (else the guild's); ones already past are left out."""
    guild = await load_guild(tx, talk.guild_id)
    user = await load_user(tx, talk.speaker_id)
    offsets, via = effective_reminders(user, guild)
    plan = []
    for offset in sorted(set(offsets), reverse=True):
        due = talk.starts_at - timedelta(seconds=offset)
        if due <= now:
            continue
        plan.append(
            OutboxMessage(
                kind=TALK_REMINDER.name,
                dedupe_key=reminder_key(talk, offset),
                due_at=due,
                target_type=via,
                guild_id=talk.guild_id,
                user_id=talk.speaker_id,
                talk_id=talk.id,
                payload={"offset_s": offset},
                talk_start=talk.starts_at,
            )
        )
    return plan


def _talk_reminder(ctx: RenderContext) -> Rendered:
    talk, t = talk_of(ctx), ctx.t
    # A DM says which server it is about and links the talk's thread; buttons let the speaker act on it at once.
    name = ctx.payload.get("guild_name")
    when = both_times(talk.starts_at)
    if ctx.via == "dm" and isinstance(name, str) and name:
        text = t._("⏰ Reminder: your talk {topic} on {server} starts {when}.", topic=quote(talk.topic),
                   server=quote(name), when=when)
    else:
        text = t._("⏰ Reminder: your talk {topic} starts {when}.", topic=quote(talk.topic), when=when)
    in_dm = ctx.via == "dm" and talk.thread_id is not None
    if in_dm:
        text += " " + t._("Its thread: {thread}.", thread=f"<#{talk.thread_id}>")
    actions = [
        components.button(t._("Reschedule…"), components.MOVE, talk.id),
        components.button(t._("Cancel…"), components.CANCEL, talk.id, style=components.DANGER),
        *(components.thread_link(talk.guild_id, talk.thread_id, t) if in_dm else ()),
        components.calendar_button(talk.id, t),
    ]
    return Rendered(
        text + "\n-# " + t._("Change how you are reminded with {command}.", command=command("remind-me talks")),
        components=(components.row(*actions),),
    )


async def _prepare_talk_reminder(db: Database, row: OutboxRow, now: datetime) -> dict[str, Any]:
    """The server's name, read when the reminder goes out (a DM names the server it is about)."""
    return {"guild_name": await load_guild_name(db, row.guild_id)}


def _changed_by(ctx: RenderContext) -> str:
    by = ctx.payload.get("by_user_id")
    if not isinstance(by, int) or by == privacy.FORGOTTEN_USER:
        return ""  # nobody, or a member who asked to be forgotten
    # Always the person, never "by you": a post in a channel is read by everyone, and a DM about the speaker's own
    # change is not sent at all (they saw it in their reply). Mentions in posts never ping (render.render).
    # Translators: completes "… was moved{by}: …" / "… was cancelled{by}."; mind the leading space.
    return ctx.t._(" by {user}", user=f"<@{by}>")


def _whose(ctx: RenderContext, topic: str) -> str:
    """'Your talk X' to the speaker; 'The talk X by @speaker' (named, not pinged) to a channel."""
    speaker = ctx.payload.get("speaker_id")
    if ctx.payload.get("audience") == "channel" and isinstance(speaker, int):
        return ctx.t._("The talk {topic} by {speaker}", topic=quote(topic), speaker=f"<@{speaker}>")
    return ctx.t._("Your talk {topic}", topic=quote(topic))


def moved_at_a_glance(old: datetime, new: datetime) -> str:
    """~~old time~~ → **new time** (relative): the change readable at a glance, in every reader's own zone."""
    return f"~~{discord_time(old)}~~ → **{discord_time(new)}** ({discord_time(new, 'R')})"


def _reschedule_notice(ctx: RenderContext) -> str:
    topic = need(ctx.payload, "topic", str)
    new = from_ms(need(ctx.payload, "new_start_ms", int))
    old = from_ms(need(ctx.payload, "old_start_ms", int))
    return ctx.t._("📅 {talk} was moved{by}: {change}.", talk=_whose(ctx, topic), by=_changed_by(ctx),
                   change=moved_at_a_glance(old, new))


def cancel_reason(reason: str | None) -> dict[str, Any]:
    """A cancellation's reason as notices carry it: the actor's own words, or that it was cancelled in Discord."""
    if reason == CANCELLED_IN_DISCORD:
        return {"reason": "", "in_discord": True}
    return {"reason": reason or ""}


def _cancel_notice(ctx: RenderContext) -> str:
    topic = need(ctx.payload, "topic", str)
    start = from_ms(need(ctx.payload, "start_ms", int))
    if ctx.payload.get("in_discord") is True:
        return ctx.t._("🚫 {talk} on ~~{start}~~ was cancelled in Discord's Events{by}.", talk=_whose(ctx, topic),
                       start=discord_time(start), by=_changed_by(ctx))
    reason = ctx.payload.get("reason")
    if isinstance(reason, str) and reason:
        # "cancelled by @Sam: I'm ill, sorry!" — the reason in the actor's own words, inert.
        return ctx.t._("🚫 {talk} on ~~{start}~~ was cancelled{by}: {reason}", talk=_whose(ctx, topic),
                       start=discord_time(start), by=_changed_by(ctx), reason=quote(reason))
    return ctx.t._("🚫 {talk} on ~~{start}~~ was cancelled{by}.", talk=_whose(ctx, topic), start=discord_time(start),
                   by=_changed_by(ctx))


def _speaker_notice(ctx: RenderContext) -> str:
    topic = need(ctx.payload, "topic", str)
    start = from_ms(need(ctx.payload, "start_ms", int))
    new_speaker = need(ctx.payload, "new_speaker_id", int)
    by = ctx.payload.get("by_user_id")
    by_whom = f"<@{by}>" if isinstance(by, int) else "Podium"
    if ctx.payload.get("role") == "new":
        return ctx.t._(
            "🎤 {by} made you the speaker of {topic} on {when}. You'll be reminded before it (see {list}); move or "
            "cancel it with {reschedule} or {cancel}.",
            by=by_whom, topic=quote(topic), when=both_times(start), list=command("remind-me list"),
            reschedule=command("schedule reschedule"), cancel=command("schedule cancel"),
        )
    return ctx.t._("🎤 {by} gave {topic} on {when} to {speaker}: you no longer speak at it.", by=by_whom,
                   topic=quote(topic), when=discord_time(start), speaker=f"<@{new_speaker}>")


TALK_REMINDER = kinds.register(
    kinds.KindSpec(
        name="talk_reminder",
        recipient="speaker",
        render=_talk_reminder,
        consent=TALK_REMINDERS,
        talk_bound=True,
        plan=plan_reminders,
        prepare=_prepare_talk_reminder,
        # A reminder after the talk has started is pointless.
        expiry=lambda message: message.talk_start,
        label=N_("talk reminder"),
        # To whom and when: the speaker, at each of their offsets before the talk.
        example={"offset_s": 3600, "guild_name": "_" * 100},
    )
)
RESCHEDULE_NOTICE = kinds.register(
    kinds.KindSpec(
        name="reschedule_notice",
        recipient="speaker",
        render=_reschedule_notice,
        consent=NOTICES,
        label=N_("reschedule notice"),
        # To whom and when: the speaker (and the channel if the talk was announced) when a talk is moved.
        example={"topic": "_" * 200, "old_start_ms": 1795900000000, "new_start_ms": 1796000000000,
                 "by_user_id": 1, "speaker_id": 2, "audience": "channel"},
    )
)
CANCEL_NOTICE = kinds.register(
    kinds.KindSpec(
        name="cancel_notice",
        recipient="speaker",
        render=_cancel_notice,
        consent=NOTICES,
        label=N_("cancel notice"),
        # To whom and when: the speaker (and the channel if the talk was announced) when a talk is cancelled.
        example={"topic": "_" * 200, "start_ms": 1795900000000, "reason": "*" * 300, "by_user_id": 1,
                 "speaker_id": 2, "audience": "channel", "in_discord": False},
    )
)

SPEAKER_NOTICE = kinds.register(
    kinds.KindSpec(
        name="speaker_notice",
        render=_speaker_notice,
        consent=NOTICES,
        label=N_("speaker notice"),
        # To whom and when: the old and the new speaker, when a moderator gives a talk to someone else (/schedule edit).
        example={"topic": "_" * 200, "start_ms": 1795900000000, "old_speaker_id": 10**18, "new_speaker_id": 10**18 + 1,
                 "by_user_id": 10**18 + 2, "role": "old"},
    )
)


async def replan_talk_bound(
    tx: Transaction, outbox: Outbox, talk: Talk, now: datetime, specs: Sequence[kinds.KindSpec] | None = None
) -> None:
    """Make the talk's pending talk-bound messages (of `specs`, default all such kinds) what they should be now.

    A talk not approved (waiting for a moderator, or declined) has none: every re-plan (a change, a setting, the
    speaker's preferences) comes through here, so nothing of it is reminded before approval.
    """
    for spec in specs if specs is not None else kinds.talk_bound():
        assert spec.plan is not None
        plan = await spec.plan(tx, talk, now) if talk.approval == "approved" else []
        await outbox.replace_for_talk(tx, talk.id, [spec.name], plan, now=now)


async def replan_guild_talks(
    tx: Transaction, outbox: Outbox, guild_id: int, now: datetime, specs: Sequence[kinds.KindSpec] | None = None
) -> int:
    """Re-plan the talk-bound messages of a guild's upcoming talks (a setting they depend on changed)."""
    rows = await tx.fetchall(
        "SELECT * FROM talks WHERE guild_id = ? AND state = 'scheduled' AND starts_at_ms > ?", (guild_id, to_ms(now))
    )
    for row in rows:
        await replan_talk_bound(tx, outbox, Talk.from_db(row), now, specs)
    return len(rows)


async def _before_the_start(
    tx: Transaction, notice: OutboxMessage, held: datetime, reader: str, whom: tuple[int, ...], now: datetime
) -> datetime:
    """A held move still reaches its reader a minute before the (new) start, once more per NOTICE_EVERY.

    Brought forward to five minutes from now, a talk must not be told ten minutes later; but a talk kept moving to
    just before its start must not send a message at every move either: two per NOTICE_EVERY at most.
    """
    start_ms = notice.payload.get("new_start_ms")
    if not isinstance(start_ms, int) or held <= from_ms(start_ms) - NOTICE_HOLD:
        return held
    recent = await tx.fetchval(
        "SELECT count(*) FROM outbox WHERE talk_id = ? AND kind IN (?, ?)"
        f" AND {reader} AND state IN ('sending', 'sent') AND coalesce(sent_at_ms, updated_at_ms) > ?",
        (notice.talk_id, RESCHEDULE_NOTICE.name, CANCEL_NOTICE.name, *whom, to_ms(now - NOTICE_EVERY)),
    )
    return held if recent >= 2 else max(now, from_ms(start_ms) - NOTICE_HOLD)


async def queue_notice(tx: Transaction, outbox: Outbox, notice: OutboxMessage, now: datetime) -> None:
    """A talk's change told to the channel or its speaker, at most once per NOTICE_EVERY each: the latest state wins.

    A notice still waiting is replaced by this one (a move keeps the start the reader last heard of, so twenty
    moves read as one); otherwise it goes now, or NOTICE_EVERY after the talk's last notice to the same reader.
    A cancellation goes at once, in place of any waiting notice: it is the last word about a talk, and comes once.
    """
    final = notice.kind == CANCEL_NOTICE.name
    kinds_told = (RESCHEDULE_NOTICE.name, CANCEL_NOTICE.name)
    # The same reader: the channel, or the same person by DM (a talk given to someone else has a new speaker).
    reader = "target_type = 'channel'" if notice.target_type == "channel" else "target_type = 'dm' AND user_id = ?"
    whom: tuple[int, ...] = () if notice.target_type == "channel" else (notice.user_id or 0,)
    waiting = await tx.fetchone(
        "SELECT dedupe_key, kind, payload, due_at_ms FROM outbox WHERE talk_id = ? AND kind IN (?, ?)"
        f" AND {reader} AND state = 'pending' ORDER BY id DESC LIMIT 1",
        (notice.talk_id, *kinds_told, *whom),
    )
    if waiting is not None:
        payload = dict(notice.payload)
        earlier = json.loads(waiting["payload"])
        if notice.kind == RESCHEDULE_NOTICE.name and waiting["kind"] == RESCHEDULE_NOTICE.name:
            payload["old_start_ms"] = earlier.get("old_start_ms", payload.get("old_start_ms"))
            if payload["old_start_ms"] == payload.get("new_start_ms"):
                # Moved back to where the channel last saw it: nothing to tell.
                await outbox.cancel_keys(tx, [waiting["dedupe_key"]], now=now, reason="moved back")
                return
        due = now if final else await _before_the_start(tx, notice, from_ms(waiting["due_at_ms"]), reader, whom, now)
        await outbox.enqueue(
            tx, replace(notice, dedupe_key=waiting["dedupe_key"], payload=payload, due_at=due), now=now
        )
        return
    last = await tx.fetchval(
        "SELECT max(coalesce(sent_at_ms, updated_at_ms)) FROM outbox WHERE talk_id = ? AND kind IN (?, ?)"
        f" AND {reader} AND state IN ('sending', 'sent')",
        (notice.talk_id, *kinds_told, *whom),
    )
    due = max(now, from_ms(last) + NOTICE_EVERY) if last is not None and not final else now
    due = await _before_the_start(tx, notice, due, reader, whom, now)
    key = f"talk:{notice.talk_id}:{notice.target_type}-notice:{to_ms(now)}"
    await outbox.enqueue(tx, replace(notice, dedupe_key=key, due_at=due), now=now)


# Whether a sign-up waits for a moderator's approval (guild, who signs up): registered by the feature that decides
# it (podium/workflow.py), so that adding a talk stays one transaction with no import of the feature.
ApprovalRule = Callable[[Transaction, int, Actor], Awaitable[bool]]
_approval_rules: list[ApprovalRule] = []


def approval_rule(rule: ApprovalRule) -> ApprovalRule:
    """Register a rule that may hold a new sign-up for approval (any rule saying so holds it)."""
    if rule not in _approval_rules:
        _approval_rules.append(rule)
    return rule


# A feature's subscribers: adds them to the hooks (with the outbox they queue into) and returns the hooks.
Subscribers = Callable[[TalkHooks, Outbox], TalkHooks]
_features: list[Subscribers] = []


def subscribes(add: Subscribers) -> Subscribers:
    """Register a feature's `subscribe(hooks, outbox)` at import of its module: the composition root adds it."""
    if add not in _features:
        _features.append(add)
    return add


def features() -> tuple[Subscribers, ...]:
    """Every registered feature's subscribers, in the order of `features.MODULES` (then registration)."""
    from podium.features import MODULES  # a list of names: it imports no feature

    order = {module: index for index, module in enumerate(MODULES)}
    return tuple(sorted(_features, key=lambda add: order.get(add.__module__, len(order))))


def composed_hooks(outbox: Outbox) -> TalkHooks:
    """The running bot's hooks: the built-in subscribers, then every feature's (`subscribes`)."""
    hooks = default_hooks(outbox)
    for add in features():
        add(hooks, outbox)
    return hooks


def default_hooks(outbox: Outbox) -> TalkHooks:
    """The built-in subscribers: plan talk-bound messages, tell the speaker, tell the channel if announced."""
    hooks = TalkHooks()

    @hooks.subscribe("talk_scheduled", "talk_rescheduled", "talk_edited")
    async def plan_talk_bound(tx: Transaction, event: TalkEvent) -> None:
        # Every talk-bound kind, whoever owns it: a new one is planned (and re-planned) without touching this.
        await replan_talk_bound(tx, outbox, event.after, event.now)

    @hooks.subscribe("talk_cancelled")
    async def drop_talk_bound(tx: Transaction, event: TalkEvent) -> None:
        kinds_of_talk = [spec.name for spec in kinds.talk_bound()]
        await outbox.cancel_pending(tx, now=event.now, reason="talk cancelled", talk_id=event.after.id,
                                    kinds=kinds_of_talk)

    @hooks.subscribe("talk_rescheduled", "talk_cancelled")
    async def notify_speaker(tx: Transaction, event: TalkEvent) -> None:
        talk, before = event.after, event.before or event.after
        stamp = to_ms(talk.updated_at)
        common = {"topic": talk.topic, "by_user_id": event.actor.user_id, "speaker_id": talk.speaker_id}
        if event.name == "talk_rescheduled":
            kind = RESCHEDULE_NOTICE.name
            payload = {**common, "old_start_ms": to_ms(before.starts_at), "new_start_ms": to_ms(talk.starts_at)}
        else:
            kind = CANCEL_NOTICE.name
            payload = {**common, "start_ms": to_ms(talk.starts_at), **cancel_reason(event.reason)}
        to_speaker = OutboxMessage(
            kind=kind,
            dedupe_key=f"talk:{talk.id}:{kind}:{stamp}",
            due_at=event.now,
            target_type="dm",
            guild_id=talk.guild_id,
            user_id=talk.speaker_id,
            talk_id=talk.id,
            payload=payload,
        )
        if event.actor.user_id != talk.speaker_id:
            # A speaker who moved or cancelled their own talk read it in their reply: no DM saying it again.
            await queue_notice(tx, outbox, to_speaker, event.now)
        else:
            # Nor one still waiting about someone else's earlier change: it would tell them a time they have just
            # changed, or that a talk they have just cancelled "was moved".
            await outbox.cancel_pending(tx, now=event.now, reason="the speaker changed it since",
                                        talk_id=talk.id, user_id=talk.speaker_id,
                                        kinds=[RESCHEDULE_NOTICE.name, CANCEL_NOTICE.name])
        if not before.announced:
            return
        guild = await load_guild(tx, talk.guild_id)
        if guild.announce_channel_id is not None:
            # The same notice for everyone who saw the talk in a summary: speaker named, not pinged.
            to_channel = replace(
                to_speaker,
                target_type="channel",
                user_id=None,
                channel_id=guild.announce_channel_id,
                payload={**payload, "audience": "channel"},
            )
            await queue_notice(tx, outbox, to_channel, event.now)

    # `while_pending`: a sign-up still waiting for approval that someone else cancels (a skipped series evening, a
    # moderator's /schedule cancel) is the speaker's too; `notify_speaker` hears only of talks once approved, and a
    # decline ('declined', not 'pending') has its own notice (podium/workflow.py).
    @hooks.subscribe("talk_cancelled", while_pending=True)
    async def notify_waiting_speaker(tx: Transaction, event: TalkEvent) -> None:
        talk = event.after
        if talk.approval != "pending" or event.actor.user_id == talk.speaker_id:
            return
        await queue_notice(tx, outbox, OutboxMessage(
            kind=CANCEL_NOTICE.name,
            dedupe_key=f"talk:{talk.id}:{CANCEL_NOTICE.name}:{to_ms(talk.updated_at)}",
            due_at=event.now,
            target_type="dm",
            guild_id=talk.guild_id,
            user_id=talk.speaker_id,
            talk_id=talk.id,
            payload={"topic": talk.topic, "by_user_id": event.actor.user_id, "speaker_id": talk.speaker_id,
                     "start_ms": to_ms(talk.starts_at), **cancel_reason(event.reason)},
        ), event.now)

    @hooks.subscribe("talk_edited")
    async def tell_both_speakers(tx: Transaction, event: TalkEvent) -> None:
        # A talk given to someone else: the new speaker learns they have it, the old one that they no longer do.
        talk, before = event.after, event.before
        if before is None or before.speaker_id == talk.speaker_id:
            return
        payload = {"topic": talk.topic, "start_ms": to_ms(talk.starts_at), "old_speaker_id": before.speaker_id,
                   "new_speaker_id": talk.speaker_id, "by_user_id": event.actor.user_id}
        for role, user_id in (("old", before.speaker_id), ("new", talk.speaker_id)):
            if user_id == event.actor.user_id:
                continue  # who made the change saw it in their reply
            await outbox.enqueue(tx, OutboxMessage(
                kind=SPEAKER_NOTICE.name,
                dedupe_key=f"talk:{talk.id}:speaker-notice:{role}:{to_ms(talk.updated_at)}",
                due_at=event.now,
                target_type="dm",
                guild_id=talk.guild_id,
                user_id=user_id,
                talk_id=talk.id,
                payload={**payload, "role": role},
            ), now=event.now)

    @hooks.subscribe("talk_rescheduled", "talk_cancelled")
    async def call_for_speakers(tx: Transaction, event: TalkEvent) -> None:
        # A cancelled or moved talk may leave the coming days empty.
        guild = await load_guild(tx, event.after.guild_id)
        await weekly.check_engagement(tx, outbox, guild, event.now)

    return hooks


class TalkService:
    """Adds, moves and cancels talks; every change and its messages commit together."""

    def __init__(
        self, db: Database, outbox: Outbox, clock: Clock, hooks: TalkHooks, cooldown: Cooldown | None = None
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.clock = clock
        self.hooks = hooks
        self.cooldown = cooldown

    def _count_change(self, actor: Actor) -> None:
        # Moderators schedule in bulk (a season of talks at once) and are trusted with everyone's talks anyway.
        if self.cooldown is not None and not actor.is_moderator:
            self.cooldown.hit(actor.user_id)

    async def add(
        self,
        *,
        guild_id: int,
        actor: Actor,
        speaker_id: int,
        topic: str,
        starts_at: datetime,
        duration_minutes: int | None = None,
        speaker_name: str | None = None,
        event_id: int | None = None,
        evening_id: int | None = None,
        slot: int | None = None,
        seat_limit: int | None = None,
    ) -> Talk:
        """Sign a speaker up for a talk (`speaker_name`: their display name, shown in calendar feeds).

        `event_id`: the Discord scheduled event it comes from (/schedule import); it is stored with the talk.
        `evening_id`, `slot`: the series evening's slot it holds (podium/slots.py); `SlotTaken` if another scheduled
        talk holds it (the unique index `talks_by_slot` decides, in this transaction).
        """
        self._count_change(actor)
        now = self.clock.now()
        topic = validate_topic(topic)
        if event_id is not None:
            authorize(actor, "import")  # a talk made from a hand-made event (/schedule import)
        authorize(actor, "add", speaker_id=speaker_id)
        validate_start(starts_at, now)
        async with self.db.transaction() as tx:
            if duration_minutes is None:
                duration_minutes = (await load_guild(tx, guild_id)).talk_minutes
            validate_duration(duration_minutes)
            if evening_id is not None:
                await _slot_free(tx, evening_id, slot)
            await self._check_overlap(tx, guild_id, starts_at, duration_minutes, exclude_id=None,
                                      evening_id=evening_id)
            if not actor.is_moderator:
                upcoming = int(
                    await tx.fetchval(
                        "SELECT count(*) FROM talks WHERE speaker_id = ? AND guild_id = ? AND state = 'scheduled'"
                        " AND starts_at_ms > ?",
                        (speaker_id, guild_id, to_ms(now)),
                    )
                )
                if upcoming >= MAX_UPCOMING_PER_SPEAKER:
                    raise TalkError(
                        N_("You already have {upcoming} upcoming talks, the most one speaker can hold. "
                           "Cancel one with `/schedule cancel` first, or ask a moderator."),
                        upcoming=upcoming,
                    )
            # An imported event was made by a moderator; the rules hold members' own sign-ups.
            held = event_id is None and any([await rule(tx, guild_id, actor) for rule in _approval_rules])
            row = await tx.fetchrow(
                """
                INSERT INTO talks (guild_id, speaker_id, topic, starts_at_ms, duration_minutes, created_by,
                                   updated_by, created_at_ms, updated_at_ms, speaker_name, event_id, approval,
                                   seat_limit)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *
                """,
                (
                    guild_id,
                    speaker_id,
                    topic,
                    to_ms(starts_at),
                    duration_minutes,
                    actor.user_id,
                    actor.user_id,
                    to_ms(now),
                    to_ms(now),
                    (speaker_name or "").strip()[:100] or None,
                    event_id,
                    "pending" if held else "approved",
                    seat_limit,
                ),
            )
            if evening_id is not None or seat_limit is not None:
                try:
                    # A series evening's slot: the unique index talks_by_slot refuses one another talk holds.
                    row = await tx.fetchrow(
                        "UPDATE talks SET evening_id = ?, slot = ?, seat_limit = ? WHERE id = ? RETURNING *",
                        (evening_id, slot, seat_limit, row["id"]))
                except sqlite3.IntegrityError as exc:
                    raise _slot_taken() from exc
            talk = Talk.from_db(row)
            await self.hooks.emit(tx, TalkEvent("talk_scheduled", None, talk, actor, now))
        log.info("talk %d scheduled in guild %d by %d", talk.id, guild_id, actor.user_id)
        return talk

    async def reschedule(self, *, guild_id: int, actor: Actor, talk_id: int, starts_at: datetime) -> tuple[Talk, Talk]:
        """Move a talk; returns it before and after.

        A series slot's talk moved to a time of its own leaves its slot (podium/slots.py): the slot is free to claim
        again and the evening's posts and event drop it (they hear of it through `before.evening_id`). Refusing the
        move would leave the speaker who can't make the evening only a cancel, losing the talk's audience; a move to
        another slot is "Pick another" (`move_to_slot`).
        """
        self._count_change(actor)
        now = self.clock.now()
        validate_start(starts_at, now)
        async with self.db.transaction() as tx:
            before = await self._editable(tx, guild_id, talk_id, actor, "reschedule")
            if starts_at == before.starts_at:
                raise TalkError(N_("That is already when the talk starts; nothing changed."))
            await self._check_overlap(tx, guild_id, starts_at, before.duration_minutes, exclude_id=talk_id)
            row = await tx.fetchrow(
                "UPDATE talks SET starts_at_ms = ?, evening_id = NULL, slot = NULL, updated_by = ?,"
                " updated_at_ms = ?, sequence = sequence + 1 WHERE id = ? RETURNING *",
                (to_ms(starts_at), actor.user_id, to_ms(now), talk_id),
            )
            after = Talk.from_db(row)
            await self.hooks.emit(tx, TalkEvent("talk_rescheduled", before, after, actor, now))
        log.info("talk %d moved by %d", talk_id, actor.user_id)
        return before, after

    async def move_to_slot(
        self, *, guild_id: int, actor: Actor, talk_id: int, evening_id: int, slot: int, starts_at: datetime,
        duration_minutes: int,
    ) -> tuple[Talk, Talk]:
        """Move a talk into a series evening's slot (its time and length with it); `SlotTaken` if it is held."""
        self._count_change(actor)
        now = self.clock.now()
        validate_start(starts_at, now)
        async with self.db.transaction() as tx:
            before = await self._editable(tx, guild_id, talk_id, actor, "reschedule")
            if (before.evening_id, before.slot) == (evening_id, slot):
                raise TalkError(N_("That is already the slot you hold; nothing changed."))
            await _slot_free(tx, evening_id, slot)
            await self._check_overlap(tx, guild_id, starts_at, duration_minutes, exclude_id=talk_id,
                                      evening_id=evening_id)
            try:
                row = await tx.fetchrow(
                    "UPDATE talks SET starts_at_ms = ?, duration_minutes = ?, evening_id = ?, slot = ?,"
                    " updated_by = ?, updated_at_ms = ?, sequence = sequence + 1 WHERE id = ? RETURNING *",
                    (to_ms(starts_at), duration_minutes, evening_id, slot, actor.user_id, to_ms(now), talk_id),
                )
            except sqlite3.IntegrityError as exc:
                raise _slot_taken() from exc
            after = Talk.from_db(row)
            name: EventName = "talk_rescheduled" if after.starts_at != before.starts_at else "talk_edited"
            await self.hooks.emit(tx, TalkEvent(name, before, after, actor, now))
        log.info("talk %d moved to slot %d of evening %d by %d", talk_id, slot, evening_id, actor.user_id)
        return before, after

    async def refit_slot(
        self, *, guild_id: int, actor: Actor, talk_id: int, starts_at: datetime, duration_minutes: int,
    ) -> tuple[Talk, Talk]:
        """Bring a slot's talk to its slot's time and length after its series changed (podium/series.py `follow`).

        It keeps its evening and slot; the other talks of the evening are the slot index's to order, not overlaps.
        """
        now = self.clock.now()
        validate_start(starts_at, now)
        validate_duration(duration_minutes)
        async with self.db.transaction() as tx:
            before = await self._editable(tx, guild_id, talk_id, actor, "reschedule")
            if (before.starts_at, before.duration_minutes) == (starts_at, duration_minutes):
                raise TalkError(N_("That is already when the talk starts; nothing changed."))
            await self._check_overlap(tx, guild_id, starts_at, duration_minutes, exclude_id=talk_id,
                                      evening_id=before.evening_id)
            row = await tx.fetchrow(
                "UPDATE talks SET starts_at_ms = ?, duration_minutes = ?, updated_by = ?, updated_at_ms = ?,"
                " sequence = sequence + 1 WHERE id = ? RETURNING *",
                (to_ms(starts_at), duration_minutes, actor.user_id, to_ms(now), talk_id),
            )
            after = Talk.from_db(row)
            name: EventName = "talk_rescheduled" if after.starts_at != before.starts_at else "talk_edited"
            await self.hooks.emit(tx, TalkEvent(name, before, after, actor, now))
        log.info("talk %d refitted to its slot by %d", talk_id, actor.user_id)
        return before, after

    async def cancel(self, *, guild_id: int, actor: Actor, talk_id: int, reason: str | None = None) -> Talk:
        """Cancel a talk."""
        self._count_change(actor)
        now = self.clock.now()
        reason = (reason or "").strip()[:300] or None
        async with self.db.transaction() as tx:
            before = await self._editable(tx, guild_id, talk_id, actor, "cancel")
            row = await tx.fetchrow(
                "UPDATE talks SET state = 'cancelled', updated_by = ?, updated_at_ms = ?, sequence = sequence + 1"
                " WHERE id = ? RETURNING *",
                (actor.user_id, to_ms(now), talk_id),
            )
            after = Talk.from_db(row)
            await self.hooks.emit(tx, TalkEvent("talk_cancelled", before, after, actor, now, reason))
        log.info("talk %d cancelled by %d", talk_id, actor.user_id)
        return after

    async def edit(
        self,
        *,
        guild_id: int,
        actor: Actor,
        talk_id: int,
        topic: str | None = None,
        duration_minutes: int | None = None,
        description: str | None = None,
        speaker_id: int | None = None,
        speaker_name: str | None = None,
        seat_limit: int | Literal["unchanged"] | None = "unchanged",
    ) -> tuple[Talk, Talk]:
        """Change a talk's topic, length, description, seats (None: no limit) or (moderators) speaker."""
        self._count_change(actor)
        now = self.clock.now()
        changes: dict[str, Any] = {}
        if topic is not None:
            changes["topic"] = validate_topic(topic)
        if duration_minutes is not None:
            validate_duration(duration_minutes)
            changes["duration_minutes"] = duration_minutes
        if description is not None:
            changes["description"] = validate_description(description)
        if speaker_id is not None:
            authorize(actor, "give")
            changes["speaker_id"] = speaker_id
        if seat_limit != "unchanged":
            changes["seat_limit"] = seat_limit
        if not changes:
            raise TalkError(
                N_("Give what to change: `topic`, `duration`, `description`, `seats` or (moderators) `speaker`. "
                   "Example: `/schedule edit talk:Intro to Rust topic:Intro to Rust 2`")
            )
        async with self.db.transaction() as tx:
            before = await self._editable(tx, guild_id, talk_id, actor, "edit")
            current = {"topic": before.topic, "duration_minutes": before.duration_minutes,
                       "description": before.description, "speaker_id": before.speaker_id,
                       "seat_limit": before.seat_limit}
            changes = {column: value for column, value in changes.items() if current[column] != value}
            if not changes:
                raise TalkError(N_("That is what the talk already has; nothing changed."))
            if "speaker_id" in changes:
                changes["speaker_name"] = (speaker_name or "").strip()[:100] or None
            if "duration_minutes" in changes:
                await self._check_overlap(tx, guild_id, before.starts_at, changes["duration_minutes"],
                                          exclude_id=talk_id)
            assignments = ", ".join(f"{column} = ?" for column in changes)
            row = await tx.fetchrow(
                f"UPDATE talks SET {assignments}, updated_by = ?, updated_at_ms = ?, sequence = sequence + 1"
                " WHERE id = ? RETURNING *",
                (*changes.values(), actor.user_id, to_ms(now), talk_id),
            )
            after = Talk.from_db(row)
            await self.hooks.emit(tx, TalkEvent("talk_edited", before, after, actor, now))
        log.info("talk %d edited by %d: %s", talk_id, actor.user_id, ", ".join(changes))
        return before, after

    async def set_links(
        self, *, guild_id: int, actor: Actor, talk_id: int, slides: str | None = None, recording: str | None = None,
        embed: bool | None = None,
    ) -> tuple[Talk, Talk]:
        """Set or clear ("-") a talk's slides and recording links, planned or done (the archive's main use).

        Whether its thread's post previews them (`embed`) is kept with the talk. Nothing given, nothing different,
        or a cancelled talk: refused, nothing stored.
        """
        self._count_change(actor)
        changes: dict[str, Any] = {}
        if slides is not None:
            changes["slides_url"] = validate_link(slides)
        if recording is not None:
            changes["recording_url"] = validate_link(recording)
        if embed is not None:
            changes["links_embed"] = int(embed)
        if not changes:
            raise TalkError(N_("Give a link to set: `slides` or `recording` (`-` removes one). Example: {example}"),
                            example=LINK_EXAMPLE)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            # Not `_editable`: a talk that took place is what links are mostly added to.
            row = await tx.fetchone("SELECT * FROM talks WHERE id = ? AND guild_id = ?", (talk_id, guild_id))
            if row is None:
                raise TalkError(N_("I can't find that talk. Pick one from the list that appears as you type."))
            before = Talk.from_db(row)
            authorize(actor, "links", before)
            if before.state == "cancelled":
                raise TalkError(N_("That talk is cancelled; links can be added to talks that are planned or done."))
            current = {"slides_url": before.slides_url, "recording_url": before.recording_url,
                       "links_embed": row["links_embed"]}
            changes = {column: value for column, value in changes.items() if current[column] != value}
            if not changes:
                raise TalkError(N_("The talk already has those links; nothing changed."))
            assignments = ", ".join(f"{column} = ?" for column in changes)
            # A new version of the talk (calendars' SEQUENCE, what its posts show): its change counter grows.
            updated = await tx.fetchrow(
                f"UPDATE talks SET {assignments}, updated_by = ?, updated_at_ms = ?, sequence = sequence + 1"
                " WHERE id = ? RETURNING *",
                (*changes.values(), actor.user_id, to_ms(now), talk_id),
            )
            after = Talk.from_db(updated)
            await self.hooks.emit(tx, TalkEvent("talk_links", before, after, actor, now))
        log.info("talk %d links changed by %d: %s", talk_id, actor.user_id, ", ".join(changes))
        return before, after

    async def find(self, talk_id: int) -> Talk | None:
        """One talk by id, whatever its guild (a button in a DM names the talk, not the server)."""
        return await load_talk(self.db, talk_id)

    async def get(self, guild_id: int, talk_id: int) -> Talk | None:
        """One talk of this guild."""
        row = await self.db.fetchone("SELECT * FROM talks WHERE id = ? AND guild_id = ?", (talk_id, guild_id))
        return Talk.from_db(row) if row else None

    async def upcoming(
        self,
        guild_id: int,
        *,
        within: timedelta | None = None,
        speaker_id: int | None = None,
        topic_contains: str | None = None,
        limit: int = 100,
        offset: int = 0,
        pending: bool = False,
        pending_of: int | None = None,
    ) -> tuple[list[Talk], int]:
        """Scheduled talks not yet over, soonest first (one page), and how many there are in all.

        `pending`: sign-ups waiting for approval too (the speaker's own list, moderators' pickers); never in what
        everyone sees (the posted list, the export). `pending_of`: only this member's own such sign-ups.
        """
        now_ms = to_ms(self.clock.now())
        where = "guild_id = ? AND state = 'scheduled' AND starts_at_ms > ? - duration_minutes * 60000"
        params: list[int | str] = [guild_id, now_ms]
        if pending_of is not None and not pending:
            where += " AND (approval = 'approved' OR speaker_id = ?)"
            params.append(pending_of)
        elif not pending:
            where += " AND approval = 'approved'"
        # The index is on starts_at_ms: bound it too so the scan starts at the longest possible talk ago.
        where += " AND starts_at_ms > ?"
        params.append(now_ms - _LONGEST_MS)
        if within is not None:
            where += " AND starts_at_ms <= ?"
            params.append(now_ms + int(within.total_seconds() * 1000))
        if speaker_id is not None:
            where += " AND speaker_id = ?"
            params.append(speaker_id)
        if topic_contains:
            # fold() (db.fold), not SQLite's lower(), which folds ASCII only: "über" finds "Über Rust" here too.
            where += " AND instr(fold(topic), ?) > 0"
            params.append(fold(topic_contains.strip()))
        total = int(await self.db.fetchval(f"SELECT count(*) FROM talks WHERE {where}", params))
        rows = await self.db.fetchall(
            f"SELECT * FROM talks WHERE {where} ORDER BY starts_at_ms, id LIMIT ? OFFSET ?", [*params, limit, offset]
        )
        return [Talk.from_db(r) for r in rows], total

    async def search(
        self, guild_id: int, query: str, *, speaker_id: int | None, viewer: Actor | None = None, limit: int = 25,
    ) -> list[Talk]:
        """Upcoming talks whose topic contains `query` (the speaker's own unless speaker_id is None).

        Sign-ups waiting for approval only to whom they may be shown: all of them to a moderator, else the viewer's
        own (they may cancel one); without a viewer the list is the speaker's own (speaker_id), or everyone's
        approved talks only.
        """
        if viewer is not None and viewer.is_moderator:
            pending, pending_of = True, None
        elif viewer is not None:
            pending, pending_of = False, viewer.user_id
        else:
            pending, pending_of = speaker_id is not None, None
        talks, _ = await self.upcoming(guild_id, speaker_id=speaker_id, topic_contains=query, limit=limit,
                                       pending=pending, pending_of=pending_of)
        return talks

    async def planned_messages(self, talk_id: int) -> list[sqlite3.Row]:
        """The talk's pending rows that /schedule info lists one by one (`KindSpec.in_talk_info`), soonest first."""
        listed = [spec.name for spec in kinds.all_specs() if spec.in_talk_info == "listed"]
        return await self.db.fetchall(
            "SELECT kind, target_type, due_at_ms, payload FROM outbox WHERE talk_id = ? AND state = 'pending'"
            f" AND kind IN ({','.join('?' * len(listed))}) ORDER BY due_at_ms",
            (talk_id, *listed),
        )

    async def _editable(self, tx: Transaction, guild_id: int, talk_id: int, actor: Actor, action: Action) -> Talk:
        row = await tx.fetchone("SELECT * FROM talks WHERE id = ? AND guild_id = ?", (talk_id, guild_id))
        if row is None:
            raise TalkError(N_("I can't find that talk. Pick one from the list that appears as you type."))
        talk = Talk.from_db(row)
        authorize(actor, action, talk)
        if talk.state == "cancelled":
            raise TalkError(N_("That talk is cancelled; only scheduled talks can be changed."))
        if talk.state != "scheduled":
            raise TalkError(N_("That talk is done; only scheduled talks can be changed."))
        if talk.starts_at <= self.clock.now():
            raise TalkError(N_("That talk has already started; it can't be changed any more."))
        return talk

    async def _check_overlap(
        self, tx: Transaction, guild_id: int, starts_at: datetime, minutes: int, exclude_id: int | None,
        evening_id: int | None = None,
    ) -> None:
        start_ms = to_ms(starts_at)
        end_ms = start_ms + minutes * 60_000
        row = await tx.fetchone(
            """
            SELECT * FROM talks
            WHERE guild_id = ? AND state = 'scheduled' AND id IS NOT ?
              AND starts_at_ms < ? AND starts_at_ms > ? AND starts_at_ms + duration_minutes * 60000 > ?
              -- The slots of one series evening follow each other: which is held is the slot index's to say.
              AND (? IS NULL OR evening_id IS NOT ?)
            ORDER BY starts_at_ms LIMIT 1
            """,
            (guild_id, exclude_id, end_ms, start_ms - _LONGEST_MS, start_ms, evening_id, evening_id),
        )
        if row is None and evening_id is None:
            # A talk of no evening inside an open series evening's slots would make the slots it overlaps
            # unclaimable while the evening still offers them ("2 open slots", every Claim refused): that time is
            # the series'; a talk there claims a slot (or a moderator skips the evening first).
            evening = await tx.fetchone(
                "SELECT s.name, e.starts_at_ms FROM series_evenings AS e JOIN series AS s ON s.id = e.series_id"
                " WHERE e.guild_id = ? AND e.state = 'open' AND s.state = 'active'"
                " AND (s.until_ms IS NULL OR e.starts_at_ms <= s.until_ms)"
                " AND e.starts_at_ms < ? AND e.starts_at_ms > ?"
                " AND e.starts_at_ms + s.slots * s.slot_minutes * 60000 > ? ORDER BY e.starts_at_ms LIMIT 1",
                (guild_id, end_ms, start_ms - _LONGEST_EVENING_MS, start_ms),
            )
            if evening is not None:
                raise TimeTaken(
                    N_("That time is an evening of {series} ({when}): claim one of its slots with "
                       "`/schedule add series:`, or pick another time."),
                    series=quote(evening["name"]), when=discord_time(from_ms(evening["starts_at_ms"])),
                )
        if row is not None:
            other = Talk.from_db(row)
            if other.approval != "approved":
                # A sign-up waiting for approval is its speaker's and the moderators' business only: its topic,
                # speaker and even its exact time are not told to whoever happens to pick the same time.
                raise TimeTaken(N_("That time is already taken. Pick another time."))
            raise TimeTaken(
                N_("That overlaps with {topic} by {speaker} at {when} ({minutes} min). Pick another time."),
                topic=quote(other.topic), speaker=f"<@{other.speaker_id}>", when=discord_time(other.starts_at),
                minutes=other.duration_minutes,
            )


class TimeTaken(TalkError):
    """Another talk (or a series evening's slots) is at that time (podium/slots.py tries the evening's next slot)."""


class SlotTaken(TalkError):
    """A series evening's slot another scheduled talk holds (podium/slots.py answers it with the next open one)."""


def _slot_taken() -> SlotTaken:
    return SlotTaken(N_("Someone else holds that slot already."))


async def _slot_free(tx: Transaction, evening_id: int, slot: int | None) -> None:
    """Refuse a slot another scheduled talk holds (the unique index is what guarantees it; this names it first)."""
    if slot is None:
        raise ValueError("a talk of a series evening needs its slot")
    if await tx.fetchone("SELECT 1 FROM talks WHERE evening_id = ? AND slot = ? AND state = 'scheduled'",
                         (evening_id, slot)):
        raise _slot_taken()

