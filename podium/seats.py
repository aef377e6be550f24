"""Seats and a fair waitlist (issue 23 §5): a talk with a seat limit seats members in the order they came.

A talk may have a seat limit (`talks.seat_limit`, set with `/schedule add seats:` / `/schedule edit seats:`). Its
Join button (podium/components.py `join_label`) reads "🎟️ Join (12/20)", and once full "⏳ Join the waitlist
(3 waiting)". Joining a full talk puts the member on its waitlist (the `waitlist` table, in the order they came);
"Can't make it" takes them off it. When a seat frees (a seated member leaves, the limit is raised, a new speaker
was an attendee), the first waiting is offered it by DM (`seat_offer`) with a deadline (`/announce-settings seats`,
default 12 h) and two buttons: accepted, they are seated like any joiner (reminders planned) and told; declined or
expired (`seat_offer_expiry`, a timed outbox row acted on the injectable clock), the next is offered. A seat is
offered to one person at a time: seats held by offers count as taken. Every step is one write transaction (BEGIN
IMMEDIATE), so concurrent joins and leaves are serialised by SQLite: a seat is given exactly once.

A moved talk keeps its waitlist and its offers; a cancelled one withdraws its offers (the waiting stay, unoffered).
An offer that cannot reach its member is taken back at once (`seat_offer`'s on-undelivered step), and when the limit
is removed or raised past everyone waiting they are seated directly and told (`seat_given`): no deadline to miss.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from db import Database, Transaction
from podium import components, i18n, posts, privacy
from podium.audience import SeatRules, Waitlisted, count_attendees, seat_rules, seated
from podium.clock import from_ms, to_ms
from podium.components import Click, Reply
from podium.consent import TALK_REMINDERS
from podium.delivery import kinds
from podium.delivery.outbox import Outbox, OutboxMessage, OutboxRow
from podium.delivery.render import RenderContext, Rendered, need, talk_of
from podium.errors import UserError
from podium.i18n import N_
from podium.markup import both_times, command, discord_time, quote
from podium.preferences import load_guild_name
from podium.talk_model import Talk, load_talk
from podium.talks import TalkEvent, TalkHooks, subscribes

log = logging.getLogger(__name__)

DEFAULT_OFFER = timedelta(hours=12)
OFFER_HOURS_MIN, OFFER_HOURS_MAX = 1, 168
SEATS_MAX = 10000  # talks.seat_limit's CHECK

privacy.holds_user_ids("waitlist", "user_id", forget="delete_row",
                       why="the talks with seats a member waits for (deleted with the member)")
privacy.holds_no_user_ids("waitlist", "talk_id", "position", "joined_at_ms", "state", "offered_at_ms",
                          "offer_expires_at_ms", why="the talk, the place in its queue and the offer's times")
privacy.holds_no_user_ids("seat_settings", "guild_id", "offer_hours", why="a server's setting")


class SeatError(UserError):
    """A refused seat click or setting; the message is shown to the member as it is."""


def validate_seats(seats: int) -> int | None:
    """`seats:` of /schedule add and edit: 1 to 10,000 seats, or 0 for no limit (None)."""
    if seats == 0:
        return None
    if not 1 <= seats <= SEATS_MAX:
        raise SeatError(N_("A talk has 1 to {max} seats, or 0 for no limit. Example: `seats:20`"), max=SEATS_MAX)
    return seats


async def offer_window(source: Database | Transaction, guild_id: int) -> timedelta:
    """How long a seat offer stays open in this server."""
    row = await source.fetchone("SELECT offer_hours FROM seat_settings WHERE guild_id = ?", (guild_id,))
    return timedelta(hours=row["offer_hours"]) if row is not None else DEFAULT_OFFER


async def set_offer_hours(tx: Transaction, guild_id: int, hours: int) -> None:
    """/announce-settings seats offer-hours: offers made from now on stay open this long."""
    if not OFFER_HOURS_MIN <= hours <= OFFER_HOURS_MAX:
        raise SeatError(N_("A seat offer stays open 1 to 168 hours. Example: `offer-hours:12`"))
    await tx.execute("INSERT INTO seat_settings (guild_id, offer_hours) VALUES (?, ?)"
                     " ON CONFLICT (guild_id) DO UPDATE SET offer_hours = excluded.offer_hours", (guild_id, hours))


async def count_waiting(source: Database | Transaction, talk_id: int) -> int:
    """Everyone on the talk's waitlist, those holding an offer included (the Join button's "N waiting")."""
    return int(await source.fetchval("SELECT count(*) FROM waitlist WHERE talk_id = ?", (talk_id,)))


async def _place(tx: Transaction, talk_id: int, position: int) -> int:
    """Their place in the queue (1: next), counting only those still on it ahead of them."""
    return int(await tx.fetchval("SELECT count(*) FROM waitlist WHERE talk_id = ? AND position <= ?",
                                 (talk_id, position)))


def offer_key(talk_id: int, user_id: int, offered_ms: int) -> str:
    """Dedupe key of one offer's DM (the offer's instant: a second offer to the same member is a new row)."""
    return f"talk:{talk_id}:seat-offer:{user_id}:{offered_ms}"


def expiry_key(talk_id: int, user_id: int, offered_ms: int) -> str:
    """Dedupe key of one offer's deadline."""
    return f"talk:{talk_id}:seat-expiry:{user_id}:{offered_ms}"


