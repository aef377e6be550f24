"""Weekly summaries and calls for speakers: when they are due, what they say, and planning them idempotently."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from db import Database, Transaction
from podium import components, i18n
from podium.clock import from_ms, to_ms
from podium.delivery import kinds
from podium.delivery.outbox import Outbox, OutboxMessage, OutboxRow
from podium.delivery.render import RenderContext, Rendered, RenderError, need
from podium.i18n import N_, Translator
from podium.markup import both_times, command, discord_time, fit_lines, quote_clipped
from podium.preferences import GuildSettings, load_guild
from podium.zones import local_moment

log = logging.getLogger(__name__)

# A summary posted later than this after its slot (the bot was down) is skipped; the next week's is planned.
CATCH_UP = timedelta(hours=6)
SUMMARY_DAYS = 7
# A topic in the summary takes at most this many characters (escaped); talks that do not fit are counted instead.
SUMMARY_TOPIC_CHARS = 150
SUMMARY_DESCRIPTION_LIMIT = 4096
# The first call for speakers waits this long after a server first sets its announcement channel: setting up takes a
# few commands, and talks are added in the first days.
FIRST_CALL_WAIT = timedelta(days=3)
SUMMARY_MORE = N_("… and {n} more: see `/schedule list`")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def parse_hhmm(text: str) -> time:
    """A stored weekly time, "09:00" -> time(9, 0). What members type is read by `timeparse.parse_time_of_day`."""
    return time.fromisoformat(text)


def local_slot(day: int, wall: time, zone: ZoneInfo, week_of: datetime) -> datetime:
    """The instant (UTC) of weekday `day` at wall time `wall` in `zone`, in the local week holding `week_of`.

    A wall time inside a spring-forward gap moves forward by the gap (02:30 -> 03:30); an ambiguous
    one (fall-back) is its first occurrence. Both are what a person reading a clock would expect.
    """
    local_date = week_of.astimezone(zone).date()
    monday = local_date - timedelta(days=local_date.weekday())
    naive = datetime.combine(monday + timedelta(days=day), wall)
    # fold=0 reads a gap time with the offset from before the change, which lands it one gap later
    # (02:30 -> 03:30), and an ambiguous time as its first occurrence.
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def next_slot(after: datetime, day: int, wall: time, zone_name: str) -> datetime:
    """The first weekly slot strictly after `after` (aware), computed in local wall time."""
    zone = ZoneInfo(zone_name)
    for week in range(3):
        slot = local_slot(day, wall, zone, after + timedelta(weeks=week))
        if slot > after:
            return slot
    raise AssertionError("unreachable: a weekly slot exists within three weeks")


def summary_key(guild_id: int, slot: datetime, zone_name: str) -> str:
    """One summary per guild per local ISO week: a restart never posts it twice."""
    year, week, _ = slot.astimezone(ZoneInfo(zone_name)).isocalendar()
    return f"weekly:{guild_id}:{year}-W{week:02d}"


async def plan_weekly(tx: Transaction, outbox: Outbox, guild: GuildSettings, now: datetime) -> int | None:
    """Re-plan after a settings change: the pending summary is replaced by one for the new next slot."""
    await outbox.cancel_pending(tx, now=now, reason="replanned", guild_id=guild.guild_id, kinds=[WEEKLY_SUMMARY.name])
    return await ensure_weekly(tx, outbox, guild, now)


async def ensure_weekly(tx: Transaction, outbox: Outbox, guild: GuildSettings, now: datetime) -> int | None:
    """Queue the next summary unless one is pending (safe to call at start and every hour)."""
    if not guild.weekly_enabled or guild.announce_channel_id is None:
        return None
    pending = await tx.fetchone(
        "SELECT 1 FROM outbox WHERE guild_id = ? AND kind = ? AND state = 'pending'",
        (guild.guild_id, WEEKLY_SUMMARY.name),
    )
    if pending is not None:
        # Possibly a slot the bot was down for: the dispatcher posts it late or lets it expire.
        return None
    slot = next_slot(now, guild.weekly_day, parse_hhmm(guild.weekly_time), guild.timezone)
    # If this week's summary was already posted, the dedupe key makes this a no-op.
    return await outbox.enqueue(
        tx,
        OutboxMessage(
            kind=WEEKLY_SUMMARY.name,
            dedupe_key=summary_key(guild.guild_id, slot, guild.timezone),
            due_at=slot,
            target_type="channel",
            guild_id=guild.guild_id,
            channel_id=guild.announce_channel_id,
            payload={},
        ),
        now=now,
    )


@dataclass(frozen=True, slots=True)
class SummarySection:
    """A feature's part of the weekly summary (podium/slots.py: evenings with open slots), registered, not imported.

    `prepare` adds to the payload when the summary is sent (data, never text); `render` turns it into an embed of
    its own and its buttons (none: nothing to show).
    """

    prepare: Callable[[Database | Transaction, int, datetime], Awaitable[dict[str, Any]]]
    render: Callable[[RenderContext], tuple[dict[str, Any] | None, tuple[dict[str, Any], ...]]]


_sections: list[SummarySection] = []


def summary_section(section: SummarySection) -> None:
    """Add a feature's section to every weekly summary."""
    if section not in _sections:
        _sections.append(section)


