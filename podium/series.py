"""Domain side of series (Discord side: cogs/series.py): recurring talk nights and their evenings.

"Rust Thursdays, every Thursday 19:00, two 30-minute slots".

A series is a rule (podium/recurrence.py) in the server's zone. Its evenings are rows of `series_evenings`,
materialised `HORIZON` ahead by the hourly planner and at once when the series is made or changed, idempotently
(`INSERT … ON CONFLICT DO NOTHING`; a pass with nothing new writes nothing). A claimed slot is a talk
(`talks.evening_id`, `talks.slot`; podium/slots.py claims them), so reminders, notices, threads, events and feeds
need nothing new.

Changes re-plan FUTURE evenings only (`materialise`, in the change's transaction): an unclaimed evening the rule no
longer has moves to the rule's evening of the same day (a skipped one stays skipped there), else it is deleted (or
marked skipped, when cancelled talks reference it), and the rule's new ones are made; a claimed one is moved to the
rule's nearest evening within a week, or, with none that near, kept where it is; the evenings' open-slots posts and
Discord events are edited to match (podium/slots.py). Then `SeriesService.follow` brings the claimed talks to their
evening's slots (rescheduled through TalkService, so the usual notices go out) and cancels those of a skipped evening
(with the reason). Each talk is its own transaction, as any reschedule is; `follow` is idempotent, and only a command
runs it, with the rights of the moderator who gave it: the hourly planner makes evenings but changes no talk (it has
nobody's rights). A crash between a command's commit and its talks is finished by giving the command again (`/series
skip` of an evening already skipped cancels what is left; `/series edit` follows its evenings again).

Ending a series keeps the talks already claimed on its future evenings: a speaker prepared, an audience asked to be
reminded, and a moderator can still cancel one with `/schedule cancel`; only evenings nobody claimed go.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from db import Database, Transaction
from podium import privacy
from podium.clock import Clock, from_ms, to_ms
from podium.delivery import kinds
from podium.delivery.outbox import Outbox, OutboxMessage, OutboxRow
from podium.delivery.render import RenderContext, Rendered, need, render
from podium.delivery.transport import GoneError
from podium.errors import Text, UserError
from podium.i18n import N_
from podium.markup import discord_time, inert
from podium.posts import queue_evening_edits
from podium.preferences import channel_locale, load_guild
from podium.recurrence import Rule, describe, occurrences, parse_every
from podium.talk_model import Talk, has_control_character
from podium.talks import Actor, TalkError, TalkService

log = logging.getLogger(__name__)

HORIZON = timedelta(weeks=8)
# A claimed evening follows a changed rule to the rule's nearest evening no further than this; beyond, it stays.
FOLLOW_WITHIN = timedelta(days=7)
NAME_MAX = 100
SLOTS_RANGE = (1, 10)
SLOT_MINUTES_RANGE = (5, 240)
SEATS_RANGE = (1, 10000)
SKIP_REASON_MAX = 300

privacy.holds_user_ids("series", "created_by", forget="anonymise", why="the moderator who made a series")
privacy.holds_no_user_ids(
    "series", "id", "guild_id", "name", "rule", "every_text", "timezone", "slots", "slot_minutes", "seat_limit",
    "until_ms", "channel_id", "state", "created_at_ms", "updated_at_ms", "sequence",
    why="a server's recurring talk night: its name, rule, zone, slots and channel",
)
privacy.holds_no_user_ids(
    "series_evenings", "id", "series_id", "guild_id", "starts_at_ms", "state", "skip_reason", "event_id",
    why="an evening of a series: when, whether skipped and why (a moderator's words about a date), its event",
)
privacy.holds_no_user_ids("talks", "evening_id", "slot", why="which evening and slot of a series a talk holds")


class SeriesError(UserError):
    """A refused series command; the message says why, with a valid example."""


@dataclass(frozen=True, slots=True)
class Series:
    """A series as stored."""

    id: int
    guild_id: int
    name: str
    rule: Rule
    every_text: str
    timezone: str
    slots: int
    slot_minutes: int
    seat_limit: int | None
    until: datetime | None
    channel_id: int | None
    state: str
    created_by: int
    sequence: int

    @classmethod
    def from_db(cls, row: sqlite3.Row) -> Series:
        """From a `SELECT * FROM series` row."""
        return cls(
            id=row["id"], guild_id=row["guild_id"], name=row["name"], rule=Rule.from_json(row["rule"]),
            every_text=row["every_text"], timezone=row["timezone"], slots=row["slots"],
            slot_minutes=row["slot_minutes"], seat_limit=row["seat_limit"],
            until=from_ms(row["until_ms"]) if row["until_ms"] is not None else None, channel_id=row["channel_id"],
            state=row["state"], created_by=row["created_by"], sequence=row["sequence"],
        )

    def rule_text(self) -> Text:
        """The rule in words, translated where it is shown ("every Thursday at 19:00")."""
        message, params = describe(self.rule)
        return Text(message, {key: Text(str(value)) if key == "weekday" else value for key, value in params.items()})

    def slot_start(self, evening_start: datetime, slot: int) -> datetime:
        """When slot `slot` (0-based) of an evening starts."""
        return evening_start + timedelta(minutes=slot * self.slot_minutes)


@dataclass(frozen=True, slots=True)
class Evening:
    """One occurrence of a series."""

    id: int
    series_id: int
    guild_id: int
    starts_at: datetime
    state: str
    skip_reason: str | None
    event_id: int | None

    @classmethod
    def from_db(cls, row: sqlite3.Row) -> Evening:
        """From a `SELECT * FROM series_evenings` row."""
        return cls(id=row["id"], series_id=row["series_id"], guild_id=row["guild_id"],
                   starts_at=from_ms(row["starts_at_ms"]), state=row["state"], skip_reason=row["skip_reason"],
                   event_id=row["event_id"])


@dataclass(frozen=True, slots=True)
class Overview:
    """A series as /series list shows it: its next open evening and how many slots of it are open."""

    series: Series
    next_evening: Evening | None
    open_slots: int


@dataclass(frozen=True, slots=True)
class Followed:
    """What the claimed talks did when their series changed: moved, cancelled, or stuck where they were."""

    moved: int = 0
    cancelled: int = 0
    # Talks that could not move to their evening (another talk is at the new time): a moderator decides.
    stuck: tuple[Talk, ...] = ()


@dataclass(frozen=True, slots=True)
class Edited:
    """What /series edit did: the series as it is now, and its claimed talks."""

    series: Series
    followed: Followed


@dataclass(frozen=True, slots=True)
class Skipped:
    """What /series skip did: the evening, and the talks it cancelled."""

    evening: Evening
    cancelled: int


# -- validation ----------------------------------------------------------------------------------------------------


def validate_name(name: str) -> str:
    """1-100 characters, surrounding space trimmed, no control characters."""
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX or has_control_character(name):
        raise SeriesError(N_("A series name is 1 to {most} characters of plain text. Example: "
                             "`/series create name:Rust Thursdays every:thursday 19:00`"), most=NAME_MAX)
    return name


def validate_numbers(slots: int | None, slot_minutes: int | None, seats: int | None) -> None:
    """Slots 1-10, 5-240 minutes each, seats 1-10,000."""
    if slots is not None and not SLOTS_RANGE[0] <= slots <= SLOTS_RANGE[1]:
        raise SeriesError(N_("An evening has 1 to 10 slots (you gave {slots}). Example: `slots:2`"), slots=slots)
    if slot_minutes is not None and not SLOT_MINUTES_RANGE[0] <= slot_minutes <= SLOT_MINUTES_RANGE[1]:
        raise SeriesError(N_("A slot lasts 5 to 240 minutes (you gave {minutes}). Example: `slot-minutes:30`"),
                          minutes=slot_minutes)
    if seats is not None and not SEATS_RANGE[0] <= seats <= SEATS_RANGE[1]:
        raise SeriesError(N_("Seats are 1 to 10,000 (you gave {seats}). Example: `seats:20`"), seats=seats)


def parse_until(text: str, zone: str) -> datetime:
    """A last date ("2027-06-30", "30.06.2027"): evenings up to the end of that day in the series' zone."""
    day = parse_date(text)
    if day is None:
        raise SeriesError(N_("I can't read “{text}” as a date. Example: `until:2027-06-30`"), text=text.strip()[:40])
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=ZoneInfo(zone)).astimezone(UTC) - timedelta(
        milliseconds=1)