async def _withdraw(tx: Transaction, outbox: Outbox, talk_id: int, user_id: int, now: datetime, reason: str) -> None:
    """Cancel the queued DM and deadline of a member's offer (answered, expired, or withdrawn)."""
    await outbox.cancel_pending(tx, now=now, reason=reason, talk_id=talk_id, user_id=user_id,
                                kinds=[SEAT_OFFER.name, SEAT_OFFER_EXPIRY.name])


async def fill(tx: Transaction, outbox: Outbox, talk: Talk, now: datetime) -> int:
    """Offer every free seat to the first waiting, one person per seat; how many offers were made.

    Offers past their deadline are taken back first (their deadline row does the same when it runs: whichever
    comes first), so a seat is never held past its deadline by a deadline row still waiting in the queue.
    """
    if talk.state != "scheduled" or talk.starts_at <= now:
        return 0
    expired = await tx.fetchall(
        "SELECT user_id FROM waitlist WHERE talk_id = ? AND state = 'offered' AND offer_expires_at_ms <= ?",
        (talk.id, to_ms(now)),
    )
    for row in expired:
        await tx.execute("DELETE FROM waitlist WHERE talk_id = ? AND user_id = ?", (talk.id, row["user_id"]))
        await _withdraw(tx, outbox, talk.id, row["user_id"], now, "seat offer expired")
    if talk.seat_limit is None:
        # No limit (any more): nothing to offer, everyone waiting simply has their seat.
        await seat_everyone(tx, outbox, talk, now)
        return 0
    held = int(await tx.fetchval("SELECT count(*) FROM waitlist WHERE talk_id = ? AND state = 'offered'",
                                 (talk.id,)))
    free = talk.seat_limit - await count_attendees(tx, talk.id) - held
    if free <= 0:
        return 0
    rows = await tx.fetchall(
        "SELECT user_id FROM waitlist WHERE talk_id = ? AND state = 'waiting' ORDER BY position LIMIT ?",
        (talk.id, free),
    )
    if not rows:
        return 0
    # Never past the talk's start: a seat offered after it began is no seat.
    deadline = min(now + await offer_window(tx, talk.guild_id), talk.starts_at)
    offered_ms = to_ms(now)
    messages = []
    for row in rows:
        user_id = row["user_id"]
        await tx.execute(
            "UPDATE waitlist SET state = 'offered', offered_at_ms = ?, offer_expires_at_ms = ?"
            " WHERE talk_id = ? AND user_id = ?",
            (offered_ms, to_ms(deadline), talk.id, user_id),
        )
        payload = {"offered_at_ms": offered_ms, "expires_at_ms": to_ms(deadline)}
        messages += [
            OutboxMessage(kind=SEAT_OFFER.name, dedupe_key=offer_key(talk.id, user_id, offered_ms), due_at=now,
                          target_type="dm", guild_id=talk.guild_id, user_id=user_id, talk_id=talk.id,
                          payload=payload, expires_at=deadline),
            OutboxMessage(kind=SEAT_OFFER_EXPIRY.name, dedupe_key=expiry_key(talk.id, user_id, offered_ms),
                          due_at=deadline, target_type="dm", guild_id=talk.guild_id, user_id=user_id,
                          talk_id=talk.id, payload=payload),
        ]
    await outbox.enqueue_many(tx, messages, now=now)
    log.info("talk %d: %d seat(s) offered", talk.id, len(rows))
    return len(rows)


