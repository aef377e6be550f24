"""Domain side of the audience (Discord side: cogs/audience.py): who asked to be reminded, and what they get.

The audience: members who asked to be reminded of a talk ("🔔 Remind me"), and everything Podium sends them.

Owns the `attendees` table and these kinds (docs/architecture.md, "A spec per kind of message"):
- `attendee_reminder` (talk-bound): at each attendee's offsets (theirs, else the server's). By DM, one row per
  attendee per offset; attendees who chose the talk's thread (or the channel, or who stopped DMs) share one post
  per offset in the talk's thread that mentions them (a channel takes 5 messages per 5 s: 2,000 mentions one
  by one would take half an hour).
- `attendee_notice`: when a talk they asked for is moved, cancelled or given another speaker; one pending notice
  per attendee per talk that sums up every change until it is sent.
- `talk_announcement` and `talk_thread_open`: the post of a new talk in the announcement channel with its buttons
  (a guild setting, off by default), and the first post of the talk's thread, which creates the thread.
- `thread_member` and `thread_archive`: attendees are added to the talk's thread; it is archived after the talk.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from db import Database, Transaction
from podium import components, privacy
from podium.clock import Clock, from_ms, to_ms
from podium.consent import DMS, EVERYTHING, NOTICES, TALK_REMINDERS, opted_out
from podium.delivery import kinds
from podium.delivery.outbox import Outbox, OutboxMessage, OutboxRow, PlanQuery
from podium.delivery.render import RenderContext, Rendered, need, talk_of
from podium.delivery.transport import UNKNOWN_CHANNEL, GoneError
from podium.errors import Text, UserError
from podium.i18n import ENGLISH, N_, Translator
from podium.markup import both_times, clip, command, discord_time, inert, quote
from podium.preferences import (
    GuildSettings,
    Switch,
    Via,
    effective_reminders,
    load_guild,
    load_guild_name,
    load_user,
    stored_offsets,
    switch,
)
from podium.talk_model import DESCRIPTION_MAX, Talk, load_talk
from podium.talks import TalkEvent, TalkHooks, cancel_reason, moved_at_a_glance, subscribes

log = logging.getLogger(__name__)

privacy.holds_user_ids("attendees", "user_id", forget="delete_row",
                       why="the talks a member asked to be reminded of")
privacy.holds_no_user_ids("attendees", "talk_id", "created_at_ms", why="the talk, and when (deleted with the member)")
# A keyed hash (privacy.digest) that no copy of the database can match to a member: what forget-me leaves for a while.
privacy.holds_no_user_ids("forgotten_members", "digest", "until_ms", why="a keyed hash of a forgotten member's id")

# A post in the talk's thread mentions at most this many attendees (Discord: 2,000 characters a message); the
# others are members of the thread and see it there.
MAX_PINGS = 50
# /schedule info names this many of a talk's attendees, then "and N more".
GOING_SHOWN = 10
# The talk's thread is archived this long after the talk ends (talk moved: re-timed; cancelled: soon).
ARCHIVE_AFTER_END = timedelta(hours=1)
ARCHIVE_AFTER_CANCEL = timedelta(minutes=10)
# A change is told to the audience a minute after it is made: a quick correction (a typo in the time, moved back)
# reaches them as one notice, or none. After a notice went out, the next waits this long, merging every change
# made meanwhile into one net change ("moved from A to D"): thirty moves cannot become thirty DMs to each attendee.
NOTICE_HOLD = timedelta(minutes=1)
NOTICE_EVERY = timedelta(minutes=10)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NOTICE_KEYS = ("old_start_ms", "new_start_ms", "old_speaker_id", "new_speaker_id", "cancelled", "reason")


class AudienceError(UserError):
    """A refused click or command; the message is shown to the member as it is."""


@dataclass(frozen=True, slots=True)
class Attendance:
    """What a click did: the talk, whether anything changed, and how the member will be reminded."""

    talk: Talk
    changed: bool
    attending: bool
    via: Via
    offsets: tuple[int, ...]
    next_reminder: datetime | None
    attendees: int
    started: bool = False  # the talk had begun at the click (only 🙋 I'm coming joins then)
    # A talk with a seat limit (podium/seats.py): the member's place on its waitlist (1: next), None when seated.
    waiting_position: int | None = None
    left_waitlist: bool = False  # "Can't make it" took them off the waitlist


@dataclass(frozen=True, slots=True)
class Waitlisted:
    """A Join on a full talk: the member waits, at this place (1: next); `changed`: they were not waiting before."""

    position: int
    changed: bool


@dataclass(frozen=True, slots=True)
class SeatRules:
    """How a talk's seat limit bends joining and leaving; declared by podium/seats.py (which imports this module).

    `admit` runs in a Join's transaction before the member is added: None seats them, a `Waitlisted` keeps them
    waiting (`offer`: the click accepts a seat offered to them). `freed` runs in a leave's: it takes them off the
    waitlist (True if they were on it) and offers any seat now free. `waiting` counts the waitlist (the buttons).
    """

    admit: Callable[[Transaction, Outbox, Talk, int, datetime, bool], Awaitable[Waitlisted | None]]
    freed: Callable[[Transaction, Outbox, Talk, int, datetime], Awaitable[bool]]
    waiting: Callable[[Database | Transaction, int], Awaitable[int]]


_seat_rules: list[SeatRules] = []


def seat_rules(rules: SeatRules) -> SeatRules:
    """Declare the seat rules (once, at import of the feature that owns them)."""
    if _seat_rules and _seat_rules[0] is not rules:
        raise ValueError("seat rules are declared twice")
    _seat_rules[:] = [rules]
    return rules


async def count_waiting(source: Database | Transaction, talk_id: int) -> int:
    """How many members wait for a seat at the talk (0 without seat rules)."""
    return await _seat_rules[0].waiting(source, talk_id) if _seat_rules else 0


def audience_via(via: Via, dms_stopped: bool) -> Via:
    """Where an attendee is reminded: by DM, else in the talk's thread (never one mention each in the channel)."""
    return "dm" if via == "dm" and not dms_stopped else "thread"


def attendee_key(talk: Talk, user_id: int, offset_s: int) -> str:
    """Dedupe key of one attendee's reminder; the start is part of it, as in `talks.reminder_key`."""
    return f"talk:{talk.id}:attendee:{user_id}:{offset_s}:{to_ms(talk.starts_at)}"


def thread_key(talk: Talk, offset_s: int) -> str:
    """Dedupe key of the thread post that reminds the attendees who chose the thread, for one offset."""
    return f"talk:{talk.id}:attendee:thread:{offset_s}:{to_ms(talk.starts_at)}"


