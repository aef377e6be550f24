"""The audience (issue 13): a talk's attendees reminded all at once, and the latency of clicking "🔔 Remind me".

Part 1, reminders: one talk with N attendees (default 2,000) who asked for the default reminders (24 h and 1 h
before); the talk starts an hour after the run begins, so each attendee's 1 h reminder is due at the same instant.
Every attendee's DM channel is warm (bench/_warm.py). Attendees and the talk are written with plain SQL, as any
other process could; the reminders are planned by Podium's own planner in one transaction from this process
(timed). Reported: delivered, requests per DM, 429s, lateness (the fake receiving the POST minus due_at) p50, p99,
max, and the batch's duration. Target: all within the global budget (N / 45 requests/s ≈ 45 s), no 429.

Planning is also timed on its own database (no bot): the same N attendees with 2 and with 5 offsets each (2,000
and 10,000 rows), and a reschedule of that talk (re-planning every row plus one notice per attendee), each one
transaction.

Part 2, clicks: a guild with T talks (default 10,000) and A attendee rows (default 100,000, 10 a talk); members
open /schedule info and click "🔔 Remind me" on a talk they are not yet going to (C clicks, default 500). Latency:
INTERACTION_CREATE dispatched by the fake → the bot's callback request received. Target: p99 <= 50 ms.

Run: .venv/bin/python bench/audience.py [--attendees 2000] [--talks 10000] [--attendee-rows 100000]
                                        [--clicks 500] [--part reminders|clicks|both]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import now, percentile, summary_ms, wait_until
from _warm import Bench

from db import Database
from podium import audience
from podium.clock import ManualClock, to_ms
from podium.delivery.outbox import Outbox
from podium.talk_model import load_talk
from podium.talks import Actor, TalkService, default_hooks
from tests.botprocess import BotProcess
from tests.fake_discord import GENERAL_CHANNEL_ID, GUILD_ID, MODERATOR_ID, FakeDiscord, FakeGuild, FakeMember

SPEAKER = 500000000000000000
FIRST_ATTENDEE = 600000000000000000
LEAD = timedelta(seconds=10)  # the reminders fall due this long after they are planned


def insert(path: Path, sql: str, rows: list[tuple[object, ...]]) -> None:
    """Plain SQL, one transaction (setup only)."""
    conn = sqlite3.connect(path, timeout=30)
    try:
        with conn:
            conn.executemany(sql, rows)
    finally:
        conn.close()


def add_talk_sql(path: Path, starts_at: datetime, topic: str = "The big one") -> int:
    """One talk, written as another process would."""
    conn = sqlite3.connect(path, timeout=30)
    try:
        with conn:
            cursor = conn.execute(
                "INSERT INTO talks (guild_id, speaker_id, topic, starts_at_ms, duration_minutes, created_by,"
                " updated_by, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, 45, ?, ?, 0, 0)",
                (GUILD_ID, SPEAKER, topic, to_ms(starts_at), SPEAKER, SPEAKER),
            )
            return int(cursor.lastrowid or 0)
    finally:
        conn.close()


async def plan(path: Path, talk_id: int) -> tuple[float, int]:
    """Podium's planner for the talk's attendee reminders, one transaction; (seconds, rows planned)."""
    db = await Database.open(path)
    try:
        outbox = Outbox(db)
        started = time.perf_counter()
        async with db.transaction() as tx:
            talk = await load_talk(tx, talk_id)
            assert talk is not None
            plan = await audience.plan_attendee_reminders(tx, talk, now())
            await outbox.replace_for_talk(tx, talk.id, [audience.ATTENDEE_REMINDER.name], plan, now=now())
        seconds = time.perf_counter() - started
        rows = await db.fetchval("SELECT count(*) FROM outbox WHERE talk_id = ? AND kind = ? AND state = 'pending'",
                                 (talk_id, audience.ATTENDEE_REMINDER.name))
        return seconds, int(rows)
    finally:
        await db.close()


async def planning_figures(tmp: Path, attendees: int) -> list[str]:
    """Planning alone, on a database of its own: N attendees with 2 and with 5 offsets, and a reschedule."""
    lines = []
    for offsets in ((86400, 3600), (86400, 43200, 7200, 3600, 600)):
        path = tmp / f"plan-{len(offsets)}.db"
        await (await Database.open(path)).close()
        talk_id = add_talk_sql(path, now() + timedelta(days=3))
        ids = [FIRST_ATTENDEE + i for i in range(attendees)]
        insert(path, "INSERT INTO users (user_id, reminder_offsets, created_at_ms, updated_at_ms) VALUES (?, ?, 0, 0)",
               [(u, json.dumps(offsets)) for u in ids])
        insert(path, "INSERT INTO attendees (talk_id, user_id, created_at_ms) VALUES (?, ?, 0)",
               [(talk_id, u) for u in ids])
        seconds, rows = await plan(path, talk_id)
        lines.append(f"  plan {attendees} attendees × {len(offsets)} offsets: {rows} rows in {seconds * 1000:.0f} ms"
                     " (one transaction)")
        db = await Database.open(path)
        try:
            outbox = Outbox(db)
            clock = ManualClock(now())
            talks = TalkService(db, outbox, clock, audience.subscribe(default_hooks(outbox), outbox))
            talk = await load_talk(db, talk_id)
            assert talk is not None
            started = time.perf_counter()
            await talks.reschedule(guild_id=GUILD_ID, actor=Actor(SPEAKER), talk_id=talk_id,
                                   starts_at=talk.starts_at + timedelta(hours=1))
            seconds = time.perf_counter() - started
            notices = await db.fetchval("SELECT count(*) FROM outbox WHERE kind = 'attendee_notice'")
            lines.append(f"  reschedule it: {rows} reminders re-planned + {notices} notices in {seconds * 1000:.0f} ms"
                         " (one transaction)")
        finally:
            await db.close()
    return lines


async def reminders(args: argparse.Namespace, tmp: Path) -> None:
    """Part 1: N attendees' 1 h reminders due at one instant, warm DM channels."""
    ids = [FIRST_ATTENDEE + i for i in range(args.attendees)]
    async with FakeDiscord() as fake:
        for user_id in ids:
            fake.add_user(user_id, f"a{user_id % 100000}")
        bench = await Bench.start(fake, tmp, None)
        try:
            warm_s = await bench.warm(ids)
            db_path = bench.bot.db_path
            due_at = now() + LEAD
            talk_id = add_talk_sql(db_path, due_at + timedelta(hours=1))
            insert(db_path, "INSERT INTO attendees (talk_id, user_id, created_at_ms) VALUES (?, ?, 0)",
                   [(talk_id, u) for u in ids])
            before_429 = fake.count_429
            seconds, planned = await plan(db_path, talk_id)
            conn = sqlite3.connect(db_path)
            due = {f"podium-{row_id}": due_ms / 1000 for row_id, due_ms in conn.execute(
                "SELECT id, due_at_ms FROM outbox WHERE kind = 'attendee_reminder' AND state = 'pending'")}
            conn.close()
            done = await wait_until(lambda: set(due) <= bench.delivered_nonces(), LEAD.total_seconds() + 120, 0.2)
        finally:
            await bench.bot.stop()
        first_post = bench.posted()
        delivered = set(due) & bench.delivered_nonces()
        lateness = [first_post[n] - due[n] for n in delivered if n in first_post]
        requests = bench.requests_between(min(due.values()) - 1, time.time())
        print(f"{len(delivered)}/{planned} attendee reminders delivered (DMs warm: {warm_s:.0f} s to warm "
              f"{args.attendees} channels); planned in {seconds * 1000:.0f} ms, one transaction")
        if lateness:
            print(f"  lateness {summary_ms(lateness)}; the whole batch took {max(lateness):.1f} s "
                  f"(budget at 45 requests/s: {len(due) / 45:.1f} s)")
        print(f"  {len(requests)} requests ({len(requests) / max(1, len(delivered)):.2f} per DM); "
              f"429s: {fake.count_429 - before_429}")
        if not done:
            print("WARNING: not every reminder arrived")


