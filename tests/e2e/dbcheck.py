"""Read the bot's database from the test process (WAL lets us read while the bot writes)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from db import Database
from podium.delivery.outbox import Outbox, OutboxMessage
from tests import factories
from tests.fake_discord import GENERAL_CHANNEL_ID, GUILD_ID, MEMBER_ID
from tests.waiting import eventually


def query(path: Path, sql: str, *params: Any) -> list[dict[str, Any]]:
    """All rows of a query, as dicts."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def execute(path: Path, sql: str, *params: Any) -> None:
    """One write, committed (test setup)."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(sql, params)
    finally:
        conn.close()


def outbox_row(path: Path, row_id: int) -> dict[str, Any]:
    """One outbox row."""
    [row] = query(path, "SELECT * FROM outbox WHERE id = ?", row_id)
    return row


async def wait_for_state(path: Path, row_id: int, state: str, within: float = 10.0) -> dict[str, Any]:
    """Wait until an outbox row reaches `state`; the row."""

    def reached() -> dict[str, Any] | None:
        row = outbox_row(path, row_id)
        return row if row["state"] == state else None

    row: dict[str, Any] | None = await eventually(reached, what=f"outbox row {row_id} is {state}", timeout=within)
    assert row is not None
    return row


def now() -> datetime:
    """The real time now (the bot's clock, unless a test moves it)."""
    return datetime.now(UTC)


async def queue(db_path: Path, *messages: OutboxMessage | Callable[[int | None, datetime | None], OutboxMessage],
                guild_announce: int | None = None, talk_starts_in: timedelta | None = None) -> list[int | None]:
    """Write rows (and optionally guild settings and a talk) the way the bot's own code does."""
    db = await Database.open(db_path)
    try:
        outbox = Outbox(db)
        if guild_announce is not None:
            await factories.add_guild(db, GUILD_ID, announce_channel_id=guild_announce)
        talk_id, talk_start = None, None
        if talk_starts_in is not None:
            talk_start = now() + talk_starts_in
            talk_id = await factories.add_talk(db, guild_id=GUILD_ID, speaker_id=MEMBER_ID, topic="Rust @everyone",
                                               starts_at=talk_start)
        async with db.transaction() as tx:
            ids = []
            for message in messages:
                built = message(talk_id, talk_start) if callable(message) else message
                ids.append(await outbox.enqueue(tx, built, now=now()))
        return ids
    finally:
        await db.close()


def channel_message(key: str, due: datetime, channel_id: int = GENERAL_CHANNEL_ID,
                    text: str = "hello") -> OutboxMessage:
    """A test row for a channel message, due at `due`."""
    return OutboxMessage(
        kind="test",
        dedupe_key=key,
        due_at=due,
        target_type="channel",
        guild_id=GUILD_ID,
        channel_id=channel_id,
        payload={"text": text},
    )
