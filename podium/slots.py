"""Domain side of claiming a series' slots (Discord side: cogs/slots.py): one click holds an evening's slot.

Issue 23 §2: "🎤 Claim a slot" holds the earliest open slot of an evening (or the one picked), as a talk.

Everything about claiming is here: the claim (a talk made through `TalkService.add`, so reminders, notices, the
audience, threads, feeds and approval treat it like any other), the race for the last slot, the per-member limit
of one evening, the "open slots" post a few days before each evening (kept true as slots fill), its buttons, and
the settings of both. The series and their evenings are podium/series.py's (issue 23 §1).

- **Claim first, topic after.** A click holds the slot at once, with the series' name as a stand-in topic, and the
  reply asks for the real one (a form). Asking first would let someone else take the slot while the member types:
  the race is decided by the click, and only the click.
- **The race.** A slot is held iff a scheduled talk holds it: the unique index `talks_by_slot` (evening, slot).
  Two claims of one slot are two transactions; the second's write fails on the index (`SlotTaken`), never a
  check-then-write. The loser is answered at once with the next evening that still has an open slot.
- **One member, N slots an evening** (`slot_settings.per_member`, default 1): checked in the claim's transaction by a
  subscriber of the talk's "scheduled" event, so a double click cannot hold two. It hears of claims waiting for
  approval too (`while_pending`): they hold their slot, so they count.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from db import Database, Transaction
from podium import components, i18n, posts, privacy, weekly
from podium import scheduled_events as events
from podium.clock import from_ms, to_ms
from podium.components import Click, Reply
from podium.delivery import kinds
from podium.delivery.outbox import Outbox, OutboxMessage, OutboxRow
from podium.delivery.render import RenderContext, Rendered, RenderError, need, render
from podium.delivery.transport import GoneError, RejectedError
from podium.i18n import N_, Translator
from podium.markup import both_times, discord_time, inert, quote
from podium.preferences import GuildSettings, channel_locale, effective_zone, load_guild, load_user
from podium.talk_model import Talk, TalkError
from podium.talks import Actor, SlotTaken, TalkEvent, TalkHooks, TalkService, TimeTaken, subscribes
from podium.zones import local_moment

log = logging.getLogger(__name__)

DEFAULT_PER_MEMBER = 1
DEFAULT_DAYS_BEFORE = 5
PER_MEMBER_RANGE = (1, 10)
DAYS_BEFORE_RANGE = (1, 28)
# Evenings offered in "Pick another" and after a lost race: a select holds 25 options.
OFFER_EVENINGS = 4
# A change of who holds a slot is edited into the open-slots post a few seconds later: a rush of claims is one edit.
EDIT_HOLD = timedelta(seconds=5)

privacy.holds_no_user_ids(
    "slot_settings", "guild_id", "per_member", "days_before", "updated_at_ms",
    why="a server's settings for claiming slots: numbers only",
)


@dataclass(frozen=True, slots=True)
class Evening:
    """One evening of a series, with what claiming needs of its series."""

    id: int
    series_id: int
    guild_id: int
    starts_at: datetime
    state: str  # 'open' | 'skipped'
    name: str
    slots: int
    slot_minutes: int
    seat_limit: int | None
    channel_id: int | None
    timezone: str
    series_state: str
    until: datetime | None = None  # the series' last moment: an evening after it is kept for its talks only

    def slot_start(self, slot: int) -> datetime:
        """When slot `slot` (0-based) begins: the evening's start plus the slots before it."""
        return self.starts_at + timedelta(minutes=self.slot_minutes * slot)

    @property
    def ends_at(self) -> datetime:
        """When its last slot ends."""
        return self.slot_start(self.slots)


_EVENING = (
    "SELECT e.id, e.series_id, e.guild_id, e.starts_at_ms, e.state, s.name, s.slots, s.slot_minutes,"
    " s.seat_limit, s.channel_id, s.timezone, s.state AS series_state, s.until_ms"
    " FROM series_evenings AS e JOIN series AS s ON s.id = e.series_id"
)
# An evening of the series as it is now: not after its `until` (an evening kept there for a claimed talk is not
# offered, announced or claimable any more).
_WITHIN_UNTIL = "(s.until_ms IS NULL OR e.starts_at_ms <= s.until_ms)"


def _evening(row: sqlite3.Row) -> Evening:
    return Evening(row["id"], row["series_id"], row["guild_id"], from_ms(row["starts_at_ms"]), row["state"],
                   row["name"], row["slots"], row["slot_minutes"], row["seat_limit"], row["channel_id"],
                   row["timezone"], row["series_state"],
                   from_ms(row["until_ms"]) if row["until_ms"] is not None else None)


async def load_evening(source: Database | Transaction, evening_id: int) -> Evening | None:
    """One evening with its series, or None."""
    row = await source.fetchone(_EVENING + " WHERE e.id = ?", (evening_id,))
    return _evening(row) if row is not None else None


async def held_slots(source: Database | Transaction, evening_id: int) -> dict[int, Talk]:
    """The evening's held slots: slot → the scheduled talk holding it (approved or pending)."""
    rows = await source.fetchall(
        "SELECT * FROM talks WHERE evening_id = ? AND state = 'scheduled' ORDER BY slot", (evening_id,))
    return {row["slot"]: Talk.from_db(row) for row in rows}


async def open_slots(source: Database | Transaction, evening: Evening) -> list[int]:
    """The evening's slots nobody holds, earliest first; none once as many talks as it has slots hold one.

    The series may have fewer slots than when they were claimed (/series edit slots): a talk beyond the new last slot
    keeps it, and counts, so the evening never holds more talks than it has slots.
    """
    held = await held_slots(source, evening.id)
    free = [slot for slot in range(evening.slots) if slot not in held]
    return free[:max(0, evening.slots - len(held))]


def claimable(evening: Evening, now: datetime) -> bool:
    """An evening of an active series, not skipped, not after its `until`, whose first slot is still ahead."""
    return (evening.state == "open" and evening.series_state == "active" and evening.starts_at > now
            and (evening.until is None or evening.starts_at <= evening.until))