async def clicks(args: argparse.Namespace, tmp: Path) -> None:
    """Part 2: click latency of 🔔 Remind me with T talks and A attendee rows in the database."""
    db_path = tmp / "clicks" / "podium.db"
    db_path.parent.mkdir()
    await (await Database.open(db_path)).close()
    first_day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    insert(db_path, "INSERT INTO talks (guild_id, speaker_id, topic, starts_at_ms, duration_minutes, created_by,"
                    " updated_by, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, 30, ?, ?, 0, 0)",
           [(GUILD_ID, SPEAKER + i % 500, f"Talk {i}",
             to_ms(first_day + timedelta(days=i // 27, minutes=30 * (i % 27))), SPEAKER, SPEAKER)
            for i in range(args.talks)])
    per_talk = max(1, args.attendee_rows // args.talks)
    insert(db_path, "INSERT INTO attendees (talk_id, user_id, created_at_ms) VALUES (?, ?, 0)",
           [(t, FIRST_ATTENDEE + t * per_talk + k) for t in range(1, args.talks + 1) for k in range(per_talk)])
    insert(db_path, "INSERT INTO guild_settings (guild_id, announce_channel_id, created_at_ms, updated_at_ms)"
                    " VALUES (?, ?, 0, 0)", [(GUILD_ID, GENERAL_CHANNEL_ID)])
    clickers = [700000000000000000 + i for i in range(200)]
    guild = FakeGuild(members=[FakeMember(id=MODERATOR_ID, username="moderator", roles=[GUILD_ID + 2]),
                               *(FakeMember(id=u, username=f"m{i}") for i, u in enumerate(clickers))])
    latencies: list[float] = []
    async with FakeDiscord(guilds=[guild]) as fake:
        bot = BotProcess(fake, db_path.parent, LOG_LEVEL="WARNING")
        await bot.start()
        try:
            for i in range(args.clicks):
                user, talk_id = clickers[i % len(clickers)], 1 + (i * 7919) % args.talks
                options = [{"type": 1, "name": "info", "options": [{"type": 3, "name": "talk", "value": str(talk_id)}]}]
                info = await fake.invoke(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=user,
                                         name="schedule", options=options)
                await fake.wait_for_response(info)
                assert info.original is not None
                press = await fake.invoke_component(message_id=info.original.id, user_id=user,
                                                    custom_id=f"podium:att:join:{talk_id}")
                response = await fake.wait_for_interaction_response(press, timeout=10)
                if "You'll be reminded" not in response.json["data"]["content"]:
                    raise RuntimeError(response.json["data"]["content"])
                latencies.append(response.at - press.created_at)
        finally:
            await bot.stop()
        rows = sqlite3.connect(db_path).execute("SELECT count(*) FROM attendees").fetchone()[0]
    print(f"{args.clicks} clicks on 🔔 Remind me, {args.talks} talks and {rows} attendee rows in the database:")
    print(f"  {summary_ms(latencies)} (mean {statistics.mean(latencies) * 1000:.1f} ms, "
          f"p95 {percentile(latencies, 95) * 1000:.1f} ms)")


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if args.part in ("reminders", "both"):
            for line in await planning_figures(Path(tmp), args.attendees):
                print(line)
            (Path(tmp) / "reminders").mkdir()
            await reminders(args, Path(tmp) / "reminders")
        if args.part in ("clicks", "both"):
            await clicks(args, Path(tmp))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, default=2000)
    parser.add_argument("--talks", type=int, default=10_000)
    parser.add_argument("--attendee-rows", type=int, default=100_000)
    parser.add_argument("--clicks", type=int, default=500)
    parser.add_argument("--part", choices=("reminders", "clicks", "both"), default="both")
    asyncio.run(main(parser.parse_args()))
