"""Domain side of scheduled events (Discord side: cogs/scheduled_events.py): talks mirrored as Discord Events.

Talks mirrored as Discord's native Guild Scheduled Events, both ways (a guild setting, off by default).

Owns these kinds (docs/architecture.md, "The scheduled events"):
- `scheduled_event`: makes the talk's event what the talk is now — created when the talk is added, PATCHed when it
  is moved or edited, set to CANCELED when it is cancelled, made again when someone deleted it by hand. One row per
  change (its dedupe key carries the talk's `sequence`); a newer change cancels the pending older one, and the
  action reads the talk when it runs, so the last one wins whatever order they run in.
- `scheduled_event_end`: at the talk's end, SCHEDULED → ACTIVE → COMPLETED (Discord allows no shortcut); re-timed
  in place when the talk moves or gets longer, cancelled with the talk. Also ends an event the talk no longer uses
  (started early by someone the rule refuses: Discord lets ACTIVE only go on to COMPLETED, so the talk gets a new one).

Every Discord call is an outbox row (durable, retried with backoff, never inside a database transaction). The
other way, `ScheduledEvents` turns Discord's gateway events into talk changes: a member marking "Interested" joins
the talk's audience; the speaker or a moderator moving or cancelling the event in Discord moves or cancels the talk
(anyone else's change, and any rename, is put back); an event made by hand becomes a talk with `/schedule import`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from db import Database, Transaction
from podium.audience import Audience, AudienceError, was_forgotten
from podium.clock import Clock, to_ms
from podium.delivery import kinds
from podium.delivery.outbox import Outbox, OutboxMessage
from podium.delivery.transport import (
    MAX_SCHEDULED_EVENTS,
    DeliveryError,
    GoneError,
    RefusedError,
    RejectedError,
    Transport,
)
from podium.errors import UserError
from podium.i18n import N_
from podium.keyed_lock import KeyedLock
from podium.markup import clip as clip_escaped
from podium.markup import discord_time, inert, quote
from podium.preferences import GuildSettings, load_guild
from podium.talk_model import DURATION_RANGE, TOPIC_MAX, Talk, load_talk
from podium.talks import (
    CANCELLED_IN_DISCORD,
    Action,
    Actor,
    TalkEvent,
    TalkHooks,
    TalkService,
    authorize,
    refusal,
    subscribes,
)

log = logging.getLogger(__name__)

# Discord's guild scheduled event statuses (SCHEDULED → ACTIVE → COMPLETED, or SCHEDULED → CANCELED) and limits.
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
STAGE, VOICE, EXTERNAL = 1, 2, 3
NAME_MAX = 100
DESCRIPTION_MAX = 1000
LOCATION_MAX = 100
MAX_ACTIVE_EVENTS = 100
# A status change this close to the talk's start is the talk beginning (Discord starts external events by itself).
STARTING_SLACK = timedelta(minutes=1)
# Who changed an event is in the audit log (GUILD_SCHEDULED_EVENT_UPDATE entries, action type 101); reading it needs
# View Audit Log. The entry of a change is written as the change is made: one older than this is another change.
AUDIT_EVENT_UPDATE = 101
AUDIT_WINDOW = timedelta(minutes=2)
# The gateway event can overtake the audit log entry: look again this often, this many times in all.
AUDIT_TRIES = 3
AUDIT_PAUSE = 1.0
SNOWFLAKE_EPOCH_MS = 1420070400000
# Server-wide permissions that make a member a moderator of every talk (as the commands compute it).
ADMINISTRATOR, MANAGE_GUILD, MANAGE_EVENTS = 1 << 3, 1 << 5, 1 << 33


class EventsError(UserError):
    """A refused /announce-settings events or /schedule import; the message is shown as it is."""


def clip(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, an ellipsis marking a cut."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def inert_within(text: str, limit: int) -> str:
    """A description made inert (its lines kept) in at most `limit` characters, never cut inside an escape."""
    budget = limit
    while True:
        shown = inert(clip_escaped(text.strip(), budget), one_line=False)
        # Escaped numbered items take one more character than `clip_escaped` counts: cut a little more and retry.
        if len(shown) <= limit or budget <= 1:
            return shown[:limit]
        budget -= len(shown) - limit


def iso(when: datetime) -> str:
    """An aware instant as Discord's ISO 8601 timestamp (UTC)."""
    return when.astimezone(UTC).isoformat(timespec="seconds")


def parse_time(text: str) -> datetime:
    """Discord's ISO 8601 timestamp as an aware UTC datetime."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # Discord always sends an offset; be lenient, never naive
    return parsed.astimezone(UTC)


def marker(talk_id: int) -> str:
    """The last line of the event's description: finds the event again after a crash lost its id."""
    return f"Podium talk #{talk_id}"


def event_description(talk: Talk) -> str:
    """Speaker, the talk's description, a link to its thread: at most 1,000 characters, the marker kept."""
    # Discord's Events UI renders markdown: the member's name and description must not become links or headings.
    speaker = inert(talk.speaker_name) if talk.speaker_name else "a member of this server"
    tail = []
    if talk.thread_id is not None:
        tail.append(f"Questions and chat: https://discord.com/channels/{talk.guild_id}/{talk.thread_id}")
    tail.append(marker(talk.id))
    head = f"Speaker: {speaker}"
    room = DESCRIPTION_MAX - len(head) - sum(len(t) + 1 for t in tail) - 2
    body = f"\n\n{inert_within(talk.description, room)}" if talk.description and room > 20 else ""
    return "\n".join([head + body, *tail])[:DESCRIPTION_MAX]