def parse_date(text: str) -> date | None:
    """ISO (2027-06-30) or the German/European order (30.06.2027); None if neither."""
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.strptime(text, "%d.%m.%Y").replace(tzinfo=UTC).date()
    except ValueError:
        return None


# -- the series post -------------------------------------------------------------------------------------------------


async def _prepare_post(db: Database, row: OutboxRow, now: datetime) -> dict[str, Any]:
    """What the post shows, read when it goes out (and when it is edited): the series as it is then."""
    series_id = need(row.payload, "series_id", int)
    found = await db.fetchone("SELECT * FROM series WHERE id = ?", (series_id,))
    if found is None:
        raise kinds.ActionSkipped("the series no longer exists")
    series = Series.from_db(found)
    evening = await _next_open_evening(db, series.id, now)
    message, params = describe(series.rule)
    return {
        "series_id": series.id, "name": series.name, "rule": message, "weekday": params["weekday"],
        "time": params["time"], "zone": series.timezone, "slots": series.slots, "minutes": series.slot_minutes,
        "ended": series.state == "ended", "next_ms": to_ms(evening.starts_at) if evening else None,
    }


def post_components(ctx: RenderContext) -> tuple[dict[str, Any], ...]:
    """The post's buttons: podium/slots.py's "🎤 Claim a slot" (the series' next evening with an open slot)."""
    from podium.slots import series_claim_row  # the feature that claims slots; it never imports this module

    series_id = ctx.payload.get("series_id")
    if ctx.payload.get("ended") or not isinstance(series_id, int):
        return ()
    return (series_claim_row(series_id, ctx.t),)