async def seat_everyone(tx: Transaction, outbox: Outbox, talk: Talk, now: datetime) -> int:
    """Seat every member on the waitlist, in its order, without an offer; each is told. How many were seated.

    For when there is room for all of them (the limit removed, or raised past everyone waiting): an offer would
    only give them a deadline to miss and lose a talk that has room for them. They clicked Join; this is what
    Join does when there is room.
    """
    if talk.state != "scheduled" or talk.starts_at <= now:
        return 0
    rows = await tx.fetchall("SELECT user_id FROM waitlist WHERE talk_id = ? ORDER BY position", (talk.id,))
    count = 0
    for row in rows:
        user_id = row["user_id"]
        await tx.execute("DELETE FROM waitlist WHERE talk_id = ? AND user_id = ?", (talk.id, user_id))
        await _withdraw(tx, outbox, talk.id, user_id, now, "seated: room for everyone waiting")
        if user_id == talk.speaker_id:
            continue  # given the talk meanwhile: reminded as its speaker, not seated in its audience
        cursor = await tx.execute(
            "INSERT INTO attendees (talk_id, user_id, created_at_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (talk.id, user_id, to_ms(now)),
        )
        if cursor.rowcount != 1:
            continue
        await seated(tx, outbox, talk, user_id, now)
        await outbox.enqueue(tx, OutboxMessage(
            kind=SEAT_GIVEN.name, dedupe_key=f"talk:{talk.id}:seat-given:{user_id}:{to_ms(now)}", due_at=now,
            target_type="dm", guild_id=talk.guild_id, user_id=user_id, talk_id=talk.id), now=now)
        count += 1
    if count:
        log.info("talk %d: %d waiting member(s) seated, room for all", talk.id, count)
    return count


async def _room_for_all(tx: Transaction, talk: Talk) -> bool:
    """Whether the talk's seats hold everyone seated and everyone waiting (no limit: always)."""
    if talk.seat_limit is None:
        return True
    return talk.seat_limit >= await count_attendees(tx, talk.id) + await count_waiting(tx, talk.id)


async def admit(tx: Transaction, outbox: Outbox, talk: Talk, user_id: int, now: datetime,
                offer: bool) -> Waitlisted | None:
    """A Join on a talk (Audience.join, in its transaction): None seats the member, else their place in the queue.

    Newcomers never pass those already waiting: a seat is free for a newcomer only when nobody waits and it is
    neither taken nor held by an offer. A member holding an offer who clicks Join (or Accept) takes their seat.
    """
    if await tx.fetchone("SELECT 1 FROM attendees WHERE talk_id = ? AND user_id = ?", (talk.id, user_id)):
        return None  # already seated: Join says so
    mine = await tx.fetchone("SELECT * FROM waitlist WHERE talk_id = ? AND user_id = ?", (talk.id, user_id))
    holds_offer = (mine is not None and mine["state"] == "offered"
                   and from_ms(mine["offer_expires_at_ms"]) > now)
    if offer and not holds_offer:
        raise SeatError(N_("The seat offered to you at {topic} is no longer open: its time ran out, or it was "
                           "answered already. Join again with the talk's button."), topic=quote(talk.topic))
    if holds_offer or (mine is not None and talk.seat_limit is None):
        await tx.execute("DELETE FROM waitlist WHERE talk_id = ? AND user_id = ?", (talk.id, user_id))
        await _withdraw(tx, outbox, talk.id, user_id, now, "seat offer accepted")
        return None
    if talk.seat_limit is None:
        return None
    # A seat freed meanwhile (an expired offer, a member forgotten) goes to the first waiting, not to this click.
    await fill(tx, outbox, talk, now)
    # Read again: an offer of theirs that expired unanswered was just taken back, and they queue again at the end.
    mine = await tx.fetchone("SELECT position FROM waitlist WHERE talk_id = ? AND user_id = ?", (talk.id, user_id))
    if mine is not None:
        return Waitlisted(await _place(tx, talk.id, mine["position"]), changed=False)
    taken = await count_attendees(tx, talk.id) + await count_waiting(tx, talk.id)
    if taken < talk.seat_limit:
        return None
    # The end of the queue, read and written in this one write transaction: two clicks never get one place.
    position = int(await tx.fetchval("SELECT coalesce(max(position), 0) + 1 FROM waitlist WHERE talk_id = ?",
                                     (talk.id,)))
    await tx.execute(
        "INSERT INTO waitlist (talk_id, user_id, position, joined_at_ms) VALUES (?, ?, ?, ?)",
        (talk.id, user_id, position, to_ms(now)),
    )
    log.info("user %d waits for a seat at talk %d", user_id, talk.id)
    return Waitlisted(await _place(tx, talk.id, position), changed=True)