async def evenings_with_open_slots(
    source: Database | Transaction, guild_id: int, now: datetime, *, series_id: int | None = None,
    after: datetime | None = None, limit: int = OFFER_EVENINGS,
) -> list[tuple[Evening, list[int]]]:
    """The next evenings (of one series, or of every series of the guild) with an open slot, soonest first."""
    where = f"e.guild_id = ? AND e.state = 'open' AND s.state = 'active' AND {_WITHIN_UNTIL} AND e.starts_at_ms > ?"
    params: list[Any] = [guild_id, to_ms(max(now, after) if after is not None else now)]
    if series_id is not None:
        where += " AND e.series_id = ?"
        params.append(series_id)
    # Held slots are counted from the talks' slot index: an evening is full when every slot is held.
    rows = await source.fetchall(
        _EVENING + f" WHERE {where} AND (SELECT count(*) FROM talks AS t WHERE t.evening_id = e.id"
        " AND t.state = 'scheduled') < s.slots ORDER BY e.starts_at_ms, e.id LIMIT ?",
        (*params, limit),
    )
    found = []
    for row in rows:
        evening = _evening(row)
        found.append((evening, await open_slots(source, evening)))
    return found


@dataclass(frozen=True, slots=True)
class SlotSettings:
    """A server's claiming settings (defaults when it never set them)."""

    per_member: int = DEFAULT_PER_MEMBER
    days_before: int = DEFAULT_DAYS_BEFORE


async def load_settings(source: Database | Transaction, guild_id: int) -> SlotSettings:
    """The server's claiming settings."""
    row = await source.fetchone("SELECT per_member, days_before FROM slot_settings WHERE guild_id = ?", (guild_id,))
    return SlotSettings(row["per_member"], row["days_before"]) if row is not None else SlotSettings()


async def save_settings(db: Database, outbox: Outbox, guild_id: int, now: datetime, *, per_member: int | None,
                        days_before: int | None) -> SlotSettings:
    """Store what was given (the rest kept), and re-plan the open-slots posts not yet sent."""
    if per_member is not None and not PER_MEMBER_RANGE[0] <= per_member <= PER_MEMBER_RANGE[1]:
        raise TalkError(N_("A member may hold {low} to {high} slots of one evening (you gave {n}). "
                           "Example: `per-member:1`"), low=PER_MEMBER_RANGE[0], high=PER_MEMBER_RANGE[1],
                        n=per_member)
    if days_before is not None and not DAYS_BEFORE_RANGE[0] <= days_before <= DAYS_BEFORE_RANGE[1]:
        raise TalkError(N_("Open slots are announced {low} to {high} days before an evening (you gave {n}). "
                           "Example: `days-before:5`"), low=DAYS_BEFORE_RANGE[0], high=DAYS_BEFORE_RANGE[1],
                        n=days_before)
    async with db.transaction() as tx:
        current = await load_settings(tx, guild_id)
        chosen = SlotSettings(per_member if per_member is not None else current.per_member,
                              days_before if days_before is not None else current.days_before)
        await tx.execute(
            "INSERT INTO slot_settings (guild_id, per_member, days_before, updated_at_ms) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (guild_id) DO UPDATE SET per_member = excluded.per_member,"
            " days_before = excluded.days_before, updated_at_ms = excluded.updated_at_ms",
            (guild_id, chosen.per_member, chosen.days_before, to_ms(now)),
        )
        # Re-planned whatever changed: a post now due goes at once, one now later waits (idempotent).
        await plan_open_slots(tx, outbox, guild_id, now)
    return chosen


# -- claiming ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claimed:
    """A slot now held: the talk holding it, and its evening."""

    talk: Talk
    evening: Evening


@dataclass(frozen=True, slots=True)
class Full:
    """Nothing left to claim on that evening (a lost race, or it filled): the next evenings with an open slot."""

    evening: Evening
    others: list[tuple[Evening, list[int]]]
    slot: int | None = None  # the slot that was asked for and taken; None: the evening's earliest
    moving: int | None = None  # "Pick another": the talk whose claim was to move (it still holds its slot)


def stand_in_topic(evening: Evening, slot: int) -> str:
    """The topic a claim holds until its speaker sets theirs: the series and the slot (no language: it is stored)."""
    return f"{evening.name} · {slot + 1}"


async def claim(
    talks: TalkService, *, guild_id: int, user_id: int, evening_id: int, slot: int | None = None,
    speaker_name: str | None = None, topic: str | None = None,
) -> Claimed | Full:
    """Claim `slot` of the evening for `user_id`, or its earliest open slot; Full when none is left.

    The slot is written by the talk's INSERT's transaction; the unique index refuses a slot already held, and the
    next open slot is tried (each try re-reads what is held), so a lost race costs one rolled-back transaction.
    """
    db, now = talks.db, talks.clock.now()
    evening = await load_evening(db, evening_id)
    if evening is None or evening.guild_id != guild_id:
        raise TalkError(N_("I can't find that evening. Pick one from the list that appears as you type."))
    if not claimable(evening, now):
        raise _not_claimable(evening, now)
    actor = Actor(user_id)  # a claim is for the clicker themself
    tried: set[int] = set()
    while True:
        free = [s for s in await open_slots(db, evening) if s not in tried]
        if slot is not None:
            if slot not in free:
                return await _taken_one(db, evening, slot, now)
            free = [slot]
        if not free:
            return Full(evening, await _others(db, evening, now))
        chosen = free[0]
        tried.add(chosen)
        try:
            talk = await talks.add(
                guild_id=guild_id, actor=actor, speaker_id=user_id,
                topic=topic or stand_in_topic(evening, chosen), starts_at=evening.slot_start(chosen),
                duration_minutes=evening.slot_minutes, speaker_name=speaker_name,
                evening_id=evening.id, slot=chosen, seat_limit=evening.seat_limit,
            )
        except SlotTaken:
            if slot is not None:
                return await _taken_one(db, evening, slot, now)
            continue
        except TimeTaken:
            # A talk of no evening at this slot's time (scheduled before the evening existed: a new one is refused
            # there): the next slot may be free of it, so it is tried rather than the whole evening refused.
            if slot is not None:
                raise
            continue
        log.info("slot %d of evening %d claimed by %d (talk %d)", chosen, evening.id, user_id, talk.id)
        return Claimed(talk, evening)


async def claim_in_series(
    talks: TalkService, *, guild_id: int, user_id: int, series_id: int, topic: str, speaker_name: str | None = None,
) -> Claimed | Full:
    """/schedule add series: the earliest open slot of the series' next evening that has one, with this topic."""
    offers = await evenings_with_open_slots(talks.db, guild_id, talks.clock.now(), series_id=series_id, limit=1)
    if not offers:
        raise TalkError(N_("No coming evening of that series has an open slot yet. See `/series list`."))
    return await claim(talks, guild_id=guild_id, user_id=user_id, evening_id=offers[0][0].id, topic=topic,
                       speaker_name=speaker_name)