def render_post(ctx: RenderContext) -> Rendered:
    """The series post: its name, when in words, its slots and minutes, its next evening (speaks to the channel)."""
    t, p = ctx.t, ctx.payload
    name = inert(str(p.get("name", "")))
    if p.get("ended"):
        return Rendered(t._("🏁 The series **{name}** has ended: no more evenings are planned.", name=name))
    rule = t._(str(p.get("rule", "")), weekday=t._(str(p.get("weekday", ""))), time=p.get("time", ""))
    lines = [
        t._("🎤 **{name}**: {rule} ({zone}).", name=name, rule=rule, zone=p.get("zone", "UTC")),
        t.ngettext("Each evening has {slots} slot of {minutes} minutes.",
                   "Each evening has {slots} slots of {minutes} minutes each.", int(p.get("slots", 1)),
                   slots=p.get("slots", 1), minutes=p.get("minutes", 30)),
    ]
    next_ms = p.get("next_ms")
    if isinstance(next_ms, int):
        lines.append(t._("Next evening: {when}.", when=discord_time(from_ms(next_ms))))
    return Rendered("\n".join(lines), components=post_components(ctx))


SERIES_POST = kinds.register(kinds.KindSpec(
    name="series_post", render=render_post, consent=None, prepare=_prepare_post, in_talk_info="hidden",
    label=N_("series post"),
    example={"series_id": 1, "name": "R" * NAME_MAX, "rule": "the first {weekday} of each month at {time}",
             "weekday": "Wednesday", "time": "19:00", "zone": "America/Argentina/ComodRivadavia", "slots": 10,
             "minutes": 240, "ended": False, "next_ms": 1_800_000_000_000},
))


async def _update_post(action: kinds.ActionContext) -> int:
    """Show the series as it is now in its post (a change or its end): kept true like Podium's talk posts."""
    message_id: int = need(action.payload, "message_id", int)
    if action.row.channel_id is None:
        raise kinds.ActionSkipped("the series post's channel is not known")
    payload = await _prepare_post(action.db, action.row, action.now)
    ctx = RenderContext(SERIES_POST.name, payload, None, action.now, action.now, via="channel",
                        locale=await channel_locale(action.db, action.guild),
                        zone=action.guild.timezone if action.guild else "UTC")
    body = render(ctx, mention_user_id=None)
    try:
        await action.transport.edit_message(
            action.row.channel_id, message_id,
            {"content": body["content"], "embeds": body.get("embeds", []), "components": body.get("components", []),
             "allowed_mentions": {"parse": []}},
        )
    except GoneError as exc:
        raise kinds.ActionSkipped(f"the series post was deleted: {exc}") from exc
    return message_id


SERIES_POST_UPDATE = kinds.register(kinds.KindSpec(
    name="series_post_update", act=_update_post, consent=None, in_talk_info="hidden",
    render=kinds.describes("(edits a series post to show the series as it is now)"),
    label=N_("series post update"), example={"series_id": 1, "message_id": 1},
))


def _post_key(series_id: int) -> str:
    return f"series:{series_id}:post"


async def queue_post(tx: Transaction, outbox: Outbox, series: Series, now: datetime) -> None:
    """The post presenting a new series, in its channel (else the announcement channel)."""
    await outbox.enqueue(tx, OutboxMessage(
        kind=SERIES_POST.name, dedupe_key=_post_key(series.id), due_at=now, target_type="channel",
        guild_id=series.guild_id, channel_id=series.channel_id, payload={"series_id": series.id},
    ), now=now)


async def queue_post_update(tx: Transaction, outbox: Outbox, series: Series, now: datetime) -> None:
    """Edit the series post once it is out; a post still queued reads the series when it goes, so needs none."""
    sent = await tx.fetchone(
        "SELECT message_id, delivered_channel_id FROM outbox WHERE dedupe_key = ? AND state = 'sent'",
        (_post_key(series.id),),
    )
    if sent is None or sent["message_id"] is None:
        return
    await outbox.enqueue(tx, OutboxMessage(
        kind=SERIES_POST_UPDATE.name, dedupe_key=f"{_post_key(series.id)}:edit:{series.sequence}",
        due_at=now, target_type="channel", guild_id=series.guild_id, channel_id=sent["delivered_channel_id"],
        payload={"series_id": series.id, "message_id": sent["message_id"]},
    ), now=now)


async def keep_next_evenings_true(tx: Transaction, outbox: Outbox, all_series: Sequence[Series], now: datetime) -> None:
    """Plan each sent post's edit for when its "Next evening" begins (then it names the one after), once per evening.

    Three reads for all the series; an hourly pass that finds every edit planned writes nothing.
    """
    if not all_series:
        return
    by_id = {series.id: series for series in all_series}
    posts = {}
    for chunk in _chunks([_post_key(i) for i in by_id]):
        for row in await tx.fetchall(
            "SELECT dedupe_key, message_id, delivered_channel_id FROM outbox WHERE state = 'sent'"
            f" AND dedupe_key IN ({','.join('?' * len(chunk))})", chunk,
        ):
            posts[int(row["dedupe_key"].split(":")[1])] = row
    if not posts:
        return
    nexts = await tx.fetchall(
        "SELECT series_id, min(starts_at_ms) AS next_ms FROM series_evenings WHERE state = 'open' AND starts_at_ms > ?"
        f" AND series_id IN ({','.join('?' * len(posts))}) GROUP BY series_id", (to_ms(now), *posts),
    )
    keys = {f"{_post_key(row['series_id'])}:edit:next:{row['next_ms']}": row for row in nexts}
    planned: set[str] = set()
    for chunk in _chunks(list(keys)):
        planned |= {row["dedupe_key"] for row in await tx.fetchall(
            f"SELECT dedupe_key FROM outbox WHERE dedupe_key IN ({','.join('?' * len(chunk))})", chunk)}
    edits = []
    for key, row in keys.items():
        if key in planned:
            continue
        series, post = by_id[row["series_id"]], posts[row["series_id"]]
        edits.append(OutboxMessage(
            kind=SERIES_POST_UPDATE.name, dedupe_key=key, due_at=from_ms(row["next_ms"]), target_type="channel",
            guild_id=series.guild_id, channel_id=post["delivered_channel_id"],
            payload={"series_id": series.id, "message_id": post["message_id"]},
        ))
    await outbox.enqueue_many(tx, edits, now=now)