# The attendee reminders of a talk as SQL, so that 2,000 attendees x 5 offsets are planned by SQLite in its own
# thread instead of 10,000 OutboxMessages built on the event loop (issue 19: that blocked it for up to 76 ms).
# The rules: offsets are the attendee's, else the server's; via is "dm" unless they chose the thread or the channel,
# or stopped DMs (`audience_via`); those who stopped talk reminders are planned too and skipped when sent (consent
# is checked at send time). The keys are those of `attendee_key` and `thread_key`; a reminder expires at the start.
# Stored offsets that are not a non-empty JSON array of numbers count as unset, as `stored_offsets` reads them.
_PLAN_PEOPLE = """
    WITH people AS (
        SELECT a.user_id,
               CASE WHEN json_valid(u.reminder_offsets) AND json_type(u.reminder_offsets) = 'array'
                         AND json_array_length(u.reminder_offsets) > 0
                         AND NOT EXISTS (SELECT 1 FROM json_each(u.reminder_offsets)
                                         WHERE type NOT IN ('integer', 'real'))
                    THEN u.reminder_offsets ELSE :guild_offsets END AS offsets,
               CASE WHEN coalesce(u.reminder_via, :guild_via) = 'dm' AND NOT coalesce(u.opt_out_dms, 0)
                    THEN 'dm' ELSE 'thread' END AS via
        FROM attendees AS a LEFT JOIN users AS u ON u.user_id = a.user_id
        WHERE a.talk_id = :talk_id {only}
    ),
    wanted AS (
        SELECT DISTINCT p.user_id, p.via, CAST(o.value AS INTEGER) AS offset_s
        FROM people AS p, json_each(p.offsets) AS o
    )
"""
_PLAN_DMS = """
    SELECT :guild_id AS guild_id, 'dm' AS target_type, user_id, NULL AS channel_id, :talk_id AS talk_id,
           json_object('offset_s', offset_s) AS payload, :start_ms - offset_s * 1000 AS due_at_ms,
           :start_ms AS expires_at_ms,
           'talk:' || :talk_id || ':attendee:' || user_id || ':' || offset_s || ':' || :start_ms AS dedupe_key,
           :start_ms AS talk_start_ms
    FROM wanted WHERE via = 'dm' AND :start_ms - offset_s * 1000 > :now_ms
"""
_PLAN_THREAD = """
    SELECT :guild_id AS guild_id, 'thread' AS target_type, NULL AS user_id, NULL AS channel_id,
           :talk_id AS talk_id, json_object('offset_s', offset_s) AS payload,
           :start_ms - offset_s * 1000 AS due_at_ms, :start_ms AS expires_at_ms,
           'talk:' || :talk_id || ':attendee:thread:' || offset_s || ':' || :start_ms AS dedupe_key,
           :start_ms AS talk_start_ms
    FROM (SELECT DISTINCT offset_s FROM wanted WHERE via = 'thread')
    WHERE :start_ms - offset_s * 1000 > :now_ms
"""


# One notice per attendee reminded by DM (the one who made the change excepted), and one thread post if any of
# the others is reminded in the thread: the same "people" as the reminders, in SQL for the same reason.
# The people of `_PLAN_PEOPLE` when a talk is cancelled: its attendees and its waitlist (podium/seats.py).
_SEATED_OR_WAITING = ("FROM (SELECT talk_id, user_id FROM attendees WHERE talk_id = :talk_id"
                      " UNION SELECT talk_id, user_id FROM waitlist WHERE talk_id = :talk_id) AS a")
_NOTICES = """
    SELECT :guild_id AS guild_id, 'dm' AS target_type, user_id, NULL AS channel_id, :talk_id AS talk_id,
           :payload AS payload, :due_ms AS due_at_ms, NULL AS expires_at_ms,
           'talk:' || :talk_id || ':attendee-notice:' || user_id || ':' || :stamp AS dedupe_key,
           NULL AS talk_start_ms
    FROM people WHERE via = 'dm'
    UNION ALL
    SELECT :guild_id, 'thread', NULL, NULL, :talk_id, :payload, :due_ms, NULL,
           'talk:' || :talk_id || ':attendee-notice:thread:' || :stamp, NULL
    WHERE EXISTS (SELECT 1 FROM people WHERE via = 'thread')
    ORDER BY target_type, user_id
"""


def reminders_query(
    talk: Talk, guild: GuildSettings, now: datetime, *, dms: bool = True, thread: bool = True,
    user_id: int | None = None,
) -> PlanQuery:
    """The talk's attendee reminders as SQL: DM rows (of everyone, or of `user_id`) and/or the shared thread posts."""
    parts = ([_PLAN_DMS] if dms else []) + ([_PLAN_THREAD] if thread else [])
    if not parts or (thread and user_id is not None):
        raise ValueError("reminders_query: the DMs (of one person or all), the thread posts (of all), or both")
    sql = (
        _PLAN_PEOPLE.format(only="AND a.user_id = :user_id" if user_id is not None else "")
        + " UNION ALL ".join(parts)
        # The order the rows were planned in before (by person, earliest first; the thread posts last): row ids.
        + " ORDER BY target_type, user_id, due_at_ms"
    )
    return PlanQuery(
        kind=ATTENDEE_REMINDER.name,
        sql=sql,
        params={
            "talk_id": talk.id, "guild_id": talk.guild_id, "start_ms": to_ms(talk.starts_at),
            # Whole milliseconds not after `now`: "due after now" as the datetimes compare.
            "now_ms": (now - _EPOCH) // timedelta(milliseconds=1),
            "guild_offsets": json.dumps([int(o) for o in guild.reminder_offsets]),
            "guild_via": guild.reminder_via, "user_id": user_id,
        },
    )


async def plan_attendee_reminders(tx: Transaction, talk: Talk, now: datetime) -> PlanQuery:
    """Every attendee's reminders for the talk as it is now (the talk-bound planner: re-planned with the talk)."""
    return reminders_query(talk, await load_guild(tx, talk.guild_id), now)


async def replan_attendee(
    tx: Transaction, outbox: Outbox, talk: Talk, user_id: int, now: datetime, *, thread_posts: bool = False
) -> None:
    """Re-plan one attendee's reminders of one talk (they joined or left), reading only their own rows.

    The shared thread posts are re-planned too when this person is reminded in the thread, or when asked
    (`thread_posts`: their preferences changed, they may have left the thread): that reads every attendee.
    """
    guild = await load_guild(tx, talk.guild_id)
    scheduled = talk.state == "scheduled"
    mine: PlanQuery | list[OutboxMessage] = (
        reminders_query(talk, guild, now, thread=False, user_id=user_id) if scheduled else []
    )
    await outbox.replace_for_talk_user(tx, talk.id, [ATTENDEE_REMINDER.name], user_id, mine, now=now)
    user = await load_user(tx, user_id)
    _, via = effective_reminders(user, guild)
    if thread_posts or audience_via(via, opted_out(user, DMS)) == "thread":
        shared: PlanQuery | list[OutboxMessage] = reminders_query(talk, guild, now, dms=False) if scheduled else []
        await outbox.replace_for_talk_user(tx, talk.id, [ATTENDEE_REMINDER.name], None, shared, now=now)