async def _taken_one(db: Database, evening: Evening, slot: int, now: datetime, moving: int | None = None) -> Full:
    """A chosen slot someone else holds: offer this evening's other open slots first, then the next evenings."""
    others = await _others(db, evening, now)
    free = [s for s in await open_slots(db, evening) if s != slot]
    return Full(evening, ([(evening, free)] if free else []) + others, slot, moving)


async def _others(db: Database, evening: Evening, now: datetime) -> list[tuple[Evening, list[int]]]:
    return await evenings_with_open_slots(db, evening.guild_id, now, series_id=evening.series_id,
                                          after=evening.starts_at)


def _not_claimable(evening: Evening, now: datetime) -> TalkError:
    if evening.state == "skipped":
        return TalkError(N_("That evening of {series} is skipped; pick another evening."), series=quote(evening.name))
    if evening.series_state != "active":
        return TalkError(N_("The series {series} has ended; its slots can't be claimed any more."),
                         series=quote(evening.name))
    if evening.until is not None and evening.starts_at > evening.until:
        return TalkError(N_("The series {series} now ends before that evening; pick an earlier one."),
                         series=quote(evening.name))
    return TalkError(N_("That evening of {series} has already begun; pick a later one."), series=quote(evening.name))


async def move_claim(talks: TalkService, *, guild_id: int, user_id: int, talk_id: int, evening_id: int,
                     slot: int) -> Claimed | Full:
    """"Pick another": the member's claim moves to another open slot (this evening's or another's) in one step.

    A move, not a cancel and a new claim: the talk keeps its id, topic and audience, and is never released before
    the new slot is held (the unique index refuses a held one, and nothing changes).
    """
    db, now = talks.db, talks.clock.now()
    actor = Actor(user_id)
    evening = await load_evening(db, evening_id)
    if evening is None or evening.guild_id != guild_id:
        raise TalkError(N_("I can't find that evening. Pick one from the list that appears as you type."))
    if not claimable(evening, now):
        raise _not_claimable(evening, now)
    try:
        before, after = await talks.move_to_slot(guild_id=guild_id, actor=actor, talk_id=talk_id,
                                                 evening_id=evening.id, slot=slot,
                                                 starts_at=evening.slot_start(slot),
                                                 duration_minutes=evening.slot_minutes)
    except SlotTaken:
        return await _taken_one(db, evening, slot, now, moving=talk_id)
    log.info("talk %d moved from slot %s to slot %d of evening %d", talk_id, before.slot, slot, evening.id)
    return Claimed(after, evening)


# -- the replies (a click's, and /schedule add series:'s) ---------------------------------------------------------


def slot_label(evening: Evening, slot: int, t: Translator, zone: str | None = None) -> str:
    """A slot as a select option names it: its number, its time, then the series (plain text, in `zone`).

    What tells the slots apart comes first: a label is cut at Discord's 100 characters, and a series name may have
    100. `zone` is the reader's own (else their server's, which they know); without one, the series' zone.
    """
    return t._("Slot {n} · {when} · {series}", series=evening.name, n=slot + 1,
               when=local_moment(evening.slot_start(slot), zone or evening.timezone, t))


def slot_value(evening_id: int, slot: int) -> str:
    """A select option's value: which evening and which slot."""
    return f"{evening_id}-{slot}"


def parse_slot_value(value: str) -> tuple[int, int]:
    """The evening and slot of a select option's value; TalkError for anything else."""
    evening, _, slot = value.partition("-")
    if not (evening.isdigit() and slot.isdigit()):
        raise TalkError(N_("That choice is not a slot any more; click 🎤 Claim a slot again."))
    return int(evening), int(slot)


def slot_options(offers: list[tuple[Evening, list[int]]], t: Translator, *, skip: tuple[int, int] | None = None,
                 zone: str | None = None) -> list[tuple[str, str]]:
    """(value, label) of every open slot offered, at most a select's 25, times in the reader's `zone`."""
    options = [(slot_value(evening.id, slot), slot_label(evening, slot, t, zone))
               for evening, free in offers for slot in free if (evening.id, slot) != skip]
    return options[:components.SELECT_OPTIONS]


def slot_select(action: str, options: list[tuple[str, str]], placeholder: str, *numbers: int) -> dict[str, Any]:
    """One select of open slots (one may be picked)."""
    return components.row({
        "type": 3, "custom_id": components.custom_id(action, *numbers), "placeholder": placeholder,
        "min_values": 1, "max_values": 1,
        "options": [{"label": label[:components.OPTION_LABEL_MAX], "value": value} for value, label in options],
    })


async def reader_zone(db: Database | Transaction, user_id: int, guild_id: int | None) -> str:
    """The zone a member's own reply shows plain-text times in: theirs, else their server's (podium/zones.py)."""
    guild = await load_guild(db, guild_id) if guild_id is not None else None
    return effective_zone(await load_user(db, user_id), guild)


async def claim_reply(db: Database, outcome: Claimed | Full, t: Translator, now: datetime, *,
                      topic_set: bool = False, zone: str | None = None) -> Reply:
    """What the member reads after a claim: which slot they hold, with "set your topic" and "pick another".

    `topic_set`: the claim came with its topic (/schedule add series:), so the form is offered to change it only.
    `zone`: the member's own (`reader_zone`): the reply is theirs, its plain-text times in their clock.
    """
    if isinstance(outcome, Full):
        return full_reply(outcome, t, zone=zone)
    talk, evening = outcome.talk, outcome.evening
    if topic_set:
        text = t._("🎤 You hold slot {n} of {series} for {topic}: {when}, {minutes} min.", n=(talk.slot or 0) + 1,
                   series=quote(evening.name), topic=quote(talk.topic), when=both_times(talk.starts_at),
                   minutes=talk.duration_minutes)
    else:
        text = t._("🎤 You hold slot {n} of {series}: {when}, {minutes} min. Set your topic so the audience knows "
                   "what to expect.", n=(talk.slot or 0) + 1, series=quote(evening.name),
                   when=both_times(talk.starts_at), minutes=talk.duration_minutes)
    if talk.approval == "pending":
        text += " " + t._("A moderator approves sign-ups on this server: you'll be told when they have.")
    offers = [(evening, [s for s in await open_slots(db, evening)]),
              *await _others(db, evening, now)]
    options = slot_options(offers, t, skip=(evening.id, talk.slot or 0), zone=zone)
    rows = [components.row(components.button(t._("✏️ Set your topic…"), TOPIC, talk.id, style=components.PRIMARY))]
    if options:
        rows.append(slot_select(PICK, options, t._("📅 Pick another slot…"), talk.id))
    return Reply(text, tuple(rows))