async def summary_payload(db: Database | Transaction, guild_id: int, now: datetime) -> dict[str, Any]:
    """What the summary shows, read when it is sent: the talks of the coming 7 days."""
    guild = await load_guild(db, guild_id)
    rows = await db.fetchall(
        "SELECT t.id, t.speaker_id, t.topic, t.starts_at_ms,"
        " coalesce(u.opt_out_everything, 0) OR coalesce(u.opt_out_talk_reminders, 0) AS no_ping,"
        # How many clicked 🔔 Remind me: counted from the attendees' primary key alone.
        " (SELECT count(*) FROM attendees AS a WHERE a.talk_id = t.id) AS going"
        " FROM talks AS t LEFT JOIN users AS u ON u.user_id = t.speaker_id"
        " WHERE t.guild_id = ? AND t.state = 'scheduled' AND t.approval = 'approved'"
        " AND t.starts_at_ms > ? AND t.starts_at_ms <= ?"
        " ORDER BY t.starts_at_ms LIMIT 25",
        (guild_id, to_ms(now), to_ms(now + timedelta(days=SUMMARY_DAYS))),
    )
    payload: dict[str, Any] = {
        "talks": [
            {"id": r["id"], "speaker_id": r["speaker_id"], "topic": r["topic"], "start_ms": r["starts_at_ms"],
             "going": r["going"]}
            for r in rows
        ],
        "ping_speakers": guild.ping_speakers,
    }
    if guild.ping_speakers:
        # A speaker who opted out (of everything, or of talk reminders) is named but not pinged.
        payload["ping_ids"] = list(dict.fromkeys(r["speaker_id"] for r in rows if not r["no_ping"]))
    return {**payload, **await sections_payload(db, guild_id, now)}


async def sections_payload(db: Database | Transaction, guild_id: int, now: datetime) -> dict[str, Any]:
    """What the registered sections add to a summary's payload, read now (also when a posted summary is edited)."""
    payload: dict[str, Any] = {}
    for section in _sections:
        payload.update(await section.prepare(db, guild_id, now))
    return payload


# Run after a summary is sent, with the talks it shows. podium/posts.py, which keeps the summary true, adds its step
# when it is loaded (with the built-in kinds, before any row is delivered): it imports this module, so this module
# naming it would be an import cycle.
_after_summary_sent: list[Callable[[kinds.SentContext, list[int]], Awaitable[None]]] = []


def after_summary_sent(step: Callable[[kinds.SentContext, list[int]], Awaitable[None]]) -> None:
    """Run `step(sent, shown)` in the transaction that marks a weekly summary sent."""
    if step not in _after_summary_sent:
        _after_summary_sent.append(step)


async def summary_sent(sent: kinds.SentContext) -> None:
    """After a summary is posted: mark its talks announced, and publish it to following servers if asked."""
    shown = await mark_announced(sent.tx, sent.payload, i18n.translator(sent.locale))
    row = sent.row
    # Which talks it shows, kept with it: a later change of one of them edits this post (podium/posts.py).
    await sent.outbox.note_shown(sent.tx, row.id, shown)
    for step in _after_summary_sent:
        await step(sent, shown)
    if (
        row.guild_id is not None
        and sent.message_id is not None
        and (await load_guild(sent.tx, row.guild_id)).crosspost_summary
    ):
        # Publishing is its own durable step: retried on its own, never holding this transaction over a request.
        await sent.outbox.enqueue(
            sent.tx,
            OutboxMessage(
                kind=SUMMARY_CROSSPOST.name,
                dedupe_key=f"crosspost:{sent.channel_id}:{sent.message_id}",
                due_at=sent.now,
                target_type="channel",
                guild_id=row.guild_id,
                channel_id=sent.channel_id,
                payload={"message_id": sent.message_id},
            ),
            now=sent.now,
        )


async def mark_announced(tx: Transaction, payload: dict[str, Any], t: Translator = i18n.ENGLISH) -> list[int]:
    """Talks shown in a posted summary get channel notices when they later change (a talk cut off was not shown).

    Returns the ids of the talks shown.
    """
    _, ids = fit_summary(payload.get("talks") or [], t)
    if ids:
        await tx.execute(f"UPDATE talks SET announced = 1 WHERE id IN ({','.join('?' * len(ids))})", ids)
    return ids