async def freed(tx: Transaction, outbox: Outbox, talk: Talk, user_id: int, now: datetime) -> bool:
    """A member left (Audience.leave, in its transaction): off the waitlist too; any free seat is offered."""
    cursor = await tx.execute("DELETE FROM waitlist WHERE talk_id = ? AND user_id = ?", (talk.id, user_id))
    waited = cursor.rowcount == 1
    if waited:
        await _withdraw(tx, outbox, talk.id, user_id, now, "left the waitlist")
    await fill(tx, outbox, talk, now)
    return waited


async def held_by(tx: Transaction, user_id: int) -> list[int]:
    """The upcoming talks with seats where the member holds a seat, an offer or a place in the queue.

    Forget-me reads it before deleting: each of these talks frees a seat or shows one fewer waiting.
    """
    rows = await tx.fetchall(
        "SELECT a.talk_id FROM attendees AS a JOIN talks AS t ON t.id = a.talk_id"
        " WHERE a.user_id = ? AND t.seat_limit IS NOT NULL AND t.state = 'scheduled'"
        " UNION SELECT talk_id FROM waitlist WHERE user_id = ?",
        (user_id, user_id),
    )
    return [row["talk_id"] for row in rows]


async def refill(tx: Transaction, outbox: Outbox, talk_ids: list[int], now: datetime) -> int:
    """Offer the seats a forgotten member held (after forget-me deleted them, in its transaction); how many offers.

    The talks' posts are edited too ("Join (11/20)", "(2 waiting)"), as when they click "Can't make it".
    """
    offered = 0
    for talk_id in talk_ids:
        if (talk := await load_talk(tx, talk_id)) is not None:
            offered += await fill(tx, outbox, talk, now)
            if talk.state == "scheduled":
                await posts.attendance_changed(tx, outbox, talk, now)
    return offered


@privacy.when_forgotten
async def _seats_forgotten(forgetting: privacy.Forgetting) -> privacy.AfterForget | None:
    """A seat, offer or place the forgotten member held goes to the first one waiting, as "Can't make it" does.

    Which talks is read before their rows go; the seats are offered once they are gone.
    """
    held = await held_by(forgetting.tx, forgetting.user_id)
    if not held:
        return None

    async def offer_what_they_held() -> None:
        await refill(forgetting.tx, forgetting.outbox, held, forgetting.now)

    return offer_what_they_held


RULES = seat_rules(SeatRules(admit=admit, freed=freed, waiting=count_waiting))


# -- the offer's buttons ------------------------------------------------------------------------------------------


async def _offered_talk(click: Click) -> Talk:
    talk = await load_talk(click.services.db, click.id.numbers[0])
    if talk is None or (click.guild_id is not None and talk.guild_id != click.guild_id):
        raise SeatError(N_("I can't find that talk any more. See what's coming with {command}."),
                        command=command("schedule list"))
    return talk


async def accept(click: Click) -> Reply:
    """✅ Take the seat: seated like any joiner (reminders planned, added to the thread), if the offer is still open."""
    talk = await _offered_talk(click)
    # The click is in a DM (no guild): the offer held by this member is what proves it is theirs.
    attendance = await click.services.audience.join(talk_id=talk.id, user_id=click.user_id, guild_id=talk.guild_id,
                                                    offer=True)
    t = i18n.translator(click.locale)
    text = t._("🎟️ The seat at {topic}, {when}, is yours.", topic=quote(talk.topic),
               when=both_times(attendance.talk.starts_at))
    if attendance.next_reminder is not None:
        text += " " + t._("You'll be reminded {when}; change it with {command}.",
                          when=discord_time(attendance.next_reminder, "R"), command=command("remind-me talks"))
    return Reply(text)


