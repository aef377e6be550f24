"""Head-of-line: whether a burst to one busy channel delays DMs due at the same time.

One run, two phases against Discord's bucket naming with warm channels: (A) 20 DMs to 20 users due at once,
alone; (B) 40 messages to one channel plus 20 DMs to the same 20 users, all due at once. The DMs' lateness in
B should stay within 100 ms of A at p99, and the channel's 40 messages should be paced at its own limit
(5 per 5 s) with no 429.
Run: .venv/bin/python bench/head_of_line.py [--channel-messages 40] [--dms 20] [--bot-root PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from datetime import timedelta
from pathlib import Path

from _common import now, percentile, summary_ms
from _warm import WINDOW_SECONDS, Bench, Row, busiest_window

from tests.fake_discord import GENERAL_CHANNEL_ID, FakeDiscord

LEAD_SECONDS = 3.0


async def main(args: argparse.Namespace) -> None:
    users = [710000000000000000 + i for i in range(args.dms)]
    channel = GENERAL_CHANNEL_ID
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeDiscord() as fake:
            for user_id in users:
                fake.add_user(user_id, f"u{user_id % 100000}")
            bench = await Bench.start(fake, Path(tmp), args.bot_root)
            try:
                await bench.warm(users, [channel])
                before_429 = fake.count_429
                at = now() + timedelta(seconds=LEAD_SECONDS)
                alone, _ = await bench.queue_and_wait([Row(f"a-{u}", at, user_id=u) for u in users], within=60)
                await asyncio.sleep(WINDOW_SECONDS)
                at = now() + timedelta(seconds=LEAD_SECONDS)
                busy_rows = [Row(f"c-{i}", at, channel_id=channel, text=f"announcement {i}")
                             for i in range(args.channel_messages)]
                dm_rows = [Row(f"b-{u}", at, user_id=u) for u in users]
                due, done = await bench.queue_and_wait(busy_rows + dm_rows, within=args.channel_messages + 60)
            finally:
                await bench.bot.stop()
            posted = bench.posted()
            delivered = {m.nonce: m for m in fake.messages if m.nonce}
            dm_nonces_b = [n for n in due if n in delivered and delivered[n].channel_id != channel]
            channel_nonces = [n for n in due if n in delivered and delivered[n].channel_id == channel]
            late_a = [posted[n] - d for n, d in alone.items()]
            late_b = [posted[n] - due[n] for n in dm_nonces_b]
            channel_times = sorted(delivered[n].created_at for n in channel_nonces) if channel_nonces else []
            print(f"(A) {len(late_a)} DMs alone:               {summary_ms(late_a)}")
            print(f"(B) {len(late_b)} DMs beside a busy channel: {summary_ms(late_b)}")
            print(f"    p99 difference B - A: {(percentile(late_b, 99) - percentile(late_a, 99)) * 1000:.1f} ms"
                  " (target <= 100 ms)")
            if channel_times:
                print(
                    f"    channel: {len(channel_times)}/{args.channel_messages} delivered over "
                    f"{channel_times[-1] - channel_times[0]:.1f} s; most in any 5 s: "
                    f"{busiest_window(channel_times, 5.0)}; 429s in the run: {fake.count_429 - before_429}"
                )
            if not done:
                print("WARNING: not every message arrived")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channel-messages", type=int, default=40)
    parser.add_argument("--dms", type=int, default=20)
    parser.add_argument("--bot-root", type=Path, help="run another checkout's bot.py (e.g. the previous release)")
    asyncio.run(main(parser.parse_args()))