def full_reply(outcome: Full, t: Translator, *, zone: str | None = None) -> Reply:
    """Someone else was first (or every slot is held): said at once, with the open slots to claim instead.

    The next evening with an open slot is one button; every open slot offered is in a select. A claim being moved
    ("Pick another") is offered the same slots to move to, so it is never released for a slot it cannot get.
    """
    evening = outcome.evening
    if outcome.slot is not None:
        text = t._("😕 That slot of {series} was just taken by someone else.", series=quote(evening.name))
    else:
        text = t._("😕 Every slot of {series} on {when} is taken: someone else was a moment faster.",
                   series=quote(evening.name), when=discord_time(evening.starts_at))
    if not outcome.others:
        return Reply(text + " " + t._("No later evening has an open slot yet."))
    rows = []
    later = [e for e, _ in outcome.others if e.id != evening.id]
    if later and outcome.moving is None:
        rows.append(components.row(components.button(
            t._("🎤 Claim a slot on {when}", when=local_moment(later[0].starts_at, zone or later[0].timezone, t)),
            CLAIM, later[0].id, style=components.PRIMARY)))
    options = slot_options(outcome.others, t, zone=zone)
    if outcome.moving is not None:
        rows.append(slot_select(PICK, options, t._("📅 Pick another slot…"), outcome.moving))
    else:
        rows.append(slot_select(CHOOSE, options, t._("📅 Or pick a slot…")))
    return Reply(text, tuple(rows))


async def _claim_click(click: Click) -> Reply:
    """🎤 Claim a slot: the earliest open slot of the button's evening."""
    if click.guild_id is None:
        raise TalkError(N_("Claim a slot on the server, where the series is posted."))
    talks: TalkService = click.services.talks
    outcome = await claim(talks, guild_id=click.guild_id, user_id=click.user_id, evening_id=click.id.numbers[0])
    return await claim_reply(talks.db, outcome, i18n.translator(click.locale), talks.clock.now(),
                             zone=await reader_zone(talks.db, click.user_id, click.guild_id))


async def _choose_click(click: Click) -> Reply:
    """A slot picked from a select (after a lost race, or /schedule add series:)."""
    if click.guild_id is None or not click.values:
        raise TalkError(N_("Claim a slot on the server, where the series is posted."))
    evening_id, slot = parse_slot_value(click.values[0])
    talks: TalkService = click.services.talks
    outcome = await claim(talks, guild_id=click.guild_id, user_id=click.user_id, evening_id=evening_id, slot=slot)
    return await claim_reply(talks.db, outcome, i18n.translator(click.locale), talks.clock.now(),
                             zone=await reader_zone(talks.db, click.user_id, click.guild_id))


async def _pick_click(click: Click) -> Reply:
    """"Pick another": the claim (the id's talk) moves to the picked slot."""
    if click.guild_id is None or not click.values:
        raise TalkError(N_("Claim a slot on the server, where the series is posted."))
    evening_id, slot = parse_slot_value(click.values[0])
    talks: TalkService = click.services.talks
    outcome = await move_claim(talks, guild_id=click.guild_id, user_id=click.user_id, talk_id=click.id.numbers[0],
                               evening_id=evening_id, slot=slot)
    return await claim_reply(talks.db, outcome, i18n.translator(click.locale), talks.clock.now(),
                             zone=await reader_zone(talks.db, click.user_id, click.guild_id))


async def _series_claim_click(click: Click) -> Reply:
    """🎤 Claim a slot on the series post: the earliest open slot of the series' next evening that has one.

    The post names the series, not an evening: it stays up for months, and its button always means "the next".
    """
    if click.guild_id is None:
        raise TalkError(N_("Claim a slot on the server, where the series is posted."))
    talks: TalkService = click.services.talks
    t = i18n.translator(click.locale)
    now = talks.clock.now()
    offers = await evenings_with_open_slots(talks.db, click.guild_id, now, series_id=click.id.numbers[0], limit=1)
    if not offers:
        return Reply(t._("😕 No coming evening of this series has an open slot yet."))
    outcome = await claim(talks, guild_id=click.guild_id, user_id=click.user_id, evening_id=offers[0][0].id)
    return await claim_reply(talks.db, outcome, t, now, zone=await reader_zone(talks.db, click.user_id,
                                                                                click.guild_id))


CLAIM = components.declare("podium:slot:claim", handler=_claim_click)  # :evening id — "🎤 Claim a slot"
# :series id — "🎤 Claim a slot" on the series post (the next evening with an open slot)
SERIES_CLAIM = components.declare("podium:slot:series", handler=_series_claim_click)
CHOOSE = components.declare("podium:slot:choose", numbers=0, handler=_choose_click)  # values: "evening-slot"
PICK = components.declare("podium:slot:pick", handler=_pick_click)  # :talk id, values: "evening-slot"
TOPIC = components.declare("podium:slot:topic")  # :talk id — "✏️ Set your topic…" (a form: cogs/slots.py)
TOPIC_MODAL = components.declare("podium:slot:topic-modal")  # :talk id


def series_claim_row(series_id: int, t: Translator) -> dict[str, Any]:
    """The series post's "🎤 Claim a slot" (podium/series.py shows it while the series is active)."""
    return components.row(components.button(t._("🎤 Claim a slot"), SERIES_CLAIM, series_id,
                                            style=components.PRIMARY))


def claim_button(evening_id: int, t: Translator, *, disabled: bool = False) -> dict[str, Any]:
    """"🎤 Claim a slot" of one evening (on the series post and the open-slots post)."""
    button = components.button(t._("🎤 Claim a slot"), CLAIM, evening_id, style=components.PRIMARY)
    return {**button, "disabled": True} if disabled else button


# -- where evenings show: /schedule list, the weekly summary ---------------------------------------------------------


async def open_counts(source: Database | Transaction, evening_ids: set[int]) -> dict[int, tuple[Evening, int]]:
    """Each evening (of these ids) with how many of its slots are open."""
    if not evening_ids:
        return {}
    ids = tuple(sorted(evening_ids))
    marks = ",".join("?" * len(ids))
    rows = await source.fetchall(_EVENING + f" WHERE e.id IN ({marks})", ids)
    held = {row["evening_id"]: row["n"] for row in await source.fetchall(
        f"SELECT evening_id, count(*) AS n FROM talks WHERE evening_id IN ({marks}) AND state = 'scheduled'"
        " GROUP BY evening_id", ids)}
    return {row["id"]: (_evening(row), max(0, row["slots"] - held.get(row["id"], 0))) for row in rows}


