"""Burst: N DMs to N users due at the same instant; achieved requests/s against Discord's 50/s global limit.

The fake enforces the global limit (429 past 50 requests in any 1 s window).
Run: .venv/bin/python bench/burst.py [--users 5000]
Target (issue 3): >= 45 requests/s, zero 429s.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _common import now, queue_messages, wait_until

from podium.outbox import OutboxMessage
from tests.botprocess import BotProcess
from tests.fake_discord import FakeDiscord

PROACTIVE_ROUTES = {"/users/@me/channels", "/channels/{channel_id}/messages"}


async def main(users: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeDiscord(global_limit_per_s=50) as fake:
            ids = [600000000000000000 + i for i in range(users)]
            for user_id in ids:
                fake.add_user(user_id, f"u{user_id % 100000}")
            due = now() + timedelta(seconds=5)
            await queue_messages(
                Path(tmp) / "podium.db",
                [
                    OutboxMessage(
                        kind="personal_reminder",
                        dedupe_key=f"burst-{user_id}",
                        due_at=due,
                        target_type="dm",
                        user_id=user_id,
                        payload={"text": "burst"},
                    )
                    for user_id in ids
                ],
            )
            bot = BotProcess(fake, Path(tmp), LOG_LEVEL="WARNING")
            await bot.start(wait_ready=False)
            started = time.monotonic()
            try:
                done = await wait_until(lambda: len(fake.messages) >= users, users / 20 + 60, step=0.5)
            finally:
                await bot.stop()
            elapsed = time.monotonic() - started
            sends = sorted(r.at for r in fake.requests if r.route in PROACTIVE_ROUTES and r.method == "POST")
            window = sends[-1] - sends[0]
            per_second = (len(sends) - 1) / window if window > 0 else float("nan")
            busiest, first = 0, 0
            for last, at in enumerate(sends):  # the most requests in any 1 s window
                while sends[first] <= at - 1.0:
                    first += 1
                busiest = max(busiest, last - first + 1)
            print(
                f"{len(fake.messages)}/{users} DMs delivered ({len(sends)} requests) in {window:.1f} s "
                f"(whole run {elapsed:.1f} s)"
            )
            print(f"achieved {per_second:.1f} requests/s; busiest 1 s window {busiest}; 429s: {fake.count_429}")
            if not done:
                print("WARNING: not every message arrived")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000)
    asyncio.run(main(parser.parse_args().users))
