"""Web page of talks: time to first byte (cold, cached, 304) and page weight with 1,000 past talks.

Run: .venv/bin/python bench/page.py [--past 1000] [--rounds 30]
Target (issue 24 §4): first byte <= 50 ms cached, <= 300 ms cold, page weight <= 100 kB (as sent, gzipped, and
the HTML itself).
Served by the real endpoint (podium/ops.py) on loopback over a real SQLite file; the client is aiohttp in the same
process, and the first byte is when the response's head has arrived. "Cold" is a page not built yet (the server's
cache emptied before each request); "first in the process" also compiles the templates.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import aiohttp
from _common import now, percentile

from db import Database
from podium.clock import SystemClock, to_ms
from tests.talk_site import serve_pages

GUILD = 810000000000000000
UPCOMING = 20
# A realistic archive entry: a long topic, a paragraph of description, both links.
DESCRIPTION = ("A walk through the borrow checker, lifetimes and the patterns that make them easy: examples from "
               "real code, the mistakes everyone makes once, and how the compiler's messages point at the fix. ") * 3


async def first_byte(session: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None
                     ) -> tuple[float, int, int]:
    """Seconds to the response's head, its status, and the body's size in bytes as sent (gzipped: a browser's ask)."""
    started = time.perf_counter()
    async with session.get(url, headers={"Accept-Encoding": "gzip", **(headers or {})}) as response:
        head = time.perf_counter() - started
        body = await response.read()
        return head, response.status, len(body)


async def html_size(session: aiohttp.ClientSession, url: str) -> int:
    """The page's HTML in bytes (asked for without compression)."""
    async with session.get(url, headers={"Accept-Encoding": "identity"}) as response:
        return len(await response.read())


async def main(past: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "podium.db")
        try:
            start = now()
            rows = [(GUILD, 700 + i % 50, f"Past talk {i}: ownership, borrowing and lifetimes in practice",
                     to_ms(start - timedelta(days=i + 1)), to_ms(start), f"Speaker {i % 50}", 900000 + i,
                     DESCRIPTION, f"https://slides.example.org/{i}", f"https://video.example.org/watch?v={i}")
                    for i in range(past)]
            rows += [(GUILD, 700 + i, f"Upcoming talk {i}", to_ms(start + timedelta(days=i + 1)), to_ms(start),
                      f"Speaker {i}", 800000 + i, DESCRIPTION, None, None) for i in range(UPCOMING)]
            async with db.transaction() as tx:
                await tx.executemany(
                    "INSERT INTO talks (guild_id, speaker_id, topic, starts_at_ms, duration_minutes, created_by,"
                    " updated_by, created_at_ms, updated_at_ms, speaker_name, thread_id, description, slides_url,"
                    " recording_url) VALUES (?, ?, ?, ?, 45, 1, 1, 0, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
            pages, server = await serve_pages(db, SystemClock(), unlimited=True)
            try:
                page = await pages.turn_on(GUILD)
                base = f"http://127.0.0.1:{server.port}/talks/{page.token}"
                urls = {
                    "first page (upcoming + newest past)": base,
                    "archive page 25": f"{base}?page=25",
                    "search (?q=speaker 7)": f"{base}?q=speaker+7",
                    "one talk's page": f"{base}/1",
                }
                async with aiohttp.ClientSession(auto_decompress=False) as session:
                    first, status, size = await first_byte(session, base)
                    assert status == 200
                    print(f"web page: {past} past talks, {UPCOMING} upcoming, {rounds} rounds; first byte (ms):")
                    print(f"  first request in the process (templates compiled): {first * 1000:6.1f}")
                    for label, url in urls.items():
                        cold, cached, revalidated = [], [], []
                        for _ in range(rounds):
                            pages._cache.clear()  # not built yet, as after a change of its talks
                            head, status, size = await first_byte(session, url)
                            assert status == 200
                            cold.append(head)
                            head, status, _ = await first_byte(session, url)
                            cached.append(head)
                            async with session.get(url, headers={"Accept-Encoding": "gzip"}) as response:
                                etag = response.headers["ETag"]
                            head, status, _ = await first_byte(session, url, {"If-None-Match": etag})
                            assert status == 304
                            revalidated.append(head)
                        html = await html_size(session, url)
                        print(f"  {label:36} {size / 1000:4.1f} kB gzip ({html / 1000:4.1f} kB HTML)"
                              f" | cold median {statistics.median(cold) * 1000:5.1f}"
                              f" p95 {percentile(cold, 95) * 1000:5.1f} max {max(cold) * 1000:5.1f}"
                              f" | cached median {statistics.median(cached) * 1000:4.1f}"
                              f" p95 {percentile(cached, 95) * 1000:4.1f}"
                              f" | 304 median {statistics.median(revalidated) * 1000:4.1f}"
                              f" p95 {percentile(revalidated, 95) * 1000:4.1f}")
            finally:
                await server.stop()
        finally:
            await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--past", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main(args.past, args.rounds))
