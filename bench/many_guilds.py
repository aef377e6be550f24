"""Many servers on one process: start-up, RSS per guild, and every server's weekly summary due at the same instant.

Run: .venv/bin/python bench/many_guilds.py [--guilds 5000] [--shards 2]
Targets (issue 19, §8): all summaries posted, fairly interleaved, 0 x 429 (the fake enforces Discord's global
50 requests/s), within the global budget (guilds / 45 per s; 5,000 -> ~111 s).

Each server has an announcement channel, a weekly summary on Monday 09:00 UTC and one talk tomorrow. The fake
recommends `--shards` shards in GET /gateway/bot and the bot runs with SHARD_COUNT=auto; each shard gets only its
servers ((guild_id >> 22) % shards). The bot plans every summary itself at start (the hourly planner); once all
are planned, the bench moves their due time to one instant a few seconds ahead (the wall clock reaching Monday
09:00 for every server at once) and measures how the posts arrive.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import collections
import itertools
import sqlite3
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _common import now, percentile, rss_mb

from db import Database
from podium.clock import to_ms
from tests.botprocess import BotProcess
from tests.fake_discord import MEMBER_ID, FakeDiscord, FakeGuild

SEND_RATE = 45.0  # the bot's SEND_RATE_PER_SECOND default
SETTLE_SECONDS = 5.0


def guild_ids(count: int) -> list[int]:
    """Snowflake-shaped ids whose (id >> 22) runs 0, 1, 2…: Discord's shard rule spreads them evenly."""
    return [(810000000000 + n) << 22 for n in range(count)]


async def prepare(db_path: Path, ids: list[int]) -> None:
    """Every server configured: announcement channel (its 'general'), summary Monday 09:00 UTC, one talk."""
    await (await Database.open(db_path)).close()  # the schema, as the bot makes it
    at = to_ms(now())
    tomorrow = to_ms(now() + timedelta(days=1))
    conn = sqlite3.connect(db_path)
    try:
        with conn:
            conn.executemany(
                "INSERT INTO guild_settings (guild_id, timezone, announce_channel_id, weekly_day, weekly_time,"
                " created_at_ms, updated_at_ms) VALUES (?, 'UTC', ?, 0, '09:00', ?, ?)",
                ((gid, gid + 1, at, at) for gid in ids),
            )
            conn.executemany(
                "INSERT INTO talks (guild_id, speaker_id, topic, starts_at_ms, duration_minutes, created_by,"
                " updated_by, created_at_ms, updated_at_ms) VALUES (?, ?, 'Scaling Podium', ?, 30, ?, ?, ?, ?)",
                ((gid, MEMBER_ID, tomorrow, MEMBER_ID, MEMBER_ID, at, at) for gid in ids),
            )
    finally:
        conn.close()


def planned(db_path: Path) -> int:
    """Pending weekly summaries (read from the bench's own connection while the bot runs)."""
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        return int(conn.execute(
            "SELECT count(*) FROM outbox WHERE kind = 'weekly_summary' AND state = 'pending'").fetchone()[0])
    finally:
        conn.close()


def due_at_once(db_path: Path, due_ms: int) -> int:
    """Move every pending summary to one instant (what the clock reaching the shared slot does)."""
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        with conn:
            return conn.execute(
                "UPDATE outbox SET due_at_ms = ?, next_attempt_at_ms = ? "
                "WHERE kind = 'weekly_summary' AND state = 'pending'", (due_ms, due_ms)).rowcount
    finally:
        conn.close()


