"""What the last look (Dispatcher._last_look, run before every request of a delivery) costs per call.

In process, on a real SQLite file holding --rows outbox rows and --users users (the read-only connection and
its one lock, as in the bot). Times the check of a talk-bound DM reminder (row + talk read, and the user's consent)
and of a channel post (row read only), alone and with --concurrent checks at once (deliveries in flight share the
lock), and says how many checks one delivery makes.
Run: .venv/bin/python bench/last_look_cost.py [--rows 100000] [--users 10000] [--calls 2000] [--concurrent 50]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from _common import ROOT, now, percentile

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from db import Database
from podium.clock import SystemClock
from podium.delivery import kinds
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox, OutboxMessage, OutboxRow
from podium.delivery.pacing import Pacer
from tests import factories

GUILD = 810000000000000000
CHANNEL = GUILD + 300


async def timed(calls: int, check: Callable[[], Awaitable[None]], concurrent: int) -> list[float]:
    """Seconds per check, `concurrent` of them in flight at a time."""
    spent: list[float] = []

    async def one() -> None:
        started = time.perf_counter()
        await check()
        spent.append(time.perf_counter() - started)

    for _ in range(calls // concurrent):
        await asyncio.gather(*(one() for _ in range(concurrent)))
    return spent


def line(name: str, spent: list[float]) -> str:
    micro = [s * 1e6 for s in spent]
    return (f"{name}: p50 {percentile(micro, 50):.0f} µs, p99 {percentile(micro, 99):.0f} µs, "
            f"mean {sum(micro) / len(micro):.0f} µs over {len(micro)} checks")


async def main(args: argparse.Namespace) -> None:

    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "podium.db")
        try:
            outbox = Outbox(db)
            start = now() + timedelta(days=2)
            talk_id = await factories.add_talk(db, guild_id=GUILD, speaker_id=GUILD + 1, topic="Rust",
                                               starts_at=start)
            users = [GUILD + 1000 + i for i in range(args.users)]
            async with db.transaction() as tx:
                await tx.executemany(
                    "INSERT INTO users (user_id, created_at_ms, updated_at_ms) VALUES (?, 0, 0)",
                    [(u,) for u in [GUILD + 1, *users]],
                )
                await outbox.enqueue_many(tx, [
                    OutboxMessage(kind="talk_reminder", dedupe_key=f"r{i}", due_at=start - timedelta(seconds=i),
                                  target_type="dm", guild_id=GUILD, user_id=GUILD + 1, talk_id=talk_id,
                                  talk_start=start, payload={"offset_s": 300})
                    for i in range(args.rows)
                ], now=now())
            async with db.transaction() as tx:
                await outbox.enqueue(tx, OutboxMessage(kind="test", dedupe_key="post", due_at=start,
                                                       target_type="channel", guild_id=GUILD, channel_id=CHANNEL,
                                                       payload={"text": "x"}), now=now())
            # Two rows in flight, as the dispatcher holds them while it delivers.
            async with db.transaction() as tx:
                await tx.execute("UPDATE outbox SET state = 'sending' WHERE dedupe_key IN ('r0', 'post')")
            in_flight = {}
            for key in ("r0", "post"):
                found = await db.fetchone("SELECT * FROM outbox WHERE dedupe_key = ?", (key,))
                assert found is not None
                in_flight[key] = OutboxRow.from_db(found)
            dm_row, post_row = in_flight["r0"], in_flight["post"]
            dispatcher = Dispatcher(db, outbox, transport=None,  # type: ignore[arg-type]
                                    clock=SystemClock(), pacer=Pacer(1000))
            dm_check = dispatcher._last_look(dm_row, kinds.get("talk_reminder"))
            post_check = dispatcher._last_look(post_row, kinds.get("test"))
            await timed(200, dm_check, 1)  # warm the page cache
            print(f"last look, {args.rows} outbox rows, {args.users} users, the read-only connection:")
            print(line("  talk-bound DM reminder, one at a time", await timed(args.calls, dm_check, 1)))
            print(line("  channel post, one at a time", await timed(args.calls, post_check, 1)))
            print(line(f"  talk-bound DM reminder, {args.concurrent} at once",
                       await timed(args.calls, dm_check, args.concurrent)))
            print("  checks per delivery: 2 for a post to a known channel (the first look + before the POST), "
                  "3 when a DM channel is opened, +1 per retry inside the transport")
        finally:
            await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrent", type=int, default=50)
    asyncio.run(main(parser.parse_args()))