def _chunks(items: list[str], size: int = 500) -> list[list[str]]:
    # SQLite allows 32,766 parameters; smaller chunks keep each statement's plan cheap.
    return [items[i:i + size] for i in range(0, len(items), size)]


# -- reading -------------------------------------------------------------------------------------------------------


async def _next_open_evening(source: Database | Transaction, series_id: int, now: datetime) -> Evening | None:
    # Not one after the series' `until`: kept there for a claimed talk, it is no longer the series' next evening.
    row = await source.fetchone(
        "SELECT e.* FROM series_evenings AS e JOIN series AS s ON s.id = e.series_id WHERE e.series_id = ?"
        " AND e.state = 'open' AND e.starts_at_ms > ? AND (s.until_ms IS NULL OR e.starts_at_ms <= s.until_ms)"
        " ORDER BY e.starts_at_ms LIMIT 1", (series_id, to_ms(now)),
    )
    return Evening.from_db(row) if row is not None else None


async def load_series(source: Database | Transaction, series_id: int) -> Series | None:
    """One series by id (any state)."""
    row = await source.fetchone("SELECT * FROM series WHERE id = ?", (series_id,))
    return Series.from_db(row) if row is not None else None


async def load_evening(source: Database | Transaction, evening_id: int) -> Evening | None:
    """One evening by id."""
    row = await source.fetchone("SELECT * FROM series_evenings WHERE id = ?", (evening_id,))
    return Evening.from_db(row) if row is not None else None


async def evenings(source: Database | Transaction, series_id: int, *, after: datetime,
                   limit: int = 25) -> list[Evening]:
    """A series' evenings after `after`, soonest first (skipped ones too)."""
    rows = await source.fetchall(
        "SELECT * FROM series_evenings WHERE series_id = ? AND starts_at_ms > ? ORDER BY starts_at_ms LIMIT ?",
        (series_id, to_ms(after), limit),
    )
    return [Evening.from_db(row) for row in rows]


async def claimed_talks(source: Database | Transaction, evening_id: int) -> list[Talk]:
    """The scheduled talks holding the evening's slots, by slot."""
    rows = await source.fetchall(
        "SELECT * FROM talks WHERE evening_id = ? AND state = 'scheduled' ORDER BY slot", (evening_id,)
    )
    return [Talk.from_db(row) for row in rows]


# -- the service -----------------------------------------------------------------------------------------------------