# Whether a server's own posts call for speakers instead (podium/slots.py: its series' open-slots posts). Registered,
# not imported: that feature imports this module.
_call_replaced: list[Callable[[Transaction, int, datetime], Awaitable[bool]]] = []


def call_for_speakers_replaced_by(check: Callable[[Transaction, int, datetime], Awaitable[bool]]) -> None:
    """No generic call for speakers where `check(tx, guild_id, now)` says another post makes it."""
    if check not in _call_replaced:
        _call_replaced.append(check)


async def check_engagement(tx: Transaction, outbox: Outbox, guild: GuildSettings, now: datetime) -> int | None:
    """Queue a call for speakers if no talk is scheduled in the next N days and none was posted in the last N."""
    days = guild.engagement_days
    if days is None or guild.announce_channel_id is None:
        return None
    for replaced in _call_replaced:
        if await replaced(tx, guild.guild_id, now):
            return None
    set_at = guild.announce_channel_set_at_ms
    if set_at is not None and now < from_ms(set_at) + FIRST_CALL_WAIT:
        return None  # the planner's hourly pass queues it once the wait is over
    window = timedelta(days=days)
    upcoming = await tx.fetchone(
        "SELECT 1 FROM talks WHERE guild_id = ? AND state = 'scheduled' AND approval = 'approved'"
        " AND starts_at_ms > ? AND starts_at_ms <= ?",
        (guild.guild_id, to_ms(now), to_ms(now + window)),
    )
    if upcoming is not None:
        return None
    # A prompt that failed (deleted channel, missing permission) counts too, so a broken channel is not retried
    # every hour: the next try is N days later, or at once when the announcement channel is changed.
    recent = await tx.fetchone(
        "SELECT 1 FROM outbox WHERE guild_id = ? AND kind = ? AND created_at_ms > ?"
        " AND (state IN ('pending', 'sending', 'sent') OR (state = 'failed' AND channel_id IS ?))",
        (guild.guild_id, ENGAGEMENT_PROMPT.name, to_ms(now - window), guild.announce_channel_id),
    )
    if recent is not None:
        return None
    return await outbox.enqueue(
        tx,
        OutboxMessage(
            kind=ENGAGEMENT_PROMPT.name,
            dedupe_key=f"engage:{guild.guild_id}:{to_ms(now)}",
            due_at=now,
            target_type="channel",
            guild_id=guild.guild_id,
            channel_id=guild.announce_channel_id,
            payload={"days": days},
        ),
        now=now,
    )


def fit_summary(talks: list[Any], t: Translator = i18n.ENGLISH) -> tuple[str, list[int]]:
    """The summary's talk list within Discord's embed limit, and the ids of the talks it shows.

    Topics are cut to SUMMARY_TOPIC_CHARS; talks that still do not fit are left out with "… and N more". Only the
    talks shown count as announced (the renderer and the on-sent step both use this).
    """
    lines, ids = [], []
    for talk in talks:
        if not isinstance(talk, dict):
            raise RenderError("payload.talks holds a non-object")
        start = from_ms(need(talk, "start_ms", int))
        topic = quote_clipped(need(talk, "topic", str), SUMMARY_TOPIC_CHARS)
        going = talk.get("going")
        count = ""
        if talk.get("cancelled"):
            # An edit after the talk was cancelled (podium/posts.py): struck, and said so.
            lines.append(f"~~{discord_time(start)}~~\n~~{topic}~~ — <@{need(talk, 'speaker_id', int)}> · 🚫 "
                         + t._("Cancelled"))
            ids.append(need(talk, "id", int))
            continue
        if isinstance(going, int) and going > 0:
            count = " · " + t.ngettext("🔔 {n} going", "🔔 {n} going", going)
        lines.append(f"{both_times(start)}\n{topic} — <@{need(talk, 'speaker_id', int)}>{count}")
        ids.append(need(talk, "id", int))
    # "{n}" stays for fit_lines to fill in with the count it hides.
    text, shown = fit_lines(lines, SUMMARY_DESCRIPTION_LIMIT, more=t._(SUMMARY_MORE), separator="\n\n")
    return text, ids[:shown]


