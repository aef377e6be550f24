"""Review of issue 23 §6 through the real bot: where a series' evenings show."""

from __future__ import annotations

from tests.e2e.commands import invoke
from tests.e2e.series_helpers import add_series
from tests.fake_discord import MEMBER_ID


def _text(response):
    data = response["data"]
    return data.get("content", "") + " ".join(str(e) for e in data.get("embeds", []))


async def test_schedule_list_shows_a_series_coming_evenings_with_their_open_slots(fake, clocked_bot):
    """§6: "Series and their evenings in `/schedule list` (grouped by evening)". An evening shows only once someone
    has claimed a slot of it: a server whose series has open evenings is told there is nothing coming.
    """
    bot = clocked_bot
    add_series(bot.db_path, slots=2, evenings=2)
    interaction, response = await invoke(fake, "schedule", "list", MEMBER_ID, locale="en-US")
    text = (await fake.wait_for_followup(interaction)).content if response["type"] == 5 else _text(response)
    assert "Rust Thursdays" in text, text