class SeriesService:
    """Makes, changes, skips and ends series, and keeps their evenings planned `HORIZON` ahead."""

    def __init__(self, db: Database, outbox: Outbox, clock: Clock, talks: TalkService) -> None:
        self.db = db
        self.outbox = outbox
        self.clock = clock
        self.talks = talks

    async def create(
        self, *, guild_id: int, actor: Actor, name: str, every: str, slots: int = 1, slot_minutes: int | None = None,
        until: str | None = None, channel_id: int | None = None, seats: int | None = None,
        locale: str | None = None,
    ) -> Series:
        """Make a series (moderators), plan its evenings and queue its post."""
        _moderators_only(actor)
        now = self.clock.now()
        name = validate_name(name)
        async with self.db.transaction() as tx:
            guild = await load_guild(tx, guild_id)
            zone = guild.timezone
            minutes = slot_minutes if slot_minutes is not None else guild.talk_minutes
            validate_numbers(slots, minutes, seats)
            rule = parse_every(every, today=now.astimezone(ZoneInfo(zone)).date(), locale=locale)
            until_at = parse_until(until, zone) if until else None
            if channel_id is None and guild.announce_channel_id is None:
                raise SeriesError(N_("Give the series a `channel`, or set an announcement channel first with "
                                     "`/announce-settings channel`. Example: "
                                     "`/series create name:Rust Thursdays every:thursday 19:00 channel:#talks`"))
            await self._check_name_free(tx, guild_id, name, None)
            row = await tx.fetchrow(
                "INSERT INTO series (guild_id, name, rule, every_text, timezone, slots, slot_minutes, seat_limit,"
                " until_ms, channel_id, created_by, created_at_ms, updated_at_ms)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
                (guild_id, name, rule.to_json(), every.strip()[:100], zone, slots, minutes, seats,
                 to_ms(until_at) if until_at else None, channel_id, actor.user_id, to_ms(now), to_ms(now)),
            )
            series = Series.from_db(row)
            if not occurrences(rule, zone, now, now + timedelta(days=366), until_at):
                raise SeriesError(N_("That series would have no evening before `until`. Example: `until:2027-06-30`"))
            await materialise(tx, series, now)
            await queue_post(tx, self.outbox, series, now)
        log.info("series %d created in guild %d by %d", series.id, guild_id, actor.user_id)
        return series

    async def edit(
        self, *, guild_id: int, actor: Actor, series_id: int, name: str | None = None, every: str | None = None,
        slots: int | None = None, slot_minutes: int | None = None, until: str | None = None,
        channel_id: int | None = None, seats: int | None = None, locale: str | None = None,
    ) -> Edited:
        """Change a series (moderators); future evenings are re-planned, past ones stay as they were.

        `until` "-" removes the end date; `seats` 0 removes the seat limit.
        """
        _moderators_only(actor)
        now = self.clock.now()
        validate_numbers(slots, slot_minutes, seats if seats else None)
        async with self.db.transaction() as tx:
            before = await self._active(tx, guild_id, series_id)
            changes: dict[str, Any] = {}
            zone = (await load_guild(tx, guild_id)).timezone
            if name is not None:
                changes["name"] = validate_name(name)
                await self._check_name_free(tx, guild_id, changes["name"], series_id)
            if every is not None:
                today = now.astimezone(ZoneInfo(zone)).date()
                changes["rule"] = _keep_fortnight(before.rule, parse_every(every, today=today, locale=locale)).to_json()
                changes["every_text"] = every.strip()[:100]
            if slots is not None:
                changes["slots"] = slots
            if slot_minutes is not None:
                changes["slot_minutes"] = slot_minutes
            if until is not None:
                until_at = None if until.strip() in ("-", "") else parse_until(until, zone)
                changes["until_ms"] = to_ms(until_at) if until_at else None
            if channel_id is not None:
                changes["channel_id"] = channel_id
            if seats is not None:
                changes["seat_limit"] = seats or None
            if changes and zone != before.timezone:
                # The rule is read in the server's zone when it is given or changed: a server that moved zone since
                # moves its series with the next change (its evenings keep their wall time in the new zone).
                changes["timezone"] = zone
            if not changes:
                raise SeriesError(N_("Give what to change: `every`, `slots`, `slot-minutes`, `until`, `channel`, "
                                     "`name` or `seats`. Example: `/series edit series:Rust Thursdays slots:3`"))
            assignments = ", ".join(f"{column} = ?" for column in changes)
            row = await tx.fetchrow(
                f"UPDATE series SET {assignments}, updated_at_ms = ?, sequence = sequence + 1 WHERE id = ?"
                " RETURNING *", (*changes.values(), to_ms(now), series_id),
            )
            series = Series.from_db(row)
            if ("until_ms" in changes or "rule" in changes) and series.until is not None and not occurrences(
                    series.rule, series.timezone, now, now + timedelta(days=366), series.until):
                # Refused as /series create refuses it (the transaction rolls back): a date already past would
                # otherwise delete every coming evening nobody claimed.
                raise SeriesError(N_("That series would have no evening before `until`. Example: `until:2027-06-30`"))
            await _replan(tx, self.outbox, series, now)
            await queue_post_update(tx, self.outbox, series, now)
        followed = await self.follow(series, actor, now)
        if "seat_limit" in changes:
            await self.follow_seats(series, actor, now)
        log.info("series %d edited by %d: %s", series_id, actor.user_id, ", ".join(changes))
        return Edited(series, followed)

    async def skip(self, *, guild_id: int, actor: Actor, series_id: int, day: str,
                   reason: str | None = None) -> Skipped:
        """Skip one evening (a holiday): no claims any more, its claimed talks cancelled with the usual notices."""
        _moderators_only(actor)
        now = self.clock.now()
        reason = (reason or "").strip()[:SKIP_REASON_MAX] or None
        async with self.db.transaction() as tx:
            series = await self._active(tx, guild_id, series_id)
            evening = await self._evening_on(tx, series, day, now)
            again = evening.state == "skipped"
            if not again:
                row = await tx.fetchrow(
                    "UPDATE series_evenings SET state = 'skipped', skip_reason = ? WHERE id = ? RETURNING *",
                    (reason, evening.id),
                )
                evening = Evening.from_db(row)
                row = await tx.fetchrow("UPDATE series SET sequence = sequence + 1, updated_at_ms = ? WHERE id = ?"
                                        " RETURNING *", (to_ms(now), series.id))
                series = Series.from_db(row)
                await queue_post_update(tx, self.outbox, series, now)
                # The week's summary may offer this evening's slots with a Claim button that would now be refused.
                await queue_evening_edits(tx, self.outbox, guild_id, evening.id, now)
        cancelled = (await self.follow(series, actor, now)).cancelled
        if again and not cancelled:
            raise SeriesError(N_("That evening is already skipped; nothing changed."))
        log.info("evening %d of series %d skipped by %d", evening.id, series_id, actor.user_id)
        return Skipped(evening, cancelled)

    async def end(self, *, guild_id: int, actor: Actor, series_id: int) -> Series:
        """End a series: no more evenings; unclaimed future ones go, claimed talks stay (see the module docstring)."""
        _moderators_only(actor)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await self._active(tx, guild_id, series_id)
            row = await tx.fetchrow(
                "UPDATE series SET state = 'ended', updated_at_ms = ?, sequence = sequence + 1 WHERE id = ?"
                " RETURNING *", (to_ms(now), series_id),
            )
            series = Series.from_db(row)
            await _replan(tx, self.outbox, series, now)
            await queue_post_update(tx, self.outbox, series, now)
        log.info("series %d ended by %d", series_id, actor.user_id)
        return series

    async def overview(self, guild_id: int) -> list[Overview]:
        """Every active series of a guild, by name, with its next open evening and that evening's open slots."""
        now = self.clock.now()
        rows = await self.db.fetchall(
            "SELECT * FROM series WHERE guild_id = ? AND state = 'active' ORDER BY lower(name)", (guild_id,)
        )
        found = []
        for row in rows:
            series = Series.from_db(row)
            evening = await _next_open_evening(self.db, series.id, now)
            taken = len(await claimed_talks(self.db, evening.id)) if evening else 0
            found.append(Overview(series, evening, max(series.slots - taken, 0) if evening else 0))
        return found

    async def named(self, guild_id: int, query: str, *, limit: int = 25) -> list[Series]:
        """Active series whose name contains `query` (autocomplete)."""
        rows = await self.db.fetchall(
            "SELECT * FROM series WHERE guild_id = ? AND state = 'active' AND instr(lower(name), ?) > 0"
            " ORDER BY lower(name) LIMIT ?", (guild_id, query.strip().lower(), limit),
        )
        return [Series.from_db(row) for row in rows]

    async def find(self, guild_id: int, name: str) -> Series:
        """The active series called `name` (any case), or a SeriesError saying how to find one."""
        row = await self.db.fetchone(
            "SELECT * FROM series WHERE guild_id = ? AND state = 'active' AND lower(name) = lower(?)",
            (guild_id, name.strip()),
        )
        if row is None and name.strip().isdigit():  # autocomplete's value is the id
            row = await self.db.fetchone(
                "SELECT * FROM series WHERE guild_id = ? AND state = 'active' AND id = ?", (guild_id, int(name))
            )
        if row is None:
            raise SeriesError(N_("I can't find an active series called “{name}”. Pick one from the list that "
                                 "appears as you type, or see `/series list`."), name=inert(name[:100]))
        return Series.from_db(row)

    async def upcoming_evenings(self, series_id: int, *, limit: int = 25) -> list[Evening]:
        """The series' next evenings (skip's autocomplete)."""
        return await evenings(self.db, series_id, after=self.clock.now(), limit=limit)

    # -- the plan ---------------------------------------------------------------------------------------------------

    async def plan_all(self, now: datetime | None = None) -> int:
        """The planner's pass: every active series' evenings `HORIZON` ahead; returns how many rows it wrote.

        One transaction for all of them; a pass with nothing new writes nothing. It makes and drops unclaimed evenings
        only: a claimed one is moved by the command that changed its series, never here (see the module docstring).
        """
        now = now or self.clock.now()
        rows = await self.db.fetchall("SELECT * FROM series WHERE state = 'active'")
        all_series = [Series.from_db(row) for row in rows]
        async with self.db.transaction() as tx:
            written = await materialise_all(tx, all_series, now)
            await keep_next_evenings_true(tx, self.outbox, all_series, now)
        return written

    async def follow(self, series: Series, actor: Actor, now: datetime) -> Followed:
        """Bring claimed talks to their evening's slots, cancel those on a skipped evening.

        The one place a series changes talks, always through TalkService with the acting moderator's rights.
        """
        rows = await self.db.fetchall(
            "SELECT t.*, e.starts_at_ms AS evening_ms, e.state AS evening_state, e.skip_reason"
            " FROM talks AS t JOIN series_evenings AS e ON e.id = t.evening_id"
            " WHERE e.series_id = ? AND e.starts_at_ms > ? AND t.state = 'scheduled'"
            " ORDER BY e.starts_at_ms, t.slot", (series.id, to_ms(now)),
        )
        cancelled = 0
        moves: list[tuple[Talk, datetime]] = []
        for row in rows:
            talk = Talk.from_db(row)
            if row["evening_state"] == "skipped":
                try:
                    await self.talks.cancel(guild_id=talk.guild_id, actor=actor, talk_id=talk.id,
                                            reason=row["skip_reason"])
                    cancelled += 1
                except TalkError as exc:  # begun meanwhile: it is no longer the series' to cancel
                    log.warning("talk %d of a skipped evening not cancelled: %s", talk.id, exc)
                continue
            target = series.slot_start(from_ms(row["evening_ms"]), talk.slot or 0)
            # New slot minutes change the talks' lengths too: a shorter slot's talk kept at the old length would
            # run into the next slot (which then could not move) and past the evening's end.
            if target != talk.starts_at or talk.duration_minutes != series.slot_minutes:
                moves.append((talk, target))
        # Later first when moving later, earlier first when moving earlier: a slot never lands on its neighbour.
        later = sorted((m for m in moves if m[1] > m[0].starts_at), key=lambda m: m[0].starts_at, reverse=True)
        earlier = sorted((m for m in moves if m[1] <= m[0].starts_at), key=lambda m: m[0].starts_at)
        moved, stuck = 0, []
        for talk, target in [*later, *earlier]:
            try:
                await self.talks.refit_slot(guild_id=talk.guild_id, actor=actor, talk_id=talk.id, starts_at=target,
                                            duration_minutes=series.slot_minutes)
                moved += 1
            except TalkError as exc:
                # Another talk at the new time: this one stays where it is, and the moderator's reply names it.
                log.warning("series %d: talk %d not moved to its evening: %s", series.id, talk.id, exc)
                stuck.append(talk)
        return Followed(moved, cancelled, tuple(stuck))

    async def follow_seats(self, series: Series, actor: Actor, now: datetime) -> None:
        """The series' new seat limit reaches the talks already claimed on its coming evenings.

        Through TalkService.edit, so the seat rules apply (podium/seats.py): a lower limit keeps everyone seated, a
        higher one seats or offers seats to those waiting, and the talk's posts show it.
        """
        rows = await self.db.fetchall(
            "SELECT t.id FROM talks AS t JOIN series_evenings AS e ON e.id = t.evening_id"
            " WHERE e.series_id = ? AND t.starts_at_ms > ? AND t.state = 'scheduled' AND t.seat_limit IS NOT ?"
            " ORDER BY t.starts_at_ms", (series.id, to_ms(now), series.seat_limit),
        )
        for row in rows:
            try:
                await self.talks.edit(guild_id=series.guild_id, actor=actor, talk_id=row["id"],
                                      seat_limit=series.seat_limit)
            except TalkError as exc:  # begun meanwhile: it keeps the seats it had
                log.warning("series %d: talk %d kept its seat limit: %s", series.id, row["id"], exc)

    async def _active(self, tx: Transaction, guild_id: int, series_id: int) -> Series:
        row = await tx.fetchone("SELECT * FROM series WHERE id = ? AND guild_id = ? AND state = 'active'",
                                (series_id, guild_id))
        if row is None:
            raise SeriesError(N_("I can't find that series; it may have ended. See `/series list`."))
        return Series.from_db(row)

    async def _check_name_free(self, tx: Transaction, guild_id: int, name: str, series_id: int | None) -> None:
        taken = await tx.fetchone(
            "SELECT id FROM series WHERE guild_id = ? AND state = 'active' AND lower(name) = lower(?) AND id IS NOT ?",
            (guild_id, name, series_id),
        )
        if taken is not None:
            raise SeriesError(N_("A series called “{name}” already exists. Pick another name, or change it with "
                                 "`/series edit`."), name=inert(name))

    async def _evening_on(self, tx: Transaction, series: Series, day: str, now: datetime) -> Evening:
        wanted = parse_date(day)
        if wanted is None and day.strip().isdigit():  # autocomplete's value: the evening's id
            row = await tx.fetchone("SELECT * FROM series_evenings WHERE id = ? AND series_id = ?",
                                    (int(day), series.id))
            if row is not None and from_ms(row["starts_at_ms"]) > now:
                return Evening.from_db(row)
        if wanted is not None:
            zone = ZoneInfo(series.timezone)
            for evening in await evenings(tx, series.id, after=now, limit=200):
                if evening.starts_at.astimezone(zone).date() == wanted:
                    return evening
        raise SeriesError(N_("The series has no upcoming evening on “{day}”. Pick one from the list that appears "
                             "as you type. Example: `date:2027-01-14`"), day=inert(day[:40]))


