"""Command latency: INTERACTION_CREATE dispatched -> the bot's callback request, for /schedule add and list.

Runs against a database that already holds N talks in the guild.
Run: .venv/bin/python bench/commands.py [--talks 10000] [--calls 500]
Target (issue 4): p99 <= 100 ms (Discord's hard limit for the first response is 3 s).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import summary_ms

from db import Database
from tests.botprocess import BotProcess
from tests.fake_discord import GENERAL_CHANNEL_ID, GUILD_ID, MODERATOR_ID, FakeDiscord


async def create_db(path: Path) -> None:
    """Schema and migrations, the bot's own way."""
    db = await Database.open(path)
    await db.close()


def fill_talks(path: Path, talks: int, first_day: datetime) -> None:
    """`talks` talks in the guild, 27 a day from 00:00 every 30 min (plain sqlite3: setup only)."""
    rows = []
    for i in range(talks):
        start = first_day + timedelta(days=i // 27, minutes=30 * (i % 27))
        ms = int(start.timestamp() * 1000)
        rows.append((GUILD_ID, 700000000000000000 + i % 500, f"Existing talk {i}", ms, MODERATOR_ID, MODERATOR_ID))
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO talks (guild_id, speaker_id, topic, starts_at_ms, duration_minutes, created_by, updated_by,"
            " created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, 30, ?, ?, 0, 0)",
            rows,
        )
    conn.close()


def subcommand(name: str, **options: str) -> list[dict]:
    """Discord's JSON for `/schedule <name> option:value ...`."""
    return [{"type": 1, "name": name, "options": [{"type": 3, "name": k, "value": v} for k, v in options.items()]}]


async def main(talks: int, calls: int) -> None:
    first_day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "podium.db"
        await create_db(db_path)
        fill_talks(db_path, talks, first_day)
        async with FakeDiscord() as fake:
            bot = BotProcess(fake, Path(tmp), LOG_LEVEL="WARNING")
            await bot.start()
            latencies: dict[str, list[float]] = {"add": [], "list": []}
            try:
                for i in range(calls):
                    day = first_day + timedelta(days=1 + i // 2, hours=20 + i % 2)
                    for name, options in (
                        ("add", {"when": day.strftime("%Y-%m-%d %H:%M"), "topic": f"Bench talk {i}"}),
                        ("list", {}),
                    ):
                        interaction = await fake.invoke(
                            guild_id=GUILD_ID,
                            channel_id=GENERAL_CHANNEL_ID,
                            user_id=MODERATOR_ID,
                            name="schedule",
                            options=subcommand(name, **options),
                        )
                        response = await fake.wait_for_interaction_response(interaction, timeout=10)
                        if name == "add" and "signed up" not in response.json["data"]["content"]:
                            raise RuntimeError(response.json["data"]["content"])
                        latencies[name].append(response.at - interaction.created_at)
            finally:
                await bot.stop()
    print(f"{calls} × /schedule add and {calls} × /schedule list, {talks} talks in the guild:")
    for name, values in latencies.items():
        print(f"  {name}: {summary_ms(values)}")
    print(f"  all: {summary_ms(latencies['add'] + latencies['list'])}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talks", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(main(args.talks, args.calls))