async def replan_person(tx: Transaction, outbox: Outbox, user_id: int, now: datetime) -> int:
    """Re-plan a person's reminders of every upcoming talk they asked for; how many talks."""
    rows = await tx.fetchall(
        "SELECT t.* FROM attendees AS a JOIN talks AS t ON t.id = a.talk_id"
        " WHERE a.user_id = ? AND t.state = 'scheduled' AND t.starts_at_ms > ?",
        (user_id, to_ms(now)),
    )
    for row in rows:
        await replan_attendee(tx, outbox, Talk.from_db(row), user_id, now, thread_posts=True)
    return len(rows)


async def remember_forgotten(tx: Transaction, user_id: int, now: datetime, key: bytes | None) -> bool:
    """Before forget-me deletes them: a hash of the member until their last upcoming talk with a Discord event ends.

    Discord keeps showing them Interested; the reconciliation after a restart (scheduled_events.reconcile) must not
    make them an attendee again on its own. Marking Interested again, or 🔔 Remind me, is their own act: it clears it.
    """
    # Any upcoming talk with a Discord event, not only those they attended: a member refused as an attendee (they
    # had stopped reminders) may still be Interested in Discord, and forget-me deletes that opt-out.
    until = await tx.fetchval(
        "SELECT max(starts_at_ms + duration_minutes * 60000) FROM talks"
        " WHERE event_id IS NOT NULL AND state = 'scheduled' AND starts_at_ms > ?",
        (to_ms(now),),
    )
    if until is None:
        return False
    await mark_forgotten(tx, user_id, until, key)
    return True


async def mark_forgotten(tx: Transaction, user_id: int, until_ms: int, key: bytes | None) -> None:
    """Keep the forgotten member's marker (a keyed hash, `forgotten_members`) at least until `until_ms`."""
    await tx.execute(
        "INSERT INTO forgotten_members (digest, until_ms) VALUES (?, ?)"
        " ON CONFLICT (digest) DO UPDATE SET until_ms = max(until_ms, excluded.until_ms)",
        (privacy.digest(user_id, key), until_ms),
    )


async def forgotten_among(tx: Transaction, user_ids: Collection[int], now: datetime, key: bytes | None) -> set[int]:
    """Which of these members asked to be forgotten, while their marker lasts (`was_forgotten` for many)."""
    # The markers are few (members forgotten lately) where a stage may hold thousands: read them all.
    marks = {row["digest"] for row in await tx.fetchall(
        "SELECT digest FROM forgotten_members WHERE until_ms > ?", (to_ms(now),))}
    if not marks:
        return set()
    return {user_id for user_id in user_ids if privacy.digest(user_id, key) in marks}


async def was_forgotten(db: Database | Transaction, user_id: int, now: datetime, key: bytes | None) -> bool:
    """Whether the member asked to be forgotten while Discord may still show them Interested in a talk's event."""
    found = await db.fetchone(
        "SELECT 1 FROM forgotten_members WHERE digest = ? AND until_ms > ?", (privacy.digest(user_id, key), to_ms(now))
    )
    return found is not None


async def count_attendees(source: Database | Transaction, talk_id: int) -> int:
    """How many members asked to be reminded of the talk (from the primary key alone)."""
    return int(await source.fetchval("SELECT count(*) FROM attendees WHERE talk_id = ?", (talk_id,)))


async def count_attendees_of(source: Database | Transaction, talk_ids: Sequence[int]) -> dict[int, int]:
    """Attendees of each of these talks (0 for none)."""
    if not talk_ids:
        return {}
    rows = await source.fetchall(
        f"SELECT talk_id, count(*) AS n FROM attendees WHERE talk_id IN ({','.join('?' * len(talk_ids))})"
        " GROUP BY talk_id",
        tuple(talk_ids),
    )
    found = {row["talk_id"]: row["n"] for row in rows}
    return {talk_id: found.get(talk_id, 0) for talk_id in talk_ids}


def going(n: int, t: Translator = ENGLISH) -> str:
    """'1 going', '12 going'."""
    return t.ngettext("{n} going", "{n} going", n)


# -- sending: what the dispatcher reads when a message goes out ------------------------------------------------


async def _pings(
    db: Database, row: OutboxRow, topic_columns: tuple[str, ...], *, actor: int | None = None
) -> dict[str, Any]:
    """Whom a thread post for attendees mentions, read when it goes out; plus how many more there are.

    Those reminded in the thread who have not opted out (of everything or of `topic_columns`), at most MAX_PINGS;
    never `actor`, who made the change the post tells of (their reply told them; DM notices leave them out too).
    """
    if row.talk_id is None or row.guild_id is None:
        return {"ping_ids": [], "more": 0}
    guild = await load_guild(db, row.guild_id)
    offset = row.payload.get("offset_s")
    stopped = " OR ".join(f"coalesce(u.{column}, 0)" for column in ("opt_out_everything", *topic_columns))
    rows = await db.fetchall(
        "SELECT a.user_id, u.reminder_offsets, u.reminder_via, coalesce(u.opt_out_dms, 0) AS no_dms"
        " FROM attendees AS a LEFT JOIN users AS u ON u.user_id = a.user_id"
        f" WHERE a.talk_id = ? AND a.user_id IS NOT ? AND NOT ({stopped})",
        (row.talk_id, actor),
    )
    chosen = [
        r["user_id"]
        for r in rows
        if audience_via(r["reminder_via"] or guild.reminder_via, bool(r["no_dms"])) == "thread"
        and (offset is None or offset in (stored_offsets(r["reminder_offsets"]) or guild.reminder_offsets))
    ]
    return {"ping_ids": chosen[:MAX_PINGS], "more": max(0, len(chosen) - MAX_PINGS)}


async def _where_from(db: Database, row: OutboxRow) -> dict[str, Any]:
    """The server's name (a DM says where it comes from)."""
    return {"guild_name": await load_guild_name(db, row.guild_id)}


async def _prepare_reminder(db: Database, row: OutboxRow, now: datetime) -> dict[str, Any]:
    if row.user_id is None:
        return await _pings(db, row, ("opt_out_talk_reminders",))
    return await _where_from(db, row)


async def _prepare_notice(db: Database, row: OutboxRow, now: datetime) -> dict[str, Any]:
    if row.user_id is None:
        by = row.payload.get("by_user_id")
        return await _pings(db, row, ("opt_out_notices",), actor=by if isinstance(by, int) else None)
    return await _where_from(db, row)


async def _prepare_announcement(db: Database, row: OutboxRow, now: datetime) -> dict[str, Any]:
    if row.talk_id is None:
        return {"attendees": 0, "waiting": 0}
    # The waiting are counted for the Join button of a talk with seats ("Join the waitlist (3 waiting)").
    return {"attendees": await count_attendees(db, row.talk_id), "waiting": await count_waiting(db, row.talk_id)}


