"""Scale: with N pending rows, time to claim the next batch, and the bot's memory.

Run: .venv/bin/python bench/scale.py [--rows 1000000]
Targets (issue 3): claim <= 2 ms; bot RSS <= 150 MB (independent of the row count).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _common import now, percentile, rss_mb

from db import Database
from podium.clock import to_ms
from podium.delivery.outbox import Outbox
from tests.botprocess import BotProcess
from tests.fake_discord import FakeDiscord

BATCH = 50


def fill(db_path: Path, rows: int, first_due_ms: int) -> None:
    """Bulk-insert pending rows, one per second from `first_due_ms` (plain sqlite3: setup only)."""
    conn = sqlite3.connect(db_path)
    try:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO outbox (kind, target_type, user_id, payload, due_at_ms, next_attempt_at_ms, dedupe_key,"
            " created_at_ms, updated_at_ms) VALUES ('personal_reminder', 'dm', ?, '{\"text\":\"x\"}', ?, ?, ?, 0, 0)",
            (
                (500000000000000000 + i, first_due_ms + i * 1000, first_due_ms + i * 1000, f"scale-{i}")
                for i in range(rows)
            ),
        )
        conn.commit()
    finally:
        conn.close()


async def measure_claims(db_path: Path, first_due_ms: int) -> None:
    db = await Database.open(db_path)
    outbox = Outbox(db)
    claims, nexts = [], []
    try:
        for i in range(200):
            # Each claim takes the next BATCH rows: "now" moves forward BATCH seconds of due times.
            when = now().replace(microsecond=0)
            when = when + timedelta(milliseconds=first_due_ms + (i + 1) * BATCH * 1000 - to_ms(when))
            started = time.perf_counter()
            rows = await outbox.claim_due(when, BATCH)
            claims.append(time.perf_counter() - started)
            assert len(rows) == BATCH, len(rows)
            started = time.perf_counter()
            await outbox.next_due()
            nexts.append(time.perf_counter() - started)
    finally:
        await db.close()
    print(
        f"claim {BATCH} due rows (200 times): median {statistics.median(claims) * 1000:.2f} ms, "
        f"p99 {percentile(claims, 99) * 1000:.2f} ms"
    )
    print(f"find the next due time: median {statistics.median(nexts) * 1000:.3f} ms")


async def measure_backlog_claims(db_path: Path) -> None:
    """After downtime: every remaining row is due at once; the fair claim still looks at a bounded window."""
    db = await Database.open(db_path)
    outbox = Outbox(db)
    claims = []
    try:
        when = now() + timedelta(days=400)
        for _ in range(200):
            started = time.perf_counter()
            rows = await outbox.claim_due(when, BATCH)
            claims.append(time.perf_counter() - started)
            assert len(rows) == BATCH, len(rows)
    finally:
        await db.close()
    print(
        f"claim {BATCH} rows when all are due (200 times): median {statistics.median(claims) * 1000:.2f} ms, "
        f"p99 {percentile(claims, 99) * 1000:.2f} ms"
    )


async def bot_rss(tmp: Path) -> float:
    async with FakeDiscord() as fake:
        bot = BotProcess(fake, tmp, LOG_LEVEL="WARNING")
        await bot.start()
        await asyncio.sleep(3)
        rss = rss_mb(bot.proc.pid)
        assert await bot.stop() == 0
        return rss


async def main(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        empty_rss = await bot_rss(tmp_path)
        # Rows due a day from now onwards: the running bot must not send them during the test.
        first_due_ms = to_ms(now() + timedelta(days=1))
        started = time.perf_counter()
        fill(tmp_path / "podium.db", rows, first_due_ms)
        size = (tmp_path / "podium.db").stat().st_size / 1e6
        print(f"{rows} pending rows written in {time.perf_counter() - started:.1f} s ({size:.0f} MB file)")
        full_rss = await bot_rss(tmp_path)
        print(f"bot RSS after start: {empty_rss:.1f} MB with an empty outbox, {full_rss:.1f} MB with {rows} rows")
        await measure_claims(tmp_path / "podium.db", first_due_ms)
        await measure_backlog_claims(tmp_path / "podium.db")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    asyncio.run(main(parser.parse_args().rows))
