"""The transactional outbox: the only module that writes the `outbox` table.

Callers pass the open Transaction of the change that causes a message, so the change and its
message commit together. Enqueueing wakes the dispatcher after the commit.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from db import Database, Transaction
from podium import privacy
from podium.clock import from_ms, to_ms
from podium.delivery.kinds import get as kind_spec
from podium.preferences import Via

# Its name from before the engine moved into podium/delivery/: operators filter the log on it (README, "Logs").
log = logging.getLogger("podium.outbox")


async def _forget_mentions(tx: Transaction, user_id: int) -> int:
    """Other people's messages that name the member (who moved a talk, who is pinged, a failed delivery to them).

    Finished ones are history and go; queued ones still go out, with the member's id replaced (nobody is pinged
    or named in their place). Messages about a talk the member gives keep naming its speaker.
    """
    needle = str(user_id)
    rows = await tx.fetchall(
        "SELECT id, state, payload, dedupe_key FROM outbox"
        " WHERE (instr(payload, :needle) OR instr(dedupe_key, :needle))"
        " AND (talk_id IS NULL OR talk_id NOT IN (SELECT id FROM talks WHERE speaker_id = :user))",
        {"needle": needle, "user": user_id},
    )
    changed = 0
    for row in rows:
        if row["state"] in FINAL_STATES:
            await tx.execute("DELETE FROM outbox WHERE id = ?", (row["id"],))
        else:
            await tx.execute(
                "UPDATE outbox SET payload = ?, dedupe_key = ? WHERE id = ?",
                (privacy.json_without_user(row["payload"], user_id),
                 row["dedupe_key"].replace(needle, f"forgotten{row['id']}"), row["id"]),
            )
        changed += 1
    return changed


# Every message to the member goes, in any state: queued ones, and sent ones (their DM channel, their talks).
privacy.holds_user_ids("outbox", "user_id", forget="delete_row", why="messages to the member, queued or sent")
privacy.holds_user_ids("outbox", "payload", forget="anonymise", forgetter=_forget_mentions,
                       why="other people's messages that name the member")
privacy.holds_no_user_ids(
    "outbox", "id", "kind", "guild_id", "target_type", "channel_id", "talk_id", "due_at_ms", "expires_at_ms", "state",
    "attempts", "next_attempt_at_ms", "last_error", "dedupe_key", "delivered_via", "delivered_channel_id",
    "message_id", "created_at_ms", "updated_at_ms", "sent_at_ms", "first_attempt_at_ms", "maybe_sent", "talk_start_ms",
    # A dedupe key or a DM channel names a member only in their own rows (user_id set): those go with it.
    why="what a message is, where and when it goes: a member's DM channel or key only in rows deleted with them",
)

# Where a message goes: the same three places a person can choose for their reminders.
TargetType = Via
State = Literal["pending", "sending", "sent", "failed", "skipped", "expired", "cancelled"]
FINAL_STATES: tuple[State, ...] = ("sent", "failed", "skipped", "expired", "cancelled")
# The fair claim order considers this many due rows per free delivery slot.
CLAIM_CANDIDATES_PER_SLOT = 10



@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A proactive message to queue: what, for whom, where, and when."""

    kind: str
    dedupe_key: str
    due_at: datetime
    target_type: TargetType
    guild_id: int | None = None
    user_id: int | None = None
    channel_id: int | None = None
    talk_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None
    # Talk-bound messages: the talk's start they were planned for (sending checks it still is).
    talk_start: datetime | None = None

    def __post_init__(self) -> None:
        spec = kind_spec(self.kind)  # ValueError for an unknown kind
        if spec.talk_bound and (self.talk_id is None or self.talk_start is None):
            raise ValueError(f"a {self.kind} is bound to a talk: it needs talk_id and talk_start")
        if self.target_type == "dm" and self.user_id is None:
            raise ValueError("a DM needs a user_id")
        if self.target_type in ("thread", "channel") and self.channel_id is None and self.guild_id is None:
            raise ValueError("a channel or thread message needs a channel_id or a guild_id to find one")
        if not 1 <= len(self.dedupe_key) <= 200:
            raise ValueError("dedupe_key must be 1-200 characters")


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A row as the dispatcher sees it."""

    id: int
    kind: str
    guild_id: int | None
    target_type: TargetType
    user_id: int | None
    channel_id: int | None
    talk_id: int | None
    payload: dict[str, Any]
    due_at: datetime
    expires_at: datetime | None
    state: State
    attempts: int
    dedupe_key: str
    first_attempt_at: datetime | None = None
    maybe_sent: bool = False
    talk_start: datetime | None = None

    @property
    def nonce(self) -> str:
        """The Discord nonce of every send of this row: a retry after a crash is recognised, not re-posted."""
        # Row ids are AUTOINCREMENT, never reused, so the nonce is unique per message (Discord: <= 25 chars).
        return f"podium-{self.id}"

    @classmethod
    def from_db(cls, row: sqlite3.Row) -> OutboxRow:
        """Build from a SELECT * row."""
        payload = parse_payload(row["payload"])
        return cls(
            id=row["id"],
            kind=row["kind"],
            guild_id=row["guild_id"],
            target_type=row["target_type"],
            user_id=row["user_id"],
            channel_id=row["channel_id"],
            talk_id=row["talk_id"],
            payload=payload,
            due_at=from_ms(row["due_at_ms"]),
            expires_at=from_ms(row["expires_at_ms"]) if row["expires_at_ms"] is not None else None,
            state=row["state"],
            attempts=row["attempts"],
            dedupe_key=row["dedupe_key"],
            first_attempt_at=_maybe_time(row["first_attempt_at_ms"]),
            maybe_sent=bool(row["maybe_sent"]),
            talk_start=_maybe_time(row["talk_start_ms"]),
        )


def target_key(row: sqlite3.Row) -> tuple[object, ...]:
    """Which queue a row waits in for fairness: its person, channel or thread (as in the claim's SQL)."""
    if row["target_type"] == "dm":
        # A DM goes to its recipient, whatever talk it is about: 100 reminders of one talk are 100 targets.
        return ("dm", row["user_id"])
    for column in ("channel_id", "talk_id", "user_id", "guild_id"):
        if row[column] is not None:
            return (row["target_type"], row[column])
    return (row["target_type"], None)


def fair_order(rows: Sequence[sqlite3.Row]) -> list[sqlite3.Row]:
    """Earliest first, one row per target per round (the order the claim chose them in)."""
    seen: dict[tuple[object, ...], int] = {}
    ranked = []
    for row in sorted(rows, key=lambda r: (r["next_attempt_at_ms"], r["id"])):
        key = target_key(row)
        seen[key] = seen.get(key, 0) + 1
        ranked.append((seen[key], row["next_attempt_at_ms"], row["id"], row))
    return [item[-1] for item in sorted(ranked, key=lambda item: item[:3])]


def _maybe_time(ms: int | None) -> datetime | None:
    return from_ms(ms) if ms is not None else None


# One short range scan of the due index (outbox_due), however long the queue; then one row per target a round.
_CLAIM = """
    UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at_ms = ?,
                      first_attempt_at_ms = coalesce(first_attempt_at_ms, ?)
    WHERE id IN (
        SELECT id FROM (
            SELECT id, next_attempt_at_ms, row_number() OVER (
                PARTITION BY target_type, CASE target_type WHEN 'dm' THEN user_id
                                           ELSE coalesce(channel_id, talk_id, user_id, guild_id) END
                ORDER BY next_attempt_at_ms, id
            ) AS round
            FROM (
                SELECT id, target_type, channel_id, talk_id, user_id, guild_id, next_attempt_at_ms
                FROM outbox WHERE state = 'pending' AND next_attempt_at_ms <= ?
                ORDER BY next_attempt_at_ms LIMIT ?
            )
        )
        ORDER BY round, next_attempt_at_ms, id LIMIT ?
    )
    RETURNING *
"""


_UPSERT = """
    INSERT INTO outbox (kind, guild_id, target_type, user_id, channel_id, talk_id, payload,
                        due_at_ms, expires_at_ms, next_attempt_at_ms, dedupe_key,
                        created_at_ms, updated_at_ms, talk_start_ms)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (dedupe_key) DO UPDATE SET
        kind = excluded.kind, guild_id = excluded.guild_id, target_type = excluded.target_type,
        user_id = excluded.user_id, channel_id = excluded.channel_id, talk_id = excluded.talk_id,
        payload = excluded.payload, due_at_ms = excluded.due_at_ms,
        expires_at_ms = excluded.expires_at_ms, next_attempt_at_ms = excluded.next_attempt_at_ms,
        talk_start_ms = excluded.talk_start_ms, first_attempt_at_ms = NULL, maybe_sent = 0,
        attempts = 0, last_error = NULL, updated_at_ms = excluded.updated_at_ms, state = 'pending'
    -- A message already sent (or given up) stays as it is: re-planning never re-sends;
    -- a cancelled one comes back (a talk moved back to its old time).
    WHERE outbox.state IN ('pending', 'cancelled')
"""


@dataclass(frozen=True, slots=True)
class PlanQuery:
    """Messages of one kind to queue, as a SELECT that SQLite runs: a plan of thousands never passes through Python.

    `sql` is a SELECT giving the columns of PLAN_COLUMNS (and any others, e.g. to sort by) with named `params`;
    payload as compact JSON with sorted keys (what `json.dumps` writes for OutboxMessage), expires_at_ms given
    (the kind's expiry rule, in SQL). The outbox validates its rows as it validates an OutboxMessage.
    """

    kind: str
    sql: str
    params: dict[str, Any]


PLAN_COLUMNS = ("guild_id", "target_type", "user_id", "channel_id", "talk_id", "payload", "due_at_ms",
                "expires_at_ms", "dedupe_key", "talk_start_ms")

# OutboxMessage.__post_init__ in SQL, for a PlanQuery's rows.
_VALID_ROW = """
    target_type IN ('dm', 'thread', 'channel')
    AND (target_type != 'dm' OR user_id IS NOT NULL)
    AND (target_type = 'dm' OR channel_id IS NOT NULL OR guild_id IS NOT NULL)
    AND length(dedupe_key) BETWEEN 1 AND 200
    AND due_at_ms IS NOT NULL
    AND CASE WHEN json_valid(payload) THEN json_type(payload) = 'object' ELSE 0 END  -- json_type raises on bad JSON
"""

_INSERT_SELECTED = f"""
    INSERT INTO outbox (kind, guild_id, target_type, user_id, channel_id, talk_id, payload,
                        due_at_ms, expires_at_ms, next_attempt_at_ms, dedupe_key,
                        created_at_ms, updated_at_ms, talk_start_ms)
    SELECT :plan_kind, guild_id, target_type, user_id, channel_id, talk_id, payload,
           due_at_ms, expires_at_ms, due_at_ms, dedupe_key, :plan_now_ms, :plan_now_ms, talk_start_ms
    FROM ({{select}})
    WHERE true  -- SQLite's parser needs a WHERE between INSERT ... SELECT and ON CONFLICT
    {_UPSERT[_UPSERT.index("ON CONFLICT"):]}
"""


def _upsert_values(message: OutboxMessage, now: datetime) -> tuple[object, ...]:
    """The parameters of _UPSERT for one message (its expiry from the kind's rule unless given)."""
    now_ms = to_ms(now)
    due_ms = to_ms(message.due_at)
    expiry = kind_spec(message.kind).expiry
    expires_at = message.expires_at or (expiry(message) if expiry is not None else None)
    return (
        message.kind,
        message.guild_id,
        message.target_type,
        message.user_id,
        message.channel_id,
        message.talk_id,
        json.dumps(message.payload, separators=(",", ":"), sort_keys=True),
        due_ms,
        to_ms(expires_at) if expires_at else None,
        due_ms,
        message.dedupe_key,
        now_ms,
        now_ms,
        to_ms(message.talk_start) if message.talk_start else None,
    )


def parse_payload(text: Any) -> dict[str, Any]:
    """A stored payload as a dict; one that is not a JSON object is kept as `_malformed` (it fails when rendered)."""
    try:
        payload = json.loads(text)
    except (TypeError, ValueError):
        return {"_malformed": text}
    return payload if isinstance(payload, dict) else {"_malformed": text}


class Outbox:
    """Queue operations plus the wake-up signal the dispatcher sleeps on."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # Set (after commit) whenever a row is queued or re-timed; the dispatcher then re-reads
        # the earliest due time instead of sleeping through it.
        self.wake = asyncio.Event()

    # -- writing, inside the caller's transaction --------------------------------------------

    async def enqueue(self, tx: Transaction, message: OutboxMessage, *, now: datetime) -> int | None:
        """Queue a message; re-queueing a pending dedupe_key re-plans it. Returns the row id (None if final)."""
        row = await tx.fetchone(_UPSERT + " RETURNING id", _upsert_values(message, now))
        if row is None:
            return None
        tx.on_commit(self.wake.set)
        return int(row["id"])

    async def enqueue_many(self, tx: Transaction, messages: Sequence[OutboxMessage], *, now: datetime) -> None:
        """`enqueue` for many messages in one statement: a talk with thousands of attendees plans in milliseconds."""
        if not messages:
            return
        # One executemany is one hop to the database thread instead of one per row (~0.2 ms each).
        await tx.executemany(_UPSERT, [_upsert_values(m, now) for m in messages])
        tx.on_commit(self.wake.set)

    async def enqueue_query(
        self, tx: Transaction, plan: PlanQuery, *, now: datetime, talk_id: int | None = None,
        user_id: int | Literal["any"] | None = "any",
    ) -> int:
        """`enqueue_many` for the rows of a SELECT, run in SQLite (the event loop builds none of them); how many.

        Every row is validated first (ValueError, nothing written): the kind's rules, and, when given, that it
        is of this talk and addressed to this person (None: to nobody).
        """
        spec = kind_spec(plan.kind)  # ValueError for an unknown kind
        if {"plan_kind", "plan_now_ms", "plan_talk_id", "plan_user_id"} & plan.params.keys():
            raise ValueError("a PlanQuery's params must not use the outbox's own names (plan_...)")
        checks = [_VALID_ROW]
        if spec.talk_bound:
            checks.append("talk_id IS NOT NULL AND talk_start_ms IS NOT NULL")
        if spec.expiry is not None:
            checks.append("expires_at_ms IS NOT NULL")  # the kind's rule, which the SELECT must apply itself
        if talk_id is not None:
            checks.append("talk_id = :plan_talk_id")
        if user_id != "any":
            checks.append("user_id IS :plan_user_id")
        params = {**plan.params, "plan_kind": plan.kind, "plan_now_ms": to_ms(now), "plan_talk_id": talk_id,
                  "plan_user_id": None if user_id == "any" else user_id}
        bad = await tx.fetchone(
            f"SELECT dedupe_key FROM ({plan.sql}) WHERE NOT coalesce({' AND '.join(checks)}, 0) LIMIT 1", params
        )
        if bad is not None:
            raise ValueError(f"{plan.kind}: the planned row {bad['dedupe_key']!r} is not a valid message")
        cursor = await tx.execute(_INSERT_SELECTED.format(select=plan.sql), params)
        tx.on_commit(self.wake.set)
        return cursor.rowcount

    async def replace_for_talk(
        self,
        tx: Transaction,
        talk_id: int,
        kinds: Iterable[str],
        messages: Sequence[OutboxMessage] | PlanQuery,
        *,
        now: datetime,
    ) -> None:
        """Make the talk's pending rows of `kinds` exactly `messages`: others are cancelled, these (re)queued."""
        kinds = tuple(kinds)
        # Cancel them all, then queue the plan: a key planned again comes back to 'pending' (same row, same id)
        # in this same transaction. Unlike `NOT IN (keys...)` this works for any number of rows.
        await tx.execute(
            f"""
            UPDATE outbox SET state = 'cancelled', last_error = 'replanned', updated_at_ms = ?
            WHERE talk_id = ? AND state = 'pending' AND kind IN ({",".join("?" * len(kinds))})
            """,
            (to_ms(now), talk_id, *kinds),
        )
        if isinstance(messages, PlanQuery):
            if messages.kind not in kinds:
                raise ValueError("replace_for_talk: the plan must be of these kinds")
            await self.enqueue_query(tx, messages, now=now, talk_id=talk_id)
        else:
            await self.enqueue_many(tx, messages, now=now)

    async def replace_for_talk_user(
        self,
        tx: Transaction,
        talk_id: int,
        kinds: Iterable[str],
        user_id: int | None,
        messages: Sequence[OutboxMessage] | PlanQuery,
        *,
        now: datetime,
    ) -> None:
        """`replace_for_talk` for the talk's rows addressed to one person (None: the rows addressed to nobody)."""
        kinds = tuple(kinds)
        if isinstance(messages, PlanQuery):
            if messages.kind not in kinds:
                raise ValueError("replace_for_talk_user: the plan must be of these kinds")
        elif any(m.talk_id != talk_id or m.user_id != user_id or m.kind not in kinds for m in messages):
            raise ValueError("replace_for_talk_user: every message must be of this talk, person and kinds")
        await tx.execute(
            f"""
            UPDATE outbox SET state = 'cancelled', last_error = 'replanned', updated_at_ms = ?
            WHERE talk_id = ? AND user_id IS ? AND state = 'pending' AND kind IN ({",".join("?" * len(kinds))})
            """,
            (to_ms(now), talk_id, user_id, *kinds),
        )
        if isinstance(messages, PlanQuery):
            await self.enqueue_query(tx, messages, now=now, talk_id=talk_id, user_id=user_id)
        else:
            await self.enqueue_many(tx, messages, now=now)

    async def cancel_pending(
        self,
        tx: Transaction,
        *,
        now: datetime,
        reason: str,
        talk_id: int | None = None,
        user_id: int | None = None,
        guild_id: int | None = None,
        kinds: Iterable[str] | None = None,
    ) -> int:
        """Cancel pending rows of a talk, a user and/or a guild (optionally of some kinds); returns how many."""
        if talk_id is None and user_id is None and guild_id is None:
            raise ValueError("cancel_pending needs a talk_id, a user_id or a guild_id")
        where = ["state = 'pending'"]
        params: list[Any] = [to_ms(now), reason]
        if talk_id is not None:
            where.append("talk_id = ?")
            params.append(talk_id)
        if user_id is not None:
            where.append("user_id = ?")
            params.append(user_id)
        if guild_id is not None:
            where.append("guild_id = ?")
            params.append(guild_id)
        if kinds is not None:
            kinds = tuple(kinds)
            where.append(f"kind IN ({','.join('?' * len(kinds))})")
            params.extend(kinds)
        cursor = await tx.execute(
            f"UPDATE outbox SET state = 'cancelled', updated_at_ms = ?, last_error = ? WHERE {' AND '.join(where)}",
            params,
        )
        return cursor.rowcount

    async def cancel_keys(self, tx: Transaction, dedupe_keys: Sequence[str], *, now: datetime, reason: str) -> int:
        """Cancel the pending rows with these dedupe keys."""
        if not dedupe_keys:
            return 0
        cursor = await tx.execute(
            f"UPDATE outbox SET state = 'cancelled', last_error = ?, updated_at_ms = ?"
            f" WHERE state = 'pending' AND dedupe_key IN ({','.join('?' * len(dedupe_keys))})",
            (reason, to_ms(now), *dedupe_keys),
        )
        return cursor.rowcount

    async def cancel_row(self, tx: Transaction, row_id: int, *, user_id: int, kind: str, now: datetime) -> bool:
        """Cancel one pending row of this kind addressed to this user (a person deleting their reminder)."""
        cursor = await tx.execute(
            "UPDATE outbox SET state = 'cancelled', last_error = 'deleted by the user', updated_at_ms = ?"
            " WHERE id = ? AND user_id = ? AND kind = ? AND state = 'pending'",
            (to_ms(now), row_id, user_id, kind),
        )
        return cursor.rowcount == 1

    async def prune_finished(self, tx: Transaction, *, before: datetime) -> int:
        """Delete rows that reached a final state before `before` (pending and in-flight rows are never touched)."""
        cursor = await tx.execute(
            f"DELETE FROM outbox WHERE state IN ({','.join('?' * len(FINAL_STATES))}) AND updated_at_ms < ?",
            (*FINAL_STATES, to_ms(before)),
        )
        return cursor.rowcount

    async def row(self, row_id: int) -> OutboxRow | None:
        """One row by id, in any state."""
        found = await self.db.fetchone("SELECT * FROM outbox WHERE id = ?", (row_id,))
        return OutboxRow.from_db(found) if found is not None else None

    async def pending_for_user(self, user_id: int, kinds: Iterable[str]) -> list[OutboxRow]:
        """A user's pending rows of these kinds, soonest first."""
        kinds = tuple(kinds)
        rows = await self.db.fetchall(
            f"SELECT * FROM outbox WHERE user_id = ? AND state = 'pending' AND kind IN ({','.join('?' * len(kinds))})"
            " ORDER BY due_at_ms, id",
            (user_id, *kinds),
        )
        return [OutboxRow.from_db(r) for r in rows]

    # -- the dispatcher's side ---------------------------------------------------------------

    async def claim_due(self, now: datetime, limit: int) -> list[OutboxRow]:
        """Move up to `limit` due pending rows to 'sending' (attempts + 1), in a fair order.

        Earliest first, but one message per target (person, channel, thread) per round: a burst to one busy
        channel does not take the global request budget ahead of DMs due at the same instant. The fairness
        looks at the earliest CLAIM_CANDIDATES_PER_SLOT x `limit` due rows, so the claim stays one short range
        scan of the due index however long the queue is.
        """
        now_ms = to_ms(now)
        async with self.db.transaction() as tx:
            rows = await tx.fetchall(
                _CLAIM,
                (now_ms, now_ms, now_ms, limit * CLAIM_CANDIDATES_PER_SLOT, limit),
            )
        return [OutboxRow.from_db(r) for r in fair_order(rows)]

    async def next_due(self) -> datetime | None:
        """When the earliest pending row is due (None if nothing is pending)."""
        row = await self.db.fetchone("SELECT min(next_attempt_at_ms) AS due FROM outbox WHERE state = 'pending'")
        return from_ms(row["due"]) if row and row["due"] is not None else None

    async def recover_in_flight(self, now: datetime, *, in_flight: Iterable[int] = ()) -> int:
        """At start: rows a crash left in 'sending' go back to pending, due now, marked as maybe sent.

        `in_flight`: rows this process is delivering right now, which stay as they are (they are not left behind).
        """
        keep = tuple(in_flight)
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE outbox SET state = 'pending', next_attempt_at_ms = ?, updated_at_ms = ?, maybe_sent = 1"
                f" WHERE state = 'sending' AND id NOT IN ({','.join('?' * len(keep))})",
                (to_ms(now), to_ms(now), *keep),
            )
        return cursor.rowcount

    async def sweep_stale_sending(self, now: datetime, *, older_than: datetime, in_flight: Iterable[int]) -> int:
        """Rows stuck in 'sending' that no delivery is working on (its bookkeeping failed) go back to pending."""
        keep = tuple(in_flight)
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE outbox SET state = 'pending', next_attempt_at_ms = ?, updated_at_ms = ?, maybe_sent = 1,"
                " last_error = 'returned by the sweep: its delivery did not finish'"
                f" WHERE state = 'sending' AND updated_at_ms < ? AND id NOT IN ({','.join('?' * len(keep))})",
                (to_ms(now), to_ms(now), to_ms(older_than), *keep),
            )
            if cursor.rowcount:
                tx.on_commit(self.wake.set)
        return cursor.rowcount

    async def mark_sent(
        self, tx: Transaction, row_id: int, *, now: datetime, message_id: int | None, via: TargetType, channel_id: int
    ) -> None:
        """The send succeeded: record where it went (no message id for a kind that acts instead of posting)."""
        await tx.execute(
            """
            UPDATE outbox SET state = 'sent', message_id = ?, delivered_via = ?, delivered_channel_id = ?,
                              sent_at_ms = ?, updated_at_ms = ?, last_error = NULL
            WHERE id = ? AND state = 'sending'
            """,
            (message_id, via, channel_id, to_ms(now), to_ms(now), row_id),
        )

    async def note_shown(self, tx: Transaction, row_id: int, talk_ids: Sequence[int]) -> None:
        """Keep with a sent post which talks it shows (a weekly summary): a change of one of them edits the post."""
        await self.note(tx, row_id, "shown", talk_ids)

    async def note(self, tx: Transaction, row_id: int, key: str, ids: Sequence[int]) -> None:
        """Keep ids with a sent post under `key` of its payload (which talks or evenings it shows).

        The features that later find the post by them name the key; the engine knows none of them.
        """
        if not key.isidentifier():
            raise ValueError(f"not a payload key: {key!r}")
        await tx.execute("UPDATE outbox SET payload = json_set(payload, ?, json(?)) WHERE id = ?",
                         (f"$.{key}", json.dumps(list(ids)), row_id))

    async def mark_retry(
        self, tx: Transaction, row_id: int, *, now: datetime, retry_at: datetime, error: str, maybe_sent: bool = False
    ) -> None:
        """A transient failure: try again at `retry_at` (`maybe_sent`: the attempt may have reached Discord)."""
        await tx.execute(
            """
            UPDATE outbox SET state = 'pending', next_attempt_at_ms = ?, last_error = ?, updated_at_ms = ?,
                              maybe_sent = max(maybe_sent, ?)
            WHERE id = ? AND state = 'sending'
            """,
            (to_ms(retry_at), error[:500], to_ms(now), int(maybe_sent), row_id),
        )
        tx.on_commit(self.wake.set)

    async def defer(self, tx: Transaction, row_id: int, *, now: datetime, until: datetime, reason: str) -> None:
        """Not sent and not failed (its channel is full, Discord asked us to wait): back to pending, no attempt used."""
        await tx.execute(
            """
            UPDATE outbox SET state = 'pending', next_attempt_at_ms = ?, attempts = max(0, attempts - 1),
                              last_error = ?, updated_at_ms = ?
            WHERE id = ? AND state = 'sending'
            """,
            (to_ms(until), reason[:500], to_ms(now), row_id),
        )
        tx.on_commit(self.wake.set)

    async def mark_final(self, tx: Transaction, row_id: int, state: State, *, now: datetime, reason: str) -> bool:
        """End a row that will not be sent: failed, skipped, expired or cancelled, with the reason.

        False when it was no longer being sent (cancelled meanwhile): nothing was recorded.
        """
        if state not in FINAL_STATES or state == "sent":
            raise ValueError(f"{state!r} is not a final state for an unsent row")
        cursor = await tx.execute(
            "UPDATE outbox SET state = ?, last_error = ?, updated_at_ms = ? WHERE id = ? AND state = 'sending'",
            (state, reason[:500], to_ms(now), row_id),
        )
        return cursor.rowcount == 1

    async def counts_by_state(self) -> dict[str, int]:
        """How many rows are in each state."""
        rows = await self.db.fetchall("SELECT state, count(*) AS n FROM outbox GROUP BY state")
        return {r["state"]: r["n"] for r in rows}
