"""Delivers due outbox rows: consent at send time, fallback targets, retries, expiry, pacing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from db import Database
from podium.clock import Clock, to_ms
from podium.consent import DMS, allows, opted_out
from podium.delivery import kinds
from podium.delivery.outbox import Outbox, OutboxMessage, OutboxRow, TargetType, parse_payload
from podium.delivery.pacing import ChannelBusy, Pacer
from podium.delivery.render import RenderContext, RenderError, need, plain_text, render, same_message
from podium.delivery.transport import (
    DeliveryError,
    GoneError,
    PostedMessage,
    RateLimitedError,
    RefusedError,
    RejectedError,
    StaleDelivery,
    TransientError,
    Transport,
    UnauthorizedError,
    looking_with,
    snowflake_at,
)
from podium.i18n import N_
from podium.keyed_lock import KeyedLock
from podium.markup import inert
from podium.metrics import Metrics
from podium.preferences import (
    GuildSettings,
    UserPreferences,
    channel_locale,
    effective_zone,
    load_guild,
    load_user,
    remember_dm_channel,
    switch_of,
)
from podium.talk_model import Talk, load_talk

# Its name from before the engine moved into podium/delivery/: operators filter the log on it (README, "Logs").
log = logging.getLogger("podium.dispatcher")

BACKOFF_FACTOR = 4
# A short outage of Discord (a 5xx, a dropped connection) usually passes within seconds: the first retries come
# quickly (1 s, 2 s, 4 s with the default base of 10 s), well inside Discord's nonce window, so a reminder hit by
# one arrives seconds late instead of a minute. Then the backoff grows fourfold from the base, as before.
QUICK_RETRY_FRACTIONS = (0.1, 0.2, 0.4)
# The quick retries, then the same hour of backoff as before (10 s, 40 s, 160 s, 640 s, 2560 s).
MAX_ATTEMPTS = len(QUICK_RETRY_FRACTIONS) + 6
# Rows claimed but not yet finished; bounds memory and how much a crash leaves in 'sending'.
MAX_IN_FLIGHT = 50
# DM channels of people with a DM due this soon are opened ahead of time, when the request budget
# is mostly unused, so that the message itself costs one request at its due time.
PREFETCH_HORIZON = timedelta(seconds=60)
PREFETCH_MAX_LOAD = 0.8
PREFETCH_EVERY = 1.0  # seconds between prefetch passes
# Discord's enforce_nonce remembers a nonce for "the past few minutes" (undocumented). A resend later than this
# after the first attempt may fall outside it, so it first looks in the channel for the message.
NONCE_TRUST = timedelta(seconds=60)
# The look for an earlier attempt's message reads at most this many pages of 100 (Discord's largest page): around
# the first attempt (our clock and Discord's differ a little), then forward from there and back from the newest.
HISTORY_PAGES = 6
HISTORY_PAGE = 100
CLOCK_SKEW = timedelta(seconds=5)
# Rows whose delivery's own bookkeeping failed (database locked, disk full) stay 'sending'; a sweep returns them.
SWEEP_EVERY = 60.0
SWEEP_STALE_AFTER = timedelta(minutes=2)
# After a 401 (the token was reset) nothing is attempted for this long; then one row tries again.
UNAUTHORIZED_PAUSE = 60.0
UNAUTHORIZED_LOG_EVERY = 600.0
# A row whose content changed while it waited is built again at once; after this many times in a row it goes as
# it is (only the checks that stop it for good still apply).
MAX_REBUILDS = 3
def _log_line(ctx: RenderContext) -> str:
    """A failed delivery (or a `message` of the catalogue), told to the log channel in its language."""
    if "text" in ctx.payload:
        return plain_text(ctx)
    if "message" in ctx.payload:
        return _catalogue_text(ctx, ctx.payload)[:1900]
    return ctx.t._(
        "⚠️ Could not deliver a {kind} (#{id}) to {target}: {reason}", kind=need(ctx.payload, "failed_kind", str),
        id=need(ctx.payload, "row_id", int), target=need(ctx.payload, "target", str),
        # Discord's answer may quote what was sent (member text): shown as plain text.
        reason=inert(need(ctx.payload, "reason", str)),
    )[:1900]


def _catalogue_text(ctx: RenderContext, data: Any) -> str:
    """`{"message": msgid, "params": {...}}` in the reader's language; a value may be such a dict itself."""
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, str):
        return str(data)
    params = data.get("params")
    if not isinstance(params, dict):
        params = {}
    values = {key: _catalogue_text(ctx, value) if isinstance(value, dict) else value for key, value in params.items()}
    return ctx.t._(message, **values)


LOG = kinds.register(
    kinds.KindSpec(
        name="log",
        render=_log_line,
        consent=None,
        label=N_("log line"),
        # To whom and when: the guild's log channel: a delivery that failed for good, and why.
        example={"failed_kind": "attendee_reminder", "row_id": 2**53, "target": f"<@{10**18}>", "reason": "x" * 1900},
    )
)
TEST = kinds.register(
    kinds.KindSpec(
        name="test",
        render=plain_text,
        consent=None,
        label=N_("test post"),
        # To whom and when: a plain text post queued by an operator or a benchmark.
        example={"text": "hello"},
    )
)


