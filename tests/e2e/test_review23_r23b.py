"""Review of issue 23 §3 (approval) through the real bot process: each test fails on a real defect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests import factories
from tests.e2e.commands import SPEAKER
from tests.fake_discord import GENERAL_CHANNEL_ID, GUILD_ID, MEMBER_ID


async def test_info_autocomplete_offers_no_one_elses_sign_up_waiting_for_approval(fake, clocked_bot):
    # Issue 23 §3: "nothing is announced ... before approval"; podium/workflow.py: "Nothing about a sign-up waiting
    # for approval reaches anyone but its speaker and the moderators". /schedule info itself refuses it to others,
    # but its autocomplete (talks.search with pending=True and speaker_id=None for everyone, and archive.past)
    # offers any member the topic, time and speaker of others' held sign-ups, upcoming and past.
    now = datetime.now(UTC)
    for topic, start in (("Secret upcoming sign-up", now + timedelta(days=2)),
                         ("Secret past sign-up", now - timedelta(days=2))):
        factories.add_talk_row(clocked_bot.db_path, guild_id=GUILD_ID, speaker_id=SPEAKER, topic=topic,
                               starts_at=start, approval="pending")
    options = [{"type": 1, "name": "info", "options": [{"type": 3, "name": "talk", "value": "secret",
                                                         "focused": True}]}]
    offered = await fake.invoke_autocomplete(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MEMBER_ID,
                                             name="schedule", options=options)
    response = await fake.wait_for_response(offered)
    assert response["type"] == 8
    assert [c["name"] for c in response["data"]["choices"]] == []
