"""Lateness: N DMs due at random instants over a window, from due_at to the fake receiving the POST.

Run: .venv/bin/python bench/lateness.py [--messages 1000] [--window 60] [--log FILE]
Target (issue 3): p50 <= 50 ms, p99 <= 250 ms. The fake enforces Discord's global 50 requests/s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
from datetime import timedelta
from pathlib import Path

from _common import MESSAGES_ROUTE, now, queue_messages, summary_ms, wait_until

from podium.outbox import OutboxMessage
from tests.botprocess import BotProcess
from tests.fake_discord import FakeDiscord, RecordedRequest

LEAD_SECONDS = 8.0  # the bot is started and logged in well before the first row is due


def report(due: dict[str, float], requests: list[RecordedRequest], first_slot: float, count_429: int) -> list[str]:
    """Lines describing lateness per message (first POST of its nonce minus its due time)."""
    first_post: dict[str, float] = {}
    for request in requests:
        if request.route == MESSAGES_ROUTE and request.method == "POST" and isinstance(request.json, dict):
            first_post.setdefault(request.json.get("nonce"), request.at)
    lateness = [first_post[n] - due[n] for n in due if n in first_post]
    worst = sorted((first_post[n] - due[n], due[n] - first_slot) for n in due if n in first_post)[-5:]
    return [
        f"lateness of {len(lateness)}/{len(due)} DMs: {summary_ms(lateness)}",
        # Due times are stored in whole milliseconds, so "early" below 1 ms is rounding, not a bug.
        f"sent more than 1 ms early: {sum(1 for x in lateness if x < -0.001)} (earliest {min(lateness) * 1000:.2f} ms);"
        f" 429s from the fake: {count_429}",
        "worst 5 (lateness s, due s after the first slot): "
        + ", ".join(f"({late:.3f}, {at:.1f})" for late, at in worst),
    ]


def save_log(path: Path, bot_log: str, requests: list[RecordedRequest], first_slot: float) -> None:
    """The bot's log, and one line per request the fake saw (seconds after the first slot)."""
    path.write_text(bot_log, encoding="utf-8")
    lines = [f"{r.at - first_slot:.3f} {r.method} {r.route} {r.status}" for r in requests]
    path.with_suffix(".requests").write_text("\n".join(lines) + "\n", encoding="utf-8")


async def main(messages: int, window: float, log_to: Path | None) -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeDiscord(global_limit_per_s=50) as fake:
            users = [700000000000000000 + i for i in range(messages)]
            for user_id in users:
                fake.add_user(user_id, f"u{user_id % 100000}")
            start = now() + timedelta(seconds=LEAD_SECONDS)
            rows = [
                OutboxMessage(
                    kind="personal_reminder",
                    dedupe_key=f"late-{user_id}",
                    due_at=start + timedelta(seconds=rng.uniform(0, window)),
                    target_type="dm",
                    user_id=user_id,
                    payload={"text": "bench"},
                )
                for user_id in users
            ]
            ids = await queue_messages(Path(tmp) / "podium.db", rows)
            due = {f"podium-{i}": m.due_at.timestamp() for i, m in zip(ids, rows, strict=True)}
            bot = BotProcess(fake, Path(tmp), LOG_LEVEL="INFO" if log_to else "WARNING")
            await bot.start(wait_ready=False)
            try:
                done = await wait_until(
                    lambda: len({m.nonce for m in fake.messages}) >= messages, LEAD_SECONDS + window + 60
                )
            finally:
                await bot.stop()
            print(f"{messages} DMs to distinct users, due at random over {window:.0f} s:")
            for line in report(due, fake.requests, start.timestamp(), fake.count_429):
                print(f"  {line}")
            if not done:
                print("WARNING: not every message arrived")
            if log_to:
                save_log(log_to, bot.log(), fake.requests, start.timestamp())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--log", type=Path, help="save the bot's log (INFO) and the fake's request list here")
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.window, args.log))