async def evenings_without_talks(source: Database | Transaction, guild_id: int, after: datetime,
                                 until: datetime | None) -> list[tuple[Evening, int]]:
    """Coming evenings (after `after`, up to `until`) no approved talk holds yet, with their open slots, soonest first.

    /schedule list shows them with their open slots: a series' evenings are on the schedule before anyone claims one.
    """
    where = (f"e.guild_id = ? AND e.state = 'open' AND s.state = 'active' AND {_WITHIN_UNTIL} AND e.starts_at_ms > ?"
             " AND NOT EXISTS (SELECT 1 FROM talks AS t WHERE t.evening_id = e.id AND t.state = 'scheduled'"
             " AND t.approval = 'approved')")
    params: list[Any] = [guild_id, to_ms(after)]
    if until is not None:
        where += " AND e.starts_at_ms <= ?"
        params.append(to_ms(until))
    rows = await source.fetchall(_EVENING + f" WHERE {where} ORDER BY e.starts_at_ms, e.id", params)
    counts = await open_counts(source, {row["id"] for row in rows})
    return [counts[row["id"]] for row in rows if row["id"] in counts]


def evening_heading(evening: Evening, open_count: int, t: Translator) -> str:
    """The line an evening's talks are listed under: the series, when, and its open slots (or that none is)."""
    if evening.state == "skipped":
        return t._("🎤 {series} · ~~{when}~~ · skipped", series=quote(evening.name),
                   when=discord_time(evening.starts_at))
    if open_count:
        return t.ngettext("🎤 {series} · {when} · {n} open slot", "🎤 {series} · {when} · {n} open slots",
                          open_count, series=quote(evening.name), when=discord_time(evening.starts_at))
    return t._("🎤 {series} · {when} · every slot taken", series=quote(evening.name),
               when=discord_time(evening.starts_at))


# The weekly summary lists the coming week's evenings that still have open slots, each with its Claim button.
SUMMARY_EVENINGS = 3


async def _summary_evenings(db: Database | Transaction, guild_id: int, now: datetime) -> dict[str, Any]:
    found = await db.fetchall(
        _EVENING + " WHERE e.guild_id = ? AND e.state = 'open' AND s.state = 'active' AND e.starts_at_ms > ?"
        f" AND {_WITHIN_UNTIL} AND e.starts_at_ms <= ? AND (SELECT count(*) FROM talks AS t WHERE t.evening_id = e.id"
        " AND t.state = 'scheduled') < s.slots ORDER BY e.starts_at_ms LIMIT ?",
        (guild_id, to_ms(now), to_ms(now + timedelta(days=weekly.SUMMARY_DAYS)), SUMMARY_EVENINGS),
    )
    counts = await open_counts(db, {row["id"] for row in found})
    return {"open_evenings": [
        {"evening_id": evening.id, "series": evening.name, "start_ms": to_ms(evening.starts_at), "open": n}
        for evening, n in sorted(counts.values(), key=lambda item: item[0].starts_at)]}


def _summary_section(ctx: RenderContext) -> tuple[dict[str, Any] | None, tuple[dict[str, Any], ...]]:
    evenings = [e for e in ctx.payload.get("open_evenings") or [] if isinstance(e, dict)][:SUMMARY_EVENINGS]
    if not evenings:
        return None, ()
    t = ctx.t
    lines, buttons = [], []
    for item in evenings:
        start = from_ms(need(item, "start_ms", int))
        n = need(item, "open", int)
        lines.append(t.ngettext("🎤 {series} · {when} · {n} open slot", "🎤 {series} · {when} · {n} open slots", n,
                                series=quote(need(item, "series", str)), when=both_times(start)))
        # A post's button, read by the whole server: its plain-text time names the zone it is in.
        buttons.append(components.button(
            t._("🎤 Claim a slot on {when} ({zone})", when=local_moment(start, ctx.zone, t), zone=ctx.zone), CLAIM,
            need(item, "evening_id", int), style=components.PRIMARY))
    embed = {"title": t._("Open slots: who wants to speak?"), "description": "\n".join(lines), "color": 0x57F287}
    return embed, (components.row(*buttons),)


weekly.summary_section(weekly.SummarySection(prepare=_summary_evenings, render=_summary_section))


# -- the speaker limit, and the open-slots post kept true ---------------------------------------------------------


@subscribes
def subscribe(hooks: TalkHooks, outbox: Outbox) -> TalkHooks:
    """The per-evening limit at each claim, and the open-slots post's edit when who holds a slot changes."""

    # `while_pending`: a claim waiting for approval holds its slot as any claim does, so it counts towards the limit
    # (else one member holds every slot of an evening while approval is on) and the post shows it taken.
    @hooks.subscribe("talk_scheduled", "talk_rescheduled", "talk_edited", while_pending=True)
    async def within_the_limit(tx: Transaction, event: TalkEvent) -> None:
        talk = event.after
        # At a claim, or a claim moved to another evening; a moderator giving a slot's talk to someone is trusted.
        if talk.evening_id is None or (event.before is not None and event.before.evening_id == talk.evening_id):
            return
        taken = int(await tx.fetchval(
            "SELECT count(*) - (SELECT s.slots FROM series_evenings AS e JOIN series AS s ON s.id = e.series_id"
            " WHERE e.id = ?) FROM talks WHERE evening_id = ? AND state = 'scheduled'",
            (talk.evening_id, talk.evening_id)) or 0)
        if taken > 0 and event.actor.user_id == talk.speaker_id:
            # A member's own claim making more talks than slots (a slot picked from an offer made before /series edit
            # slots cut the evening): lost as a race is, and the claim answers with the next open slot. A moderator
            # approving or placing a talk is trusted, as with the limit.
            raise SlotTaken(N_("Someone else holds that slot already."))
        limit = (await load_settings(tx, talk.guild_id)).per_member
        held = int(await tx.fetchval(
            "SELECT count(*) FROM talks WHERE evening_id = ? AND speaker_id = ? AND state = 'scheduled'",
            (talk.evening_id, talk.speaker_id)))
        if held > limit:
            # Raised in the claim's transaction: the talk and everything it queued roll back.
            raise TalkError(N_("You already hold as many slots of that evening as one member may ({n}). "
                               "Pick another evening, or cancel yours with `/schedule cancel`."), n=limit)

    @hooks.subscribe("talk_scheduled", "talk_rescheduled", "talk_cancelled", "talk_edited", while_pending=True)
    async def slots_changed(tx: Transaction, event: TalkEvent) -> None:
        evenings = {e for e in (event.after.evening_id, event.before.evening_id if event.before else None)
                    if e is not None}
        for evening_id in sorted(evenings):
            await evening_changed(tx, outbox, evening_id, event.now)

    return hooks


# -- Discord's Events: one event per evening with a claimed slot (not one per slot, not a Discord recurrence) -----


