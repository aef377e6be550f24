"""Burst: N DMs to N users due at the same instant; achieved requests/s against Discord's 50/s global limit.

Discord's bucket naming and WARM channels by default: every user has received a DM before the measured burst
(their DM channel is open and cached, and the bot has rate-limit state for every channel), as after a day.
Run: .venv/bin/python bench/burst.py [--users 5000] [--cold] [--bot-root PATH]
Target (issue 10): >= 44 requests/s, 0 x 429, 1 request per DM (warm).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _common import now
from _warm import Bench, Row, busiest_second

from tests.fake_discord import FakeDiscord

LEAD_SECONDS = 4.0


async def main(args: argparse.Namespace) -> None:
    ids = [600000000000000000 + i for i in range(args.users)]
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeDiscord() as fake:
            for user_id in ids:
                fake.add_user(user_id, f"u{user_id % 100000}")
            bench = await Bench.start(fake, Path(tmp), args.bot_root)
            try:
                warm_s = 0.0 if args.cold else await bench.warm(ids)
                before_429 = fake.count_429
                due_at = now() + timedelta(seconds=LEAD_SECONDS)
                started = time.monotonic()
                rows = [Row(f"burst-{u}", due_at, user_id=u) for u in ids]
                due, done = await bench.queue_and_wait(rows, within=LEAD_SECONDS + args.users / 20 + 60)
                elapsed = time.monotonic() - started
            finally:
                await bench.bot.stop()
            delivered = len(set(due) & bench.delivered_nonces())
            requests = bench.requests_between(due_at.timestamp() - 1, time.time())
            times = sorted(r.at for r in requests)
            window = times[-1] - times[0] if len(times) > 1 else float("nan")
            print(
                f"{delivered}/{args.users} DMs due at once, {'cold' if args.cold else f'warm ({warm_s:.0f} s)'}"
                f"{'; bot at ' + str(args.bot_root) if args.bot_root else ''}: {len(requests)} requests"
                f" ({len(requests) / max(1, delivered):.2f} per DM) in {window:.1f} s (whole phase {elapsed:.1f} s)"
            )
            print(
                f"  achieved {(len(times) - 1) / window:.1f} requests/s; busiest 1 s window {busiest_second(times)};"
                f" 429s: {fake.count_429 - before_429}"
            )
            if not done:
                print("WARNING: not every message arrived")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--cold", action="store_true", help="skip the warm-up (DM channels never opened)")
    parser.add_argument("--bot-root", type=Path, help="run another checkout's bot.py (e.g. the previous release)")
    asyncio.run(main(parser.parse_args()))