def _weekly_summary(ctx: RenderContext) -> Rendered:
    t = ctx.t
    talks = need(ctx.payload, "talks", list)
    extra_embeds: list[dict[str, Any]] = []
    extra_rows: list[dict[str, Any]] = []
    for section in _sections:
        embed, rows = section.render(ctx)
        extra_embeds += [embed] if embed is not None else []
        extra_rows += rows
    if not talks:
        return Rendered(
            t._("📣 **This week**: no talks yet — sign up with {command}!", command=command("schedule add")),
            tuple(extra_embeds), components=tuple(extra_rows),
        )
    description, shown = fit_summary(talks, t)
    # One "🔔 Remind me" button per talk shown for a few talks, a select of them when there are many.
    by_id = {talk["id"]: talk for talk in talks}
    # Labels are plain text: the talk's time in the server's zone (a post's readers share it), never a UTC date.
    buttons = components.remind_choices(
        [(i, f"{by_id[i]['topic']} — {local_moment(from_ms(by_id[i]['start_ms']), ctx.zone, t)}") for i in shown
         if not by_id[i].get("cancelled")], t
    )
    # `<t:…>` in the embed shows each reader's own clock, the labels the server's: the footer says which is which,
    # or a member in Tokyo reads a Berlin "18:00" on a button as their own 18:00.
    footer = (
        t._("Sign up with /schedule add · times above are shown in each reader's own time zone, those below in {zone}",
            zone=ctx.zone)
        if buttons else t._("Sign up with /schedule add · times are shown in each reader's own time zone")
    )
    embed = {
        "title": t._("This week's talks"),
        "description": description,
        "color": 0x5865F2,
        "footer": {"text": footer},
    }
    heading = t._("📣 **Coming up this week**")
    embeds, buttons = (embed, *extra_embeds), (*buttons, *extra_rows)
    if not ctx.payload.get("ping_speakers"):
        return Rendered(heading, embeds, components=buttons)
    # Mentions inside embeds never ping: the guild asked for pings, so they go in the content, for the
    # speakers who have not opted out (payload.ping_ids, read at send time).
    chosen = ctx.payload.get("ping_ids")
    ids = chosen if isinstance(chosen, list) else [t["speaker_id"] for t in talks]
    pings = tuple(dict.fromkeys(s for s in ids if isinstance(s, int) and not isinstance(s, bool)))
    if not pings:
        return Rendered(heading, embeds, components=buttons)
    content = heading + " — " + " ".join(f"<@{s}>" for s in pings)
    return Rendered(content, embeds, pings, components=buttons)


def _engagement_prompt(ctx: RenderContext) -> str:
    days = need(ctx.payload, "days", int)
    return ctx.t.ngettext(
        "🎤 No talk is scheduled for the next {n} day. Anyone want to share something? Sign up with {command}.",
        "🎤 No talk is scheduled for the next {n} days. Anyone want to share something? Sign up with {command}.",
        days, command=command("schedule add"),
    )


async def _prepare_summary(db: Database, row: OutboxRow, now: datetime) -> dict[str, Any]:
    if row.guild_id is None:
        raise RenderError("a weekly summary needs its guild")
    return await summary_payload(db, row.guild_id, now)


WEEKLY_SUMMARY = kinds.register(
    kinds.KindSpec(
        name="weekly_summary",
        render=_weekly_summary,
        consent=None,
        prepare=_prepare_summary,
        on_sent=summary_sent,
        # Posted late after downtime, but not half a day late: then the next week's is planned instead.
        expiry=lambda message: message.due_at + CATCH_UP,
        label=N_("weekly summary"),
        # To whom and when: the announcement channel, at the guild's weekly local day and time.
        example={
            "talks": [
                {"id": i, "speaker_id": 10**18 + i, "topic": "_" * 200, "start_ms": 1795900000000 + i * 3_600_000,
                 "going": 100000}
                for i in range(25)
            ],
            "ping_speakers": True,
            "ping_ids": [10**18 + i for i in range(25)],
            # podium/slots.py's section (`summary_section`): the week's evenings with open slots, at their most.
            "open_evenings": [{"evening_id": i, "series": "_" * 100, "start_ms": 1795900000000 + i * 86_400_000,
                               "open": 10} for i in range(3)],
        },
    )
)
ENGAGEMENT_PROMPT = kinds.register(
    kinds.KindSpec(
        name="engagement_prompt",
        render=_engagement_prompt,
        consent=None,
        label=N_("call for speakers"),
        # To whom and when: the announcement channel, when no talk is scheduled in the next N days.
        example={"days": 60},
    )
)


def _crosspost_text(ctx: RenderContext) -> str:
    return f"(publishes message {need(ctx.payload, 'message_id', int)} to the servers following this channel)"


async def _crosspost(action: kinds.ActionContext) -> int:
    channel_id = action.row.channel_id
    if channel_id is None:
        raise RenderError("a crosspost needs its channel")
    return await action.transport.crosspost(channel_id, need(action.payload, "message_id", int))


SUMMARY_CROSSPOST = kinds.register(
    kinds.KindSpec(
        name="summary_crosspost",
        render=_crosspost_text,
        consent=None,
        act=_crosspost,
        # Publishing a summary a day late is no use to the following servers.
        expiry=lambda message: message.due_at + CATCH_UP,
        label=N_("summary publishing"),
        # To whom and when: publishes the weekly summary to following servers, in an announcement channel (if asked).
        example={"message_id": 1234},
    )
)
