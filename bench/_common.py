"""Shared bench plumbing: a fake Discord, the real bot process, rows written the bot's own way."""

from __future__ import annotations

import asyncio
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from db import Database  # noqa: E402
from podium.delivery.outbox import Outbox, OutboxMessage  # noqa: E402
from podium.features import load as load_features  # noqa: E402

load_features()  # the kinds the benches queue are registered by their features

MESSAGES_ROUTE = "/channels/{channel_id}/messages"


def now() -> datetime:
    """Aware UTC now."""
    return datetime.now(UTC)


async def queue_messages(db_path: Path, messages: list[OutboxMessage]) -> list[int]:
    """Enqueue through the Outbox API in one transaction; returns the row ids."""
    db = await Database.open(db_path)
    try:
        outbox = Outbox(db)
        async with db.transaction() as tx:
            return [await outbox.enqueue(tx, m, now=now()) for m in messages]
    finally:
        await db.close()


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary_ms(values: list[float]) -> str:
    """p50 / p99 / max in milliseconds."""
    return (
        f"p50 {statistics.median(values) * 1000:.1f} ms, p99 {percentile(values, 99) * 1000:.1f} ms, "
        f"max {max(values) * 1000:.1f} ms"
    )


def rss_mb(pid: int) -> float:
    """Resident set size of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def wait_until(predicate, within: float, step: float = 0.1) -> bool:
    """Poll `predicate` until it is true or `within` seconds pass."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if predicate():
            return True
        await asyncio.sleep(step)
    return predicate()