def event_body(talk: Talk, guild: GuildSettings) -> dict[str, Any]:
    """The JSON of the talk's event as Create Guild Scheduled Event takes it (privacy: guild only)."""
    body: dict[str, Any] = {
        "name": clip(talk.topic, NAME_MAX),
        "description": event_description(talk),
        "scheduled_start_time": iso(talk.starts_at),
        "scheduled_end_time": iso(talk.ends_at),
        "privacy_level": 2,
        "entity_type": guild.events_entity_type,
    }
    if guild.events_entity_type == EXTERNAL or guild.events_channel_id is None:
        body["entity_type"] = EXTERNAL
        body["channel_id"] = None
        body["entity_metadata"] = {"location": clip(guild.events_location or "Discord", LOCATION_MAX)}
    else:
        body["channel_id"] = str(guild.events_channel_id)
    return body


def event_changes(talk: Talk) -> dict[str, Any]:
    """What a PATCH sends when the talk changes: name, description and times."""
    # The place stays as it is: an imported event keeps the channel its moderator chose, and a changed setting
    # applies to events made from then on.
    return {
        "name": clip(talk.topic, NAME_MAX),
        "description": event_description(talk),
        "scheduled_start_time": iso(talk.starts_at),
        "scheduled_end_time": iso(talk.ends_at),
    }


# -- the kinds --------------------------------------------------------------------------------------------------


def sync_message(talk: Talk, now: datetime, *, again: bool = False) -> OutboxMessage:
    """The row that makes the talk's event match the talk as of this change (`again`: the talk did not change)."""
    # One key per change of the talk; a sync for an unchanged talk (the event changed) needs a key of its own.
    again_part = f":again:{to_ms(now)}" if again else ""
    return OutboxMessage(
        kind=EVENT_SYNC.name,
        dedupe_key=f"talk:{talk.id}:event:{talk.sequence}:{talk.state}{again_part}",
        due_at=now,
        target_type="channel",
        guild_id=talk.guild_id,
        talk_id=talk.id,
        # The start it will send: an UPDATE from the gateway showing it is the echo of our own PATCH.
        payload={"start_ms": to_ms(talk.starts_at), "state": talk.state},
    )


def end_message(talk: Talk) -> OutboxMessage:
    """The row that completes the talk's event when the talk ends (one per talk, re-timed in place)."""
    return OutboxMessage(
        kind=EVENT_END.name,
        dedupe_key=f"talk:{talk.id}:event-end",
        due_at=talk.ends_at,
        target_type="channel",
        guild_id=talk.guild_id,
        talk_id=talk.id,
        payload={"end_ms": to_ms(talk.ends_at)},
    )


def retire_message(talk: Talk, event_id: int, now: datetime) -> OutboxMessage:
    """The row that ends an event the talk no longer uses (a new one mirrors the talk)."""
    return OutboxMessage(
        kind=EVENT_END.name,
        dedupe_key=f"talk:{talk.id}:event-retire:{event_id}",
        due_at=now,
        target_type="channel",
        guild_id=talk.guild_id,
        # Not the talk's row: cancelling or moving the talk must not keep the old event live.
        talk_id=None,
        payload={"retire_event_id": event_id},
    )


async def queue_sync(tx: Transaction, outbox: Outbox, talk: Talk, now: datetime, *, again: bool = False) -> None:
    """Queue the talk's event sync, replacing one still waiting (at most one pending per talk)."""
    await outbox.cancel_pending(tx, now=now, reason="superseded by a later change", talk_id=talk.id,
                                kinds=[EVENT_SYNC.name])
    await outbox.enqueue(tx, sync_message(talk, now, again=again), now=now)


# One action per talk at a time (a create still in flight when the cancel comes must finish and store its id first).
_locks: KeyedLock[int] = KeyedLock()


def is_own_event_of(event: dict[str, Any], talk_id: int, bot_user_id: int | None) -> bool:
    """Whether Discord's event is the one Podium made for this talk: made by the bot, its marker the last line.

    Containing the marker is not enough: "Podium talk #1" is inside talk 10's marker, a member can make an event
    of their own that carries it, and a talk's description (copied into its event) can hold the line too.
    """
    if bot_user_id is None or str(event.get("creator_id")) != str(bot_user_id):
        return False
    lines = str(event.get("description") or "").rstrip().splitlines()
    return bool(lines) and lines[-1].strip() == marker(talk_id)


async def _find_own_event(transport: Transport, guild_id: int, talk: Talk) -> int | None:
    """The talk's event made by an attempt that crashed before storing its id, recognised by creator and marker."""
    me = transport.own_user_id()
    for event in await transport.list_scheduled_events(guild_id):
        if is_own_event_of(event, talk.id, me) and int(event.get("status") or 0) in (SCHEDULED, ACTIVE):
            return int(event["id"])
    return None


async def _store_event_id(db: Database, talk_id: int, event_id: int | None) -> None:
    async with db.transaction() as tx:
        await tx.execute("UPDATE talks SET event_id = ? WHERE id = ?", (event_id, talk_id))


