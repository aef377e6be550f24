"""Calendar feed: build time of a feed with N talks, and of serving it again unchanged (cached).

Run: .venv/bin/python bench/calendar_feed.py [--talks 1000] [--feed guild|member]
Target (issue 14): a feed with 1,000 talks builds in <= 50 ms, and is cached until the next change.
`--feed member`: one member's own feed, who clicked 🔔 Remind me on every talk, among 50 attendees a talk (the
feed reads `attendees` through attendees_by_user).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _common import now, percentile

from db import Database
from podium.calendar_feed import Calendars, forget_serialised_events
from podium.clock import SystemClock, to_ms

GUILD = 810000000000000000
MEMBER = 42
OTHERS_PER_TALK = 50


async def main(count: int, rounds: int, which: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "podium.db")
        try:
            start = now() + timedelta(hours=1)
            async with db.transaction() as tx:
                await tx.executemany(
                    "INSERT INTO talks (guild_id, speaker_id, topic, starts_at_ms, duration_minutes, created_by,"
                    " updated_by, created_at_ms, updated_at_ms, speaker_name, thread_id)"
                    " VALUES (?, ?, ?, ?, 30, 1, 1, 0, ?, ?, ?)",
                    [(GUILD, 700 + i % 50, f"Talk {i}: a topic of some length, with commas; and quotes \"here\"",
                      to_ms(start + timedelta(hours=2 * i)), to_ms(now()), f"Speaker {i % 50}", 900000 + i)
                     for i in range(count)],
                )
            if which == "member":
                async with db.transaction() as tx:
                    await tx.executemany(
                        "INSERT INTO attendees (talk_id, user_id, created_at_ms) VALUES (?, ?, 0)",
                        [(talk_id, user_id) for talk_id in range(1, count + 1)
                         for user_id in (MEMBER, *range(1000, 1000 + OTHERS_PER_TALK))],
                    )
            calendars = Calendars(db, SystemClock())
            feed = await calendars.feed(await calendars.token(GUILD, MEMBER if which == "member" else None))
            assert feed is not None
            talks = await calendars.talks_of(feed)
            cold, changed, cached = [], [], []
            for round_ in range(rounds):
                forget_serialised_events()  # a fresh process: no talk serialised yet
                calendars._cache.clear()
                started = time.perf_counter()
                built = await calendars.body(feed, name="Bench talks")
                cold.append(time.perf_counter() - started)
                async with db.transaction() as tx:  # one talk changes, as after a /schedule reschedule
                    await tx.execute(
                        "UPDATE talks SET sequence = sequence + 1, updated_at_ms = ? WHERE id = ?",
                        (to_ms(now()) + round_, 1 + round_ % count),
                    )
                started = time.perf_counter()
                await calendars.body(feed, name="Bench talks")
                changed.append(time.perf_counter() - started)
                started = time.perf_counter()
                await calendars.body(feed, name="Bench talks")
                cached.append(time.perf_counter() - started)
            size = len(built.body) / 1024
            print(f"{which} feed of {len(talks)} talks, {size:.0f} KiB, {rounds} rounds"
                  " (each: read the talks, fingerprint, build or reuse):")
            for label, values in (("first build (no event serialised yet)", cold),
                                  ("after one talk changed", changed), ("unchanged (cached body)", cached)):
                print(f"  {label:38} median {statistics.median(values) * 1000:6.1f} ms, "
                      f"p95 {percentile(values, 95) * 1000:6.1f} ms")
        finally:
            await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talks", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--feed", choices=("guild", "member"), default="guild")
    args = parser.parse_args()
    asyncio.run(main(args.talks, args.rounds, args.feed))