async def decline(click: Click) -> Reply:
    """❌ No thanks: off the waitlist; the seat is offered to the next one waiting."""
    talk = await _offered_talk(click)
    services = click.services
    now = services.clock.now()
    async with services.db.transaction() as tx:
        cursor = await tx.execute(
            "DELETE FROM waitlist WHERE talk_id = ? AND user_id = ? AND state = 'offered' AND offer_expires_at_ms > ?",
            (talk.id, click.user_id, to_ms(now)),
        )
        if cursor.rowcount == 1:
            await _withdraw(tx, services.outbox, talk.id, click.user_id, now, "seat offer declined")
            current = await load_talk(tx, talk.id)
            if current is not None:
                await fill(tx, services.outbox, current, now)
                await posts.attendance_changed(tx, services.outbox, current, now)  # "Join the waitlist (N waiting)"
    t = i18n.translator(click.locale)
    if cursor.rowcount != 1:
        raise SeatError(N_("The seat offered to you at {topic} is no longer open: its time ran out, or it was "
                           "answered already. Join again with the talk's button."), topic=quote(talk.topic))
    return Reply(t._("🙅 Understood: the seat at {topic} goes to the next one waiting, and you're off its waitlist.",
                     topic=quote(talk.topic)))


ACCEPT = components.declare("podium:seat:accept", handler=accept)  # :talk id
DECLINE = components.declare("podium:seat:decline", handler=decline)  # :talk id


# -- the offer (DM) and its deadline (an action) ----------------------------------------------------------------


async def _prepare_offer(db: Database, row: OutboxRow, now: datetime) -> dict[str, Any]:
    return {"guild_name": await load_guild_name(db, row.guild_id)}


def render_offer(ctx: RenderContext) -> Rendered:
    """🎟️ A seat is free for the first one waiting: take it before the deadline."""
    talk, t = talk_of(ctx), ctx.t
    deadline = from_ms(need(ctx.payload, "expires_at_ms", int))
    name = ctx.payload.get("guild_name")
    where = (t._("{topic} on {server}", topic=quote(talk.topic), server=quote(name))
             if isinstance(name, str) and name else quote(talk.topic))
    text = t._("🎟️ A seat at {talk} by {speaker}, {when}, is free, and you're first on its waitlist. Take it by "
               "{deadline} ({left}); after that it goes to the next one waiting.", talk=where,
               speaker=f"<@{talk.speaker_id}>", when=both_times(talk.starts_at),
               deadline=discord_time(deadline, "f"), left=discord_time(deadline, "R"))
    buttons = components.row(
        components.button(t._("✅ Take the seat"), ACCEPT, talk.id, style=components.SUCCESS),
        components.button(t._("❌ No thanks"), DECLINE, talk.id, style=components.DANGER),
    )
    return Rendered(text, components=(buttons,))


async def _expire(action: kinds.ActionContext) -> int:
    """The offer's deadline: still unanswered, it is taken back and the seat offered to the next one waiting.

    Idempotent: only the offer this row was queued for (its instant) is taken back, once.
    """
    row = action.row
    offered_ms = need(action.payload, "offered_at_ms", int)
    if row.talk_id is None or row.user_id is None:
        raise kinds.ActionSkipped("a seat offer's deadline needs its talk and member")
    # The outbox's queue operations take the caller's transaction; a new row wakes the dispatcher's next round.
    outbox = Outbox(action.db)
    async with action.db.transaction() as tx:
        taken_back = await _take_back(tx, outbox, row.talk_id, row.user_id, offered_ms, action.now,
                                      "seat offer expired")
    if not taken_back:
        raise kinds.ActionSkipped("the offer was answered or withdrawn")
    log.info("talk %d: the seat offer to %d expired", row.talk_id, row.user_id)
    return row.talk_id


async def _take_back(tx: Transaction, outbox: Outbox, talk_id: int, user_id: int, offered_ms: int, now: datetime,
                     reason: str) -> bool:
    """Take back this one offer (its instant) if still open: off the waitlist, the seat to the next one waiting."""
    cursor = await tx.execute(
        "DELETE FROM waitlist WHERE talk_id = ? AND user_id = ? AND state = 'offered' AND offered_at_ms = ?",
        (talk_id, user_id, offered_ms),
    )
    if cursor.rowcount != 1:
        return False
    await _withdraw(tx, outbox, talk_id, user_id, now, reason)
    talk = await load_talk(tx, talk_id)
    if talk is not None:
        await fill(tx, outbox, talk, now)
        await posts.attendance_changed(tx, outbox, talk, now)  # one fewer waiting on its posts
    return True