async def _create(action: kinds.ActionContext, talk: Talk, guild: GuildSettings) -> int:
    """Create the talk's event (or find the one a crashed attempt made) and store its id."""
    event_id = None
    if action.row.attempts > 1 or action.row.maybe_sent:
        event_id = await _find_own_event(action.transport, talk.guild_id, talk)
    if event_id is None:
        try:
            created = await action.transport.create_scheduled_event(talk.guild_id, event_body(talk, guild))
        except RejectedError as exc:
            if exc.code == MAX_SCHEDULED_EVENTS:
                raise RejectedError(
                    f"{quote(talk.topic)} is not in Discord's Events list: the server already has "
                    f"{MAX_ACTIVE_EVENTS} scheduled or active events, Discord's limit. It will be mirrored when it "
                    "is next changed after some events have ended or been cancelled.",
                    status=exc.status, code=exc.code,
                ) from exc
            raise
        except RefusedError as exc:
            raise RefusedError(
                f"Discord refused to create the event of {quote(talk.topic)}: my role needs **Create Events** (and, "
                f"for a stage or voice channel, access to it). ({exc})", status=exc.status, code=exc.code,
            ) from exc
        event_id = int(created["id"])
    await _store_event_id(action.db, talk.id, event_id)
    return event_id


async def _sync(action: kinds.ActionContext) -> int:
    """Make the talk's event what the talk is now: create, PATCH, cancel; made again if deleted by hand."""
    talk_id = action.row.talk_id
    if talk_id is None:
        raise kinds.ActionSkipped("an event sync needs its talk")
    async with _locks(talk_id):
        # Read now, under the lock: the talk as it is, not as it was when the row was queued.
        talk = await load_talk(action.db, talk_id)
        if talk is None:
            raise kinds.ActionSkipped("the talk no longer exists")
        guild = await load_guild(action.db, talk.guild_id)
        if talk.state == "cancelled":
            return await _cancel(action, talk)
        if talk.state != "scheduled" or talk.starts_at <= action.now:
            raise kinds.ActionSkipped("the talk has started or is over")
        if talk.event_id is not None:
            try:
                await action.transport.edit_scheduled_event(talk.guild_id, talk.event_id, event_changes(talk))
                return talk.event_id
            except GoneError:
                # Deleted by hand in Discord (10070): the talk is still on, so it gets an event again.
                log.info("talk %d: its event %d was deleted in Discord; making it again", talk.id, talk.event_id)
                await _store_event_id(action.db, talk.id, None)
            except RejectedError:
                # Ended early by the speaker or a moderator (left to them): a finished event takes no changes, and
                # the talk, still on, gets a new one.
                if not await _finished(action, talk.guild_id, talk.event_id):
                    raise
                log.info("talk %d: its event %d has ended; making a new one", talk.id, talk.event_id)
                await _store_event_id(action.db, talk.id, None)
        elif not guild.events_enabled:
            raise kinds.ActionSkipped("the server turned scheduled events off")
        return await _create(action, talk, guild)


async def _finished(action: kinds.ActionContext, guild_id: int, event_id: int) -> bool:
    """Whether the event is COMPLETED or CANCELED (final in Discord) or gone."""
    try:
        event = await action.transport.get_scheduled_event(guild_id, event_id)
    except GoneError:
        return True
    return int(event.get("status") or 0) in (COMPLETED, CANCELED)


async def _cancel(action: kinds.ActionContext, talk: Talk) -> int:
    if talk.event_id is None:
        raise kinds.ActionSkipped("the talk had no event")
    try:
        await action.transport.edit_scheduled_event(talk.guild_id, talk.event_id, {"status": CANCELED})
    except GoneError as exc:
        raise kinds.ActionSkipped("the event was deleted in Discord") from exc
    except RejectedError as exc:
        # Already COMPLETED or CANCELED (by a moderator, or Discord's automation): nothing left to change.
        raise kinds.ActionSkipped(f"the event can no longer be cancelled: {exc}") from exc
    return talk.event_id


async def _retire(action: kinds.ActionContext, guild_id: int, event_id: int) -> int:
    """End an event a talk no longer uses (started early by hand): Discord lets an ACTIVE one only be completed."""
    try:
        status = int((await action.transport.get_scheduled_event(guild_id, event_id)).get("status") or 0)
        if status == SCHEDULED:
            await action.transport.edit_scheduled_event(guild_id, event_id, {"status": CANCELED})
        elif status == ACTIVE:
            await action.transport.edit_scheduled_event(guild_id, event_id, {"status": COMPLETED})
        else:
            raise kinds.ActionSkipped(f"the event already ended (status {status})")
    except GoneError as exc:
        raise kinds.ActionSkipped("the event was deleted in Discord") from exc
    return event_id


async def _complete(action: kinds.ActionContext) -> int:
    """At the talk's end: SCHEDULED → ACTIVE → COMPLETED (external events Discord completes by itself)."""
    retired = action.payload.get("retire_event_id")
    if retired is not None and action.row.guild_id is not None:
        return await _retire(action, action.row.guild_id, int(retired))
    talk = await load_talk(action.db, action.row.talk_id) if action.row.talk_id is not None else None
    if talk is None or talk.event_id is None:
        raise kinds.ActionSkipped("the talk has no event")
    if talk.state == "cancelled":
        raise kinds.ActionSkipped("the talk was cancelled")
    try:
        event = await action.transport.get_scheduled_event(talk.guild_id, talk.event_id)
        status = int(event.get("status") or 0)
        if status not in (SCHEDULED, ACTIVE):
            raise kinds.ActionSkipped(f"the event already ended (status {status})")
        if status == SCHEDULED:
            await action.transport.edit_scheduled_event(talk.guild_id, talk.event_id, {"status": ACTIVE})
        await action.transport.edit_scheduled_event(talk.guild_id, talk.event_id, {"status": COMPLETED})
    except GoneError as exc:
        raise kinds.ActionSkipped("the event was deleted in Discord") from exc
    return talk.event_id