def _buttons(ctx: RenderContext, talk: Talk, *, disabled: bool) -> dict[str, Any]:
    """The talk's 🔔 buttons; with a seat limit the first reads "Join (12/20)" or "Join the waitlist (3 waiting)"."""
    attendees, waiting = ctx.payload.get("attendees"), ctx.payload.get("waiting")
    seats = None
    if talk.seat_limit is not None and isinstance(attendees, int):
        seats = components.Seats(attendees, talk.seat_limit, waiting if isinstance(waiting, int) else 0)
    return components.remind_buttons(talk.id, ctx.t, disabled=disabled, seats=seats)


async def _mark_announced(sent: kinds.SentContext) -> None:
    """An announced talk's later changes are told to the channel too (as after a weekly summary)."""
    if sent.row.talk_id is not None:
        await sent.tx.execute("UPDATE talks SET announced = 1 WHERE id = ?", (sent.row.talk_id,))


# -- rendering ------------------------------------------------------------------------------------------------


def _talk_name(ctx: RenderContext, topic: str) -> str:
    """The talk's topic in bold; in a DM also the server it is on ("**Rust** on **Our server**")."""
    name = ctx.payload.get("guild_name")
    if ctx.via == "dm" and isinstance(name, str) and name:
        return ctx.t._("{topic} on {server}", topic=quote(topic), server=quote(name))
    return quote(topic)


def _thread_bits(ctx: RenderContext, talk: Talk) -> tuple[str, tuple[dict[str, Any], ...]]:
    """In a DM: the talk's thread named, and a button that opens it."""
    if ctx.via != "dm" or talk.thread_id is None:
        return "", ()
    thread = " " + ctx.t._("Its thread: {thread}.", thread=f"<#{talk.thread_id}>")
    return thread, components.thread_link(talk.guild_id, talk.thread_id, ctx.t)


def _mentions(ctx: RenderContext) -> tuple[str, tuple[int, ...]]:
    ids = ctx.payload.get("ping_ids")
    pings = tuple(i for i in ids if isinstance(i, int) and not isinstance(i, bool)) if isinstance(ids, list) else ()
    more = ctx.payload.get("more")
    extra = " " + ctx.t.ngettext("(+{n} more)", "(+{n} more)", more) if isinstance(more, int) and more > 0 else ""
    return (" ".join(f"<@{i}>" for i in pings) + extra + " " if pings else ""), pings


def _for_one(ctx: RenderContext) -> bool:
    """A DM speaks to its one reader; a post in the talk's thread speaks about those it mentions, to everyone there."""
    return ctx.via == "dm"


def render_reminder(ctx: RenderContext) -> Rendered:
    """⏰ to an attendee (DM) or to the attendees reminded in the talk's thread."""
    talk, t = talk_of(ctx), ctx.t
    who, pings = _mentions(ctx)
    thread, links = _thread_bits(ctx, talk)
    if _for_one(ctx):
        why = t._("You asked to be reminded. Change when and how with {command}.", command=command("remind-me talks"))
    else:
        why = t._("For those who asked to be reminded; when and how: {command}.", command=command("remind-me talks"))
    text = (
        "⏰ " + who + t._("{talk} by {speaker} starts {when}.", talk=_talk_name(ctx, talk.topic),
                          speaker=f"<@{talk.speaker_id}>", when=both_times(talk.starts_at))
        + thread + "\n-# " + why
    )
    leave = components.button(t._("Can't make it / stop reminding me"), components.LEAVE, talk.id)
    calendar = components.calendar_button(talk.id, t)
    return Rendered(text, pings=pings, components=(components.row(leave, *links, calendar),))


def _by(ctx: RenderContext) -> str:
    by = ctx.payload.get("by_user_id")
    if not isinstance(by, int) or isinstance(by, bool) or by == privacy.FORGOTTEN_USER:
        return ""
    # Translators: completes "… was moved{by}: …" / "… was cancelled{by}."; mind the leading space.
    return ctx.t._(" by {user}", user=f"<@{by}>")


def _change_lines(ctx: RenderContext, talk_topic: str) -> list[str]:
    payload, t = ctx.payload, ctx.t
    talk = _talk_name(ctx, talk_topic)
    lines = []
    if payload.get("cancelled"):
        start = from_ms(need(payload, "old_start_ms", int))
        if payload.get("in_discord") is True:
            return [t._("🚫 {talk} on ~~{start}~~ was cancelled in Discord's Events{by}.", talk=talk,
                        start=discord_time(start), by=_by(ctx))]
        reason = payload.get("reason")
        if isinstance(reason, str) and reason:
            return [t._("🚫 {talk} on ~~{start}~~ was cancelled{by}: {reason}", talk=talk, start=discord_time(start),
                        by=_by(ctx), reason=quote(reason))]
        return [t._("🚫 {talk} on ~~{start}~~ was cancelled{by}.", talk=talk, start=discord_time(start), by=_by(ctx))]
    old, new = payload.get("old_start_ms"), payload.get("new_start_ms")
    if isinstance(old, int) and isinstance(new, int) and old != new:
        moved = t._("📅 {talk} was moved{by}: {change}.", talk=talk, by=_by(ctx),
                    change=moved_at_a_glance(from_ms(old), from_ms(new)))
        lines.append(moved + " " + (t._("Your reminders moved with it.") if _for_one(ctx)
                                    else t._("The reminders moved with it.")))
    old_speaker, new_speaker = payload.get("old_speaker_id"), payload.get("new_speaker_id")
    if isinstance(old_speaker, int) and isinstance(new_speaker, int) and old_speaker != new_speaker:
        lines.append(t._("🎤 {talk} has a new speaker: {new} (instead of {old}).", talk=talk,
                         new=f"<@{new_speaker}>", old=f"<@{old_speaker}>"))
    return lines


def render_notice(ctx: RenderContext) -> Rendered:
    """What changed about a talk the attendee asked for: time, speaker, or its cancellation."""
    topic, t = need(ctx.payload, "topic", str), ctx.t
    who, pings = _mentions(ctx)
    lines = _change_lines(ctx, topic) or [t._("ℹ️ {talk} changed.", talk=_talk_name(ctx, topic))]
    why = (t._("You asked to be reminded of this talk.") if _for_one(ctx)
           else t._("For those who asked to be reminded of this talk."))
    text = who + "\n".join(lines) + "\n-# " + why
    if ctx.payload.get("cancelled") or ctx.talk is None:
        return Rendered(text, pings=pings)
    thread, links = _thread_bits(ctx, ctx.talk)
    leave = components.button(t._("Can't make it / stop reminding me"), components.LEAVE, ctx.talk.id)
    # A move is when a calendar entry made from an earlier 📅 click goes wrong: the same UID with a higher
    # SEQUENCE replaces it in the member's calendar.
    calendar = components.calendar_button(ctx.talk.id, t)
    return Rendered(text + thread, pings=pings, components=(components.row(leave, *links, calendar),))


