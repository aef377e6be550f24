"""The HTTP endpoint under abuse: half-sent requests, more connections than the cap, floods of unknown feed tokens.

Run: .venv/bin/python bench/http_side.py [--hold 50] [--aiohttp-defaults]
Targets (issue 20 §6): 50 half-sent requests no longer hold connections after 20 s (aiohttp's default keeps them
3,630 s) while normal requests are served; an unknown feed token costs one query, not one per request; a flood from
one address gets 429. Real sockets to 127.0.0.1, the real OpsServer and a real SQLite file, in this process.
`--aiohttp-defaults` serves with aiohttp's own timeouts and no cap (the behaviour before issue 20), for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from _common import percentile

from db import Database
from podium.calendar_feed import Calendars
from podium.clock import SystemClock
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox
from podium.delivery.pacing import Pacer
from podium.metrics import Metrics
from podium.ops import MAX_CONNECTIONS, OpsServer


class NoDiscord:
    """The dispatcher is only read by /healthz here; nothing is sent."""

    def own_user_id(self) -> int | None:
        return None


async def half_sent(port: int, count: int) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    held = []
    for _ in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HT")
        await writer.drain()
        held.append((reader, writer))
    return held


async def closed_after(reader: asyncio.StreamReader, opened: float, limit: float) -> float | None:
    try:
        await asyncio.wait_for(reader.read(), limit)
    except TimeoutError:
        return None
    return time.monotonic() - opened


async def over_the_cap(port: int) -> None:
    """More half-sent connections than the cap, all at once."""
    over = MAX_CONNECTIONS + 50
    crowd = await half_sent(port, over)
    answers = await asyncio.gather(*(asyncio.wait_for(reader.read(), 30) for reader, _ in crowd))
    refused = sum(1 for a in answers if a.startswith(b"HTTP/1.1 503"))
    print(f"{over} half-sent connections at once: {refused} refused with 503 at once,"
          f" {over - refused} held until the header timeout")
    for _, writer in crowd:
        writer.close()


async def feed_floods(db: Database, port: int, token: str) -> None:
    """One unknown token asked from 1,000 addresses, then a flood of a real feed from one address."""
    queries = Counter[str]()
    real = db.fetchone

    async def counting(sql: str, params: Any = ()) -> Any:
        queries[sql.split(" FROM ", 1)[1].split(maxsplit=1)[0] if " FROM " in sql else sql] += 1
        return await real(sql, params)

    db.fetchone = counting  # type: ignore[method-assign]
    statuses = Counter[int]()
    started = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        for i in range(1000):
            # From loopback the endpoint limits the address a proxy forwards for: 1,000 different clients.
            forwarded = {"X-Forwarded-For": f"198.51.{i // 250}.{i % 250}"}
            async with session.get(f"http://127.0.0.1:{port}/calendar/not-a-token.ics", headers=forwarded) as r:
                statuses[r.status] += 1
        per_request_ms = (time.perf_counter() - started) * 1000 / 1000
        print(f"1,000 requests for one unknown token from 1,000 addresses: {dict(statuses)},"
              f" {queries['calendar_feeds']} query of calendar_feeds, {per_request_ms:.2f} ms a request")
        statuses.clear()
        for _ in range(1000):
            async with session.get(f"http://127.0.0.1:{port}/calendar/{token}.ics",
                                   headers={"X-Forwarded-For": "203.0.113.7"}) as r:
                statuses[r.status] += 1
        print(f"1,000 requests for a real feed from one address: {dict(statuses)}")
        async with session.get(f"http://127.0.0.1:{port}/calendar/{token}.ics",
                               headers={"X-Forwarded-For": "203.0.113.8"}) as r:
            print(f"meanwhile another address: {r.status}")


async def main(hold: int, defaults: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "podium.db")
        clock = SystemClock()
        outbox = Outbox(db)
        dispatcher = Dispatcher(db, outbox, NoDiscord(), clock, pacer=Pacer(50))  # type: ignore[arg-type]
        dispatcher.last_success_at = clock.now() - timedelta(seconds=1)
        calendars = Calendars(db, clock)
        token = await calendars.token(1)
        options: dict[str, Any] = {"header_timeout": 3630.0, "max_connections": 10**9} if defaults else {}
        server = OpsServer(db=db, outbox=outbox, dispatcher=dispatcher, metrics=Metrics(), clock=clock,
                           gateway_connected=lambda: True, logged_in=lambda: True, calendars=calendars, **options)
        await server.start("127.0.0.1", 0)
        port = server.port
        try:
            print(f"settings: header/idle timeout {server.header_timeout:g} s, cap {server.max_connections}"
                  + (" (aiohttp's defaults, no cap)" if defaults else ""))
            # 1. Half-sent requests, and normal requests while they hang.
            opened = time.monotonic()
            held = await half_sent(port, hold)
            latencies = []
            async with aiohttp.ClientSession() as session:
                for _ in range(20):
                    started = time.perf_counter()
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                        await response.read()
                        assert response.status == 200, response.status
                    latencies.append((time.perf_counter() - started) * 1000)
            ends = await asyncio.gather(*(closed_after(reader, opened, 20.0) for reader, _ in held))
            closed = [e for e in ends if e is not None]
            print(f"{hold} half-sent requests: {len(closed)} closed within 20 s, {hold - len(closed)} still open;"
                  + (f" closed after {min(closed):.2f}–{max(closed):.2f} s" if closed else ""))
            print(f"/healthz while they hung: p50 {statistics.median(latencies):.2f} ms,"
                  f" p95 {percentile(latencies, 95):.2f} ms, max {max(latencies):.2f} ms (20 requests)")
            for _, writer in held:
                writer.close()
            if defaults:
                return
            await over_the_cap(port)
            await feed_floods(db, port, token)
        finally:
            await server.stop()
            await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hold", type=int, default=50, help="half-sent requests to hold open")
    parser.add_argument("--aiohttp-defaults", action="store_true", help="aiohttp's timeouts and no cap (before)")
    args = parser.parse_args()
    asyncio.run(main(args.hold, args.aiohttp_defaults))
