"""Test data, made one way: talks, guild settings and people with sensible defaults (override what matters).

The async helpers write through a Database (unit tests); the `*_row` helpers write with plain sqlite3 into a file
another process uses (end-to-end tests, benchmarks). Both use the same defaults.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from db import Database, Transaction
from podium.clock import to_ms
from podium.preferences import update_guild, update_user
from podium.talk_model import Talk

GUILD = 810000000000000000
SPEAKER = 42
DEFAULT_START = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)


def talk(**fields: Any) -> Talk:
    """A Talk value (not stored): defaults for every field, `fields` override."""
    values: dict[str, Any] = {
        "id": 7,
        "guild_id": GUILD,
        "speaker_id": SPEAKER,
        "topic": "Intro to Rust",
        "starts_at": DEFAULT_START,
        "duration_minutes": 30,
        "state": "scheduled",
        "announced": False,
        "created_by": SPEAKER,
        "updated_by": SPEAKER,
        "updated_at": DEFAULT_START - timedelta(days=1),
    }
    values.update(fields)
    return Talk(**values)


def _talk_values(fields: dict[str, Any]) -> dict[str, Any]:
    starts_at = fields.pop("starts_at", DEFAULT_START)
    speaker = fields.pop("speaker_id", SPEAKER)
    values = {
        "guild_id": GUILD,
        "speaker_id": speaker,
        "topic": "Intro to Rust",
        "starts_at_ms": to_ms(starts_at),
        "duration_minutes": 30,
        "state": "scheduled",
        "created_by": speaker,
        "updated_by": speaker,
        "created_at_ms": 0,
        "updated_at_ms": 0,
    }
    values.update(fields)
    return values


def _insert_sql(table: str, values: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
    names = ", ".join(values)
    marks = ", ".join("?" * len(values))
    return f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(values.values())


async def add_talk(source: Database | Transaction, **fields: Any) -> int:
    """Store a talk row as it is (no hooks, no reminders planned); returns its id."""
    sql, params = _insert_sql("talks", _talk_values(fields))
    if isinstance(source, Transaction):
        return int((await source.execute(sql, params)).lastrowid or 0)
    async with source.transaction() as tx:
        return int((await tx.execute(sql, params)).lastrowid or 0)


async def add_guild(db: Database, guild_id: int = GUILD, **columns: Any) -> None:
    """Store guild settings (`announce_channel_id=...` and so on)."""
    async with db.transaction() as tx:
        await update_guild(tx, guild_id, datetime.now(UTC), **columns)


async def add_user(db: Database, user_id: int = SPEAKER, **columns: Any) -> None:
    """Store a person's preferences (`timezone=...`, `opt_out_dms=1` and so on)."""
    async with db.transaction() as tx:
        await update_user(tx, user_id, datetime.now(UTC), **columns)


def add_talk_row(path: Path, **fields: Any) -> int:
    """`add_talk` into a database file another process uses."""
    sql, params = _insert_sql("talks", _talk_values(fields))
    return _write(path, sql, params)


def add_guild_row(path: Path, guild_id: int = GUILD, **columns: Any) -> None:
    """`add_guild` into a database file another process uses."""
    sql, params = _insert_sql(
        "guild_settings", {"guild_id": guild_id, "created_at_ms": 0, "updated_at_ms": 0, **columns}
    )
    _write(path, sql.replace("INSERT", "INSERT OR REPLACE", 1), params)


def add_user_row(path: Path, user_id: int = SPEAKER, **columns: Any) -> None:
    """`add_user` into a database file another process uses."""
    sql, params = _insert_sql("users", {"user_id": user_id, "created_at_ms": 0, "updated_at_ms": 0, **columns})
    _write(path, sql.replace("INSERT", "INSERT OR REPLACE", 1), params)


def _write(path: Path, sql: str, params: tuple[Any, ...]) -> int:
    conn = sqlite3.connect(path, timeout=10)
    try:
        with conn:
            return int(conn.execute(sql, params).lastrowid or 0)
    finally:
        conn.close()