def evening_marker(evening_id: int) -> str:
    """The last line of an evening's event description: finds it again after a crash lost its id."""
    return f"Podium evening #{evening_id}"


def evening_event_body(evening: Evening, held: dict[int, Talk], guild: GuildSettings) -> dict[str, Any]:
    """The evening's event: its series, the whole evening, its line-up (the place as the server's talks have it)."""
    lineup = []
    for slot in sorted(held):
        talk = held[slot]
        speaker = f" ({inert(talk.speaker_name)})" if talk.speaker_name else ""
        lineup.append(f"{talk.starts_at.astimezone(ZoneInfo(evening.timezone)):%H:%M} {inert(talk.topic)}{speaker}")
    tail = evening_marker(evening.id)
    # Discord renders no <t:…> in an event's description: the line-up's plain times name their zone (the series'),
    # or a member elsewhere reads them as their own clock next to the card's start, which Discord shows in theirs.
    # A clock and the zone's IANA name: no words, so the description reads the same in any language.
    if lineup:
        lineup.insert(0, f"🕒 {evening.timezone}")
    description = "\n".join(lineup)[:events.DESCRIPTION_MAX - len(tail) - 1]
    body: dict[str, Any] = {
        "name": events.clip(evening.name, events.NAME_MAX),
        "description": f"{description}\n{tail}" if description else tail,
        "scheduled_start_time": events.iso(evening.starts_at),
        "scheduled_end_time": events.iso(evening.ends_at),
        "privacy_level": 2,
        "entity_type": guild.events_entity_type,
    }
    if guild.events_entity_type == events.EXTERNAL or guild.events_channel_id is None:
        body["entity_type"] = events.EXTERNAL
        body["channel_id"] = None
        body["entity_metadata"] = {"location": events.clip(events.location_text(guild), events.LOCATION_MAX)}
    else:
        body["channel_id"] = str(guild.events_channel_id)
    return body


async def _store_evening_event(db: Database, evening_id: int, event_id: int | None) -> None:
    async with db.transaction() as tx:
        await tx.execute("UPDATE series_evenings SET event_id = ? WHERE id = ?", (event_id, evening_id))


async def _sync_evening_event(action: kinds.ActionContext) -> int:
    """Make the evening's event what the evening is now: made at its first claim, edited, cancelled when none is left.

    Reads the evening when it runs, so the last of several queued changes wins whatever order they ran in.
    """
    evening = await load_evening(action.db, need(action.payload, "evening_id", int))
    if evening is None:
        raise kinds.ActionSkipped("the evening no longer exists")
    event_id = await action.db.fetchval("SELECT event_id FROM series_evenings WHERE id = ?", (evening.id,))
    # Approved talks only: a sign-up waiting for approval is not announced or mirrored (podium/workflow.py).
    held = {slot: talk for slot, talk in (await held_slots(action.db, evening.id)).items()
            if talk.approval == "approved"}
    guild = await load_guild(action.db, evening.guild_id)
    wanted = bool(held) and evening.state == "open" and evening.starts_at > action.now
    if not wanted:
        if event_id is None:
            raise kinds.ActionSkipped("the evening has no event and needs none")
        with contextlib.suppress(GoneError, RejectedError):  # deleted by hand, or already over: nothing left
            await action.transport.edit_scheduled_event(evening.guild_id, event_id, {"status": events.CANCELED})
        await _store_evening_event(action.db, evening.id, None)
        return int(event_id)
    body = evening_event_body(evening, held, guild)
    if event_id is not None:
        try:
            await action.transport.edit_scheduled_event(evening.guild_id, event_id, {
                key: body[key] for key in ("name", "description", "scheduled_start_time", "scheduled_end_time")})
            return int(event_id)
        except GoneError:
            await _store_evening_event(action.db, evening.id, None)  # deleted by hand: made again
    elif not guild.events_enabled:
        raise kinds.ActionSkipped("the server has scheduled events off")
    found = None
    if action.row.attempts > 1 or action.row.maybe_sent:
        me = action.transport.own_user_id()
        found = next((int(e["id"]) for e in await action.transport.list_scheduled_events(evening.guild_id)
                      if str(e.get("creator_id")) == str(me)
                      and str(e.get("description") or "").rstrip().endswith(evening_marker(evening.id))
                      and int(e.get("status") or 0) == events.SCHEDULED), None)
    made = found if found is not None else int(
        (await action.transport.create_scheduled_event(evening.guild_id, body))["id"])
    await _store_evening_event(action.db, evening.id, made)
    return made


EVENING_EVENT = kinds.register(kinds.KindSpec(
    name="evening_event", render=kinds.describes("(makes a series evening's Discord event what the evening is now)"),
    consent=None, act=_sync_evening_event, in_talk_info="hidden", label=N_("evening's event"),
    # To whom and when: Discord's Events list, when a slot of an evening is claimed, released or its talk changes.
    example={"evening_id": 1},
))


async def queue_evening_event(tx: Transaction, outbox: Outbox, evening: Evening, now: datetime) -> None:
    """One pending sync of the evening's event: it reads the evening when it runs (servers with events on)."""
    has_event = await tx.fetchval("SELECT event_id FROM series_evenings WHERE id = ?", (evening.id,))
    if has_event is None and not (await load_guild(tx, evening.guild_id)).events_enabled:
        return
    prefix = f"evening:{evening.id}:event:"
    if await tx.fetchone("SELECT 1 FROM outbox WHERE dedupe_key >= ? AND dedupe_key < ? AND state = 'pending'",
                         (prefix, prefix[:-1] + ";")):
        return
    await outbox.enqueue(tx, OutboxMessage(
        kind=EVENING_EVENT.name, dedupe_key=f"{prefix}{to_ms(now)}", due_at=now, target_type="channel",
        guild_id=evening.guild_id, payload={"evening_id": evening.id},
    ), now=now)


def open_slots_key(evening_id: int) -> str:
    """The dedupe key of an evening's one open-slots post."""
    return f"evening:{evening_id}:open-slots"


async def evening_changed(tx: Transaction, outbox: Outbox, evening_id: int, now: datetime) -> None:
    """Who holds the evening's slots changed: its open-slots post is planned, dropped or edited to match."""
    evening = await load_evening(tx, evening_id)
    if evening is None:
        return
    await queue_evening_event(tx, outbox, evening, now)
    await _plan_evening(tx, outbox, evening, await load_settings(tx, evening.guild_id), None, now)
    await _queue_post_edit(tx, outbox, evening.id, evening.guild_id, now, expires_at=evening.ends_at)
    # The week's summary offers it too ("2 open slots", a Claim button), though no talk it lists changed.
    await posts.queue_evening_edits(tx, outbox, evening.guild_id, evening.id, now)


