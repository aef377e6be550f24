"""Scheduled events (issue 14): how long the real bot takes to mirror N upcoming talks through the strict fake.

A guild has N talks (default 100, Discord's limit of active events per guild) written with plain SQL, one every
two hours from tomorrow on; a moderator runs `/announce-settings events enabled:True`, which queues one event per
talk in that command's transaction. Timed: the command's answer, then until the fake holds all N events (each a
POST through the dispatcher, paced like every other request). Then every talk is moved by an hour in one
transaction of this process (through TalkService, as /schedule reschedule would) and the PATCHes are timed the
same way (the bot finds rows another process wrote at its next safety tick, set to 1 s here). Reported:
requests per event, 429s, the fake's 4xx answers (the strict fake rejects malformed events).

Then (issue 20 §1) `--hand-edits` events are moved by hand in Discord's client by the owner, one after another:
timed from the edit to the talk following it (the bot reads the audit log and the owner's roles first), with the
requests each edit cost. Then the bot's role loses View Audit Log and the same number of edits is made again:
timed until each is put back.

Run: .venv/bin/python bench/scheduled_events.py [--talks 100] [--hand-edits 20]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _common import now, percentile, queue_messages, wait_until

from db import Database
from podium import audience, scheduled_events
from podium.clock import SystemClock, to_ms
from podium.delivery.outbox import Outbox, OutboxMessage
from podium.talks import Actor, TalkService, default_hooks
from tests.botprocess import BotProcess
from tests.fake_discord import (
    BOT_ROLE_ID,
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    MODERATOR_ID,
    OWNER_ID,
    VIEW_AUDIT_LOG,
    FakeDiscord,
)

ROUTE = "/guilds/{guild_id}/scheduled-events"


def add_talks(path: Path, n: int) -> None:
    """N upcoming talks, written as another process would."""
    start = now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    conn = sqlite3.connect(path, timeout=30)
    try:
        with conn:
            conn.executemany(
                "INSERT INTO talks (guild_id, speaker_id, topic, starts_at_ms, duration_minutes, created_by,"
                " updated_by, created_at_ms, updated_at_ms, speaker_name) VALUES (?, ?, ?, ?, 45, ?, ?, 0, 0, ?)",
                [(GUILD_ID, OWNER_ID, f"Talk {i}", to_ms(start + timedelta(hours=2 * i)), OWNER_ID, OWNER_ID, "Ada")
                 for i in range(n)],
            )
    finally:
        conn.close()


async def move_all(path: Path) -> None:
    """Every talk one hour later, each through TalkService (its hooks queue the PATCH), as a moderator."""
    db = await Database.open(path)
    try:
        outbox = Outbox(db)
        hooks = scheduled_events.subscribe(audience.subscribe(default_hooks(outbox), outbox), outbox)
        talks = TalkService(db, outbox, SystemClock(), hooks)
        rows = await db.fetchall("SELECT id, starts_at_ms FROM talks ORDER BY starts_at_ms DESC")
        for row in rows:  # latest first: a talk never moves onto the next one's slot
            talk = await talks.get(GUILD_ID, row["id"])
            assert talk is not None
            await talks.reschedule(guild_id=GUILD_ID, actor=Actor(MODERATOR_ID, is_moderator=True),
                                   talk_id=talk.id, starts_at=talk.starts_at + timedelta(hours=1))
    finally:
        await db.close()


def count(fake: FakeDiscord, method: str, path_end: str = "") -> int:
    return sum(1 for r in fake.requests if r.method == method and "/scheduled-events" in r.path
               and r.path.endswith(path_end))


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeDiscord() as fake:
            # Rows this process writes (the moves) are found at the next safety tick: keep it short.
            bot = BotProcess(fake, Path(tmp), LOG_LEVEL="WARNING", DISPATCH_TICK_SECONDS="1")
            await bot.start()
            try:
                add_talks(bot.db_path, args.talks)
                started = time.monotonic()
                interaction = await fake.invoke(
                    guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MODERATOR_ID, name="announce-settings",
                    options=[{"type": 1, "name": "events", "options": [
                        {"type": 5, "name": "enabled", "value": True},
                        {"type": 3, "name": "location", "value": "#talks"}]}])
                await fake.wait_for_response(interaction)
                answered = time.monotonic() - started
                # A member's reminder falls due while the events are made: it must not wait behind them.
                await queue_messages(bot.db_path, [OutboxMessage(
                    kind="personal_reminder", dedupe_key="during-events", due_at=now(), target_type="dm",
                    user_id=MEMBER_ID, payload={"text": "due while the events are made"})])
                due = time.monotonic()
                reminder = await fake.wait_for_message(lambda m: "due while the events" in m.content, timeout=600)
                late = time.monotonic() - due
                # Discord lets a guild make 5 events a minute: allow for that, and a margin.
                ok = await wait_until(lambda: len(fake.scheduled_events) >= args.talks, within=60 + args.talks * 15)
                created = time.monotonic() - started
                posts = count(fake, "POST")
                print(f"{args.talks} talks mirrored: command answered in {answered * 1000:.0f} ms; all events made "
                      f"{'in' if ok else 'NOT within'} {created:.1f} s ({posts} POSTs); a DM reminder due meanwhile "
                      f"arrived {late:.2f} s after it was queued ({reminder.id and 'sent'})")
                print("  outbox rows of the events: " + ", ".join(
                    f"{r['state']} {r['n']} (attempts max {r['attempts']})" for r in rows_by_state(bot.db_path)))
                started = time.monotonic()
                await move_all(bot.db_path)
                queued = time.monotonic() - started
                target = {e["id"]: e for e in fake.scheduled_events.values()}

                def moved() -> bool:
                    return count(fake, "PATCH") >= args.talks

                ok = await wait_until(moved, within=60 + args.talks * 5)
                patched = time.monotonic() - started
                print(f"{args.talks} talks moved (queued in {queued:.1f} s, one transaction each): all PATCHed "
                      f"{'in' if ok else 'NOT within'} {patched:.1f} s ({count(fake, 'PATCH')} PATCHes, "
                      f"{len(target)} events in all)")
                statuses = [r.status for r in fake.requests if "/scheduled-events" in r.path]
                rejected = sum(1 for s in statuses if 400 <= s < 500 and s != 429)
                print(f"  429s: {statuses.count(429)}; other 4xx: {rejected}")
                if args.hand_edits:
                    await hand_edits(fake, bot, args.hand_edits)
            finally:
                await bot.stop()


def rows_by_state(db_path: Path) -> list[dict[str, object]]:
    conn = sqlite3.connect(db_path, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(
            "SELECT state, count(*) AS n, max(attempts) AS attempts FROM outbox WHERE kind LIKE '%event%'"
            " GROUP BY state")]
    finally:
        conn.close()


def start_ms(db_path: Path, event_id: int) -> int:
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        return int(conn.execute("SELECT starts_at_ms FROM talks WHERE event_id = ?", (event_id,)).fetchone()[0])
    finally:
        conn.close()


async def hand_edits(fake: FakeDiscord, bot: BotProcess, n: int) -> None:
    """The owner moves n events by hand: followed (audit log read); then, without View Audit Log, put back."""
    from datetime import datetime

    events = sorted(fake.scheduled_events.values(), key=lambda e: e["scheduled_start_time"], reverse=True)[:n]
    for phase in ("followed", "put back"):
        took: list[float] = []
        before = len(fake.requests)
        for event in events:  # latest first: a talk never moves onto the next one's slot
            event_id = int(event["id"])
            old = start_ms(bot.db_path, event_id)
            start = datetime.fromisoformat(event["scheduled_start_time"])
            moved = start + timedelta(minutes=30)
            began = time.monotonic()
            fake.edit_event_as_moderator(event_id, scheduled_start_time=moved,
                                         scheduled_end_time=moved + timedelta(minutes=45))
            if phase == "followed":
                def done(event_id: int = event_id, moved: datetime = moved) -> bool:
                    return start_ms(bot.db_path, event_id) == int(moved.timestamp() * 1000)
            else:
                def done(event: dict = event, start: datetime = start, event_id: int = event_id,
                         old: int = old) -> bool:
                    back = datetime.fromisoformat(event["scheduled_start_time"]) == start
                    return back and start_ms(bot.db_path, event_id) == old
            ok = await wait_until(done, within=30, step=0.01)
            took.append(time.monotonic() - began if ok else float("inf"))
        requests = fake.requests[before:]
        audit = sum(1 for r in requests if r.path.endswith("/audit-logs"))
        members = sum(1 for r in requests if "/members/" in r.path)
        patches = sum(1 for r in requests if r.method == "PATCH")
        print(f"{n} hand edits {phase}: p50 {percentile(took, 50) * 1000:.0f} ms, max {max(took) * 1000:.0f} ms; "
              f"{len(requests)} requests ({audit} audit log, {members} member, {patches} PATCH)")
        role = fake.guilds[GUILD_ID].get_role(BOT_ROLE_ID)
        assert role is not None
        role.permissions &= ~VIEW_AUDIT_LOG


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talks", type=int, default=100)
    parser.add_argument("--hand-edits", type=int, default=20)
    asyncio.run(main(parser.parse_args()))
