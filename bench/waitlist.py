"""Seats and the waitlist (issue 23 §5): 50 leaves with 50 waiting → 50 offers, each seat given exactly once.

Part 1, leaves: a talk with S seats (default 50), all taken, and W members waiting (default 50). All S seated
members click "Can't make it" at once (concurrent tasks, the real domain on a real SQLite file, WAL,
synchronous=FULL as the bot runs it). Then every offer DM is delivered by the real dispatcher (over a scripted
transport, no network), and every offered member clicks ✅ Take the seat twice at once, while as many newcomers
click Join (they must queue, not take a seat held for an offer). Reported: offers made and delivered, members
seated, seats given twice (must be 0), offers to one member twice (0), and the latency of the leave and accept
clicks (p50 / p99 / max).

Part 2, clicks on the last seat: a talk with one seat left and C members (default 200) clicking Join at once:
exactly one seated, C-1 waiting with distinct places 1..C-1, no error; latency of each click.

Run: .venv/bin/python bench/waitlist.py [--seats 50] [--waiting 50] [--clicks 200]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from _common import summary_ms

from db import Database
from podium import seats
from podium.audience import Attendance, Audience
from podium.clock import ManualClock
from podium.components import Click, CustomId
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox
from podium.delivery.pacing import Pacer
from podium.talks import Actor, TalkService, composed_hooks
from tests import factories
from tests.doubles import ScriptedTransport

GUILD, SPEAKER = 810000000000000000, 500000000000000000
FIRST = 600000000000000000


async def timed(work: Awaitable[object]) -> float:
    """How long one click took, from when it was started with the others."""
    started = time.perf_counter()
    await work
    return time.perf_counter() - started


async def world(path: Path, limit: int) -> tuple[Database, ManualClock, TalkService, Audience, SimpleNamespace, int]:
    db = await Database.open(path)
    clock = ManualClock(datetime.now(UTC))
    outbox = Outbox(db)
    talks = TalkService(db, outbox, clock, composed_hooks(outbox))
    members = Audience(db, outbox, clock)
    await factories.add_guild(db, GUILD, announce_channel_id=GUILD + 1)
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Workshop",
                           starts_at=clock.now() + timedelta(days=3), seat_limit=limit)
    services = SimpleNamespace(db=db, clock=clock, outbox=outbox, audience=members)
    return db, clock, talks, members, services, talk.id


async def leaves(folder: Path, n_seats: int, n_waiting: int) -> None:
    db, clock, _, members, services, talk_id = await world(folder / "leaves.db", n_seats)
    seated_ids = [FIRST + i for i in range(n_seats)]
    waiting_ids = [FIRST + n_seats + i for i in range(n_waiting)]
    for user in seated_ids + waiting_ids:
        await members.join(talk_id=talk_id, user_id=user, guild_id=GUILD)
    left = await asyncio.gather(*(timed(members.leave(talk_id=talk_id, user_id=u, guild_id=GUILD))
                                  for u in seated_ids))
    offered = [r["user_id"] for r in await db.fetchall(
        "SELECT user_id FROM outbox WHERE kind = ? AND state = 'pending' ORDER BY id", (seats.SEAT_OFFER.name,))]
    dispatcher = Dispatcher(db, Outbox(db), ScriptedTransport(clock), clock, pacer=Pacer(1000, channel_limit=1000),
                            rng=random.Random(1))
    while rows := await Outbox(db).claim_due(clock.now(), 50):
        await asyncio.gather(*(dispatcher.deliver(row) for row in rows))
    delivered = await db.fetchval("SELECT count(*) FROM outbox WHERE kind = ? AND state = 'sent'",
                                  (seats.SEAT_OFFER.name,))

    async def accept(user: int) -> object:
        click = Click(CustomId(seats.ACCEPT, (talk_id,)), user, None, "en-US", (), services)
        try:
            return await seats.accept(click)
        except seats.SeatError as refused:  # the second of two clicks: the offer was taken already
            return refused

    started = time.perf_counter()
    clicks = [timed(accept(u)) for u in offered for _ in range(2)]
    newcomers = [FIRST + 10_000 + i for i in range(n_waiting)]
    clicks += [timed(members.join(talk_id=talk_id, user_id=u, guild_id=GUILD)) for u in newcomers]
    random.Random(3).shuffle(clicks)
    accepted = await asyncio.gather(*clicks)
    elapsed = time.perf_counter() - started
    seated = [r["user_id"] for r in await db.fetchall("SELECT user_id FROM attendees WHERE talk_id = ?", (talk_id,))]
    still_waiting = await db.fetchval("SELECT count(*) FROM waitlist WHERE talk_id = ?", (talk_id,))
    print(f"Part 1: {n_seats} seats taken, {n_waiting} waiting; {n_seats} leave at once")
    print(f"  offers made: {len(offered)} (distinct members: {len(set(offered))}); delivered by the dispatcher: "
          f"{delivered}")
    print(f"  seated after {2 * len(offered)} accept clicks (two each) and {n_waiting} newcomers' Join clicks at once: "
          f"{len(seated)} (seats given twice: {len(seated) - len(set(seated))}; seated who were not offered: "
          f"{len(set(seated) - set(offered))}); newcomers now waiting: {still_waiting}")
    print(f"  leave clicks (all at once): {summary_ms(list(left))}")
    print(f"  accept + join clicks: {summary_ms(list(accepted))}; all {len(accepted)} in {elapsed * 1000:.0f} ms "
          f"({elapsed / len(accepted) * 1000:.1f} ms each, one write transaction after another)")
    await db.close()


async def last_seat(folder: Path, n_clicks: int) -> None:
    db, _, _, members, _, talk_id = await world(folder / "clicks.db", 5)
    for i in range(4):
        await members.join(talk_id=talk_id, user_id=FIRST + i, guild_id=GUILD)
    results: list[object] = []

    async def join(user: int) -> float:
        started = time.perf_counter()
        try:
            results.append(await members.join(talk_id=talk_id, user_id=user, guild_id=GUILD))
        except Exception as exc:  # counted as an error: there must be none
            results.append(exc)
        return time.perf_counter() - started

    started = time.perf_counter()
    latencies = await asyncio.gather(*(join(FIRST + 1000 + i) for i in range(n_clicks)))
    elapsed = time.perf_counter() - started
    errors = [r for r in results if isinstance(r, Exception)]
    places = sorted(r.waiting_position for r in results if isinstance(r, Attendance) and r.waiting_position is not None)
    seated = int(await db.fetchval("SELECT count(*) FROM attendees WHERE talk_id = ?", (talk_id,))) - 4
    print(f"Part 2: {n_clicks} members click Join on the last seat at once")
    print(f"  seated: {seated}; waiting: {len(places)} with places 1..{len(places)} each once: "
          f"{places == list(range(1, n_clicks))}; errors: {len(errors)}")
    print(f"  clicks: {summary_ms(list(latencies))}; all answered in {elapsed * 1000:.0f} ms "
          f"({elapsed / n_clicks * 1000:.1f} ms each, one write transaction after another)")
    await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seats", type=int, default=50)
    parser.add_argument("--waiting", type=int, default=50)
    parser.add_argument("--clicks", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        await leaves(Path(folder), args.seats, args.waiting)
        await last_seat(Path(folder), args.clicks)


if __name__ == "__main__":
    asyncio.run(main())