def render_announcement(ctx: RenderContext) -> Rendered:
    """📣 A new talk, with its buttons; the speaker named, not pinged.

    Edited later to show the talk as it is now (podium/posts.py): a new time, or "🚫 Cancelled" with the topic
    struck and the buttons greyed out.
    """
    talk, t = talk_of(ctx), ctx.t
    attendees = ctx.payload.get("attendees")
    cancelled = talk.state == "cancelled"
    when = f"~~{discord_time(talk.starts_at)}~~" if cancelled else both_times(talk.starts_at)
    title = "🚫 " + t._("Cancelled") + f": ~~{inert(clip(talk.topic, 200))}~~" if cancelled else inert(
        clip(talk.topic, 256))
    footer = t._("times are shown in each reader's own time zone")
    embed: dict[str, Any] = {
        "title": title,
        "color": 0x99AAB5 if cancelled else 0x5865F2,
        "fields": [
            {"name": t._("When"), "value": when, "inline": True},
            {"name": t._("Speaker"), "value": f"<@{talk.speaker_id}>", "inline": True},
            {"name": t._("Length"), "value": t._("{minutes} min", minutes=talk.duration_minutes), "inline": True},
        ],
        "footer": {"text": footer if cancelled else "🔔 " + going(attendees if isinstance(attendees, int) else 0, t)
                   + " · " + footer},
    }
    if talk.description:
        # At most 1,000 characters typed, so at most about 2,500 escaped: within an embed's 4,096.
        embed["description"] = inert(talk.description[:DESCRIPTION_MAX], one_line=False)
    if cancelled:
        content = t._("🚫 **Cancelled**: {topic} by {speaker}, {when}.", topic=f"~~{quote(talk.topic)}~~",
                      speaker=f"<@{talk.speaker_id}>", when=when)
    else:
        content = t._(
            "📣 **New talk**: {topic} by {speaker}, {when}. 🔔 for a reminder — more talks are welcome: {command}",
            topic=quote(talk.topic), speaker=f"<@{talk.speaker_id}>", when=when, command=command("schedule add"),
        )
    return Rendered(content, (embed,), components=(_buttons(ctx, talk, disabled=cancelled),))


def render_thread_open(ctx: RenderContext) -> Rendered:
    """The first post of a talk's thread (edited like the new-talk post when the talk changes)."""
    talk, t = talk_of(ctx), ctx.t
    cancelled = talk.state == "cancelled"
    if cancelled:
        text = t._("🚫 {topic} by {speaker}, {when}, was cancelled; this thread stays readable.",
                   topic=f"~~{quote(talk.topic)}~~", speaker=f"<@{talk.speaker_id}>",
                   when=f"~~{discord_time(talk.starts_at)}~~")
    else:
        text = t._("🧵 The thread of {topic} by {speaker}, {when}. Everyone who clicks 🔔 Remind me is added here; "
                   "questions for the speaker are welcome.", topic=quote(talk.topic), speaker=f"<@{talk.speaker_id}>",
                   when=both_times(talk.starts_at))
    return Rendered(text, components=(_buttons(ctx, talk, disabled=cancelled),))


async def _add_to_thread(action: kinds.ActionContext) -> int:
    """Add the row's person to the talk's thread (made if needed, under the announcement channel)."""
    row, talk = action.row, action.talk
    if talk is None:
        raise kinds.ActionSkipped("the talk no longer exists")
    if row.user_id is None:
        raise kinds.ActionSkipped("adding to a thread needs the row's user_id")
    parent = (action.guild.announce_channel_id if action.guild is not None else None) or row.channel_id
    thread_id = await action.talk_thread(talk, parent)
    if thread_id is None:
        raise kinds.ActionSkipped("no announcement channel to hold the talk's thread")
    try:
        await action.transport.add_thread_member(thread_id, row.user_id)
    except GoneError as exc:
        await _forget_deleted_thread(action, exc)
        raise kinds.ActionSkipped(f"thread: {exc}") from exc
    return thread_id


async def _archive_thread(action: kinds.ActionContext) -> int:
    """Archive the talk's thread; never makes one: a talk nobody made a thread for has nothing to archive."""
    if action.talk is None:
        raise kinds.ActionSkipped("the talk no longer exists")
    stored = await action.db.fetchone("SELECT thread_id FROM talks WHERE id = ?", (action.talk.id,))
    if stored is None or stored["thread_id"] is None:
        raise kinds.ActionSkipped("the talk has no thread")
    thread_id = int(stored["thread_id"])
    try:
        await action.transport.archive_thread(thread_id)
    except GoneError as exc:
        await _forget_deleted_thread(action, exc)
        raise kinds.ActionSkipped(f"thread: {exc}") from exc
    return thread_id


async def _forget_deleted_thread(action: kinds.ActionContext, exc: GoneError) -> None:
    """A thread deleted by hand is forgotten (the next thread delivery makes a new one); a member who left is not."""
    if exc.code == UNKNOWN_CHANNEL and action.talk is not None:
        async with action.db.transaction() as tx:
            await tx.execute("UPDATE talks SET thread_id = NULL WHERE id = ?", (action.talk.id,))


ATTENDEE_REMINDER = kinds.register(
    kinds.KindSpec(
        name="attendee_reminder",
        in_talk_info="counted",
        recipient="attendee",
        render=render_reminder,
        consent=TALK_REMINDERS,
        talk_bound=True,
        plan=plan_attendee_reminders,
        prepare=_prepare_reminder,
        expiry=lambda message: message.talk_start,
        label=N_("attendee reminder"),
        # To whom and when: members who clicked 🔔 Remind me, at their offsets: by DM, or one post in the talk's thread.
        example={"offset_s": 3600, "guild_name": "_" * 100, "ping_ids": [10**18 + i for i in range(MAX_PINGS)],
                 "more": 1950},
    )
)
ATTENDEE_NOTICE = kinds.register(
    kinds.KindSpec(
        name="attendee_notice",
        in_talk_info="counted",
        recipient="attendee",
        render=render_notice,
        consent=NOTICES,
        prepare=_prepare_notice,
        label=N_("attendee notice"),
        # To whom and when: members who clicked 🔔 Remind me, when the talk is moved, cancelled or gets another speaker.
        example={"topic": "_" * 200, "old_start_ms": 1795900000000, "new_start_ms": 1796000000000,
                 "old_speaker_id": 10**18, "new_speaker_id": 10**18 + 1, "cancelled": False, "in_discord": False,
                 "guild_name": "_" * 100,
                 "ping_ids": [10**18 + i for i in range(MAX_PINGS)], "more": 1950},
    )
)
TALK_ANNOUNCEMENT = kinds.register(
    kinds.KindSpec(
        name="talk_announcement",
        about_a_scheduled_talk=True,
        render=render_announcement,
        consent=None,
        prepare=_prepare_announcement,
        on_sent=_mark_announced,
        kept_true=render_announcement,  # it shows a cancelled talk as cancelled
        expiry=lambda message: message.talk_start,
        label=N_("talk announcement"),
        # To whom and when: the announcement channel, when a talk is added (if the guild turned it on).
        example={"attendees": 100000},
    )
)
TALK_THREAD_OPEN = kinds.register(
    kinds.KindSpec(
        name="talk_thread_open",
        about_a_scheduled_talk=True,
        render=render_thread_open,
        consent=None,
        prepare=_prepare_announcement,  # its Join button counts seats
        kept_true=render_thread_open,
        expiry=lambda message: message.talk_start,
        label=N_("talk thread open"),
        # To whom and when: the talk's new thread (which this first post creates), when the talk is announced.
    )
)
THREAD_MEMBER = kinds.register(
    kinds.KindSpec(
        name="thread_member",
        in_talk_info="counted",
        recipient="attendee",
        about_a_scheduled_talk=True,
        render=kinds.describes("(adds the attendee to the talk's thread)"),
        consent=TALK_REMINDERS,
        act=_add_to_thread,
        label=N_("thread member"),
        # To whom and when: adds a member who clicked 🔔 Remind me to the talk's thread (made if needed).
    )
)
THREAD_ARCHIVE = kinds.register(
    kinds.KindSpec(
        name="thread_archive",
        render=kinds.describes("(archives the talk's thread)"),
        consent=None,
        act=_archive_thread,
        label=N_("thread archive"),
        # To whom and when: archives the talk's thread an hour after the talk (soon after it is cancelled).
    )
)
NEW_TALKS = switch(Switch(
    name="new-talks", column="announce_new_talks",
    label=N_("Post each new talk with a 🔔 Remind me button"),
    on=N_("📣 Each talk added from now on is posted in the announcement channel with a 🔔 Remind me button, "
          "and gets a thread where those who click it are added."),
    off=N_("New talks will not be posted any more."),
))  # talks added from now on: nothing is re-planned
# Rows of these kinds belong to a talk's audience; /schedule info counts them instead of listing them.
AUDIENCE_KINDS = (ATTENDEE_REMINDER.name, ATTENDEE_NOTICE.name, THREAD_MEMBER.name)


