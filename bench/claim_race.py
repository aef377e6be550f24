"""Claiming a series' last slot (issue 23 §2): N members (default 200) click "🎤 Claim a slot" within one second.

The real bot process (`python bot.py`) against the loopback Discord: a series of 2 slots whose next evening has one
slot held already; the open-slots post is made by Podium itself (`/announce-settings slots`), and then every member
clicks its button, the clicks spread evenly over one second (INTERACTION_CREATE dispatched by the fake at
i/N s). Latency: the fake dispatching the click → the bot's interaction callback received (what the member waits
for). Reported: claims stored (target exactly 1), members told they hold the slot (1), members told it was taken
and offered the next evening (N-1), errors (no answer, or any other answer: 0), answered within 3 s, p50/p99/max
(target p99 <= 100 ms).

Part 2 (`--part domain`): the same race without Discord: the N claims started within the window against
podium/slots.py and a real SQLite file in this process (what the bot's click path costs in the domain alone).

The machine's load average is printed with each run: the 2 cores are shared, and the latency of a click the bot
answers in a few milliseconds alone is mostly the wait for a core when others are busy.

Run: .venv/bin/python bench/claim_race.py [--members 200] [--window 1.0] [--part bot|domain|both]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import percentile, summary_ms

from db import Database
from podium.clock import to_ms
from tests.botprocess import BotProcess
from tests.fake_discord import GENERAL_CHANNEL_ID, GUILD_ID, MODERATOR_ID, FakeDiscord, FakeGuild, FakeMember

# Every Thursday at 19:00, as podium/recurrence.py stores a rule.
WEEKLY_RULE = '{"freq": "weekly", "hour": 19, "interval": 1, "minute": 0, "nth": 0, "weekday": 3}'
FIRST_MEMBER = 700000000000000000
HOLDER = 600000000000000000


def setup(db_path: Path) -> int:
    """A guild, a series of two slots, two evenings; slot 1 of the first evening held. The first evening's id."""
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        with conn:
            conn.execute("INSERT INTO guild_settings (guild_id, announce_channel_id, created_at_ms, updated_at_ms)"
                         " VALUES (?, ?, 0, 0)", (GUILD_ID, GENERAL_CHANNEL_ID))
            series = conn.execute(
                "INSERT INTO series (guild_id, name, rule, every_text, timezone, slots, slot_minutes, state,"
                " created_by, created_at_ms, updated_at_ms) VALUES (?, 'Rust Thursdays', ?, 'thursday 19:00',"
                " 'Europe/Berlin', 2, 30, 'active', ?, 0, 0)", (GUILD_ID, WEEKLY_RULE, MODERATOR_ID)).lastrowid
            start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=2)
            evenings = [conn.execute(
                "INSERT INTO series_evenings (series_id, guild_id, starts_at_ms, state) VALUES (?, ?, ?, 'open')",
                (series, GUILD_ID, to_ms(start + timedelta(weeks=week)))).lastrowid for week in range(2)]
            conn.execute(
                "INSERT INTO talks (guild_id, speaker_id, topic, starts_at_ms, duration_minutes, created_by,"
                " updated_by, created_at_ms, updated_at_ms, evening_id, slot) VALUES (?, ?, 'Held', ?, 30, ?, ?, 0,"
                " 0, ?, 0)", (GUILD_ID, HOLDER, to_ms(start), HOLDER, HOLDER, evenings[0]))
    finally:
        conn.close()
    assert isinstance(evenings[0], int)
    return evenings[0]