async def _offer_undelivered(ctx: kinds.UndeliveredContext) -> None:
    """The offer could not reach its member: the seat goes to the next one waiting now, not at the deadline.

    DMs closed, talk reminders stopped, Discord refused: a seat is not held for someone who cannot know of it.
    """
    row, offered_ms = ctx.row, ctx.row.payload.get("offered_at_ms")
    if row.talk_id is None or row.user_id is None or not isinstance(offered_ms, int):
        return
    if await _take_back(ctx.tx, ctx.outbox, row.talk_id, row.user_id, offered_ms, ctx.now,
                        "seat offer could not be delivered"):
        log.info("talk %d: the seat offer to %d could not be delivered; offered to the next", row.talk_id,
                 row.user_id)


SEAT_OFFER = kinds.register(kinds.KindSpec(
    name="seat_offer",
    render=render_offer,
    consent=TALK_REMINDERS,  # they asked for the talk; stopping talk reminders stops offers too
    about_a_scheduled_talk=True,  # a cancelled talk's offer is not sent
    prepare=_prepare_offer,
    on_undelivered=_offer_undelivered,  # unreachable: the seat goes on at once, not after the whole window
    # Its buttons are one member's: never posted in a channel for everyone when the DM is refused.
    announce_fallback=False,
    expiry=lambda message: message.expires_at,  # pointless after its deadline
    label=N_("seat offer"),
    # To whom and when: the first member on a full talk's waitlist, when a seat frees.
    example={"offered_at_ms": 1795900000000, "expires_at_ms": 1796000000000, "guild_name": "_" * 100},
))
def render_given(ctx: RenderContext) -> str:
    """🎟️ The talk has room for everyone now: the member waiting has a seat, nothing to answer."""
    talk, t = talk_of(ctx), ctx.t
    name = ctx.payload.get("guild_name")
    where = (t._("{topic} on {server}", topic=quote(talk.topic), server=quote(name))
             if isinstance(name, str) and name else quote(talk.topic))
    return t._("🎟️ {talk} by {speaker}, {when}, has room for everyone now: you have a seat, nothing to answer. "
               "You'll be reminded before it; can't come after all? Click “Can't make it” on the talk.", talk=where,
               speaker=f"<@{talk.speaker_id}>", when=both_times(talk.starts_at))


SEAT_GIVEN = kinds.register(kinds.KindSpec(
    name="seat_given",
    render=render_given,
    consent=TALK_REMINDERS,  # they asked for the talk's reminders by joining
    recipient="attendee",  # "Can't make it" since: not sent
    about_a_scheduled_talk=True,
    prepare=_prepare_offer,
    # One member's news: never posted for everyone when the DM is refused (the thread adds them anyway).
    announce_fallback=False,
    label=N_("seat given"),
    # To whom and when: a member on a talk's waitlist, when its seat limit is removed or raised for all.
    example={"guild_name": "_" * 100},
))
SEAT_OFFER_EXPIRY = kinds.register(kinds.KindSpec(
    name="seat_offer_expiry",
    render=kinds.describes("(takes back an unanswered seat offer and offers the seat to the next one waiting)"),
    consent=None,
    act=_expire,
    in_talk_info="hidden",
    label=N_("seat offer deadline"),
    # To whom and when: nobody; at an offer's deadline, the seat goes to the next one waiting.
    example={"offered_at_ms": 1795900000000, "expires_at_ms": 1796000000000},
))


# -- the talk's changes -------------------------------------------------------------------------------------------


@subscribes
def subscribe(hooks: TalkHooks, outbox: Outbox) -> TalkHooks:
    """A new limit or speaker may free seats; a cancellation withdraws every open offer (registered)."""

    @hooks.subscribe("talk_edited")
    async def edited(tx: Transaction, event: TalkEvent) -> None:
        before, talk = event.before or event.after, event.after
        if before.seat_limit != talk.seat_limit and await _room_for_all(tx, talk):
            # Room for everyone waiting: seated at once, none left with a deadline to miss.
            await seat_everyone(tx, outbox, talk, event.now)
        elif before.seat_limit != talk.seat_limit or before.speaker_id != talk.speaker_id:
            await fill(tx, outbox, talk, event.now)

    @hooks.subscribe("talk_cancelled")
    async def cancelled(tx: Transaction, event: TalkEvent) -> None:
        talk = event.after
        await outbox.cancel_pending(tx, now=event.now, reason="talk cancelled", talk_id=talk.id,
                                    kinds=[SEAT_OFFER.name, SEAT_OFFER_EXPIRY.name])
        await tx.execute("UPDATE waitlist SET state = 'waiting', offered_at_ms = NULL, offer_expires_at_ms = NULL"
                         " WHERE talk_id = ?", (talk.id,))

    return hooks