# -- the talk hooks: what a change to a talk means for its audience -------------------------------------------


def _archive(talk: Talk, due: datetime) -> OutboxMessage:
    return OutboxMessage(
        kind=THREAD_ARCHIVE.name,
        dedupe_key=f"talk:{talk.id}:thread-archive",
        due_at=due,
        target_type="thread",
        guild_id=talk.guild_id,
        talk_id=talk.id,
    )


async def _notices(tx: Transaction, outbox: Outbox, event: TalkEvent, change: dict[str, Any]) -> int:
    """One notice per attendee for this change, merged with a notice still pending for an earlier one."""
    talk = event.after
    pending = await tx.fetchone(
        "SELECT payload, due_at_ms FROM outbox WHERE talk_id = ? AND kind = ? AND state = 'pending'"
        " ORDER BY id LIMIT 1",
        (talk.id, ATTENDEE_NOTICE.name),
    )
    due = await _notice_due(tx, talk, event.now, pending["due_at_ms"] if pending is not None else None,
                            cancelled=bool(change.get("cancelled")))
    await outbox.cancel_pending(tx, now=event.now, reason="merged into a later notice", talk_id=talk.id,
                                kinds=[ATTENDEE_NOTICE.name])
    merged = dict(change)
    if pending is not None:
        earlier = json.loads(pending["payload"])
        # What attendees last heard is what the earlier notice would have changed from.
        for key in ("old_start_ms", "old_speaker_id"):
            if isinstance(earlier.get(key), int):
                merged[key] = earlier[key]
    if not merged.get("cancelled") and merged.get("old_start_ms") == merged.get("new_start_ms") and merged.get(
        "old_speaker_id"
    ) == merged.get("new_speaker_id"):
        return 0  # changed and changed back before anyone was told
    guild = await load_guild(tx, talk.guild_id)
    payload = {"topic": talk.topic, "by_user_id": event.actor.user_id, **merged}
    people = _PLAN_PEOPLE.format(only="AND a.user_id != :actor_id")
    if merged.get("cancelled"):
        # A cancelled talk is news to those waiting for a seat too (one may hold an offer whose Accept now fails):
        # they are told as the seated are. A move or a new speaker keeps their place, so it is theirs to read.
        people = people.replace("FROM attendees AS a", _SEATED_OR_WAITING, 1)
    plan = PlanQuery(
        kind=ATTENDEE_NOTICE.name,
        sql=people + _NOTICES,
        params={
            "talk_id": talk.id, "guild_id": talk.guild_id, "actor_id": event.actor.user_id,
            "payload": json.dumps(payload, separators=(",", ":"), sort_keys=True), "due_ms": to_ms(due),
            "stamp": to_ms(talk.updated_at), "guild_offsets": "[]", "guild_via": guild.reminder_via,
        },
    )
    return await outbox.enqueue_query(tx, plan, now=event.now)


async def _notice_due(
    tx: Transaction, talk: Talk, now: datetime, waiting_ms: int | None, *, cancelled: bool
) -> datetime:
    """When the audience hears of a change: held a minute (never past the talk's start), then once per NOTICE_EVERY.

    A cancellation is the last word about a talk: it goes at once. A change merged into a notice still waiting keeps
    that notice's time. The first change in NOTICE_EVERY is told before the talk starts (those who come must know the
    time); once a notice went out, the next waits NOTICE_EVERY even past the start: else a talk kept moving to a
    minute from now would send a DM at every move.
    """
    if cancelled:
        return now
    if waiting_ms is not None:
        return max(now, from_ms(waiting_ms))
    last = await tx.fetchval(
        "SELECT max(coalesce(sent_at_ms, updated_at_ms)) FROM outbox WHERE talk_id = ? AND kind = ?"
        " AND state IN ('sending', 'sent')",
        (talk.id, ATTENDEE_NOTICE.name),
    )
    if last is not None and from_ms(last) + NOTICE_EVERY > now:
        return max(now + NOTICE_HOLD, from_ms(last) + NOTICE_EVERY)
    return max(now, min(now + NOTICE_HOLD, talk.starts_at - NOTICE_HOLD))


