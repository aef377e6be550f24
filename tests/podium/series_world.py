"""A world for the tests of claiming series slots: a guild, a talk service with every subscriber, series rows.

Series and evenings are written as podium/series.py writes them (the shared contract's columns), so the tests of
claiming need none of its commands.
"""

from __future__ import annotations

from datetime import timedelta

from db import Database
from podium.clock import to_ms
from podium.delivery.outbox import Outbox
from podium.talks import TalkService, composed_hooks
from tests import factories

# Every Thursday at 19:00, as podium/recurrence.py stores a rule.
WEEKLY_RULE = '{"freq": "weekly", "hour": 19, "interval": 1, "minute": 0, "nth": 0, "weekday": 3}'
GUILD, ANNOUNCE, SERIES_CHANNEL = factories.GUILD, 200, 300


async def add_series(db: Database, clock, *, slots_n: int = 2, minutes: int = 30, evenings: int = 3,
                     first_in: timedelta = timedelta(days=2), seat_limit: int | None = None,
                     channel_id: int | None = SERIES_CHANNEL, name: str = "Rust Thursdays",
                     guild_id: int = GUILD) -> tuple[int, list[int]]:
    """A series with weekly evenings written as series-core's planner would (the contract's columns)."""
    now_ms = to_ms(clock.now())
    async with db.transaction() as tx:
        series_id = (await tx.execute(
            "INSERT INTO series (guild_id, name, rule, every_text, timezone, slots, slot_minutes, seat_limit,"
            " channel_id, state, created_by, created_at_ms, updated_at_ms)"
            " VALUES (?, ?, '" + WEEKLY_RULE + "', 'thursday 19:00', 'Europe/Berlin', ?, ?, ?, ?, 'active', 1, ?, ?)",
            (guild_id, name, slots_n, minutes, seat_limit, channel_id, now_ms, now_ms))).lastrowid
        ids = []
        for week in range(evenings):
            start = clock.now() + first_in + timedelta(weeks=week)
            evening_id = (await tx.execute(
                "INSERT INTO series_evenings (series_id, guild_id, starts_at_ms, state) VALUES (?, ?, ?, 'open')",
                (series_id, guild_id, to_ms(start)))).lastrowid
            assert evening_id is not None
            ids.append(evening_id)
    assert series_id is not None
    return series_id, ids


async def world(db, clock):
    outbox = Outbox(db)
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE)
    return outbox, TalkService(db, outbox, clock, composed_hooks(outbox))