@dataclass(slots=True)
class _Attempt:
    """What one delivery attempt has done so far, for the failure paths that did not see it happen."""

    # A request that creates something (a post, an action) was started: from here on, a failure cannot tell
    # whether Discord made it, so a retry must look first (`maybe_sent`).
    may_have_sent: bool = False
    # What the message was built from: its talk's change counter and the kind's prepared data.
    talk_sequence: int | None = None
    prepared: dict[str, Any] | None = None
    # The target being tried (DM, thread, channel): a DM is stopped by a DMs opt-out made while it waits.
    via: TargetType | None = None
    # How often this row was already sent back to be built again, and how often it still may be.
    rebuilt_before: int = 0
    rebuilds_left: int = 0


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one delivery attempt."""

    row_id: int
    kind: str
    state: str  # sent / retry / deferred / failed / skipped / expired / cancelled
    via: TargetType | None = None
    channel_id: int | None = None
    message_id: int | None = None
    reason: str | None = None


def backoff_delay(attempts: int, base: float, rng: random.Random, retry_after: float | None = None) -> float:
    """Seconds before the next attempt after `attempts` failed ones: quick at first, then exponential; ±20 % jitter."""
    quick = len(QUICK_RETRY_FRACTIONS)
    if attempts <= quick:
        delay = base * QUICK_RETRY_FRACTIONS[max(0, attempts - 1)]
    else:
        delay = base * float(BACKOFF_FACTOR ** (attempts - quick - 1))
    return max(delay * rng.uniform(0.8, 1.2), retry_after or 0.0)


def fallback_chain(row: OutboxRow, *, dms_allowed: bool) -> list[TargetType]:
    """Where to try, in order: DM → the talk's thread → a channel mention, from the row's preferred target."""
    if row.target_type == "channel":
        return ["channel"]
    chain: list[TargetType] = []
    if row.target_type == "dm" and dms_allowed:
        chain.append("dm")
    if row.talk_id is not None or row.target_type == "thread":
        chain.append("thread")
    chain.append("channel")
    return chain


class Dispatcher:
    """Claims due rows and delivers each in its own task; the loop cog calls `step()` forever."""

    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        transport: Transport,
        clock: Clock,
        *,
        pacer: Pacer,
        retry_base_seconds: float = 10.0,
        max_in_flight: int = MAX_IN_FLIGHT,
        rng: random.Random | None = None,
        metrics: Metrics | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.transport = transport
        self.clock = clock
        self.pacer = pacer
        self.retry_base_seconds = retry_base_seconds
        self.max_in_flight = max_in_flight
        self.rng = rng or random.Random()
        self.in_flight: set[asyncio.Task[Outcome]] = set()
        self._row_of: dict[asyncio.Task[Outcome], int] = {}
        self.last_step_at: datetime | None = None
        # The end of the last pass that claimed and started what was due without an error.
        self.last_success_at: datetime | None = None
        self.metrics = metrics if metrics is not None else Metrics()
        self._prefetch_task: asyncio.Task[int] | None = None
        self._prefetch_started = float("-inf")
        self._swept_at = time.monotonic()
        # Set by a 401: delivery stops (rows stay pending) until this monotonic instant.
        self._paused_until = float("-inf")
        self.pause_reason: str | None = None
        self._unauthorized_logged_at = float("-inf")
        # One thread per talk, ever: deliveries of one talk create and store it one at a time.
        self._thread_locks: KeyedLock[int] = KeyedLock()
        # Row id -> how often in a row it was sent back to be built again (bounded: see MAX_REBUILDS).
        self._rebuilds: dict[int, int] = {}
        # "How long ago" is a monotonic question: a wall clock stepped back would make Discord's nonce window look
        # open long after it closed. Row id -> monotonic instant of its first POST in THIS process, oldest first;
        # entries leave once older than NONCE_TRUST (an absent row is looked for in the channel first anyway).
        self.monotonic = monotonic
        self._first_attempts: dict[int, float] = {}
        # One pass at a time (the loop and the cron trigger): two passes would both count the same free slots.
        self._pass_lock = asyncio.Lock()
        # Set once recover() ran: a pass before it could claim rows a crash left 'sending' as if they were new.
        self.recovered = asyncio.Event()

    async def recover(self) -> int:
        """At start: put rows a crash left in 'sending' back in the queue."""
        async with self._pass_lock:
            # Never this process's own deliveries: their rows are in flight, not left behind by a crash.
            recovered = await self.outbox.recover_in_flight(self.clock.now(), in_flight=self._row_of.values())
            self.recovered.set()
        if recovered:
            log.warning("%d message(s) were being sent when Podium stopped; retrying them now", recovered)
        return recovered

    @property
    def paused(self) -> bool:
        """Delivery is paused (Discord refused the token); rows wait in the queue."""
        return time.monotonic() < self._paused_until

    async def step(self, tick: float) -> int:
        """Start deliveries for what is due, then sleep until the next due row, a wake-up, or `tick` s.

        Every wait is on the event loop's monotonic clock and due times are re-read from the wall clock at each
        wake: a wall clock stepped back (or forward) never stretches a sleep beyond `tick`.
        """
        self.last_step_at = self.clock.now()
        # Clear before reading: an enqueue committed from here on sets it again, so none is missed.
        self.outbox.wake.clear()
        started = await self.dispatch_due()
        await self._maybe_sweep()
        self.last_success_at = self.clock.now()
        if not self.paused:
            self._maybe_prefetch()
        if started and len(self.in_flight) < self.max_in_flight:
            return started  # more may be due right now
        timeout = tick
        if self.paused:
            timeout = min(tick, self._paused_until - time.monotonic())
        elif len(self.in_flight) < self.max_in_flight:
            next_due = await self.outbox.next_due()
            if next_due is not None:
                timeout = min(tick, max(0.0, (next_due - self.clock.now()).total_seconds()))
        # When every slot is busy, a finishing delivery sets the event.
        if timeout > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.outbox.wake.wait(), timeout)
        return started

    async def dispatch_due(self) -> int:
        """Claim due rows into free slots and start a delivery task for each (one pass at a time)."""
        async with self._pass_lock:
            free = self.max_in_flight - len(self.in_flight)
            if free <= 0 or self.paused:
                return 0
            # While a pause is being tested (the first row after it), one row at a time.
            rows = await self.outbox.claim_due(self.clock.now(), 1 if self.pause_reason else free)
            for row in rows:
                task = asyncio.create_task(self.deliver(row), name=f"deliver-{row.id}")
                self.in_flight.add(task)
                self._row_of[task] = row.id
                task.add_done_callback(self._finished)
            return len(rows)

    def _finished(self, task: asyncio.Task[Outcome]) -> None:
        self.in_flight.discard(task)
        self._row_of.pop(task, None)
        self.outbox.wake.set()

    async def _maybe_sweep(self) -> None:
        if time.monotonic() - self._swept_at >= SWEEP_EVERY:
            self._swept_at = time.monotonic()
            await self.sweep_stale()

    async def sweep_stale(self) -> int:
        """Return rows stuck in 'sending' that no delivery of this process is working on."""
        now = self.clock.now()
        swept = await self.outbox.sweep_stale_sending(
            now, older_than=now - SWEEP_STALE_AFTER, in_flight=self._row_of.values()
        )
        if swept:
            log.warning("%d message(s) were stuck in 'sending' with no delivery working on them; queued again", swept)
        return swept

    async def cancel_in_flight(self) -> None:
        """Abandon deliveries in flight (shutdown): their rows stay 'sending' and are retried at start."""
        tasks = [*self.in_flight, *([self._prefetch_task] if self._prefetch_task else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _maybe_prefetch(self) -> None:
        # At most one pass a second: step() runs for every due row, and a pass keeps going while it finds work.
        if self._prefetch_task is not None and not self._prefetch_task.done():
            return
        if time.monotonic() - self._prefetch_started < PREFETCH_EVERY:
            return
        self._prefetch_started = time.monotonic()
        self._prefetch_task = asyncio.create_task(self.prefetch_dm_channels(), name="prefetch-dm-channels")

    async def prefetch_dm_channels(self, batch: int = 20) -> int:
        """Open the DM channels of soon-due DMs ahead of time, using only spare request budget."""
        opened = 0
        while True:
            horizon = to_ms(self.clock.now() + PREFETCH_HORIZON)
            # Only the next 50 x batch due DMs are looked at, in due order from the index of pending DMs (named:
            # the planner would otherwise take outbox_due and read every due channel post too): with a backlog
            # of 200,000 DMs to warm channels the query read them all every second (issue 19, ~50 ms). People
            # further down are reached as the queue moves.
            rows = await self.db.fetchall(
                """
                SELECT DISTINCT due.user_id FROM (
                    SELECT user_id, next_attempt_at_ms FROM outbox INDEXED BY outbox_due_dm
                    WHERE state = 'pending' AND target_type = 'dm' AND next_attempt_at_ms <= ?
                    ORDER BY next_attempt_at_ms LIMIT ?
                ) AS due LEFT JOIN users AS u ON u.user_id = due.user_id
                WHERE u.dm_channel_id IS NULL AND coalesce(u.opt_out_dms, 0) = 0
                ORDER BY due.next_attempt_at_ms LIMIT ?
                """,
                (horizon, batch * 50, batch),
            )
            for row in rows:
                await self.pacer.wait_for_spare(PREFETCH_MAX_LOAD)  # due messages first
                try:
                    channel_id = await self.transport.open_dm(row["user_id"])
                except DeliveryError as exc:
                    log.debug("could not open a DM channel with %s ahead of time: %s", row["user_id"], exc)
                    return opened
                await self._remember_dm(row["user_id"], channel_id)
                opened += 1
            if len(rows) < batch:
                return opened

    async def deliver(self, row: OutboxRow) -> Outcome:
        """Deliver one claimed row and record the outcome; never raises (one bad row blocks nothing)."""
        attempt = _Attempt()
        try:
            outcome = await self._deliver(row, attempt)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("outbox %d: unexpected error; will retry", row.id)
            # Once a request that creates something may have left, every failure after it (recording it as
            # sent, a kind's on-sent step) keeps that knowledge: the retry looks before it posts again.
            outcome = await self._retry_or_fail(
                row, f"internal error: {exc!r}", None, maybe_sent=attempt.may_have_sent
            )
        lateness = (self.clock.now() - row.due_at).total_seconds()
        if outcome.state == "deferred":
            # Not an attempt: its channel was full, or Discord asked to wait. It comes back by itself.
            log.debug("outbox %d deferred: %s", row.id, outcome.reason)
            return outcome
        self.metrics.record_delivery(row.kind, outcome.state, lateness)
        log.info(
            "outbox %d kind=%s guild=%s target=%s outcome=%s via=%s attempt=%d lateness=%.3fs%s",
            row.id,
            row.kind,
            row.guild_id,
            row.user_id if row.target_type == "dm" else row.channel_id,
            outcome.state,
            outcome.via,
            row.attempts,
            lateness,
            f" reason={outcome.reason}" if outcome.reason else "",
        )
        return outcome

    async def _deliver(self, row: OutboxRow, attempt: _Attempt) -> Outcome:
        spec = kinds.get(row.kind)
        attempt.rebuilt_before = self._rebuilds.get(row.id, 0)
        attempt.rebuilds_left = MAX_REBUILDS - attempt.rebuilt_before
        check = self._last_look(row, spec, attempt)
        try:
            # Every request this delivery makes, through any transport method or kind's action, runs `check`
            # right before it leaves (podium.delivery.transport.last_look): one mechanism for every kind.
            with looking_with(check):
                await check()  # the first look asks what the last one will ask
                outcome = await self._deliver_checked(row, spec, attempt)
        except StaleDelivery as exc:
            if exc.state == "rebuild":
                # What it says changed while it waited: back to the queue at once (no attempt used), to be prepared
                # and rendered again from what is true now. A row rebuilt MAX_REBUILDS times in a row goes as it
                # is next time (what it shows keeps changing: a busy 🔔 count), so it cannot cycle forever.
                if len(self._rebuilds) > 10_000:
                    self._rebuilds.clear()
                self._rebuilds[row.id] = attempt.rebuilt_before + 1
                return await self._defer(row, 0.0, str(exc))
            outcome = await self._final(row, exc.state, str(exc))
        self._rebuilds.pop(row.id, None)
        return outcome

    def _last_look(
        self, row: OutboxRow, spec: kinds.KindSpec, attempt: _Attempt | None = None
    ) -> Callable[[], Awaitable[None]]:
        """The check run before each request of this row's delivery: raises StaleDelivery if it must not go."""
        # A kind a guild switch turns on is sent only while it is on: read in the same query (a declared column).
        switched = switch_of(row.kind)
        switch_on, settings = (f"g.{switched.column}", " LEFT JOIN guild_settings AS g ON g.guild_id = o.guild_id"
                               ) if switched is not None else ("NULL", "")

        async def check() -> None:
            if row.expires_at is not None and self.clock.now() >= row.expires_at:
                raise StaleDelivery(f"expired at {row.expires_at.isoformat()}", state="expired")
            current = await self.db.fetchone(
                "SELECT o.state, o.user_id, o.payload, t.state AS talk_state, t.starts_at_ms, t.sequence, t.approval,"
                " t.speaker_id, EXISTS (SELECT 1 FROM attendees AS a WHERE a.talk_id = o.talk_id"
                f" AND a.user_id = o.user_id) AS attending, {switch_on} AS switch_on"
                f" FROM outbox AS o LEFT JOIN talks AS t ON t.id = o.talk_id{settings} WHERE o.id = ?",
                (row.id,),
            )
            if current is None:
                raise StaleDelivery("deleted while it was being sent (forget-me)", state="cancelled")
            if current["state"] != "sending":
                raise StaleDelivery(f"became {current['state']} while it was being sent", state="cancelled")
            if switched is not None and not (switched.default if current["switch_on"] is None
                                             else bool(current["switch_on"])):
                # Turned off while it waited: as when turning it off cancels the upcoming talks' rows. Re-planning
                # leaves alone a talk under way or over (a retried "starting now", an after-the-talk kind).
                raise StaleDelivery(f"the server turned {switched.name} off", state="cancelled")
            if spec.only_while_scheduled and row.talk_id is not None:
                if current["talk_state"] not in spec.talk_states:
                    raise StaleDelivery(f"the talk is {current['talk_state']} now", state="cancelled")
                if current["approval"] not in (None, "approved"):
                    # Nothing about a sign-up goes out before a moderator approved it (docs/architecture.md).
                    raise StaleDelivery(f"the talk is {current['approval']}, not approved", state="cancelled")
                if spec.talk_bound and row.talk_start is not None and current["starts_at_ms"] != to_ms(row.talk_start):
                    raise StaleDelivery("the talk was moved since this was planned", state="cancelled")
            # Who it is for: the talk's speaker, or one of its audience, must still be.
            if row.user_id is not None and row.talk_id is not None:
                if spec.recipient == "speaker" and current["speaker_id"] != row.user_id:
                    raise StaleDelivery("the talk has another speaker now", state="cancelled")
                if spec.recipient == "attendee" and not current["attending"]:
                    raise StaleDelivery("no longer asked to be reminded of the talk", state="cancelled")
            # The recipient's settings only when a rule below reads them (one read fewer for most posts).
            needs_user = spec.consent is not None or (attempt is not None and attempt.via == "dm")
            user = await load_user(self.db, row.user_id) if row.user_id is not None and needs_user else None
            if spec.consent is not None and row.user_id is not None and not allows(user, spec.consent):
                raise StaleDelivery("the user opted out", state="skipped")
            if attempt is None:
                return
            if attempt.via == "dm" and opted_out(user, DMS):
                # They stopped DMs while it waited: where it goes is decided again (thread, channel, or nowhere).
                raise StaleDelivery("DMs stopped while it waited", state="rebuild")
            if attempt.talk_sequence is not None and current["sequence"] != attempt.talk_sequence:
                raise StaleDelivery("its talk changed while it waited", state="rebuild")
            if parse_payload(current["payload"]) != row.payload:
                # Rewritten meanwhile, e.g. forget-me took a member's name out of it.
                raise StaleDelivery("its row changed while it waited", state="rebuild")
            # Only this comparison is bounded (MAX_REBUILDS): what a preparer reads may keep moving (a 🔔 count); a
            # talk change, a rewritten row or a DMs opt-out always rebuild (each is a person's act, and finite).
            if attempt.rebuilds_left > 0 and attempt.prepared is not None and spec.prepare is not None and (
                await spec.prepare(self.db, row, self.clock.now()) != attempt.prepared
            ):
                # Who it mentions, what it lists: a member forgotten or opted out, a talk added or gone meanwhile.
                raise StaleDelivery("what it shows changed while it waited", state="rebuild")

        return check

    async def _deliver_checked(self, row: OutboxRow, spec: kinds.KindSpec, attempt: _Attempt) -> Outcome:
        now = self.clock.now()
        user = await load_user(self.db, row.user_id) if row.user_id is not None else None
        talk = await load_talk(self.db, row.talk_id) if row.talk_id is not None else None
        # What this delivery is built from; the last look compares it with what is true before each request.
        attempt.talk_sequence = talk.sequence if talk is not None else None
        if (stale := await self._superseded(row, spec, now)) is not None:
            return await self._final(row, "cancelled", stale)
        if spec.not_before is not None and (wait_until := await spec.not_before(self.db, row, now)) is not None \
                and wait_until > now:
            return await self._defer(row, (wait_until - now).total_seconds(), f"waits until {wait_until.isoformat()}")
        guild = await load_guild(self.db, row.guild_id) if row.guild_id is not None else None
        payload = row.payload
        if spec.prepare is not None:
            attempt.prepared = await spec.prepare(self.db, row, now)
            payload = {**payload, **attempt.prepared}
        if spec.act is not None:
            return await self._act(row, spec, payload, guild, talk, now, attempt)
        refusals: list[str] = []
        gone = False
        for via in fallback_chain(row, dms_allowed=not opted_out(user, DMS)):
            attempt.via = via
            try:
                channel_id = await self._resolve(via, row, spec, user, guild, talk)
                if channel_id is None:
                    refusals.append(f"{via}: none configured")
                    continue
                locale = await self._locale(via, user, guild)
                zone = effective_zone(user, guild) if via == "dm" and user is not None else (
                    guild.timezone if guild is not None else "UTC")
                ctx = RenderContext(row.kind, payload, talk, row.due_at, self.clock.now(), via=via, locale=locale,
                                    zone=zone)
                body: dict[str, Any] = render(ctx, mention_user_id=row.user_id if via != "dm" else None)
                # enforce_nonce: if a crash hid an earlier success, Discord returns that message.
                body["nonce"] = row.nonce
                body["enforce_nonce"] = True
                if (found := await self._posted_before(row, channel_id, body)) is not None:
                    return await self._sent(row, spec, payload, via, channel_id, found, "found in the channel",
                                            locale=locale)
                attempt.may_have_sent = True
                message_id = await self.transport.post_message(channel_id, body)
            except RenderError as exc:
                return await self._final(row, "failed", f"cannot render: {exc}")
            except ChannelBusy as exc:
                return await self._defer(row, exc.delay, f"{via}: channel busy for {exc.delay:.1f} s")
            except (RefusedError, GoneError) as exc:
                refusals.append(f"{via}: {exc}")
                gone = gone or isinstance(exc, GoneError)
                await self._forget_target(via, row, exc)
                continue
            except RateLimitedError as exc:
                return await self._defer(row, exc.retry_after or 1.0, f"{via}: rate limited ({exc.scope}): {exc}")
            except UnauthorizedError as exc:
                self._pause_for_token(str(exc))
                return await self._defer(row, UNAUTHORIZED_PAUSE, f"{via}: {exc}")
            except TransientError as exc:
                return await self._retry_or_fail(row, f"{via}: {exc}", exc.retry_after, maybe_sent=exc.maybe_sent)
            except RejectedError as exc:
                return await self._final(row, "failed", f"{via}: {exc}")
            if self.pause_reason is not None:
                log.warning("Discord accepts the token again; delivery resumes")
                self.pause_reason = None
            return await self._sent(row, spec, payload, via, channel_id, message_id, locale=locale)
        if not refusals:
            return await self._final(row, "skipped", "no delivery target is allowed")
        if not spec.announce_fallback and row.channel_id is None and not gone:
            # The person's own choices (closed DMs, no channel they could post in): not a failure to report.
            return await self._final(row, "skipped", "DMs refused and no channel it may go to: " + "; ".join(refusals))
        return await self._final(row, "failed", "no target accepted it: " + "; ".join(refusals))

    async def _locale(self, via: str, user: UserPreferences | None, guild: GuildSettings | None) -> str | None:
        """The reader's language: a DM's recipient's last Discord locale, else the server's (a post's)."""
        if via == "dm" and user is not None and user.locale:
            return user.locale
        return await channel_locale(self.db, guild)

    async def _act(
        self,
        row: OutboxRow,
        spec: kinds.KindSpec,
        payload: dict[str, Any],
        guild: GuildSettings | None,
        talk: Talk | None,
        now: datetime,
        attempt: _Attempt,
    ) -> Outcome:
        """A kind that does something other than post: its action, with the same errors, retries and record."""
        assert spec.act is not None
        async def talk_thread(of: Talk, parent: int | None) -> int | None:
            return await self._talk_thread(of, parent, row.guild_id)

        context = kinds.ActionContext(row, payload, self.transport, self.db, guild, talk, now, talk_thread)
        try:
            attempt.may_have_sent = True
            made = await spec.act(context)
        except kinds.ActionSkipped as exc:
            return await self._final(row, "skipped", str(exc))
        except ChannelBusy as exc:
            return await self._defer(row, exc.delay, f"channel busy for {exc.delay:.1f} s")
        except RateLimitedError as exc:
            return await self._defer(row, exc.retry_after or 1.0, f"rate limited ({exc.scope}): {exc}")
        except UnauthorizedError as exc:
            self._pause_for_token(str(exc))
            return await self._defer(row, UNAUTHORIZED_PAUSE, str(exc))
        except TransientError as exc:
            return await self._retry_or_fail(row, str(exc), exc.retry_after, maybe_sent=exc.maybe_sent)
        except (RefusedError, GoneError, RejectedError) as exc:
            return await self._final(row, "failed", str(exc))
        return await self._sent(row, spec, payload, "channel", row.channel_id or 0, made)

    async def _sent(
        self,
        row: OutboxRow,
        spec: kinds.KindSpec,
        payload: dict[str, Any],
        via: TargetType,
        channel_id: int,
        message_id: int | None,
        note: str | None = None,
        *,
        locale: str | None = None,
    ) -> Outcome:
        async with self.db.transaction() as tx:
            await self.outbox.mark_sent(
                tx, row.id, now=self.clock.now(), message_id=message_id, via=via, channel_id=channel_id
            )
            sent = kinds.SentContext(tx, row, payload, channel_id, message_id, self.outbox, self.clock.now(), locale)
            if spec.on_sent is not None:
                await spec.on_sent(sent)
            if spec.kept_true is not None:
                for step in kinds.kept_true_post_sent_steps():
                    await step(sent)
        return Outcome(row.id, row.kind, "sent", via, channel_id, message_id, reason=note)

    async def _superseded(self, row: OutboxRow, spec: kinds.KindSpec, now: datetime) -> str | None:
        """Why a talk-bound row is pointless although its talk is unchanged: a later one of its kind is due too."""
        if not spec.talk_bound or row.talk_id is None:
            return None
        # After downtime several reminders of one talk fall due together: only the latest is worth sending.
        later = await self.db.fetchone(
            "SELECT id FROM outbox WHERE talk_id = ? AND kind = ? AND user_id IS ? AND id != ?"
            " AND due_at_ms > ? AND due_at_ms <= ? AND state IN ('pending', 'sending', 'sent') LIMIT 1",
            (row.talk_id, row.kind, row.user_id, row.id, to_ms(row.due_at), to_ms(now)),
        )
        if later is not None:
            return f"superseded by a later {row.kind} (outbox {later['id']})"
        return None

    async def _posted_before(self, row: OutboxRow, channel_id: int, body: dict[str, Any]) -> int | None:
        """A resend past the nonce window: the message id if an earlier attempt did post it after all."""
        self._note_first_send(row)
        if not row.maybe_sent or row.first_attempt_at is None:
            return None
        first = self._first_attempts.get(row.id)
        if first is not None and self.monotonic() - first <= NONCE_TRUST.total_seconds():
            return None  # first tried in this process less than NONCE_TRUST ago: Discord's nonce check covers it
        async for message in self._history_since(channel_id, row.first_attempt_at):
            if message.own and same_message(message.content, message.embeds, body):
                log.info("outbox %d: an earlier attempt posted it (message %d); not sending again", row.id, message.id)
                return message.id
        return None

    def _note_first_send(self, row: OutboxRow) -> None:
        """Remember (monotonic) when a row's nonce first went out in this process: its first attempt's POST."""
        mono = self.monotonic()
        # Insertion order is time order: the oldest are at the front; past NONCE_TRUST they answer nothing.
        while self._first_attempts:
            oldest = next(iter(self._first_attempts))
            if mono - self._first_attempts[oldest] <= NONCE_TRUST.total_seconds():
                break
            del self._first_attempts[oldest]
        # attempts == 1: no earlier attempt reached Discord (a deferral gives its attempt back, and a row a crash
        # left behind was claimed once already), so this POST is the nonce's first.
        if row.attempts == 1:
            self._first_attempts.setdefault(row.id, mono)

    async def _history_since(self, channel_id: int, first_attempt: datetime) -> AsyncIterator[PostedMessage]:
        """The channel's messages from a little before `first_attempt` on, at most HISTORY_PAGES pages of them.

        Any attempt since the first may have posted it: one page around the first attempt's instant (our clock and
        Discord's differ a little either way), then in turn a page forward from there and a page back from the
        newest message, until the two meet. In a channel too busy to read it all, both ends are read: the first
        attempt and the latest messages, where a post lost to a crash or a 5xx is.
        """
        since = snowflake_at(first_attempt - CLOCK_SKEW)
        page = await self.transport.channel_history(channel_id, around=snowflake_at(first_attempt),
                                                    limit=HISTORY_PAGE)
        pages = 1
        forward = max([since, *(m.id for m in page)])  # read up to here from the first attempt on
        backward: int | None = None  # read down to here from the newest (not by our clock: it may be off)
        forward_done = backward_done = not page  # around an instant comes back empty only in an empty channel
        while True:
            # Older than the first attempt (a week-old summary with the same text): not this row's.
            for message in page:
                if message.id >= since:
                    yield message
            met = backward is not None and forward >= backward
            if pages >= HISTORY_PAGES or met or (forward_done and backward_done):
                return  # the budget is spent, or the two ends met: everything between was read
            pages += 1
            if (pages % 2 == 0 and not forward_done) or backward_done:
                page = await self.transport.channel_history(channel_id, after=forward, limit=HISTORY_PAGE)
                forward = max([forward, *(m.id for m in page)])
                forward_done = len(page) < HISTORY_PAGE  # reached the newest message
            else:
                page = await self.transport.channel_history(channel_id, before=backward, limit=HISTORY_PAGE)
                backward = min([*(m.id for m in page), *([backward] if backward is not None else [])], default=0)
                backward_done = len(page) < HISTORY_PAGE or backward <= since

    async def _defer(self, row: OutboxRow, seconds: float, reason: str) -> Outcome:
        """Back to pending without using an attempt; it is due again in `seconds`."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await self.outbox.defer(tx, row.id, now=now, until=now + timedelta(seconds=seconds), reason=reason)
        return Outcome(row.id, row.kind, "deferred", reason=reason)

    def _pause_for_token(self, detail: str) -> None:
        """A 401: stop delivering (rows stay queued), say so loudly, try one row again later."""
        self._paused_until = time.monotonic() + UNAUTHORIZED_PAUSE
        self.pause_reason = "Discord refused the bot token (401): it was reset or revoked"
        if time.monotonic() - self._unauthorized_logged_at >= UNAUTHORIZED_LOG_EVERY:
            self._unauthorized_logged_at = time.monotonic()
            log.critical(
                "Discord refused the bot token (401: %s). Delivery is paused; nothing is lost. Put the new token "
                "from the Developer Portal in DISCORD_TOKEN and restart Podium.",
                detail,
            )

    async def _resolve(
        self,
        via: TargetType,
        row: OutboxRow,
        spec: kinds.KindSpec,
        user: UserPreferences | None,
        guild: GuildSettings | None,
        talk: Talk | None,
    ) -> int | None:
        """The channel id to post into for this target, creating a DM channel or thread if needed."""
        # For a thread target without a talk, channel_id is the thread itself, not a fallback channel.
        fallback_channel = None if row.target_type == "thread" and talk is None else row.channel_id
        announce = guild.announce_channel_id if guild is not None and spec.announce_fallback else None
        if via == "dm":
            if row.user_id is None:
                return None
            if user is not None and user.dm_channel_id:
                return user.dm_channel_id
            channel_id = await self.transport.open_dm(row.user_id)
            await self._remember_dm(row.user_id, channel_id)
            return channel_id
        if via == "thread":
            if talk is None:
                return row.channel_id  # a thread id given directly
            if not spec.announce_fallback:
                return None  # for one person only: not in the talk's thread, where everyone would read it
            parent = announce or fallback_channel
            return await self._talk_thread(talk, parent, row.guild_id)
        return fallback_channel or announce

    async def _talk_thread(self, talk: Talk, parent: int | None, guild_id: int | None) -> int | None:
        """The talk's thread: stored, else one a crash left behind, else a new one; one per talk, ever."""
        async with self._thread_locks(talk.id):
            row = await self.db.fetchone("SELECT thread_id FROM talks WHERE id = ?", (talk.id,))
            if row is not None and row["thread_id"]:
                return int(row["thread_id"])
            if parent is None:
                return None
            name = thread_name(talk)
            # Created by an attempt that crashed before storing it: reuse it rather than make a second.
            thread_id = await self.transport.find_thread(guild_id, parent, name) if guild_id else None
            if thread_id is None:
                thread_id = await self.transport.create_thread(parent, name)
            async with self.db.transaction() as tx:
                await tx.execute("UPDATE talks SET thread_id = ? WHERE id = ?", (thread_id, talk.id))
            return thread_id

    async def _forget_target(self, via: TargetType, row: OutboxRow, exc: Exception) -> None:
        """A cached DM channel or thread that is gone is forgotten, so the next message makes a new one."""
        if not isinstance(exc, GoneError):
            return
        async with self.db.transaction() as tx:
            if via == "dm" and row.user_id is not None:
                await tx.execute("UPDATE users SET dm_channel_id = NULL WHERE user_id = ?", (row.user_id,))
            elif via == "thread" and row.talk_id is not None:
                await tx.execute("UPDATE talks SET thread_id = NULL WHERE id = ?", (row.talk_id,))

    async def _retry_or_fail(
        self, row: OutboxRow, error: str, retry_after: float | None, *, maybe_sent: bool = False
    ) -> Outcome:
        if row.attempts >= MAX_ATTEMPTS:
            return await self._final(row, "failed", f"gave up after {row.attempts} attempts: {error}")
        now = self.clock.now()
        delay = backoff_delay(row.attempts, self.retry_base_seconds, self.rng, retry_after)
        async with self.db.transaction() as tx:
            await self.outbox.mark_retry(
                tx, row.id, now=now, retry_at=now + timedelta(seconds=delay), error=error, maybe_sent=maybe_sent
            )
        return Outcome(row.id, row.kind, "retry", reason=f"{error} (next try in {delay:.1f} s)")

    async def _final(self, row: OutboxRow, state: str, reason: str) -> Outcome:
        now = self.clock.now()
        async with self.db.transaction() as tx:
            ended = await self.outbox.mark_final(tx, row.id, state, now=now, reason=reason)  # type: ignore[arg-type]
            if state == "failed" and row.kind != "log" and row.guild_id is not None:
                await self._report_failure(tx, row, reason, now)
            spec = kinds.find(row.kind)
            if ended and state in ("skipped", "failed") and spec is not None and spec.on_undelivered is not None:
                # With the row's end, in its transaction: what waited on this person does not wait any more.
                await spec.on_undelivered(kinds.UndeliveredContext(tx, row, state, reason, self.outbox, now))
        return Outcome(row.id, row.kind, state, reason=reason)

    async def _report_failure(self, tx: Any, row: OutboxRow, reason: str, now: datetime) -> None:
        """A line in the guild's log channel, queued with the failure itself."""
        guild = await tx.fetchone("SELECT log_channel_id FROM guild_settings WHERE guild_id = ?", (row.guild_id,))
        if guild is None or guild["log_channel_id"] is None:
            return
        previous = await tx.fetchone(
            "SELECT state FROM outbox WHERE guild_id = ? AND kind = ? AND id < ? AND user_id IS ? AND channel_id IS ?"
            " AND state IN ('sent', 'failed') ORDER BY id DESC LIMIT 1",
            (row.guild_id, row.kind, row.id, row.user_id, row.channel_id),
        )
        if previous is not None and previous["state"] == "failed":
            # Already reported for this target; the log channel hears again once it has worked in between.
            return
        target = f"<@{row.user_id}>" if row.user_id else f"<#{row.channel_id}>" if row.channel_id else "?"
        await self.outbox.enqueue(
            tx,
            OutboxMessage(
                kind="log",
                dedupe_key=f"log:failed:{row.id}",
                due_at=now,
                target_type="channel",
                guild_id=row.guild_id,
                channel_id=guild["log_channel_id"],
                # Data, not text: the line is written in the guild's language when it is sent. The reason is the
                # operator's diagnostic (Discord's answer), not translated.
                payload={"failed_kind": row.kind, "row_id": row.id, "target": target, "reason": reason[:1800]},
            ),
            now=now,
        )

    async def _remember_dm(self, user_id: int, channel_id: int) -> None:
        # Only while a message to them is queued: after /opt-out forget-me nothing about them is written again.
        async with self.db.transaction() as tx:
            await remember_dm_channel(tx, user_id, channel_id, self.clock.now())


def thread_name(talk: Talk) -> str:
    """The talk's thread name; the id keeps two talks with one topic apart when a lost thread is looked for."""
    return f"Talk {talk.id}: {talk.topic}"[:100]