EVENT_SYNC = kinds.register(
    kinds.KindSpec(
        name="scheduled_event",
        in_talk_info="hidden",
        render=kinds.describes("(creates, updates or cancels the talk's Discord scheduled event)"),
        consent=None,
        act=_sync,
        label=N_("scheduled event update"),
        # To whom and when: the talk's Discord scheduled event, made to match the talk after each change (if turned on).
        example={"start_ms": 1795900000000, "state": "scheduled"},
    )
)
EVENT_END = kinds.register(
    kinds.KindSpec(
        name="scheduled_event_end",
        in_talk_info="hidden",
        render=kinds.describes("(marks the talk's Discord scheduled event completed)"),
        consent=None,
        act=_complete,
        label=N_("scheduled event end"),
        # To whom and when: completes the talk's Discord scheduled event when the talk ends.
        example={"end_ms": 1795900000000},
    )
)
EVENT_KINDS = (EVENT_SYNC.name, EVENT_END.name)


# -- the talk hooks ---------------------------------------------------------------------------------------------


@subscribes
def subscribe(hooks: TalkHooks, outbox: Outbox) -> TalkHooks:
    """Add the scheduled events' subscribers to the talk hooks (registered: `talks.composed_hooks` adds it)."""

    @hooks.subscribe("talk_scheduled", "talk_rescheduled", "talk_edited")
    async def mirror(tx: Transaction, event: TalkEvent) -> None:
        talk = event.after
        if talk.evening_id is not None and talk.event_id is None:
            return  # a series slot: its evening has the one event (podium/slots.py), not each slot
        guild = await load_guild(tx, talk.guild_id)
        if not guild.events_enabled and talk.event_id is None:
            return  # off, and never mirrored: nothing to keep up to date
        if event.name != "talk_scheduled" or talk.event_id is None:
            # An imported talk's event is already as its moderator made it; others follow every change.
            await queue_sync(tx, outbox, talk, event.now)
        await outbox.enqueue(tx, end_message(talk), now=event.now)

    @hooks.subscribe("talk_cancelled")
    async def cancel(tx: Transaction, event: TalkEvent) -> None:
        talk = event.after
        await outbox.cancel_pending(tx, now=event.now, reason="talk cancelled", talk_id=talk.id,
                                    kinds=[EVENT_END.name])
        guild = await load_guild(tx, talk.guild_id)
        if talk.event_id is None and (not guild.events_enabled or talk.evening_id is not None):
            return
        # Also when no event id is stored yet: a create still in flight stores it, then this cancels it.
        await queue_sync(tx, outbox, talk, event.now)

    return hooks


async def mirror_upcoming(tx: Transaction, outbox: Outbox, guild_id: int, now: datetime) -> int:
    """Queue an event for each upcoming talk of the guild not mirrored yet (events were just turned on)."""
    rows = await tx.fetchall(
        "SELECT * FROM talks WHERE guild_id = ? AND state = 'scheduled' AND approval = 'approved'"
        " AND starts_at_ms > ? AND event_id IS NULL AND evening_id IS NULL"
        " ORDER BY starts_at_ms LIMIT ?",
        (guild_id, to_ms(now), MAX_ACTIVE_EVENTS),
    )
    for row in rows:
        talk = Talk.from_db(row)
        # Its own key: a row of the same change may already have been skipped while events were off.
        await queue_sync(tx, outbox, talk, now, again=True)
        await outbox.enqueue(tx, end_message(talk), now=now)
    return len(rows)


# -- the other way: what happens in Discord ---------------------------------------------------------------------

NO_AUDIT_LOG_KEY = "log:no-audit-log:"
AUDIT_LOG_OK_KEY = "log:audit-log-ok:"


@dataclass(frozen=True, slots=True)
class LogLine:
    """A line for the log channel: its dedupe key, a catalogue msgid and its values (translated when sent)."""

    key: str
    message: str
    params: dict[str, Any]
    once_per_guild: bool = False


def _same(key: str, shown: Any, value: Any) -> bool:
    """Whether an audit log value and the gateway's value of one field are the same (times as instants)."""
    if key in ("scheduled_start_time", "scheduled_end_time"):
        try:
            return isinstance(shown, str) and isinstance(value, str) and parse_time(shown) == parse_time(value)
        except ValueError:
            return False
    if key == "status":
        return shown is not None and value is not None and int(shown) == int(value)
    return _text(shown) == _text(value)


def _text(value: Any) -> str:
    # Discord may trim what it stores: compare text as it would show.
    return "" if value is None else str(value).replace("\r\n", "\n").strip()


def _shows(entry: dict[str, Any], data: dict[str, Any], keys: tuple[str, ...]) -> bool:
    """Whether an audit log entry's changes made the event what the gateway update shows in one of `keys`."""
    for change in entry.get("changes") or ():
        if isinstance(change, dict) and change.get("key") in keys:
            key = str(change["key"])
            if _same(key, change.get("new_value"), data.get(key)):
                return True
    return False


def _details_differ(talk: Talk, data: dict[str, Any]) -> tuple[str, ...]:
    """Which of the event's name and description the update shows otherwise than the talk's event has them."""
    # Not the end: moving the start in Discord's UI may leave it behind, and every sync sets it from the talk.
    wanted = event_changes(talk)
    # The thread's link is added at the talk's next change: an event without it yet is not a hand edit.
    descriptions = {_text(wanted["description"]), _text(event_description(replace(talk, thread_id=None)))}
    differ = []
    if _text(data.get("name")) != _text(wanted["name"]):
        differ.append("name")
    if _text(data.get("description")) not in descriptions:
        differ.append("description")
    return tuple(differ)


