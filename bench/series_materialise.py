"""Issue 23 target: materialising 100 series x 8 weeks is one planner pass <= 200 ms, and idempotent.

A fresh database file (synchronous=FULL, as the bot runs it) gets N series (default 100) over 10 guilds, written as
rows with no evening yet (as after a restore, or a release that adds series to an old database): every weekly,
every-other-week and monthly kind of rule, in six zones (Berlin, Los Angeles, Sydney, Tokyo, UTC, Kolkata); each
with its post already sent (so the pass also plans each post's edit for when its next evening begins), beside
10,000 other talks (so a query that scanned talks would show). Then
  - the first pass of the hourly planner (`Planner.run_once`, which runs `SeriesService.plan_all`) makes every
    evening 8 weeks ahead: timed, with the rows it wrote;
  - a second pass: timed, and the database's change counter (`total_changes()`) must not move: it writes nothing.
Repeated R times (default 5) on fresh files; printed: each run's figures and the median and worst.

`--weekly-only`: every series weekly (100 x 8 = 800 evenings) instead of the mix (monthly rules make fewer).

Run: .venv/bin/python bench/series_materialise.py [--series 100] [--runs 5] [--weekly-only]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from _common import ROOT  # noqa: F401  (puts the repository on sys.path)

from db import Database
from podium.clock import ManualClock, to_ms
from podium.delivery.outbox import Outbox
from podium.planner import Planner
from podium.recurrence import parse_every
from podium.series import SeriesService
from podium.talks import TalkService, composed_hooks

RULES = ("thursday 19:00", "every other tuesday 18:30", "first monday of the month 19:00",
         "last friday of the month 19:00", "wednesday 7pm", "every other saturday 10:00", "sunday 02:30")
ZONES = ("Europe/Berlin", "America/Los_Angeles", "Australia/Sydney", "Asia/Tokyo", "UTC", "Asia/Kolkata")
GUILDS = 10
GUILD0, MODERATOR = 810000000000000000, 5


async def populate(db: Database, count: int, now: datetime, rules: tuple[str, ...]) -> None:
    """The series rows, their sent posts and other talks (setup): what the planner pass has to plan."""
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO talks (guild_id, speaker_id, topic, starts_at_ms, duration_minutes, created_by, updated_by,"
            " created_at_ms, updated_at_ms) VALUES (?, ?, 'Other talk', ?, 30, ?, ?, 0, 0)",
            [(GUILD0 + i % GUILDS, 1000 + i, to_ms(now) + i * 3_600_000, 1000 + i, 1000 + i) for i in range(10_000)],
        )
        for i in range(count):
            rule = parse_every(rules[i % len(rules)], today=date(2026, 12, 7))
            await tx.execute(
                "INSERT INTO series (guild_id, name, rule, every_text, timezone, slots, slot_minutes, created_by,"
                " created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, 2, 30, ?, ?, ?)",
                (GUILD0 + i % GUILDS, f"Series {i}", rule.to_json(), rules[i % len(rules)], ZONES[i % len(ZONES)],
                 MODERATOR, to_ms(now), to_ms(now)),
            )
        # Each series' post went out (plain SQL: the state the dispatcher leaves, written as setup).
        await tx.executemany(
            "INSERT INTO outbox (kind, guild_id, target_type, payload, due_at_ms, next_attempt_at_ms, dedupe_key,"
            " created_at_ms, updated_at_ms, state, message_id, delivered_channel_id, delivered_via)"
            " VALUES ('series_post', ?, 'channel', ?, ?, ?, ?, ?, ?, 'sent', ?, 200, 'channel')",
            [(GUILD0 + i % GUILDS, f'{{"series_id":{i + 1}}}', to_ms(now), to_ms(now), f"series:{i + 1}:post",
              to_ms(now), to_ms(now), 10_000 + i) for i in range(count)],
        )


async def one_run(count: int, rules: tuple[str, ...]) -> tuple[float, int, float, int]:
    """(first pass s, evenings made, second pass s, changes by the second pass)."""
    with tempfile.TemporaryDirectory() as folder:
        db = await Database.open(Path(folder) / "podium.db")
        try:
            now = datetime(2026, 12, 7, 12, tzinfo=UTC)
            clock = ManualClock(now)
            outbox = Outbox(db)
            talks = TalkService(db, outbox, clock, composed_hooks(outbox))
            planner = Planner(db, outbox, clock, series=SeriesService(db, outbox, clock, talks))
            await populate(db, count, now, rules)
            started = time.perf_counter()
            await planner.run_once()
            first = time.perf_counter() - started
            made = int(await db.fetchval("SELECT count(*) FROM series_evenings"))
            edits = int(await db.fetchval("SELECT count(*) FROM outbox WHERE kind = 'series_post_update'"))
            assert edits == count, f"{edits} post edits planned for {count} series"
            before = int(await db.fetchval("SELECT total_changes()"))
            started = time.perf_counter()
            await planner.run_once()
            second = time.perf_counter() - started
            changes = int(await db.fetchval("SELECT total_changes()")) - before
            return first, made, second, changes
        finally:
            await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--weekly-only", action="store_true", help="every series weekly: 8 evenings each")
    args = parser.parse_args()
    rules = ("thursday 19:00",) if args.weekly_only else RULES
    firsts, seconds = [], []
    for run in range(args.runs):
        first, made, second, changes = await one_run(args.series, rules)
        firsts.append(first)
        seconds.append(second)
        print(f"run {run + 1}: first pass {first * 1000:.1f} ms ({made} evenings made), "
              f"second pass {second * 1000:.1f} ms ({changes} rows changed)")
        assert changes == 0, "the second pass wrote something"
    print(f"{args.series} series x 8 weeks: first pass median {statistics.median(firsts) * 1000:.1f} ms, "
          f"worst {max(firsts) * 1000:.1f} ms (target <= 200 ms); second pass median "
          f"{statistics.median(seconds) * 1000:.1f} ms, worst {max(seconds) * 1000:.1f} ms, 0 rows written")


if __name__ == "__main__":
    asyncio.run(main())
