"""Read the bot's database from the test process (WAL lets us read while the bot writes)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

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

    return await eventually(reached, what=f"outbox row {row_id} is {state}", timeout=within)