async def domain(args: argparse.Namespace) -> None:
    """Part 2: the race in the domain alone, real SQLite, no Discord."""
    from podium import i18n, slots
    from podium.clock import SystemClock
    from podium.delivery.outbox import Outbox
    from podium.talks import TalkService, composed_hooks

    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "podium.db"
        await (await Database.open(db_path)).close()
        evening = setup(db_path)
        db = await Database.open(db_path)
        try:
            outbox = Outbox(db)
            talks = TalkService(db, outbox, SystemClock(), composed_hooks(outbox))

            async def press(i: int) -> tuple[float, str]:
                await asyncio.sleep(i * args.window / args.members)
                started = time.perf_counter()
                outcome = await slots.claim(talks, guild_id=GUILD_ID, user_id=FIRST_MEMBER + i, evening_id=evening)
                reply = await slots.claim_reply(db, outcome, i18n.ENGLISH, talks.clock.now())
                return time.perf_counter() - started, reply.text

            results = await asyncio.gather(*(press(i) for i in range(args.members)))
            claims = await db.fetchval("SELECT count(*) FROM talks WHERE evening_id = ? AND slot = 1"
                                       " AND state = 'scheduled'", (evening,))
        finally:
            await db.close()
    latencies = [latency for latency, _ in results]
    held = sum("You hold slot 2" in text for _, text in results)
    taken = sum("Every slot of" in text for _, text in results)
    print(f"domain only (podium/slots.py, real SQLite, no Discord), {args.members} claims within {args.window:.1f} s:")
    print(f"  claims stored: {claims}; held: {held}; taken: {taken}; errors: {args.members - held - taken}; "
          f"claim + reply {summary_ms(latencies)}")


async def main(args: argparse.Namespace) -> None:
    print(f"load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores)")
    if args.part in ("domain", "both"):
        await domain(args)
    if args.part == "domain":
        return
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "podium.db"
        await (await Database.open(db_path)).close()
        evening = setup(db_path)
        members = [FIRST_MEMBER + i for i in range(args.members)]
        guild = FakeGuild(members=[FakeMember(id=MODERATOR_ID, username="moderator", roles=[GUILD_ID + 2]),
                                   *(FakeMember(id=u, username=f"m{i}") for i, u in enumerate(members))])
        async with FakeDiscord(guilds=[guild]) as fake:
            bot = BotProcess(fake, Path(tmp), LOG_LEVEL="WARNING")
            await bot.start()
            try:
                options = [{"type": 1, "name": "slots", "options": [{"type": 4, "name": "days-before", "value": 5}]}]
                setting = await fake.invoke(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MODERATOR_ID,
                                            name="announce-settings", options=options)
                await fake.wait_for_response(setting)
                post = await fake.wait_for_message(
                    lambda m: m.channel_id == GENERAL_CHANNEL_ID and "open slot" in m.content, timeout=20)
                custom_id = f"podium:slot:claim:{evening}"

                async def press(i: int, user: int) -> tuple[float, str]:
                    await asyncio.sleep(i * args.window / len(members))
                    click = await fake.invoke_component(message_id=post.id, custom_id=custom_id, user_id=user)
                    try:
                        answer = await fake.wait_for_interaction_response(click, timeout=10)
                    except TimeoutError:
                        return float("inf"), "(no answer)"
                    return answer.at - click.created_at, str(answer.json.get("data", {}).get("content", ""))

                started = time.perf_counter()
                results = await asyncio.gather(*(press(i, user) for i, user in enumerate(members)))
                elapsed = time.perf_counter() - started
            finally:
                await bot.stop()
        conn = sqlite3.connect(db_path)
        claims = conn.execute("SELECT count(*) FROM talks WHERE evening_id = ? AND slot = 1 AND state = 'scheduled'",
                              (evening,)).fetchone()[0]
        conn.close()
    latencies = [latency for latency, _ in results if latency != float("inf")]
    if args.verbose:
        print([round(latency * 1000) for latency in latencies])
    held = sum("You hold slot 2" in text for _, text in results)
    taken = sum("Every slot of" in text for _, text in results)
    errors = len(results) - held - taken
    print(f"{args.members} members click 🎤 Claim a slot on an evening's last slot within {args.window:.1f} s "
          f"(all answered after {elapsed:.2f} s):")
    print(f"  claims stored: {claims}; told they hold it: {held}; told it was taken (next evening offered): "
          f"{taken}; errors: {errors}")
    print(f"  answered within 3 s: {sum(latency <= 3 for latency in latencies)}/{args.members}; "
          f"click → answer {summary_ms(latencies)} (p95 {percentile(latencies, 95) * 1000:.1f} ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--window", type=float, default=1.0, help="seconds the clicks are spread over")
    parser.add_argument("--verbose", action="store_true", help="every latency, in click order")
    parser.add_argument("--part", choices=("bot", "domain", "both"), default="both")
    asyncio.run(main(parser.parse_args()))