def _keep_fortnight(before: Rule, after: Rule) -> Rule:
    """An "every other" rule changed by /series edit keeps the weeks its evenings are in.

    `parse_every` anchors a new rule on the week it is read in: edited in an off week, every evening (and each claimed
    talk with it) would flip a week. The old anchor, moved to the new weekday within its week, keeps the fortnight.
    """
    if after.interval != 2 or before.interval != 2 or before.anchor is None or before.freq != "weekly":
        return after
    shift = (after.weekday - before.weekday + 3) % 7 - 3  # the new weekday nearest the old one: -3 … +3 days
    return replace(after, anchor=(date.fromisoformat(before.anchor) + timedelta(days=shift)).isoformat())


async def _replan(tx: Transaction, outbox: Outbox, series: Series, now: datetime) -> None:
    """`materialise` for a command's change, then the evenings' public posts and Discord events follow it.

    Only a change of who holds a slot would edit them otherwise: a renamed series, a new time, fewer slots, a new
    `until` or its end would leave an open-slots post offering what is gone (its Claim button pointing at a deleted
    evening) and an event under the old name.
    """
    from podium.slots import series_replanned  # the feature that claims slots; it never imports this module

    before = {row["id"]: row["starts_at_ms"] for row in await tx.fetchall(
        "SELECT id, starts_at_ms FROM series_evenings WHERE series_id = ? AND starts_at_ms > ?",
        (series.id, to_ms(now)))}
    await materialise(tx, series, now)
    still = {row["id"] for row in await tx.fetchall(
        "SELECT id FROM series_evenings WHERE series_id = ? AND starts_at_ms > ?", (series.id, to_ms(now)))}
    await series_replanned(tx, outbox, series.id, series.name,
                           {evening_id: from_ms(ms) for evening_id, ms in before.items() if evening_id not in still},
                           now)


