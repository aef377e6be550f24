"""Personal settings, personal reminders and consent: what /remind-me and /opt-out change."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from db import Database, Transaction
from podium import audience, components, privacy
from podium.calendar_feed import Calendars
from podium.clock import Clock, from_ms, to_ms
from podium.consent import PERSONAL_REMINDERS, TOPICS, ConsentTopic, opted_out
from podium.cooldown import Cooldown
from podium.delivery import kinds
from podium.delivery.outbox import Outbox, OutboxMessage, OutboxRow
from podium.delivery.render import RenderContext, Rendered, need
from podium.delivery.transport import DeliveryError, GoneError, RefusedError, Transport
from podium.errors import UserError
from podium.i18n import N_
from podium.markup import command, quote
from podium.preferences import UserPreferences, load_user, remember_user_locale, update_user
from podium.talk_model import Talk
from podium.talks import TALK_REMINDER, replan_talk_bound

MISSING_PERMISSIONS = 50013  # Discord's code for a right the bot lacks (here: Manage Threads)

log = logging.getLogger(__name__)

MAX_PENDING_PERSONAL = 25
# Talk reminders delivered as a mention in the channel: everyone sees them, so few.
MAX_CHANNEL_REMINDERS = 2
MESSAGE_MAX = 500
# Members whose locale is kept in memory; past this the cache starts again (one read each, no write if unchanged).
LOCALES_KEPT = 50_000



def _personal_reminder(ctx: RenderContext) -> Rendered:
    t = ctx.t
    text = t._("🔔 You asked me to remind you: {text}", text=quote(need(ctx.payload, "text", str)))
    # Snooze buttons name this row (the prepare step adds its id); the link opens where it was set.
    row_id = ctx.payload.get("row_id")
    buttons = [
        components.button(label, components.SNOOZE, row_id, minutes)
        for minutes, label in zip(components.SNOOZE_MINUTES, (t._("Snooze 10 min"), t._("Snooze 1 h")), strict=True)
    ] if isinstance(row_id, int) else []
    guild_id, channel_id = ctx.payload.get("origin_guild_id"), ctx.payload.get("origin_channel_id")
    if isinstance(guild_id, int) and isinstance(channel_id, int):
        buttons.append(components.link(t._("Where you set it"), components.jump_url(guild_id, channel_id)))
    return Rendered(text, components=(components.row(*buttons),) if buttons else ())


async def _prepare_personal(db: Database, row: OutboxRow, now: datetime) -> dict[str, Any]:
    """Its own id (for the snooze buttons) and where it was asked for (the jump link)."""
    origin = {"origin_guild_id": row.guild_id, "origin_channel_id": row.channel_id}
    # A snoozed or edited reminder carries where the first one was asked for.
    return {"row_id": row.id, **origin, **{k: v for k, v in row.payload.items() if k.startswith("origin_")}}


PERSONAL_REMINDER = kinds.register(
    kinds.KindSpec(
        name="personal_reminder",
        render=_personal_reminder,
        consent=PERSONAL_REMINDERS,
        prepare=_prepare_personal,
        # The member's own text: never in the announcement channel; in the channel where they set it only if they
        # could post there (else anyone with Use Application Commands could make the bot post in a read-only one).
        announce_fallback=False,
        label=N_("personal reminder"),
        # To whom and when: the person who set it with /remind-me at, at the time they chose.
        example={"text": "_" * MESSAGE_MAX, "row_id": 2**53, "origin_guild_id": 10**18, "origin_channel_id": 10**18},
    )
)


class PeopleError(UserError):
    """A refused change; the message is shown to the user as it is."""


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What forget-me deleted: queued messages and reminders counted, and the talk threads the member was put in."""

    deleted: int
    thread_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ThreadsLeft:
    """How removing a forgotten member from talk threads went."""

    removed: int
    refused: int  # Podium lacks Manage Threads there
    failed: int  # any other failure (Discord down, rate limited for long)