async def wait_for(predicate, within: float, what: str) -> None:
    """Poll a condition on another process's state (its log, its database) until it holds."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.2)


async def run(count: int, shards: int, *, summaries: bool) -> dict[str, float]:
    ids = guild_ids(count)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        await prepare(tmp_path / "podium.db", ids)
        guilds = [FakeGuild(id=gid, name=f"Server {n}") for n, gid in enumerate(ids)]
        async with FakeDiscord(guilds=guilds, shards=shards) as fake:
            # A 1 s safety tick: the rows the bench re-times from outside are found within a second.
            bot = BotProcess(fake, tmp_path, LOG_LEVEL="INFO", SHARD_COUNT="auto", DISPATCH_TICK_SECONDS="1")
            started = time.monotonic()
            await bot.start(wait_ready=False)
            await wait_for(lambda: "ready as" in bot.log(), 600, "no on_ready")
            figures["ready_s"] = time.monotonic() - started
            await wait_for(lambda: planned(bot.db_path) >= count, 600, "summaries not planned")
            figures["planned_s"] = time.monotonic() - started
            assert bot.proc is not None
            await asyncio.sleep(SETTLE_SECONDS)  # a measured interval before reading RSS, not a wait for an event
            figures["rss_mb"] = rss_mb(bot.proc.pid)
            figures["identifies"] = fake.identify_count
            if summaries:
                figures.update(await deliver(fake, bot, ids, shards))
            assert await bot.stop() == 0, bot.log()[-3000:]
    return figures


async def deliver(fake: FakeDiscord, bot: BotProcess, ids: list[int], shards: int) -> dict[str, float]:
    """Make every summary due at once and measure the posts as the fake receives them."""
    channels = {gid + 1: gid for gid in ids}
    before_429 = fake.count_429
    due = now() + timedelta(seconds=3)
    moved = due_at_once(bot.db_path, to_ms(due))
    budget = len(ids) / SEND_RATE

    def posted() -> list:
        return [m for m in fake.messages if m.channel_id in channels and m.kind == "channel"]

    await wait_for(lambda: len(posted()) >= len(ids), budget * 3 + 60, "not every summary was posted")
    posts = sorted(posted(), key=lambda m: m.created_at)
    late = [m.created_at - due.timestamp() for m in posts]
    per_guild = collections.Counter(channels[m.channel_id] for m in posts)
    # Interleaving: in every 10 s of the batch, each shard's share of the posts (1 / shards when fair).
    windows: dict[int, collections.Counter[int]] = collections.defaultdict(collections.Counter)
    for m, lateness in zip(posts, late, strict=True):
        windows[int(max(0.0, lateness) // 10)][(channels[m.channel_id] >> 22) % shards] += 1
    shares = [c[0] / sum(c.values()) for c in windows.values() if sum(c.values()) >= 20]
    gaps = [b.created_at - a.created_at for a, b in itertools.pairwise(posts)]
    # What the fake saw: every request of the batch, the most in any 1 s (Discord's global limit is 50), the 429s.
    batch = [r for r in fake.requests if r.at >= due.timestamp() - 1 and not r.route.startswith("/interactions/")]
    times = sorted(r.at for r in batch)
    busiest = max((bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times)), default=0)
    for r in batch:
        if r.status == 429:
            body = r.response if isinstance(r.response, dict) else {}
            print(f"  429 at +{r.at - due.timestamp():.2f} s: {r.method} {r.route} global={body.get('global')} "
                  f"retry_after={body.get('retry_after')}")
    span = posts[-1].created_at - posts[0].created_at
    return {
        "moved": moved,
        "posted": len(posts),
        "guilds_posted": len(per_guild),
        "duplicates": sum(n - 1 for n in per_guild.values()),
        "429s": fake.count_429 - before_429,
        "first_s": late[0],
        "p50_s": statistics.median(late),
        "p99_s": percentile(late, 99),
        "last_s": late[-1],
        "budget_s": budget,
        "rate": (len(posts) - 1) / span if span > 0 else float("nan"),
        "max_gap_ms": max(gaps, default=0.0) * 1000,
        "requests": len(batch),
        "busiest_second": busiest,
        "shard0_share_min": min(shares, default=float("nan")),
        "shard0_share_max": max(shares, default=float("nan")),
    }


async def main(count: int, shards: int) -> None:
    one = await run(1, shards, summaries=False)
    print(f"1 guild, {shards} shard(s): ready {one['ready_s']:.1f} s after start, summary planned at "
          f"{one['planned_s']:.1f} s; RSS {one['rss_mb']:.1f} MB")
    many = await run(count, shards, summaries=True)
    print(f"{count} guilds, {shards} shard(s) ({many['identifies']:.0f} IDENTIFYs): ready {many['ready_s']:.1f} s "
          f"after start, all summaries planned at {many['planned_s']:.1f} s; RSS {many['rss_mb']:.1f} MB")
    per_guild_kb = (many["rss_mb"] - one["rss_mb"]) * 1024 / (count - 1)
    print(f"RSS per guild: ({many['rss_mb']:.1f} - {one['rss_mb']:.1f}) MB / {count - 1} = {per_guild_kb:.1f} kB")
    print(f"{many['moved']:.0f} summaries due at the same instant: {many['posted']:.0f} posted to "
          f"{many['guilds_posted']:.0f} guilds, {many['duplicates']:.0f} duplicated, {many['429s']:.0f} x 429")
    print(f"  lateness: first {many['first_s']:.2f} s, p50 {many['p50_s']:.1f} s, p99 {many['p99_s']:.1f} s, "
          f"last {many['last_s']:.1f} s (global budget {many['budget_s']:.1f} s at {SEND_RATE:.0f}/s)")
    print(f"  {many['rate']:.1f} posts/s; longest gap between two posts {many['max_gap_ms']:.0f} ms; "
          f"{many['requests']:.0f} requests in all, at most {many['busiest_second']:.0f} in any 1 s at the fake")
    print(f"  shard 0's share of the posts in each 10 s of the batch: {many['shard0_share_min']:.2f}"
          f"-{many['shard0_share_max']:.2f} (fair: {1 / shards:.2f})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guilds", type=int, default=5000)
    parser.add_argument("--shards", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(main(args.guilds, args.shards))