@subscribes
def subscribe(hooks: TalkHooks, outbox: Outbox) -> TalkHooks:
    """Add the audience's subscribers to the talk hooks (registered: `talks.composed_hooks` adds it)."""

    @hooks.subscribe("talk_scheduled")
    async def announce(tx: Transaction, event: TalkEvent) -> None:
        talk = event.after
        guild = await load_guild(tx, talk.guild_id)
        messages = [_archive(talk, talk.ends_at + ARCHIVE_AFTER_END)]
        if guild.is_on(NEW_TALKS) and guild.announce_channel_id is not None:
            messages += [
                OutboxMessage(kind=TALK_ANNOUNCEMENT.name, dedupe_key=f"talk:{talk.id}:announcement",
                              due_at=event.now, target_type="channel", guild_id=talk.guild_id,
                              channel_id=guild.announce_channel_id, talk_id=talk.id),
                # Its first post creates the talk's thread now, so attendees can be added as they click.
                OutboxMessage(kind=TALK_THREAD_OPEN.name, dedupe_key=f"talk:{talk.id}:thread-open",
                              due_at=event.now, target_type="thread", guild_id=talk.guild_id, talk_id=talk.id),
            ]
        await outbox.enqueue_many(tx, messages, now=event.now)

    @hooks.subscribe("talk_rescheduled")
    async def moved(tx: Transaction, event: TalkEvent) -> None:
        before, talk = event.before or event.after, event.after
        await outbox.enqueue(tx, _archive(talk, talk.ends_at + ARCHIVE_AFTER_END), now=event.now)
        await _notices(tx, outbox, event, {
            "old_start_ms": to_ms(before.starts_at), "new_start_ms": to_ms(talk.starts_at),
            "old_speaker_id": before.speaker_id, "new_speaker_id": talk.speaker_id,
        })

    @hooks.subscribe("talk_cancelled")
    async def cancelled(tx: Transaction, event: TalkEvent) -> None:
        talk = event.after
        await outbox.cancel_pending(tx, now=event.now, reason="talk cancelled", talk_id=talk.id,
                                    kinds=[TALK_ANNOUNCEMENT.name, TALK_THREAD_OPEN.name, THREAD_MEMBER.name])
        await _notices(tx, outbox, event, {
            "cancelled": True, **cancel_reason(event.reason), "old_start_ms": to_ms(talk.starts_at),
            "new_start_ms": to_ms(talk.starts_at), "old_speaker_id": talk.speaker_id,
            "new_speaker_id": talk.speaker_id,
        })
        # After the notice in it: the thread stays readable, and a later message would reopen it.
        await outbox.enqueue(tx, _archive(talk, event.now + ARCHIVE_AFTER_CANCEL), now=event.now)

    @hooks.subscribe("talk_edited")
    async def edited(tx: Transaction, event: TalkEvent) -> None:
        before, talk = event.before or event.after, event.after
        await outbox.enqueue(tx, _archive(talk, talk.ends_at + ARCHIVE_AFTER_END), now=event.now)
        if before.speaker_id == talk.speaker_id:
            return  # topic, length or description: nothing an attendee must be told about
        # The new speaker is reminded as the speaker now, not also as an attendee.
        await tx.execute("DELETE FROM attendees WHERE talk_id = ? AND user_id = ?", (talk.id, talk.speaker_id))
        await replan_attendee(tx, outbox, talk, talk.speaker_id, event.now)
        await _notices(tx, outbox, event, {
            "old_start_ms": to_ms(talk.starts_at), "new_start_ms": to_ms(talk.starts_at),
            "old_speaker_id": before.speaker_id, "new_speaker_id": talk.speaker_id,
        })

    return hooks


# -- the service the cogs call ----------------------------------------------------------------------------------


# What runs in the transaction of a click that changed who is going (the talk as it is, now).
AttendanceHook = Callable[[Transaction, Outbox, Talk, datetime], Awaitable[None]]


async def seated(tx: Transaction, outbox: Outbox, talk: Talk, user_id: int, now: datetime) -> None:
    """A member just added to the talk's attendees: their reminders planned, and they are added to its thread.

    A Join does it, and so does podium/seats.py for a waiting member seated without an offer (the limit removed).
    """
    await replan_attendee(tx, outbox, talk, user_id, now)
    guild = await load_guild(tx, talk.guild_id)
    if guild.announce_channel_id is not None:
        await outbox.enqueue(tx, OutboxMessage(
            kind=THREAD_MEMBER.name,
            dedupe_key=f"talk:{talk.id}:thread-member:{user_id}",
            due_at=now,
            target_type="thread",
            guild_id=talk.guild_id,
            user_id=user_id,
            talk_id=talk.id,
            expires_at=talk.ends_at,
        ), now=now)