async def _queue_post_edit(tx: Transaction, outbox: Outbox, evening_id: int, guild_id: int, now: datetime, *,
                           expires_at: datetime | None, gone: dict[str, Any] | None = None) -> None:
    """Edit the evening's sent open-slots post (if one is out) a few seconds from now: one waiting edit per post.

    `gone`: the evening was deleted (its series ended or moved off that day); the edit says so with these words (the
    series' name and the evening's start), as the evening cannot be read any more.
    """
    post = await tx.fetchone(
        "SELECT id, delivered_channel_id, message_id FROM outbox WHERE dedupe_key = ? AND state = 'sent'"
        " AND message_id IS NOT NULL", (open_slots_key(evening_id),))
    if post is None:
        return
    prefix = f"evening:{evening_id}:open-slots-edit:"
    # One waiting edit per post: it reads the slots when it runs.
    if gone is None and await tx.fetchone(
            "SELECT 1 FROM outbox WHERE dedupe_key >= ? AND dedupe_key < ? AND state = 'pending'",
            (prefix, prefix[:-1] + ";")):
        return
    await outbox.enqueue(tx, OutboxMessage(
        kind=OPEN_SLOTS_UPDATE.name, dedupe_key=f"{prefix}{'gone' if gone is not None else to_ms(now)}",
        due_at=now + EDIT_HOLD, target_type="channel", guild_id=guild_id, channel_id=post["delivered_channel_id"],
        payload={"evening_id": evening_id, "message_id": post["message_id"], **(gone or {})},
        expires_at=expires_at,
    ), now=now)


async def series_replanned(tx: Transaction, outbox: Outbox, series_id: int, name: str,
                           gone: dict[int, datetime], now: datetime) -> None:
    """A series changed by a command (podium/series.py): its evenings' public posts and events follow.

    Every coming evening's sent open-slots post is edited (its time, its slots, its name may have changed, or it no
    longer takes claims), one not yet sent is planned again, and an evening's Discord event is synced. `gone`: the
    evenings the change deleted (id → start); their sent posts say the evening is no longer planned.
    """
    guild_id = int(await tx.fetchval("SELECT guild_id FROM series WHERE id = ?", (series_id,)))
    rows = await tx.fetchall(_EVENING + " WHERE e.series_id = ? AND e.starts_at_ms > ?", (series_id, to_ms(now)))
    with_event = {row["id"] for row in await tx.fetchall(
        "SELECT id FROM series_evenings WHERE series_id = ? AND starts_at_ms > ? AND event_id IS NOT NULL",
        (series_id, to_ms(now)))}
    settings = await load_settings(tx, guild_id)
    for row in rows:
        evening = _evening(row)
        if evening.id in with_event:
            await queue_evening_event(tx, outbox, evening, now)
        await _plan_evening(tx, outbox, evening, settings, None, now)
        await _queue_post_edit(tx, outbox, evening.id, evening.guild_id, now, expires_at=evening.ends_at)
        await posts.queue_evening_edits(tx, outbox, guild_id, evening.id, now)
    for evening_id, start in gone.items():
        await outbox.cancel_keys(tx, [open_slots_key(evening_id)], now=now, reason="the evening is no longer planned")
        await _queue_post_edit(tx, outbox, evening_id, guild_id, now, expires_at=None,
                               gone={"series": name, "start_ms": to_ms(start)})
        # A summary offering a deleted evening would keep a Claim button that is refused.
        await posts.queue_evening_edits(tx, outbox, guild_id, evening_id, now)


async def _plan_evening(tx: Transaction, outbox: Outbox, evening: Evening, settings: SlotSettings,
                        channel_id: int | None, now: datetime) -> None:
    key = open_slots_key(evening.id)
    free = await open_slots(tx, evening) if claimable(evening, now) else []
    if not free:
        # No post when every slot is taken (or the evening is skipped, begun or its series ended).
        await outbox.cancel_keys(tx, [key], now=now, reason="no open slot")
        return
    due = max(now, evening.starts_at - timedelta(days=settings.days_before))
    if channel_id is None:
        channel_id = evening.channel_id or await tx.fetchval(
            "SELECT announce_channel_id FROM guild_settings WHERE guild_id = ?", (evening.guild_id,))
    if channel_id is None or due - now > timedelta(hours=2):
        # Planned by the hourly pass once it is near: a post queued days ahead would hold a channel since changed.
        if due - now > timedelta(hours=2):
            await outbox.cancel_keys(tx, [key], now=now, reason="planned again closer to the evening")
        return
    await outbox.enqueue(tx, OutboxMessage(
        kind=OPEN_SLOTS.name, dedupe_key=key, due_at=due, target_type="channel", guild_id=evening.guild_id,
        channel_id=channel_id, payload={"evening_id": evening.id}, expires_at=evening.starts_at,
    ), now=now)


async def plan_open_slots(tx: Transaction, outbox: Outbox, guild_id: int, now: datetime) -> int:
    """Queue the open-slots post of each evening due within the next hours (the hourly planner calls this)."""
    settings = await load_settings(tx, guild_id)
    rows = await tx.fetchall(
        _EVENING + " WHERE e.guild_id = ? AND e.state = 'open' AND s.state = 'active' AND e.starts_at_ms > ?"
        f" AND {_WITHIN_UNTIL} AND e.starts_at_ms <= ? ORDER BY e.starts_at_ms",
        (guild_id, to_ms(now), to_ms(now + timedelta(days=settings.days_before, hours=2))),
    )
    for row in rows:
        await _plan_evening(tx, outbox, _evening(row), settings, None, now)
    # An evening skipped after its open-slots post went out (with no claim, no talk change told us): the post says
    # so, once (its key is final once sent), and its button is greyed out.
    # One still waiting for an evening skipped meanwhile is dropped: it would only say "skipped" to the channel.
    waiting = await tx.fetchall(
        "SELECT o.dedupe_key FROM series_evenings AS e JOIN outbox AS o ON o.dedupe_key = 'evening:' || e.id"
        " || ':open-slots' AND o.state = 'pending' WHERE e.guild_id = ? AND e.state = 'skipped' AND e.starts_at_ms > ?",
        (guild_id, to_ms(now)))
    await outbox.cancel_keys(tx, [row["dedupe_key"] for row in waiting], now=now, reason="the evening is skipped")
    skipped = await tx.fetchall(
        "SELECT e.id, o.delivered_channel_id, o.message_id FROM series_evenings AS e JOIN outbox AS o"
        " ON o.dedupe_key = 'evening:' || e.id || ':open-slots' AND o.state = 'sent' AND o.message_id IS NOT NULL"
        " WHERE e.guild_id = ? AND e.state = 'skipped' AND e.starts_at_ms > ?", (guild_id, to_ms(now)))
    for row in skipped:
        await outbox.enqueue(tx, OutboxMessage(
            kind=OPEN_SLOTS_UPDATE.name, dedupe_key=f"evening:{row['id']}:open-slots-edit:skipped", due_at=now,
            target_type="channel", guild_id=guild_id, channel_id=row["delivered_channel_id"],
            payload={"evening_id": row["id"], "message_id": row["message_id"]},
        ), now=now)
    return len(rows)