@dataclass(frozen=True, slots=True)
class Change:
    """What a gateway UPDATE changed of a talk's event, by Podium's reading: the action and the fields showing it."""

    action: Action
    what: str  # "move", "cancel", "start", "end", "details"
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Imported:
    """A talk made from a scheduled event, and what was assumed."""

    talk: Talk
    duration_from_event: bool
    joined: int = 0  # members who had marked the event Interested, now the talk's audience


class ScheduledEvents:
    """Discord's side of the mirror: Interested members, moderators' changes, imports, the restart reconciliation."""

    def __init__(self, db: Database, outbox: Outbox, clock: Clock, talks: TalkService, audience: Audience) -> None:
        self.db = db
        self.outbox = outbox
        self.clock = clock
        self.talks = talks
        self.audience = audience

    async def talk_of_event(self, event_id: int) -> Talk | None:
        """The talk mirrored by (or imported from) this event."""
        row = await self.db.fetchone("SELECT * FROM talks WHERE event_id = ?", (event_id,))
        return Talk.from_db(row) if row is not None else None

    async def mirrored_ids(self, guild_id: int) -> set[int]:
        """The event ids that already belong to a talk of the guild."""
        # A series evening's event (podium/slots.py) is Podium's too: never offered for /schedule import.
        rows = await self.db.fetchall(
            "SELECT event_id FROM talks WHERE guild_id = ? AND event_id IS NOT NULL"
            " UNION SELECT event_id FROM series_evenings WHERE guild_id = ? AND event_id IS NOT NULL",
            (guild_id, guild_id),
        )
        return {int(r["event_id"]) for r in rows}

    async def member_interested(self, guild_id: int, event_id: int, user_id: int) -> bool:
        """A member marked the event "Interested": they join the talk's audience (within their opt-outs)."""
        talk = await self.talk_of_event(event_id)
        if talk is None or talk.guild_id != guild_id:
            return False
        try:
            attendance = await self.audience.join(talk_id=talk.id, user_id=user_id, guild_id=guild_id)
        except AudienceError as exc:
            # The speaker, an opted-out member, a talk already started: Discord's button cannot be refused.
            log.info("user %d marked event %d interested; not an attendee of talk %d: %s", user_id, event_id,
                     talk.id, exc)
            return False
        return attendance.changed

    async def member_uninterested(self, guild_id: int, event_id: int, user_id: int) -> bool:
        """A member took back "Interested": they leave the talk's audience."""
        talk = await self.talk_of_event(event_id)
        if talk is None or talk.guild_id != guild_id:
            return False
        try:
            attendance = await self.audience.leave(talk_id=talk.id, user_id=user_id, guild_id=guild_id)
        except AudienceError:
            return False
        return attendance.changed

    async def _ours(self, talk: Talk) -> str | None:
        """The state of a sync of the talk queued ('pending') or in flight ('sending'), else None."""
        # Not "a start we sent lately": a member can set the event back to one, and it would stay.
        row = await self.db.fetchone(
            "SELECT state FROM outbox WHERE talk_id = ? AND kind = ? AND state IN ('pending', 'sending')"
            " ORDER BY state = 'pending' DESC LIMIT 1",
            (talk.id, EVENT_SYNC.name),
        )
        return None if row is None else str(row["state"])

    async def _synced_once(self, talk: Talk) -> bool:
        """Whether Podium ever wrote the talk's event (an imported event keeps its moderator's text until then)."""
        row = await self.db.fetchone(
            "SELECT 1 FROM outbox WHERE talk_id = ? AND kind = ? AND state = 'sent' LIMIT 1",
            (talk.id, EVENT_SYNC.name),
        )
        return row is not None

    async def _change(self, talk: Talk, data: dict[str, Any]) -> Change | None:
        """What the update changed of the talk's event; None when it shows the talk as it is (or as it has begun)."""
        status = int(data.get("status") or SCHEDULED)
        if status == CANCELED:
            return Change("cancel", "cancel", ("status",))
        if status in (ACTIVE, COMPLETED):
            if self.clock.now() >= talk.starts_at - STARTING_SLACK:
                return None  # the talk is on: Discord's automation, a host starting the stage, our own completion
            return Change("edit", "start" if status == ACTIVE else "end", ("status",))
        if parse_time(str(data["scheduled_start_time"])) != talk.starts_at:
            return Change("reschedule", "move", ("scheduled_start_time",))
        differ = _details_differ(talk, data)
        if differ and await self._synced_once(talk):
            return Change("edit", "details", differ)
        return None

    async def event_changed(self, guild_id: int, data: dict[str, Any], transport: Transport) -> str:
        """GUILD_SCHEDULED_EVENT_UPDATE: a change made in Discord's UI, followed only if its maker may.

        Our own PATCHes come back as UPDATEs too: anything that matches the talk as stored, or that a sync of ours
        is about to overwrite, is not a change. Who made a change is read from the audit log: the entry that shows
        it, never merely the newest one. A move or a cancellation is followed as theirs when Podium's rule lets them
        change the talk (`authorize`: the speaker or a server-wide moderator); a start or an end before the talk is
        left to them; a new name or description is always put back (the talk's event shows the talk: those
        change with `/schedule edit`). Everything else is put back. Returns what was done, for the log.
        """
        talk = await self.talk_of_event(int(data["id"]))
        if talk is None or talk.guild_id != guild_id:
            return "not a talk's event"
        if talk.state != "scheduled":
            return f"the talk is {talk.state}"
        change = await self._change(talk, data)
        if change is None:
            return "matches the talk"
        # We cancel, start or end an event only for a talk that is cancelled or on: such an update is never an echo.
        if change.keys != ("status",) and (syncing := await self._ours(talk)) is not None:
            if syncing == "sending":
                # Its PATCH may already have been answered: an edit made after that answer (a moderator's, seen
                # here before the row is marked sent) would stay. One more sync makes the event the talk's for sure;
                # a late echo of ours costs one PATCH that changes nothing.
                await self._put_back(talk, SCHEDULED, None, None)
            return "our own change"
        status = int(data.get("status") or SCHEDULED)
        start = parse_time(str(data["scheduled_start_time"]))
        try:
            editor = await self._editor(transport, guild_id, int(data["id"]), data, change.keys)
        except RefusedError:
            await self._put_back(talk, status, None, self._no_audit_log_line(guild_id))
            return "put back: no View Audit Log"
        except DeliveryError as exc:
            # Discord did not answer: nobody is known to be allowed, so nothing is followed.
            log.warning("talk %d: could not read the audit log: %s", talk.id, exc)
            editor = None
        else:
            await self._audit_log_readable(guild_id)
        if editor is None:
            await self._put_back(talk, status, None, self._unknown_editor_line(talk, change, start))
            return "put back: no audit log entry says who changed it"
        if editor == transport.own_user_id():
            if change.what == "move":
                # A late echo of a start we sent before the last one: make sure the event shows the talk now.
                await self._put_back(talk, status, None, None)
            return "our own change"
        actor = await self._actor(transport, guild_id, editor)
        reason = refusal(actor, change.action, talk)
        if reason is not None:
            await self._put_back(talk, status, editor, self._refused_line(talk, change, start, actor, reason))
            return f"put back: {editor} may not {change.action} it"
        if change.what == "details":
            await self._put_back(talk, status, editor, self._details_line(talk, data, actor))
            return f"put back: {editor} changed its details; the event shows the talk's"
        if change.what in ("start", "end"):
            return f"left {'started' if change.what == 'start' else 'ended'} by {editor}"
        try:
            if status == CANCELED:
                await self.talks.cancel(guild_id=guild_id, actor=actor, talk_id=talk.id, reason=CANCELLED_IN_DISCORD)
                return f"cancelled the talk for {editor}"
            await self.talks.reschedule(guild_id=guild_id, actor=actor, talk_id=talk.id, starts_at=start)
            return f"moved the talk for {editor}"
        except UserError as exc:
            # An overlap, a time in the past, the member's change limit: the talk cannot follow.
            await self._put_back(talk, status, editor, self._refused_line(talk, change, start, actor, exc))
            return f"refused: {exc}"

    async def _editor(
        self, transport: Transport, guild_id: int, event_id: int, data: dict[str, Any], keys: tuple[str, ...]
    ) -> int | None:
        """Who made this change: the newest audit log entry showing it; None if none does (RefusedError: no access)."""
        for attempt in range(AUDIT_TRIES):
            if attempt:
                # The gateway overtook the log. No transaction is open here; the wait is the event loop's.
                await asyncio.sleep(AUDIT_PAUSE)
            entries = await transport.audit_log_entries(guild_id, AUDIT_EVENT_UPDATE)
            oldest = to_ms(self.clock.now() - AUDIT_WINDOW)
            mine = str(transport.own_user_id())
            ours = [e for e in entries if str(e.get("target_id")) == str(event_id) and str(e.get("user_id")) == mine]
            # A member's entry older than our own last change of the event is history: our PATCH put the event
            # back to the talk since, so the change now seen is someone's newer one, not yet in the log.
            since = max((int(e["id"]) for e in ours), default=0)
            # Never the newest entry of the event that does not show the change: that is someone else's change
            # (the speaker's rename, our own PATCH) while this one is not written yet.
            matching = [entry for entry in entries if str(entry.get("target_id")) == str(event_id)
                        and (int(entry["id"]) >> 22) + SNOWFLAKE_EPOCH_MS >= oldest and entry.get("user_id")
                        and (str(entry.get("user_id")) == mine or int(entry["id"]) > since)
                        and _shows(entry, data, keys)]
            if matching:
                return int(max(matching, key=lambda entry: int(entry["id"]))["user_id"])
        return None

    async def _actor(self, transport: Transport, guild_id: int, user_id: int) -> Actor:
        """The member as an actor: a moderator by their server-wide roles only (never one channel's overwrites)."""
        try:
            rights = await transport.member_rights(guild_id, user_id)
        except GoneError:
            return Actor(user_id)  # no longer a member: no rights
        guild = await load_guild(self.db, guild_id)
        is_moderator = bool(rights.permissions & (ADMINISTRATOR | MANAGE_GUILD | MANAGE_EVENTS)) or (
            guild.moderator_role_id is not None and guild.moderator_role_id in rights.role_ids
        )
        return Actor(user_id, is_moderator=is_moderator)

    @staticmethod
    def _what(talk: Talk, change: Change, start: datetime) -> dict[str, Any]:
        """The attempted change in words (a catalogue message and its values), for the log channel."""
        what = {"cancel": N_("cancel {topic}"), "move": N_("move {topic} to {when}"),
                "start": N_("start {topic} before its time"), "end": N_("end {topic} before its time"),
                "details": N_("change the name or description of {topic}")}[change.what]
        return {"message": what, "params": {"topic": quote(talk.topic), "when": discord_time(start)}}

    @staticmethod
    def _attempt(change: Change, start: datetime) -> str:
        """The part of a log line's dedupe key that tells one attempt from another."""
        if change.what == "move":
            return f"reschedule:{to_ms(start)}"
        return "cancel:" if change.what == "cancel" else f"{change.what}:"

    def _refused_line(self, talk: Talk, change: Change, start: datetime, actor: Actor, reason: UserError) -> LogLine:
        return LogLine(
            f"log:event-refused:{talk.id}:{actor.user_id}:{self._attempt(change, start)}",
            N_("⚠️ {user} tried to {what} in Discord's Events; the talk did not follow and its event is put back. "
               "{reason}"),
            {"user": f"<@{actor.user_id}>", "what": self._what(talk, change, start),
             "reason": {"message": reason.message, "params": dict(reason.params)}},
        )

    @staticmethod
    def _details_line(talk: Talk, data: dict[str, Any], actor: Actor) -> LogLine:
        # The same text set again is one attempt, told once.
        shown = hashlib.sha256("\0".join(
            _text(data.get(key)) for key in ("name", "description")).encode()).hexdigest()[:16]
        return LogLine(
            f"log:event-details:{talk.id}:{actor.user_id}:{shown}",
            N_("ℹ️ {user} changed the name or description of the event of {topic} in Discord's Events; "
               "the event shows the talk's again. The speaker or a moderator changes them with `/schedule edit`."),
            {"user": f"<@{actor.user_id}>", "topic": quote(talk.topic)},
        )

    def _unknown_editor_line(self, talk: Talk, change: Change, start: datetime) -> LogLine:
        return LogLine(
            f"log:event-unknown-editor:{talk.id}:{self._attempt(change, start)}",
            N_("⚠️ The event of {topic} was changed in Discord's Events, but the audit log does not say by whom; "
               "the talk did not follow and its event is put back."),
            {"topic": quote(talk.topic)},
        )

    @staticmethod
    def _no_audit_log_line(guild_id: int) -> LogLine:
        return LogLine(
            f"{NO_AUDIT_LOG_KEY}{guild_id}:",
            N_("⚠️ A talk's event was changed in Discord's Events, but my role lacks **View Audit Log**, so I can't "
               "tell who changed it: the talk did not follow and its event is put back. Grant View Audit Log to my "
               "role in Server Settings → Roles so that the speaker and moderators can move or cancel talks there. "
               "Until then I won't say this again."),
            {}, once_per_guild=True,
        )

    async def _audit_log_readable(self, guild_id: int) -> None:
        """The audit log could be read: if the log channel was told it could not, it is told it can now."""
        last = await self.db.fetchone(
            "SELECT dedupe_key FROM outbox WHERE guild_id = ? AND kind = 'log' AND (dedupe_key LIKE ? OR "
            "dedupe_key LIKE ?) ORDER BY id DESC LIMIT 1",
            (guild_id, f"{NO_AUDIT_LOG_KEY}{guild_id}:%", f"{AUDIT_LOG_OK_KEY}{guild_id}:%"),
        )
        if last is None or not str(last["dedupe_key"]).startswith(NO_AUDIT_LOG_KEY):
            return
        now = self.clock.now()
        async with self.db.transaction() as tx:
            guild = await load_guild(tx, guild_id)
            if guild.log_channel_id is None:
                return
            await self.outbox.enqueue(tx, OutboxMessage(
                kind="log", dedupe_key=f"{AUDIT_LOG_OK_KEY}{guild_id}:{to_ms(now)}", due_at=now,
                target_type="channel", guild_id=guild_id, channel_id=guild.log_channel_id,
                payload={"message": N_("✅ I can read the audit log now: changes the speaker or a moderator makes "
                                       "to a talk's event in Discord's Events move or cancel the talk."),
                         "params": {}},
            ), now=now)

    async def _put_back(self, talk: Talk, status: int, editor: int | None, line: LogLine | None) -> None:
        """The talk does not follow: its event is made what the talk is again, and the log channel told (once)."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            current = await load_talk(tx, talk.id)
            if current is None or current.state != "scheduled":
                return
            if status != SCHEDULED and current.event_id is not None:
                # Discord never takes an event back to SCHEDULED (ACTIVE only goes on to COMPLETED; COMPLETED and
                # CANCELED are final): the talk gets a new one (Interested members are attendees already). A
                # started one is ended first, so Discord does not show the talk as live until its time.
                if status == ACTIVE:
                    await self.outbox.enqueue(tx, retire_message(current, current.event_id, now), now=now)
                await tx.execute("UPDATE talks SET event_id = NULL WHERE id = ?", (talk.id,))
                current = replace(current, event_id=None)
            await queue_sync(tx, self.outbox, current, now, again=True)
            if line is None:
                return
            guild = await load_guild(tx, talk.guild_id)
            if guild.log_channel_id is None:
                log.warning("talk %d: event change by %s not followed; no log channel to tell", talk.id, editor)
                return
            key = line.key
            if line.once_per_guild:
                told = await tx.fetchone(
                    "SELECT dedupe_key FROM outbox WHERE guild_id = ? AND kind = 'log' AND (dedupe_key LIKE ? OR "
                    "dedupe_key LIKE ?) ORDER BY id DESC LIMIT 1",
                    (talk.guild_id, f"{NO_AUDIT_LOG_KEY}{talk.guild_id}:%", f"{AUDIT_LOG_OK_KEY}{talk.guild_id}:%"),
                )
                if told is not None and str(told["dedupe_key"]).startswith(NO_AUDIT_LOG_KEY):
                    return  # told already, and not able to read the audit log since
                key += str(to_ms(now))
            # The key names who tried what: the same attempt made again is told once.
            await self.outbox.enqueue(tx, OutboxMessage(
                kind="log", dedupe_key=key, due_at=now, target_type="channel", guild_id=talk.guild_id,
                channel_id=guild.log_channel_id, payload={"message": line.message, "params": line.params},
            ), now=now)

    async def reconcile(self, transport: Transport, guild_ids: list[int]) -> int:
        """After a restart: who marked a mirrored upcoming talk's event Interested meanwhile joins its audience."""
        # Paged GET …/users. Who took it back meanwhile stays an attendee: they may have clicked 🔔 Remind me too.
        if not guild_ids:
            return 0
        rows = await self.db.fetchall(
            f"SELECT * FROM talks WHERE guild_id IN ({','.join('?' * len(guild_ids))}) AND state = 'scheduled'"
            " AND event_id IS NOT NULL AND starts_at_ms > ? ORDER BY starts_at_ms",
            (*guild_ids, to_ms(self.clock.now())),
        )
        joined = 0
        for row in rows:
            joined += await self.adopt_interested(transport, Talk.from_db(row))
        return joined

    async def adopt_interested(self, transport: Transport, talk: Talk) -> int:
        """Everyone Interested in the talk's event joins its audience (pages of 100); how many joined."""
        if talk.event_id is None:
            return 0
        joined, after = 0, 0
        while True:
            try:
                page = await transport.scheduled_event_users(talk.guild_id, talk.event_id, after=after)
            except GoneError:
                return joined  # deleted: the next change of the talk makes it again
            for user_id in page:
                # Discord still shows a member who ran forget-me as Interested: only their own new click counts.
                if await was_forgotten(self.db, user_id, self.clock.now(), self.audience.forget_key):
                    continue
                joined += await self.member_interested(talk.guild_id, talk.event_id, user_id)
            if len(page) < 100:
                return joined
            after = page[-1]

    async def import_from_discord(
        self,
        transport: Transport,
        *,
        guild_id: int,
        actor: Actor,
        event_id: int,
        speaker_id: int | None,
        name_of: Callable[[int], str | None],
    ) -> Imported:
        """/schedule import by the event's id: read it from Discord, make it a talk, its Interested its audience.

        `name_of` gives a member's display name (the cog reads nextcord's cache); the speaker is `speaker_id`, else
        who created the event.
        """
        authorize(actor, "import")  # before any request to Discord
        try:
            event = await transport.get_scheduled_event(guild_id, event_id)
        except GoneError:
            raise EventsError(N_("That event no longer exists. Pick another from the list.")) from None
        named = speaker_id if speaker_id is not None else int(event.get("creator_id") or 0)
        imported = await self.import_event(guild_id=guild_id, actor=actor, event=event, speaker_id=speaker_id,
                                           speaker_name=name_of(named) if named else None)
        return replace(imported, joined=await self.adopt_interested(transport, imported.talk))

    async def import_event(
        self,
        *,
        guild_id: int,
        actor: Actor,
        event: dict[str, Any],
        speaker_id: int | None,
        speaker_name: str | None,
    ) -> Imported:
        """/schedule import: a scheduled event made by hand becomes a talk, its event id stored with it."""
        authorize(actor, "import")
        event_id = int(event["id"])
        existing = await self.talk_of_event(event_id)
        if existing is not None:
            raise EventsError(
                N_("That event is already talk #{id}, {topic}. "
                   "Pick another from the list that appears as you type, e.g. `/schedule import event:Rust meetup`."),
                topic=quote(existing.topic), id=existing.id,
            )
        if int(event.get("status") or SCHEDULED) != SCHEDULED:
            raise EventsError(N_("Only events that have not started can be imported. Pick another from the list."))
        start = parse_time(str(event["scheduled_start_time"]))
        end = event.get("scheduled_end_time")
        duration = None
        if end:
            minutes = round((parse_time(str(end)) - start).total_seconds() / 60)
            low, high = DURATION_RANGE
            duration = min(max(minutes, low), high)
        speaker = speaker_id if speaker_id is not None else int(event.get("creator_id") or actor.user_id)
        talk = await self.talks.add(
            guild_id=guild_id, actor=actor, speaker_id=speaker, topic=str(event["name"])[:TOPIC_MAX],
            starts_at=start, duration_minutes=duration, speaker_name=speaker_name, event_id=event_id,
        )
        return Imported(talk, duration_from_event=duration is not None)


def location_text(guild: GuildSettings) -> str:
    """Where the guild's events take place, in words."""
    if guild.events_entity_type in (STAGE, VOICE) and guild.events_channel_id is not None:
        return f"<#{guild.events_channel_id}>"
    return quote(guild.events_location or "Discord")


def validate_location(text: str) -> str:
    """An external event's location: 1-100 characters."""
    text = text.strip()
    if not text or len(text) > LOCATION_MAX:
        raise EventsError(
            N_("The location is 1 to {most} characters (you gave {length}). "
               "Example: `/announce-settings events enabled:True location:#talks on this server`"),
            most=LOCATION_MAX, length=len(text),
        )
    return text

