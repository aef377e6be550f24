"""The two outbox queries of issue 19 §7 at 200,000 rows: `_report_failure`'s previous outcome, and the prefetch.

1. `Dispatcher._report_failure` (inside the write transaction of a row that failed for good): the previous
   outcome for the same guild, kind and target. 200,000 sent/failed rows of one guild and kind, to 2,000 people.
2. `Dispatcher.prefetch_dm_channels`, run once a second: 200,000 pending DM rows due within its horizon, to people
   whose DM channel is already known (so it opens none; the figure is the query alone).

Each is timed through the real method (the Database and Dispatcher of the checkout given by --root), repeated;
prints median and max in ms. `--root` runs the same script against another checkout (e.g. one of main made with
`git worktree add /tmp/base c13f7e8`) for a before/after.

Run: .venv/bin/python bench/outbox_indexes.py [--rows 200000] [--repeat 30] [--root PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

GUILD, LOG_CHANNEL = 810000000000000000, 990000000000000000
FIRST_USER = 600000000000000000


class _Rollback(Exception):
    """Leaves the timed transaction without keeping what it wrote."""


def populate(path: Path, rows: int, now_ms: int) -> None:
    """Plain SQL (setup only): the rows both queries have to look through."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute("INSERT INTO guild_settings (guild_id, log_channel_id, created_at_ms, updated_at_ms)"
                         " VALUES (?, ?, 0, 0)", (GUILD, LOG_CHANNEL))
            people = 2000
            conn.executemany(
                "INSERT INTO users (user_id, dm_channel_id, created_at_ms, updated_at_ms) VALUES (?, ?, 0, 0)",
                [(FIRST_USER + i, 700000000000000000 + i) for i in range(people)])
            # 1: final rows of one guild and kind.
            conn.executemany(
                "INSERT INTO outbox (kind, guild_id, target_type, user_id, payload, due_at_ms, state,"
                " next_attempt_at_ms, dedupe_key, created_at_ms, updated_at_ms)"
                " VALUES ('personal_reminder', ?, 'dm', ?, '{}', ?, ?, ?, ?, ?, ?)",
                [(GUILD, FIRST_USER + i % people, now_ms - 10**9 + i, "sent" if i % 7 else "failed",
                  now_ms - 10**9 + i, f"final-{i}", now_ms - 10**9 + i, now_ms - 10**9 + i) for i in range(rows)])
            # 2: pending DMs due within the prefetch horizon, to people whose DM channel is known.
            conn.executemany(
                "INSERT INTO outbox (kind, guild_id, target_type, user_id, payload, due_at_ms,"
                " next_attempt_at_ms, dedupe_key, created_at_ms, updated_at_ms)"
                " VALUES ('personal_reminder', ?, 'dm', ?, '{}', ?, ?, ?, 0, 0)",
                [(GUILD, FIRST_USER + i % people, now_ms + 30_000 + i % 20_000, now_ms + 30_000 + i % 20_000,
                  f"due-{i}") for i in range(rows)])
    finally:
        conn.close()


async def main(args: argparse.Namespace) -> None:
    from db import Database
    from podium.clock import ManualClock, to_ms
    from podium.delivery.dispatcher import Dispatcher
    from podium.delivery.outbox import Outbox, OutboxRow
    from podium.delivery.pacing import Pacer
    from tests.doubles import ScriptedTransport

    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "podium.db"
        await (await Database.open(path)).close()
        started = time.perf_counter()
        populate(path, args.rows, to_ms(now))
        setup_s = time.perf_counter() - started
        db = await Database.open(path)  # the checkout's migrations (its indexes) run here
        try:
            outbox = Outbox(db)
            dispatcher = Dispatcher(db, outbox, ScriptedTransport(), ManualClock(now),
                                    pacer=Pacer(1000, channel_limit=1000))
            failing = OutboxRow.from_db(await db.fetchrow(
                "SELECT * FROM outbox WHERE dedupe_key = ?", (f"final-{args.rows - 1}",)))
            report: list[float] = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                try:
                    async with db.transaction() as tx:
                        await dispatcher._report_failure(tx, failing, "bench", now)
                        report.append(time.perf_counter() - started)
                        raise _Rollback
                except _Rollback:
                    pass
            prefetch: list[float] = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                opened = await dispatcher.prefetch_dm_channels()
                prefetch.append(time.perf_counter() - started)
                assert opened == 0
        finally:
            await db.close()

    def ms(values: list[float]) -> str:
        return f"median {statistics.median(values) * 1000:.2f} ms, max {max(values) * 1000:.2f} ms"

    print(f"root {args.root or '.'}: {args.rows:,} final rows + {args.rows:,} pending DM rows "
          f"(set up in {setup_s:.1f} s), {args.repeat} runs each")
    print(f"  _report_failure (previous outcome + the log row, in its transaction): {ms(report)}")
    print(f"  prefetch_dm_channels pass (nothing to open): {ms(prefetch)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--root", type=Path, default=None, help="the checkout to import (default: this one)")
    arguments = parser.parse_args()
    sys.path.insert(0, str((arguments.root or Path(__file__).resolve().parents[1]).resolve()))
    asyncio.run(main(arguments))
