"""Series written straight into a running bot's database, as series-core writes them, for the e2e tests of slots."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.e2e.commands import option
from tests.factories import _write
from tests.fake_discord import EPHEMERAL_FLAG, GENERAL_CHANNEL_ID, GUILD_ID, MODERATOR_ID

# Every Thursday at 19:00, as podium/recurrence.py stores a rule.
WEEKLY_RULE = '{"freq": "weekly", "hour": 19, "interval": 1, "minute": 0, "nth": 0, "weekday": 3}'


def add_series(db_path, *, slots: int, evenings: int = 2, first_in: timedelta = timedelta(days=3)) -> list[int]:
    """A series and its evenings as series-core writes them (the shared contract's columns); the evening ids."""
    now_ms = int(time.time() * 1000)
    series_id = _write(
        db_path,
        "INSERT INTO series (guild_id, name, rule, every_text, timezone, slots, slot_minutes, state, created_by,"
        " created_at_ms, updated_at_ms) VALUES (?, 'Rust Thursdays', ?, 'thursday 19:00', 'Europe/Berlin', ?,"
        " 30, 'active', ?, ?, ?)",
        (GUILD_ID, WEEKLY_RULE, slots, MODERATOR_ID, now_ms, now_ms))
    start = (datetime.now(UTC) + first_in).replace(second=0, microsecond=0)
    return [_write(db_path, "INSERT INTO series_evenings (series_id, guild_id, starts_at_ms, state)"
                            " VALUES (?, ?, ?, 'open')",
                   (series_id, GUILD_ID, int((start + timedelta(weeks=week)).timestamp() * 1000)))
            for week in range(evenings)]


async def series(fake, subcommand, user_id, *, locale="en-US", **options):
    """`/series <subcommand> …` (its `name` option would clash with `run`'s); the private reply's text."""
    values = [option(key.replace("_", "-"), value) for key, value in options.items() if value is not None]
    interaction = await fake.invoke(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=user_id, name="series",
                                    options=[{"type": 1, "name": subcommand, "options": values}], locale=locale)
    response = await fake.wait_for_response(interaction)
    assert response["data"]["flags"] & EPHEMERAL_FLAG, response
    return response["data"]["content"]
