"""Memory: RSS of the real bot while it DMs distinct users, one small DM each, against the loopback fake.

Every DM opens a new DM channel (POST /users/@me/channels) and posts one message there (Discord's bucket naming),
so every DM adds one channel the process has used; anything kept per channel shows as RSS growing with the count.
The bot runs at its highest configurable rate (SEND_RATE_PER_SECOND=50) and the fake's global limit is lifted
(the bot's own pacer keeps the rate), to make the run as short as the limits allow: 2 requests per DM, so about
25 DMs/s at best. The run stops at --users DMs or after --minutes, whichever comes first, and reports the slope.
Run: .venv/bin/python bench/memory_dms.py [--users 100000] [--minutes 10] [--bot-root PATH]
Target (issue 19): RSS after 100,000 DMs at most 10 MB above RSS after the first 1,000.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from _common import now, rss_mb
from _warm import Bench, Row, insert_rows

from tests.fake_discord import FakeDiscord

FIRST = 1000
USER_BASE = 600000000000000000
BATCH = 5000  # rows queued at a time, so the outbox never holds the whole run
SAMPLE_EVERY = 1000


def slope_per_thousand(points: list[tuple[int, float]]) -> float:
    """Least-squares MB per 1,000 DMs over (DMs, RSS MB) samples."""
    n = len(points)
    if n < 2:
        return float("nan")
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    return sxy / sxx * 1000 if sxx else float("nan")


async def main(args: argparse.Namespace) -> None:
    ids = [USER_BASE + i for i in range(args.users)]
    deadline = time.monotonic() + args.minutes * 60
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeDiscord(global_limit_per_s=None) as fake:
            for user_id in ids:
                fake.add_user(user_id, f"u{user_id % 1000000}")
            bench = await Bench.start(fake, Path(tmp), args.bot_root, SEND_RATE_PER_SECOND="50")
            assert bench.bot.proc is not None
            pid = bench.bot.proc.pid
            ready_rss = rss_mb(pid)
            samples: list[tuple[int, float]] = []
            queued = 0
            started = time.monotonic()
            try:
                while time.monotonic() < deadline:
                    delivered = len(fake.messages)
                    if queued - delivered < BATCH // 2 and queued < len(ids):
                        batch = ids[queued:queued + BATCH]
                        insert_rows(bench.bot.db_path, [Row(f"mem-{u}", now(), user_id=u) for u in batch])
                        queued += len(batch)
                    next_sample = (len(samples) + 1) * SAMPLE_EVERY
                    if delivered >= next_sample:
                        samples.append((delivered, rss_mb(pid)))
                        print(f"  {delivered:>7} DMs  RSS {samples[-1][1]:.1f} MB", flush=True)
                    if delivered >= len(ids):
                        break
                    await asyncio.sleep(0.2)
                elapsed = time.monotonic() - started
            finally:
                await bench.bot.stop()
            delivered = len(fake.messages)
    if not samples:
        print(f"fewer than {SAMPLE_EVERY} DMs delivered in {args.minutes} min: nothing to report")
        return
    first = samples[0][1]
    last_n, last = samples[-1]
    slope = slope_per_thousand(samples)
    print(
        f"{delivered} DMs to distinct users in {elapsed:.0f} s ({delivered / elapsed:.1f}/s)"
        f"{'; bot at ' + str(args.bot_root) if args.bot_root else ''}"
    )
    print(f"  RSS: ready {ready_rss:.1f} MB, after the first {samples[0][0]} DMs {first:.1f} MB,"
          f" after {last_n} DMs {last:.1f} MB: {last - first:+.1f} MB")
    # The first thousands also fill SQLite's page cache (2 MB at most) and the allocator's pools: the later half
    # is the slope that continues.
    late = slope_per_thousand(samples[len(samples) // 2:])
    to_go = (100_000 - samples[0][0]) / 1000
    print(f"  slope {slope * 1000:+.1f} kB per 1,000 DMs over all samples, {late * 1000:+.1f} kB over the later half;"
          f" at those slopes 100,000 DMs would be {slope * to_go:+.1f} / {late * to_go:+.1f} MB above the first"
          f" {samples[0][0]} (target: at most +10 MB)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--bot-root", type=Path, help="run another checkout's bot.py (e.g. main before this change)")
    asyncio.run(main(parser.parse_args()))
