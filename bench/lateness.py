"""Lateness: N DMs to U users due at random (or evenly spaced) instants, from due_at to the fake receiving the POST.

Runs against Discord's bucket naming (one X-RateLimit-Bucket name per route, limits per channel) and, by default,
with WARM channels: every user has received a message before the measured run, as after a day of running.
Run: .venv/bin/python bench/lateness.py [--messages 1000] [--users 100] [--window 60] [--cold] [--even]
                                         [--bot-root PATH] [--per-channel-names] [--log FILE]
Target (issue 10): 1,000 DMs over 60 s to 100 users, warm: p50 <= 50 ms, p99 <= 250 ms, 0 x 429.
The issue's reproduction: --messages 100 --users 10 --window 40 --even (one every 0.4 s).
Issue 19: --messages 100 --users 25 --window 40 --even --cold (DM channels opened on the way): p99 <= 100 ms;
--messages 1 --users 1 --window 0 --server-errors 2 (a reminder whose first two POSTs get a 500): <= 5 s late, once.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
from datetime import timedelta
from pathlib import Path

from _common import now, summary_ms
from _warm import Bench, Row

from tests.fake_discord import FakeDiscord

LEAD_SECONDS = 4.0  # rows are written this long before the first is due


async def main(args: argparse.Namespace) -> None:
    rng = random.Random(7)
    users = [700000000000000000 + i for i in range(args.users)]
    with tempfile.TemporaryDirectory() as tmp:
        naming = "per_channel" if args.per_channel_names else "discord"
        async with FakeDiscord(bucket_names=naming) as fake:
            for user_id in users:
                fake.add_user(user_id, f"u{user_id % 100000}")
            bench = await Bench.start(fake, Path(tmp), args.bot_root, LOG_LEVEL="INFO" if args.log else "WARNING")
            try:
                warm_s = 0.0 if args.cold else await bench.warm(users)
                before_429 = fake.count_429
                if args.server_errors:
                    fake.fail("POST", "/channels/{channel_id}/messages", status=500, times=args.server_errors)
                start = now() + timedelta(seconds=LEAD_SECONDS)
                rows = []
                for i in range(args.messages):
                    offset = i * args.window / args.messages if args.even else rng.uniform(0, args.window)
                    rows.append(Row(f"late-{i}", start + timedelta(seconds=offset), user_id=users[i % len(users)]))
                due, done = await bench.queue_and_wait(rows, within=LEAD_SECONDS + args.window + args.grace)
            finally:
                await bench.bot.stop()
            posted = bench.posted()
            delivered = bench.delivered_nonces()
            lateness = [posted[n] - d for n, d in due.items() if n in posted]
            late_after_grace = [n for n in due if n not in delivered]
            print(
                f"{args.messages} DMs to {args.users} users, {'evenly spaced' if args.even else 'at random'} over "
                f"{args.window:.0f} s; {naming} bucket names; {'cold' if args.cold else f'warm ({warm_s:.0f} s)'}"
                f"{'; bot at ' + str(args.bot_root) if args.bot_root else ''}:"
            )
            print(f"  lateness of {len(lateness)}/{len(due)}: {summary_ms(lateness)}")
            print(
                f"  429s during the run: {fake.count_429 - before_429}; not delivered {args.grace:.0f} s after the last"
                f" was due: {len(late_after_grace)}"
            )
            if args.server_errors:
                made = [m for m in fake.messages if m.nonce in due]
                created = [m.created_at - due[m.nonce] for m in made]
                print(f"  after {args.server_errors} x 500: created {summary_ms(created)} after due;"
                      f" {len(made) - len({m.nonce for m in made})} duplicated")
            worst = sorted((posted[n] - d, d - start.timestamp()) for n, d in due.items() if n in posted)[-5:]
            print("  worst 5 (lateness s, due s after start): " + ", ".join(f"({a:.3f}, {b:.1f})" for a, b in worst))
            if not done:
                print("WARNING: not every message arrived")
            if args.log:
                args.log.write_text(bench.bot.log(), encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--grace", type=float, default=30.0, help="seconds after the last due time to wait")
    parser.add_argument("--even", action="store_true", help="evenly spaced instead of random due times")
    parser.add_argument("--server-errors", type=int, default=0,
                        help="the first N message POSTs of the run get a 500 (a short Discord outage)")
    parser.add_argument("--cold", action="store_true", help="skip the warm-up (channels never seen before)")
    parser.add_argument("--per-channel-names", action="store_true", help="the kinder fake: a bucket name per channel")
    parser.add_argument("--bot-root", type=Path, help="run another checkout's bot.py (e.g. the previous release)")
    parser.add_argument("--log", type=Path, help="save the bot's log here")
    asyncio.run(main(parser.parse_args()))