async def has_series(tx: Transaction, guild_id: int, now: datetime) -> bool:
    """Whether the server's coming evenings come from series: then their open-slots posts call for speakers."""
    return bool(await tx.fetchval(
        "SELECT EXISTS (SELECT 1 FROM series_evenings AS e JOIN series AS s ON s.id = e.series_id"
        " WHERE e.guild_id = ? AND e.state = 'open' AND s.state = 'active' AND e.starts_at_ms > ?)",
        (guild_id, to_ms(now))))


weekly.call_for_speakers_replaced_by(has_series)


async def open_slots_payload(db: Database | Transaction, evening_id: int, now: datetime) -> dict[str, Any]:
    """What the open-slots post shows, read when it goes out (and at each edit)."""
    evening = await load_evening(db, evening_id)
    if evening is None:
        raise RenderError(f"evening {evening_id} no longer exists")
    free = await open_slots(db, evening) if claimable(evening, now) else []
    return {"evening_id": evening.id, "series": evening.name, "start_ms": to_ms(evening.starts_at),
            "slots": evening.slots, "open": [to_ms(evening.slot_start(s)) for s in free],
            "skipped": evening.state == "skipped",
            # Kept for its claimed talks, but no longer the series' to claim: it ended, or ends before this evening.
            "closed": evening.state == "open" and evening.starts_at > now and not claimable(evening, now)}


async def _prepare(db: Database, row: OutboxRow, now: datetime) -> dict[str, Any]:
    return await open_slots_payload(db, need(row.payload, "evening_id", int), now)


def render_open_slots(ctx: RenderContext) -> Rendered:
    """The open-slots post: the evening, its open slots' times, and 🎤 Claim a slot (greyed out once all are held)."""
    t = ctx.t
    series = need(ctx.payload, "series", str)
    start = from_ms(need(ctx.payload, "start_ms", int))
    free = [from_ms(ms) for ms in need(ctx.payload, "open", list) if isinstance(ms, int)]
    total = need(ctx.payload, "slots", int)
    evening_id = need(ctx.payload, "evening_id", int)
    if ctx.payload.get("skipped"):
        return Rendered(t._("🚫 {series} on ~~{when}~~ is skipped.", series=quote(series), when=discord_time(start)),
                        components=(components.row(claim_button(evening_id, t, disabled=True)),))
    if ctx.payload.get("gone"):
        return Rendered(t._("🚫 {series} on ~~{when}~~ is no longer planned.", series=quote(series),
                            when=discord_time(start)),
                        components=(components.row(claim_button(evening_id, t, disabled=True)),))
    if ctx.payload.get("closed"):
        return Rendered(t._("🎤 {series} on {when}: its slots can't be claimed any more.", series=quote(series),
                            when=both_times(start)),
                        components=(components.row(claim_button(evening_id, t, disabled=True)),))
    if not free:
        return Rendered(t._("🎤 {series} on {when}: every slot is taken. Thanks, speakers!", series=quote(series),
                            when=both_times(start)),
                        components=(components.row(claim_button(evening_id, t, disabled=True)),))
    lines = "\n".join(f"• {discord_time(when, 't')}" for when in free)
    text = t.ngettext("🎤 {series} on {when} has {n} open slot of {total}: who wants to speak?",
                      "🎤 {series} on {when} has {n} open slots of {total}: who wants to speak?", len(free),
                      series=quote(series), when=both_times(start), total=total)
    return Rendered(f"{text}\n{lines}", components=(components.row(claim_button(evening_id, t)),))


OPEN_SLOTS = kinds.register(kinds.KindSpec(
    name="open_slots", render=render_open_slots, consent=None, prepare=_prepare,
    # Pointless once the evening has begun.
    expiry=lambda message: message.expires_at,
    label=N_("open slots"),
    # To whom and when: the series' channel (else the announcement channel), N days before each evening with an
    # open slot (/announce-settings slots).
    example={"evening_id": 1, "series": "_" * 100, "start_ms": 1795900000000, "slots": 10,
             "open": [1795900000000 + i * 1_800_000 for i in range(10)], "skipped": False},
))


async def _update_open_slots(action: kinds.ActionContext) -> int:
    """Show the evening's slots as they are now in its open-slots post."""
    row = action.row
    message_id: int = need(action.payload, "message_id", int)
    if row.channel_id is None:
        raise RenderError("an open-slots edit needs the post's channel")
    evening_id = need(action.payload, "evening_id", int)
    if await load_evening(action.db, evening_id) is None:
        if not isinstance(action.payload.get("start_ms"), int):
            raise kinds.ActionSkipped("the evening no longer exists")
        # Deleted by its series' change (series_replanned): the post says the evening is no longer planned.
        payload = {"evening_id": evening_id, "series": need(action.payload, "series", str),
                   "start_ms": action.payload["start_ms"], "slots": 0, "open": [], "gone": True}
    else:
        payload = await open_slots_payload(action.db, evening_id, action.now)
    ctx = RenderContext(OPEN_SLOTS.name, payload, None, action.now, action.now, via="channel",
                        locale=await channel_locale(action.db, action.guild))
    body = render(ctx, mention_user_id=None)
    edit = {"content": body["content"], "components": body.get("components", []),
            "allowed_mentions": {"parse": [], "users": [], "replied_user": False}}
    try:
        await action.transport.edit_message(row.channel_id, message_id, edit)
    except GoneError as exc:
        raise kinds.ActionSkipped(f"the post was deleted: {exc}") from exc
    return message_id


OPEN_SLOTS_UPDATE = kinds.register(kinds.KindSpec(
    name="open_slots_update", render=kinds.describes("(edits an open-slots post to show the evening's slots now)"),
    consent=None, act=_update_open_slots, in_talk_info="hidden", label=N_("open slots update"),
    # To whom and when: an evening's open-slots post, a few seconds after a slot of it is claimed or released.
    example={"evening_id": 1, "message_id": 1234},
))