class Audience:
    """Joining and leaving a talk's audience; each click commits with the re-planning it causes."""

    def __init__(self, db: Database, outbox: Outbox, clock: Clock, forget_key: bytes | None = None,
                 on_attendance: AttendanceHook | None = None) -> None:
        self.db = db
        self.outbox = outbox
        self.clock = clock
        # Called in the click's transaction when someone joined or left (bot.py: posts.attendance_changed, which
        # edits the "🔔 N going" of the talk's posts; podium/posts.py imports this module, so it is passed in).
        self.on_attendance = on_attendance
        # The key of the forgotten-members marker (`privacy.digest`): from the bot token, never in the database.
        self.forget_key = forget_key

    async def _talk(self, tx: Transaction, talk_id: int, guild_id: int | None) -> Talk:
        talk = await load_talk(tx, talk_id)
        # A button in a DM has no guild; one in a server only acts on that server's talks.
        if talk is None or (guild_id is not None and talk.guild_id != guild_id):
            raise AudienceError(N_("I can't find that talk any more. See what's coming with {command}."),
                                command=command("schedule list"))
        return talk

    async def join(
        self, *, talk_id: int, user_id: int, guild_id: int | None, coming: bool = False, offer: bool = False
    ) -> Attendance:
        """"🔔 Remind me": plan this member's reminders of the talk; clicking again changes nothing.

        `coming`: "🙋 I'm coming" (podium/starts_soon.py), which asks for no reminder, only to be counted and added to
        the thread: it may join a talk under way, and its refusals do not speak of reminders.
        A talk with a seat limit seats the member, or puts them on its waitlist (`SeatRules.admit`); `offer`: they
        accept a seat offered to them (podium/seats.py).
        """
        now = self.clock.now()
        if guild_id is None:
            # Every 🔔 Podium shows is in a server; a click without one is a forged custom id reaching for any talk
            # by its number. Joining is for members of the talk's server, where the click proves membership.
            raise AudienceError(N_("Click 🔔 Remind me on the talk in its server. See what's coming with {command}."),
                                command=command("schedule list"))
        async with self.db.transaction() as tx:
            talk = await self._talk(tx, talk_id, guild_id)
            if talk.approval != "approved":
                # Not on the schedule yet (or declined): no button shows it, but a custom id names any talk.
                raise AudienceError(N_("{topic} isn't on the schedule (yet): a moderator hasn't approved it."),
                                    topic=quote(talk.topic))
            if talk.state == "cancelled":
                raise AudienceError(N_("{topic} was cancelled.") if coming
                                    else N_("{topic} was cancelled; there is nothing to be reminded of."),
                                    topic=quote(talk.topic))
            if talk.state == "done" or talk.ends_at <= now:
                raise AudienceError(N_("{topic} has already taken place.") if coming
                                    else N_("{topic} has already taken place; there is nothing to remind you of."),
                                    topic=quote(talk.topic))
            if talk.starts_at <= now and not coming:
                raise AudienceError(N_("{topic} has already started; it's too late for a reminder."),
                                    topic=quote(talk.topic))
            if talk.speaker_id == user_id and coming:
                raise AudienceError(N_("You're the speaker of {topic}: it can't start without you."),
                                    topic=quote(talk.topic))
            if talk.speaker_id == user_id:
                raise AudienceError(
                    N_("You're the speaker of {topic}: you're reminded as its speaker. "
                       "Change when and how with {command}."),
                    topic=quote(talk.topic), command=command("remind-me talks"),
                )
            user = await load_user(tx, user_id)
            if opted_out(user, EVERYTHING) or opted_out(user, TALK_REMINDERS):
                what = EVERYTHING if opted_out(user, EVERYTHING) else TALK_REMINDERS
                raise AudienceError(
                    N_("You stopped {what} with {stop}, so I won't remind you of {topic}. "
                       "Allow them again with {command} `what:{key}`, then click again."),
                    what=Text(what.label), topic=quote(talk.topic), stop=command("opt-out stop"),
                    command=command("opt-out allow"),
                    key=Text(what.choice),
                )
            for rules in _seat_rules:
                waitlisted = await rules.admit(tx, self.outbox, talk, user_id, now, offer)
                if waitlisted is not None:
                    if waitlisted.changed and self.on_attendance is not None:
                        await self.on_attendance(tx, self.outbox, talk, now)  # "Join the waitlist (N waiting)"
                    return await self._attendance(tx, talk, user_id, changed=waitlisted.changed, attending=False,
                                                  now=now, waiting_position=waitlisted.position)
            cursor = await tx.execute(
                "INSERT INTO attendees (talk_id, user_id, created_at_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (talk.id, user_id, to_ms(now)),
            )
            # Their own act after forget-me: the reconciliation may count them again.
            await tx.execute("DELETE FROM forgotten_members WHERE digest = ?",
                             (privacy.digest(user_id, self.forget_key),))
            joined = cursor.rowcount == 1
            if joined:
                await seated(tx, self.outbox, talk, user_id, now)
                if self.on_attendance is not None:
                    await self.on_attendance(tx, self.outbox, talk, now)
            attendance = await self._attendance(tx, talk, user_id, changed=joined, attending=True, now=now)
        if joined:
            log.info("user %d will be reminded of talk %d", user_id, talk.id)
        return attendance

    async def leave(self, *, talk_id: int, user_id: int, guild_id: int | None) -> Attendance:
        """"Can't make it": no more reminders or notices of the talk for this member."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            talk = await self._talk(tx, talk_id, guild_id)
            cursor = await tx.execute("DELETE FROM attendees WHERE talk_id = ? AND user_id = ?", (talk.id, user_id))
            left = cursor.rowcount == 1
            # Off the waitlist, and a seat freed is offered to the first waiting (in this transaction).
            waited = any([await rules.freed(tx, self.outbox, talk, user_id, now) for rules in _seat_rules])
            if left:
                await replan_attendee(tx, self.outbox, talk, user_id, now)
                await self.outbox.cancel_pending(tx, now=now, reason="left the audience", talk_id=talk.id,
                                                 user_id=user_id, kinds=[ATTENDEE_NOTICE.name, THREAD_MEMBER.name])
            if (left or waited) and self.on_attendance is not None:
                await self.on_attendance(tx, self.outbox, talk, now)
            attendance = await self._attendance(tx, talk, user_id, changed=left or waited, attending=False, now=now,
                                                left_waitlist=waited)
        if left:
            log.info("user %d left the audience of talk %d", user_id, talk.id)
        return attendance

    async def _attendance(
        self, tx: Transaction, talk: Talk, user_id: int, *, changed: bool, attending: bool, now: datetime,
        waiting_position: int | None = None, left_waitlist: bool = False,
    ) -> Attendance:
        user = await load_user(tx, user_id)
        offsets, via = effective_reminders(user, await load_guild(tx, talk.guild_id))
        ahead = [talk.starts_at - timedelta(seconds=o) for o in offsets if talk.starts_at - timedelta(seconds=o) > now]
        return Attendance(
            talk=talk,
            changed=changed,
            attending=attending,
            via=audience_via(via, opted_out(user, DMS)),
            offsets=tuple(sorted(set(offsets), reverse=True)),
            next_reminder=min(ahead) if ahead else None,
            attendees=await count_attendees(tx, talk.id),
            started=talk.starts_at <= now,
            waiting_position=waiting_position,
            left_waitlist=left_waitlist,
        )

    async def count(self, talk_id: int) -> int:
        """How many members asked to be reminded of the talk."""
        return await count_attendees(self.db, talk_id)

    async def waiting(self, talk_id: int) -> int:
        """How many wait for a seat at the talk (a talk with a seat limit)."""
        return await count_waiting(self.db, talk_id)

    async def counts(self, talk_ids: Sequence[int]) -> dict[int, int]:
        """Attendees of each of these talks."""
        return await count_attendees_of(self.db, talk_ids)

    async def who(self, talk_id: int, limit: int = GOING_SHOWN) -> list[int]:
        """Some of the talk's attendees, by id (the primary key's order: no sort over thousands).

        Members who used forget-me are not among them: forget-me deletes their rows.
        """
        rows = await self.db.fetchall("SELECT user_id FROM attendees WHERE talk_id = ? ORDER BY user_id LIMIT ?",
                                      (talk_id, limit))
        return [row["user_id"] for row in rows]

    async def for_calendar(self, *, talk_id: int, user_id: int, guild_id: int | None) -> Talk:
        """The talk behind "📅 Add to calendar", if it is still ahead and this member may see it.

        In a server the click proves membership; in a DM (a reminder) only the talk's speaker and its attendees got
        the button, so nobody else reads a talk of a server by its number.
        """
        talk = await load_talk(self.db, talk_id)
        if talk is None or (guild_id is not None and talk.guild_id != guild_id):
            raise AudienceError(N_("I can't find that talk any more. See what's coming with {command}."),
                                command=command("schedule list"))
        if guild_id is None and talk.speaker_id != user_id and not await self.is_attending(talk.id, user_id):
            # Said without the talk's name: the click may be forged.
            raise AudienceError(N_("In a DM this button is for the talk's speaker and those reminded of it; in the "
                                   "server, {command} shows every talk with its 📅 button."),
                                command=command("schedule list"))
        if talk.state == "cancelled":
            raise AudienceError(N_("{topic} was cancelled; there is nothing to add to your calendar."),
                                topic=quote(talk.topic))
        if talk.state == "done" or talk.ends_at <= self.clock.now():
            raise AudienceError(N_("{topic} has already taken place; there is nothing to add to your calendar."),
                                topic=quote(talk.topic))
        return talk

    async def is_attending(self, talk_id: int, user_id: int) -> bool:
        """Whether this member asked to be reminded of the talk."""
        row = await self.db.fetchone("SELECT 1 FROM attendees WHERE talk_id = ? AND user_id = ?", (talk_id, user_id))
        return row is not None

    async def planned(self, talk_id: int) -> dict[str, int]:
        """The talk's pending audience rows, counted by kind (a talk may have thousands)."""
        rows = await self.db.fetchall(
            f"SELECT kind, count(*) AS n FROM outbox WHERE talk_id = ? AND state = 'pending'"
            f" AND kind IN ({','.join('?' * len(AUDIENCE_KINDS))}) GROUP BY kind",
            (talk_id, *AUDIENCE_KINDS),
        )
        return {row["kind"]: row["n"] for row in rows}

