"""Issue 19 §6: a one-row read, and the event loop, while a talk with 2,000 attendees x 5 offsets is rescheduled.

One database file (synchronous=FULL, as the bot runs it), one talk, N attendees (default 2,000) who each asked for
5 reminder offsets: 10,000 attendee reminders, plus one notice per attendee per move. The talk is moved R times
(default 6, there and back) through `TalkService.reschedule`, one transaction each, while in the same event loop
  - a reader reads the talk (`load_talk`, one row by primary key) in a loop, back to back, and
  - a ticker sleeps 1 ms in a loop and records how much longer each sleep took (the event loop was blocked).
Printed: the reschedules' durations; the read latency p50 / p99 / max of the reads that overlapped a reschedule;
the longest and the p99 overshoot of the 1 ms sleeps. Targets: read p99 <= 20 ms; no block > 20 ms.

`--root` imports Podium from another checkout (e.g. main at c13f7e8, made with
`git worktree add --detach /tmp/base c13f7e8`), so the same script gives the before and the after.

Run: .venv/bin/python bench/reschedule_reads.py [--attendees 2000] [--moves 6] [--root PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

GUILD, SPEAKER, FIRST_ATTENDEE = 810000000000000000, 500000000000000000, 600000000000000000
OFFSETS = (86400, 43200, 7200, 3600, 600)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def populate(path: Path, attendees: int, starts_at_ms: int) -> int:
    """Plain SQL (setup only): the talk, its attendees and their offsets; returns the talk's id."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            talk_id = conn.execute(
                "INSERT INTO talks (guild_id, speaker_id, topic, starts_at_ms, duration_minutes, created_by,"
                " updated_by, created_at_ms, updated_at_ms) VALUES (?, ?, 'The big one', ?, 45, ?, ?, 0, 0)",
                (GUILD, SPEAKER, starts_at_ms, SPEAKER, SPEAKER)).lastrowid
            ids = [FIRST_ATTENDEE + i for i in range(attendees)]
            conn.executemany(
                "INSERT INTO users (user_id, reminder_offsets, created_at_ms, updated_at_ms) VALUES (?, ?, 0, 0)",
                [(u, json.dumps(OFFSETS)) for u in ids])
            conn.executemany("INSERT INTO attendees (talk_id, user_id, created_at_ms) VALUES (?, ?, 0)",
                             [(talk_id, u) for u in ids])
        return int(talk_id or 0)
    finally:
        conn.close()


class Probes:
    """A reader and a ticker running beside the reschedules; what they saw while a reschedule ran."""

    def __init__(self) -> None:
        self.moves: list[tuple[float, float]] = []
        self.reads: list[tuple[float, float]] = []
        self.sleeps: list[tuple[float, float]] = []
        self.stop = False

    async def reader(self, read: Callable[[], Awaitable[object]]) -> None:
        """One-row reads, back to back."""
        while not self.stop:
            began = time.perf_counter()
            await read()
            self.reads.append((began, time.perf_counter()))

    async def ticker(self) -> None:
        """1 ms sleeps: one that takes longer measures how long the event loop was blocked."""
        while not self.stop:
            began = time.perf_counter()
            await asyncio.sleep(0.001)
            self.sleeps.append((began, time.perf_counter()))

    def during_moves(self, spans: list[tuple[float, float]]) -> list[float]:
        """The durations of the spans that overlapped a reschedule."""
        return [end - began for began, end in spans
                if any(began < move_end and end > move_began for move_began, move_end in self.moves)]


async def main(args: argparse.Namespace) -> None:
    from db import Database
    from podium import audience
    from podium.clock import ManualClock, to_ms
    from podium.delivery.outbox import Outbox
    from podium.talk_model import load_talk
    from podium.talks import Actor, TalkService, default_hooks

    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    probes = Probes()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "podium.db"
        await (await Database.open(path)).close()
        talk_id = populate(path, args.attendees, to_ms(start))
        db = await Database.open(path)
        try:
            outbox = Outbox(db)
            clock = ManualClock(datetime.now(UTC))
            talks = TalkService(db, outbox, clock, audience.subscribe(default_hooks(outbox), outbox))
            actor = Actor(SPEAKER)
            # Plan every reminder once (untimed): the timed moves then re-plan 10,000 live rows each.
            await talks.reschedule(guild_id=GUILD, actor=actor, talk_id=talk_id, starts_at=start + timedelta(hours=1))
            planned = await db.fetchval("SELECT count(*) FROM outbox WHERE kind = 'attendee_reminder'"
                                        " AND state = 'pending'")
            tasks = [asyncio.create_task(probes.reader(lambda: load_talk(db, talk_id))),
                     asyncio.create_task(probes.ticker())]
            for move in range(args.moves):
                clock.advance(60)  # the change limit counts per minute
                began = time.perf_counter()
                await talks.reschedule(guild_id=GUILD, actor=actor, talk_id=talk_id,
                                       starts_at=start + timedelta(hours=2 if move % 2 == 0 else 1))
                probes.moves.append((began, time.perf_counter()))
                await asyncio.sleep(0.05)  # the probes run on their own between moves (not counted)
            probes.stop = True
            await asyncio.gather(*tasks)
        finally:
            await db.close()
    report(args, planned, probes)


def report(args: argparse.Namespace, planned: int, probes: Probes) -> None:
    """Print the figures."""
    ms = 1000
    durations = [end - began for began, end in probes.moves]
    reads = probes.during_moves(probes.reads)
    blocked = [gap - 0.001 for gap in probes.during_moves(probes.sleeps)]
    print(f"root {args.root or '.'}: {args.attendees} attendees x {len(OFFSETS)} offsets = {planned} attendee "
          f"reminders re-planned (+ {args.attendees} notices) per move, {args.moves} moves")
    print(f"  reschedule: median {statistics.median(durations) * ms:.0f} ms, max {max(durations) * ms:.0f} ms "
          "(one transaction each)")
    print(f"  one-row read overlapping a move ({len(reads)} reads): p50 {percentile(reads, 50) * ms:.2f} ms, "
          f"p99 {percentile(reads, 99) * ms:.2f} ms, max {max(reads) * ms:.2f} ms")
    print(f"  event loop blocked during the moves (1 ms sleeps' overshoot, {len(blocked)} sleeps): "
          f"p99 {percentile(blocked, 99) * ms:.2f} ms, longest {max(blocked) * ms:.2f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, default=2000)
    parser.add_argument("--moves", type=int, default=6)
    parser.add_argument("--root", type=Path, default=None, help="the checkout to import (default: this one)")
    arguments = parser.parse_args()
    sys.path.insert(0, str((arguments.root or Path(__file__).resolve().parents[1]).resolve()))
    asyncio.run(main(arguments))