def _moderators_only(actor: Actor) -> None:
    # The moderators of Podium's one rule (`talks.refusal`): Manage Server, Manage Events or the moderator role.
    if not actor.is_moderator:
        raise SeriesError(N_("Only moderators (Manage Events, Manage Server or the moderator role) can manage "
                             "series."))


_EVENINGS = (
    "SELECT e.id, e.series_id, e.starts_at_ms, e.state,"
    " EXISTS (SELECT 1 FROM talks AS t WHERE t.evening_id = e.id) AS referenced,"
    " EXISTS (SELECT 1 FROM talks AS t WHERE t.evening_id = e.id AND t.state = 'scheduled') AS claimed"
    " FROM series_evenings AS e"
)
_INSERT = ("INSERT INTO series_evenings (series_id, guild_id, starts_at_ms) VALUES (?, ?, ?)"
           " ON CONFLICT (series_id, starts_at_ms) DO NOTHING")


@dataclass(slots=True)
class _Plan:
    """What a series' future evenings need: rows to delete, to move (id, new start), to insert, to close."""

    gone: list[tuple[int]]
    moves: list[tuple[int, int]]
    new: list[tuple[int, int, int]]
    closed: list[tuple[int]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.gone) + len(self.moves) + len(self.new) + len(self.closed)


