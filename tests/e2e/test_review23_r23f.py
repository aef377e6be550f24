"""Review of issues 23/24, second round: what members see, through the real bot and the loopback Discord (r23f)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tests.e2e.commands import invoke, run
from tests.e2e.dbcheck import query
from tests.e2e.series_helpers import add_series
from tests.fake_discord import MEMBER_ID


async def test_the_slots_offered_to_pick_are_shown_in_the_members_own_time_zone(fake, clocked_bot):
    # Plain-text times (selects, choices, button labels) are shown in the member's own zone, else the server's
    # (podium/zones.local_moment, cogs/schedule.py's choices "labelled in the member's own zone"). "📅 Pick another
    # slot…" labels each slot in the series' zone, without naming it: a member in New York reads a Berlin 19:00 as
    # theirs, six hours off.
    bot = clocked_bot
    await run(fake, "remind-me", "timezone", MEMBER_ID, zone="America/New_York")
    first, _ = add_series(bot.db_path, slots=2)
    [series] = query(bot.db_path, "SELECT id FROM series")
    _, response = await invoke(fake, "schedule", "add", MEMBER_ID, topic="Lifetimes", series=str(series["id"]))
    [select] = [c for row in response["data"]["components"] for c in row["components"] if c["type"] == 3]
    [evening] = query(bot.db_path, "SELECT starts_at_ms FROM series_evenings WHERE id = ?", first)
    second_slot = datetime.fromtimestamp(evening["starts_at_ms"] / 1000 + 30 * 60, UTC)
    [label] = [o["label"] for o in select["options"] if o["value"] == f"{first}-1"]
    in_new_york = second_slot.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M")
    in_berlin = second_slot.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M")
    assert in_new_york in label and in_berlin not in label, label
