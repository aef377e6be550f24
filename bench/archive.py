"""The archive (issue 24 §3): one page of /schedule past among many past talks, unfiltered, searched, by speaker.

Run: .venv/bin/python bench/archive.py [--talks 10000] [--rounds 200]
No target in the issue; the figure shows the read stays an index range of the server's talks, newest first
(`talks_by_guild_start`), with other servers' talks beside it in the same table.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _common import now, summary_ms

from db import Database
from podium.archive import Archive
from podium.clock import SystemClock, to_ms
from podium.delivery.outbox import Outbox

GUILD = 810000000000000000
OTHER_GUILDS = 20
SPEAKERS = 200


async def main(count: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "podium.db")
        try:
            start = now() - timedelta(days=1)
            rows = [(GUILD + g, 700 + i % SPEAKERS, f"Talk {i}: {('Rust', 'Go', 'Python', 'Zig')[i % 4]} in depth",
                     to_ms(start - timedelta(hours=6 * i)), f"Speaker {i % SPEAKERS}",
                     "https://example.org/slides.pdf" if i % 3 == 0 else None)
                    for g in range(OTHER_GUILDS + 1) for i in range(count)]
            async with db.transaction() as tx:
                await tx.executemany(
                    "INSERT INTO talks (guild_id, speaker_id, topic, starts_at_ms, duration_minutes, state, created_by,"
                    " updated_by, created_at_ms, updated_at_ms, speaker_name, slides_url)"
                    " VALUES (?, ?, ?, ?, 30, 'done', 1, 1, 0, 0, ?, ?)", rows)
            archive = Archive(db, Outbox(db), SystemClock())
            print(f"{count:,} past talks in the server, {count * OTHER_GUILDS:,} in {OTHER_GUILDS} other servers")
            for label, search in (("first page", {}), ("page 50", {"offset": 490}), ("search 'zig'", {"query": "zig"}),
                                  ("one speaker", {"speaker_id": 742}),
                                  ("speaker + search", {"speaker_id": 742, "query": "python"})):
                times = []
                for _ in range(rounds):
                    began = time.perf_counter()
                    talks, total = await archive.past(GUILD, **search)  # type: ignore[arg-type]
                    times.append(time.perf_counter() - began)
                print(f"{label:>18}: {len(talks)} shown of {total:,} — {summary_ms(times)}")
        finally:
            await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--talks", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.talks, args.rounds))