def _plan(series: Series, rows: Sequence[sqlite3.Row], now: datetime, move_claimed: bool) -> _Plan:
    wanted = (occurrences(series.rule, series.timezone, now, now + HORIZON, series.until)
              if series.state == "active" else [])
    wanted_ms = {to_ms(when) for when in wanted}
    have_ms = {row["starts_at_ms"] for row in rows}
    stale = [row for row in rows if row["starts_at_ms"] not in wanted_ms]
    plan = _Plan([], [], [])
    free = sorted(wanted_ms - have_ms)
    moved: set[int] = set()
    movable = [r for r in stale if r["claimed"] and r["state"] == "open"] if move_claimed else []
    for row in sorted(movable, key=lambda r: r["starts_at_ms"]):
        nearest = min(free, key=lambda ms: abs(ms - row["starts_at_ms"]), default=None)
        if nearest is None or abs(nearest - row["starts_at_ms"]) > FOLLOW_WITHIN.total_seconds() * 1000:
            continue  # nothing near: the claimed evening stays where it is
        free.remove(nearest)
        plan.moves.append((nearest, row["id"]))
        moved.add(row["id"])
    # An evening nobody holds moves to the rule's evening of the same day rather than being deleted and made again:
    # a skipped date (a holiday) stays skipped at its new time, and an evening whose open-slots post is out keeps its
    # id, so the post's Claim button still finds it.
    zone = ZoneInfo(series.timezone)

    def day(ms: int) -> date:
        return from_ms(ms).astimezone(zone).date()

    for row in sorted(stale, key=lambda r: r["starts_at_ms"]):
        if row["claimed"] or row["id"] in moved:
            continue
        same_day = next((ms for ms in free if day(ms) == day(row["starts_at_ms"])), None)
        if same_day is not None:
            free.remove(same_day)
            plan.moves.append((same_day, row["id"]))
            moved.add(row["id"])
    plan.gone = [(row["id"],) for row in stale if not row["referenced"] and row["id"] not in moved]
    # One only cancelled talks reference cannot be deleted (they keep their history) and is not the rule's any more:
    # marked skipped, so it is not claimed, offered or announced as if the series still met then.
    plan.closed = [(row["id"],) for row in stale if row["referenced"] and not row["claimed"]
                   and row["state"] == "open" and row["id"] not in moved]
    plan.new = [(series.id, series.guild_id, ms) for ms in free]
    return plan


async def _apply(tx: Transaction, plans: Sequence[_Plan]) -> int:
    gone = [row for plan in plans for row in plan.gone]
    moves = [row for plan in plans for row in plan.moves]
    new = [row for plan in plans for row in plan.new]
    closed = [row for plan in plans for row in plan.closed]
    if gone:
        await tx.executemany("DELETE FROM series_evenings WHERE id = ?", gone)
    if moves:
        await tx.executemany("UPDATE series_evenings SET starts_at_ms = ? WHERE id = ?", moves)
    if new:
        await tx.executemany(_INSERT, new)
    if closed:
        await tx.executemany("UPDATE series_evenings SET state = 'skipped' WHERE id = ?", closed)
    return len(gone) + len(moves) + len(new) + len(closed)


async def materialise(tx: Transaction, series: Series, now: datetime, *, move_claimed: bool = True) -> int:
    """Plan the series' future evenings; returns how many rows changed (0 when all is planned already).

    Its evenings `HORIZON` ahead are made; unclaimed future ones the rule no longer has are dropped; claimed ones
    move to the rule's nearest evening within `FOLLOW_WITHIN` when `move_claimed` (a command's change, whose talks then
    follow in `SeriesService.follow`).
    Only future evenings are touched: a past evening stays as it was, whatever the series became.
    """
    rows = await tx.fetchall(_EVENINGS + " WHERE e.series_id = ? AND e.starts_at_ms > ?", (series.id, to_ms(now)))
    return await _apply(tx, [_plan(series, rows, now, move_claimed)])


async def materialise_all(tx: Transaction, all_series: Sequence[Series], now: datetime) -> int:
    """`materialise` for many series in a few statements (the hourly pass): claimed evenings are never moved here."""
    if not all_series:
        return 0
    rows = await tx.fetchall(_EVENINGS + " JOIN series AS s ON s.id = e.series_id"
                             " WHERE s.state = 'active' AND e.starts_at_ms > ?", (to_ms(now),))
    by_series: dict[int, list[sqlite3.Row]] = {series.id: [] for series in all_series}
    for row in rows:
        by_series.setdefault(row["series_id"], []).append(row)
    return await _apply(tx, [_plan(series, by_series[series.id], now, False) for series in all_series])