@dataclass(frozen=True, slots=True)
class PersonalReminder:
    """A /remind-me at reminder: when, what, and the channel it may fall back to (None: by DM only)."""

    id: int
    due_at: datetime
    text: str
    fallback_channel_id: int | None = None
    state: str = "pending"
    reason: str | None = None


class People:
    """Per-person changes; each commits together with the re-planning it causes."""

    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        clock: Clock,
        cooldown: Cooldown | None = None,
        calendars: Calendars | None = None,
        forget_key: bytes | None = None,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.clock = clock
        # The key of the forgotten-members marker (`privacy.digest`): from the bot token, never in the database.
        self.forget_key = forget_key
        self.cooldown = cooldown
        self.calendars = calendars
        # The locale each member was last seen using, so a click writes only when it changed (bounded).
        self._locales: dict[int, str] = {}

    def _count_change(self, user_id: int) -> None:
        if self.cooldown is not None:
            self.cooldown.hit(user_id)

    async def _replan_talks(self, tx: Transaction, user_id: int, now: datetime) -> int:
        """Re-plan the reminders of every upcoming talk this person speaks at or asked to be reminded of."""
        rows = await tx.fetchall(
            "SELECT * FROM talks WHERE speaker_id = ? AND state = 'scheduled' AND starts_at_ms > ?",
            (user_id, to_ms(now)),
        )
        for row in rows:
            await replan_talk_bound(tx, self.outbox, Talk.from_db(row), now, [TALK_REMINDER])
        return len(rows) + await audience.replan_person(tx, self.outbox, user_id, now)

    async def set_timezone(self, user_id: int, zone: str) -> int:
        """Store a person's IANA zone; returns how many talks were re-planned."""
        self._count_change(user_id)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await update_user(tx, user_id, now, timezone=zone)
            return await self._replan_talks(tx, user_id, now)

    async def reset(self, user_id: int, *, timezone: bool, talk_reminders: bool) -> int:
        """Clear a person's own zone and/or talk reminder settings (the server's apply); talks re-planned."""
        self._count_change(user_id)
        columns: dict[str, Any] = {}
        if timezone:
            columns["timezone"] = None
        if talk_reminders:
            columns |= {"reminder_offsets": None, "reminder_via": None}
        if not columns:
            raise PeopleError("Say what to reset. Example: `/remind-me reset what:My time zone`")
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await update_user(tx, user_id, now, **columns)
            return await self._replan_talks(tx, user_id, now)

    async def set_talk_reminders(self, user_id: int, offsets: tuple[timedelta, ...], via: str | None) -> int:
        """Store reminder offsets (and delivery, if given); returns how many talks were re-planned."""
        self._count_change(user_id)
        now = self.clock.now()
        columns: dict[str, Any] = {"reminder_offsets": json.dumps([int(o.total_seconds()) for o in offsets])}
        if via is not None:
            columns["reminder_via"] = via
        async with self.db.transaction() as tx:
            # The stored delivery is read in the transaction that writes beside it: a read outside one may be
            # older than a change being committed (the refusal rolls back, nothing is written).
            effective_via = via or (await load_user(tx, user_id)).reminder_via
            if effective_via == "channel" and len(offsets) > MAX_CHANNEL_REMINDERS:
                # Everyone in the channel sees (and is pinged for nobody but) each of them: a handful per talk
                # floods it.
                raise PeopleError(
                    N_("In the channel, at most {most} reminders per talk (everyone sees them). "
                       "Example: `before:24h, 1h via:the announcement channel`, or choose DM for more."),
                    most=MAX_CHANNEL_REMINDERS,
                )
            await update_user(tx, user_id, now, **columns)
            return await self._replan_talks(tx, user_id, now)

    async def add_personal_reminder(
        self,
        *,
        user_id: int,
        guild_id: int | None,
        channel_id: int | None,
        when: datetime,
        text: str,
        can_post_there: bool = False,
    ) -> PersonalReminder:
        """Queue a one-off reminder; it may fall back to `channel_id` only if the member could post there."""
        self._count_change(user_id)
        now = self.clock.now()
        text = text.strip()
        if not 1 <= len(text) <= MESSAGE_MAX:
            raise PeopleError(N_("The message must be 1 to {most} characters. Example: `message:Prepare slides`"),
                              most=MESSAGE_MAX)
        if when <= now:
            raise PeopleError(N_("That time is in the past. Example: `in 2 hours`"))
        origin = {"origin_guild_id": guild_id, "origin_channel_id": channel_id} if channel_id is not None else {}
        async with self.db.transaction() as tx:
            pending = int(
                await tx.fetchval(
                    "SELECT count(*) FROM outbox WHERE user_id = ? AND kind = ? AND state = 'pending'",
                    (user_id, PERSONAL_REMINDER.name),
                )
            )
            if pending >= MAX_PENDING_PERSONAL:
                raise PeopleError(
                    N_("You already have {pending} pending reminders, the most allowed. "
                       "Delete one with `/remind-me delete` first."),
                    pending=pending,
                )
            row_id = await self.outbox.enqueue(
                tx,
                OutboxMessage(
                    kind=PERSONAL_REMINDER.name,
                    dedupe_key=f"personal:{user_id}:{to_ms(now)}:{secrets.token_hex(4)}",
                    due_at=when,
                    target_type="dm",
                    guild_id=guild_id,
                    user_id=user_id,
                    # If DMs are closed, the reminder goes to the channel where it was asked for, but only if the
                    # member could post there themselves.
                    channel_id=channel_id if can_post_there else None,
                    # Where it was asked (the DM's jump link), even where the reminder may not be posted.
                    payload={"text": text, **origin},
                ),
                now=now,
            )
        if row_id is None:
            raise AssertionError("a new dedupe key always makes a new row")
        return PersonalReminder(row_id, when, text, channel_id if can_post_there else None)

    async def personal_reminders(self, user_id: int) -> list[PersonalReminder]:
        """A person's pending personal reminders, soonest first."""
        rows = await self.outbox.pending_for_user(user_id, [PERSONAL_REMINDER.name])
        return [PersonalReminder(r.id, r.due_at, str(r.payload.get("text", "")), r.channel_id) for r in rows]

    async def undelivered_reminders(self, user_id: int, *, since: datetime) -> list[PersonalReminder]:
        """This person's personal reminders that could not be delivered since `since`, with the reason."""
        rows = await self.db.fetchall(
            "SELECT id, due_at_ms, payload, channel_id, state, last_error FROM outbox"
            " WHERE user_id = ? AND kind = ? AND state IN ('skipped', 'failed') AND updated_at_ms >= ?"
            " ORDER BY due_at_ms DESC LIMIT 10",
            (user_id, PERSONAL_REMINDER.name, to_ms(since)),
        )
        found = []
        for row in rows:
            try:
                text = str(json.loads(row["payload"]).get("text", ""))
            except (ValueError, AttributeError):
                text = ""
            found.append(
                PersonalReminder(
                    row["id"], from_ms(row["due_at_ms"]), text, row["channel_id"], row["state"], row["last_error"]
                )
            )
        return found

    async def talk_reminders(self, user_id: int) -> list[OutboxRow]:
        """A person's planned talk reminders (as speaker and as attendee), soonest first."""
        return await self.outbox.pending_for_user(user_id, [TALK_REMINDER.name, audience.ATTENDEE_REMINDER.name])

    async def edit_personal_reminder(
        self, user_id: int, row_id: int, *, when: datetime | None, text: str | None
    ) -> PersonalReminder:
        """Change the time and/or text of one of this person's pending reminders (the same row, re-planned)."""
        self._count_change(user_id)
        now = self.clock.now()
        if when is None and text is None:
            raise PeopleError(
                N_("Give a new `when`, a new `message`, or both. Example: `/remind-me edit reminder:… when:in 2 hours`")
            )
        if text is not None:
            text = text.strip()
            if not 1 <= len(text) <= MESSAGE_MAX:
                raise PeopleError(N_("The message must be 1 to {most} characters. Example: `message:Slides`"),
                                  most=MESSAGE_MAX)
        if when is not None and when <= now:
            raise PeopleError(N_("That time is in the past. Example: `in 2 hours`"))
        async with self.db.transaction() as tx:
            found = await tx.fetchone(
                "SELECT * FROM outbox WHERE id = ? AND user_id = ? AND kind = ? AND state = 'pending'",
                (row_id, user_id, PERSONAL_REMINDER.name),
            )
            if found is None:
                raise PeopleError(
                    N_("I can't find that pending reminder of yours; see them with {command}."),
                    command=command("remind-me list"),
                )
            row = OutboxRow.from_db(found)
            payload = {**row.payload, "text": text if text is not None else row.payload.get("text", "")}
            # The same dedupe key: enqueue re-plans the pending row in place (its id, and so its buttons, stay).
            await self.outbox.enqueue(tx, OutboxMessage(
                kind=PERSONAL_REMINDER.name, dedupe_key=row.dedupe_key, due_at=when or row.due_at,
                target_type=row.target_type, guild_id=row.guild_id, user_id=user_id, channel_id=row.channel_id,
                payload=payload,
            ), now=now)
        return PersonalReminder(row_id, when or row.due_at, str(payload["text"]), row.channel_id)

    async def snooze(self, user_id: int, row_id: int, minutes: int) -> PersonalReminder:
        """A delivered personal reminder again in `minutes`; snoozing it again re-times the same snooze."""
        self._count_change(user_id)
        now = self.clock.now()
        if minutes not in components.SNOOZE_MINUTES:
            raise PeopleError(N_("That snooze button is not one of mine; nothing changed."))
        row = await self.outbox.row(row_id)
        if row is None or row.kind != PERSONAL_REMINDER.name or row.user_id != user_id:
            raise PeopleError(
                N_("I can't find that reminder any more. Set a new one with {command}."),
                command=command("remind-me at"),
            )
        when = now + timedelta(minutes=minutes)
        text = str(row.payload.get("text", ""))
        origin = {k: v for k, v in row.payload.items() if k.startswith("origin_")} or {
            "origin_guild_id": row.guild_id, "origin_channel_id": row.channel_id}
        async with self.db.transaction() as tx:
            new_id = await self.outbox.enqueue(tx, OutboxMessage(
                kind=PERSONAL_REMINDER.name, dedupe_key=f"snooze:{row_id}", due_at=when, target_type="dm",
                guild_id=row.guild_id, user_id=user_id, channel_id=row.channel_id,
                payload={"text": text, **origin},
            ), now=now)
        if new_id is None:
            raise PeopleError(N_("That snooze already went off; snooze the reminder it sent instead."))
        return PersonalReminder(new_id, when, text, row.channel_id)

    async def delete_personal_reminder(self, user_id: int, row_id: int) -> bool:
        """Cancel one of this person's pending reminders; False if it is not theirs or not pending."""
        self._count_change(user_id)
        async with self.db.transaction() as tx:
            return await self.outbox.cancel_row(
                tx, row_id, user_id=user_id, kind=PERSONAL_REMINDER.name, now=self.clock.now()
            )

    async def set_opt_out(self, user_id: int, topic_key: str, stopped: bool) -> ConsentTopic:
        """Stop (or allow again) one topic; checked again at send time, so queued messages obey it too."""
        self._count_change(user_id)
        topic = TOPICS.get(topic_key)
        if topic is None:
            raise PeopleError(N_("Unknown choice {choice}; choose one of: {choices}."), choice=repr(topic_key),
                              choices=", ".join(TOPICS))
        async with self.db.transaction() as tx:
            await update_user(tx, user_id, self.clock.now(), **{topic.column: int(stopped)})
        return topic

    async def preferences(self, user_id: int) -> UserPreferences:
        """A person's stored preferences (defaults if they set none)."""
        return await load_user(self.db, user_id)

    async def consent(self, user_id: int) -> list[tuple[ConsentTopic, bool]]:
        """Every consent topic and whether this person stopped it."""
        person = await load_user(self.db, user_id)
        return [(topic, opted_out(person, topic)) for topic in TOPICS.values()]

    async def forget(self, user_id: int) -> Forgotten:
        """/opt-out forget-me: no cell of any table keeps the member's id, except in the talks they give.

        Built from every table owner's declaration (`podium.privacy`); the messages deleted are counted, and the
        talk threads they were put in are returned (Discord's side: `leave_threads`, after the commit).
        """
        async with self.db.transaction() as tx:
            # Read in the same transaction, before their attendee and outbox rows go: afterwards nothing tells.
            threads = await tx.fetchall(
                "SELECT t.thread_id FROM attendees AS a JOIN talks AS t ON t.id = a.talk_id"
                " WHERE a.user_id = ? AND t.thread_id IS NOT NULL"
                # Added by a thread_member row and gone since (Can't make it): still in the thread.
                " UNION SELECT channel_id FROM outbox"
                " WHERE user_id = ? AND kind = 'thread_member' AND state = 'sent' AND channel_id IS NOT NULL",
                (user_id, user_id),
            )
            await audience.remember_forgotten(tx, user_id, self.clock.now(), self.forget_key)
            changed = await privacy.forget(
                tx, user_id, privacy.Forgetting(tx, user_id, self.outbox, self.clock.now(), self.forget_key))
        # What the process keeps in memory about them goes with the rows.
        self._locales.pop(user_id, None)
        if self.cooldown is not None:
            self.cooldown.forget(user_id)
        if self.calendars is not None:
            self.calendars.forget(user_id)
        deleted = changed.get("outbox.user_id", 0)
        log.info("forgot a member (%s)", ", ".join(f"{key}: {n}" for key, n in changed.items() if n))
        return Forgotten(deleted, tuple(sorted(int(row[0]) for row in threads)))

    async def leave_threads(self, transport: Transport, user_id: int, thread_ids: Sequence[int]) -> ThreadsLeft:
        """Remove a forgotten member from these threads, one paced request each.

        Not queued in the outbox: a row would hold the id forget-me has just removed from every table. A failure
        here loses only this tidy-up, which the member can do themselves (Leave Thread).
        """
        removed = refused = failed = 0
        for thread_id in thread_ids:
            try:
                await transport.remove_thread_member(thread_id, user_id)
            except GoneError:
                continue  # the thread was deleted: they are in it no more
            except RefusedError as exc:
                # Their threads may be on several servers, and only some may grant Manage Threads: go on.
                if exc.code == MISSING_PERMISSIONS:
                    refused += 1
                else:
                    failed += 1
                    log.warning("forget-me: could not remove a member from thread %d: %s", thread_id, exc)
            except DeliveryError as exc:
                failed += 1
                log.warning("forget-me: could not remove a member from thread %d: %s", thread_id, exc)
            except Exception:
                # Their data is already gone: the reply must say so, not "something went wrong, nothing changed".
                failed += 1
                log.exception("forget-me: removing a member from thread %d failed", thread_id)
            else:
                removed += 1
        return ThreadsLeft(removed, refused, failed)

    async def remember_locale(self, user_id: int, locale: str) -> None:
        """The Discord locale a member just used (their DMs are written in it); one write, and only when it changed."""
        if self._locales.get(user_id) == locale:
            return
        if len(self._locales) >= LOCALES_KEPT:
            self._locales.clear()
        current = (await load_user(self.db, user_id)).locale
        if current != locale:
            async with self.db.transaction() as tx:
                await remember_user_locale(tx, user_id, locale, self.clock.now())
        self._locales[user_id] = locale
