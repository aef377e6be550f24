"""/announce-settings and weekly summaries through the loopback Discord and the real bot process."""

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.botprocess import PLANNED
from tests.e2e.commands import sub
from tests.e2e.dbcheck import execute, query, wait_for_state
from tests.fake_discord import (
    BOT_ROLE_ID,
    EMBED_LINKS,
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    MODERATOR_ID,
    SEND_MESSAGES,
    FakeChannel,
)

LOCKED_CHANNEL_ID = GUILD_ID + 50


async def settings(fake, name, user_id=MODERATOR_ID, **options):
    interaction = await fake.invoke(
        guild_id=GUILD_ID,
        channel_id=GENERAL_CHANNEL_ID,
        user_id=user_id,
        name="announce-settings",
        options=sub(name, **options),
    )
    return await fake.wait_for_response(interaction)


@pytest.fixture
async def bot(fake, bot_factory):
    fake.add_channel(
        GUILD_ID,
        FakeChannel(
            LOCKED_CHANNEL_ID,
            "locked",
            permission_overwrites=[
                {"id": str(BOT_ROLE_ID), "type": 0, "allow": "0", "deny": str(SEND_MESSAGES | EMBED_LINKS)}
            ],
        ),
    )
    # A 1 s safety tick: rows the tests make due from outside the bot are found within a second, not 30.
    process = bot_factory(DISPATCH_TICK_SECONDS="1")
    await process.start()
    return process


async def test_member_without_manage_server_is_refused_and_nothing_stored(fake, bot):
    response = await settings(fake, "channel", user_id=MEMBER_ID, channel=GENERAL_CHANNEL_ID)
    assert "Manage Server" in response["data"]["content"]
    assert query(bot.db_path, "SELECT * FROM guild_settings") == []


async def test_channel_without_permissions_is_refused_naming_them(fake, bot):
    response = await settings(fake, "channel", channel=LOCKED_CHANNEL_ID)
    content = response["data"]["content"]
    assert "Send Messages" in content and "Embed Links" in content
    assert "View Channel" not in content
    assert query(bot.db_path, "SELECT * FROM guild_settings") == []


async def test_channel_is_saved_and_the_summary_planned(fake, bot):
    response = await settings(fake, "channel", channel=GENERAL_CHANNEL_ID)
    assert "Announcements will go to" in response["data"]["content"]
    [guild] = query(bot.db_path, "SELECT * FROM guild_settings")
    assert guild["announce_channel_id"] == GENERAL_CHANNEL_ID
    [summary] = query(bot.db_path, "SELECT * FROM outbox WHERE kind = 'weekly_summary'")
    assert summary["state"] == "pending"
    response = await settings(fake, "timezone", zone="Europe/Berlin")
    assert "time zone is now **Europe/Berlin**" in response["data"]["content"]
    response = await settings(fake, "weekly", day="4", time="18:30")
    assert "Friday at 18:30, Europe/Berlin time" in response["data"]["content"]
    [pending] = query(bot.db_path, "SELECT due_at_ms FROM outbox WHERE kind = 'weekly_summary' AND state = 'pending'")
    local = datetime.fromtimestamp(pending["due_at_ms"] / 1000, tz=ZoneInfo("Europe/Berlin"))
    assert (local.weekday(), local.hour, local.minute) == (4, 18, 30)


async def test_preview_renders_the_summary(fake, bot):
    interaction = await fake.invoke(
        guild_id=GUILD_ID,
        channel_id=GENERAL_CHANNEL_ID,
        user_id=MEMBER_ID,
        name="schedule",
        options=[
            {
                "type": 1,
                "name": "add",
                "options": [
                    {"type": 3, "name": "when", "value": "in 3 days"},
                    {"type": 3, "name": "topic", "value": "Previewed talk"},
                ],
            }
        ],
    )
    assert "signed up" in (await fake.wait_for_response(interaction))["data"]["content"]
    response = await settings(fake, "preview")
    assert "Coming up this week" in response["data"]["content"]
    assert "Previewed talk" in response["data"]["embeds"][0]["description"]


async def test_summary_due_soon_is_posted_once_even_after_kill_9(fake, bot):
    await settings(fake, "channel", channel=GENERAL_CHANNEL_ID)
    [summary] = query(bot.db_path, "SELECT id FROM outbox WHERE kind = 'weekly_summary'")
    await bot.kill()
    due_ms = int((time.time() + 4) * 1000)
    execute(
        bot.db_path,
        "UPDATE outbox SET due_at_ms = ?, next_attempt_at_ms = ? WHERE id = ?",
        due_ms,
        due_ms,
        summary["id"],
    )
    await bot.start()
    posted = await fake.wait_for_message(
        lambda m: "week" in m.content.lower() and m.channel_id == GENERAL_CHANNEL_ID, timeout=15
    )
    assert posted.created_at >= due_ms / 1000
    await wait_for_state(bot.db_path, summary["id"], "sent")
    await bot.kill()
    await bot.start()
    # The restarted bot has planned again (a second summary for the week would be queued by now) and, started with
    # nothing due, has nothing to send.
    await bot.wait_for_output(lambda lines: any(PLANNED in line for line in lines))
    summaries = [m for m in fake.messages if m.channel_id == GENERAL_CHANNEL_ID and "week" in m.content.lower()]
    assert len(summaries) == 1
    # Re-planning after the restart finds this week's summary already sent: no second row for the week.
    assert query(bot.db_path, "SELECT state FROM outbox WHERE kind = 'weekly_summary'") == [{"state": "sent"}]


async def test_test_posts_to_the_channel_and_reports(fake, bot):
    response = await settings(fake, "test")
    assert "No announcement channel" in response["data"]["content"]
    await settings(fake, "channel", channel=GENERAL_CHANNEL_ID)
    interaction = await fake.invoke(
        guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MODERATOR_ID, name="announce-settings",
        options=sub("test"),
    )
    response = await fake.wait_for_response(interaction)
    assert response["type"] == 5  # deferred first: the post may have to wait for the channel's rate limit
    followup = await fake.wait_for_followup(interaction)
    assert "Posted a test message" in followup.content
    assert followup.ephemeral
    assert any("test message" in m.content for m in fake.channel_messages(GENERAL_CHANNEL_ID))


async def test_an_announcement_channel_can_be_chosen_and_the_summary_published(fake, bot):
    """Issue 15: announcement channels (type 5) are offered; the posted summary is published to followers."""
    from tests.fake_discord import GUILD_ANNOUNCEMENT

    news = GUILD_ID + 55
    # Gateway events reach the bot in order: the CHANNEL_CREATE is in its cache before the next command.
    fake.add_channel(GUILD_ID, FakeChannel(news, "news", type=GUILD_ANNOUNCEMENT))
    response = await settings(fake, "channel", channel=news)
    assert "announcement channel" in response["data"]["content"] and "publish:True" in response["data"]["content"]
    interaction = await fake.invoke(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MODERATOR_ID,
                                    name="announce-settings", options=[{"type": 1, "name": "weekly", "options": [
                                        {"type": 3, "name": "day", "value": "0"},
                                        {"type": 5, "name": "publish", "value": True}]}])
    assert "Weekly summary" in (await fake.wait_for_response(interaction))["data"]["content"]
    # Make the planned summary due now.
    execute(bot.db_path, "UPDATE outbox SET due_at_ms = 0, next_attempt_at_ms = 0, expires_at_ms = NULL"
            " WHERE kind = 'weekly_summary' AND state = 'pending'")
    posted = await fake.wait_for_message(lambda m: m.channel_id == news
                                         and ("Coming up" in m.content or "This week" in m.content), timeout=15)
    await fake.wait_for_request(lambda r: r.route.endswith("/crosspost") and r.status == 200, timeout=20)
    # The 200 reaches the fake before the bot has recorded it: wait for the row, do not race it.
    [row] = query(bot.db_path, "SELECT id FROM outbox WHERE kind = 'summary_crosspost'")
    row = await wait_for_state(bot.db_path, row["id"], "sent")
    assert str(posted.id) in row["payload"]


async def test_publishing_needs_an_announcement_channel(fake, bot):
    await settings(fake, "channel", channel=GENERAL_CHANNEL_ID)
    interaction = await fake.invoke(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MODERATOR_ID,
                                    name="announce-settings", options=[{"type": 1, "name": "weekly", "options": [
                                        {"type": 3, "name": "day", "value": "0"},
                                        {"type": 5, "name": "publish", "value": True}]}])
    assert "needs an announcement channel" in (await fake.wait_for_response(interaction))["data"]["content"]
    assert query(bot.db_path, "SELECT crosspost_summary FROM guild_settings") == [{"crosspost_summary": 0}]


async def test_every_setting_can_be_cleared(fake, bot):
    await settings(fake, "channel", channel=GENERAL_CHANNEL_ID)
    await settings(fake, "log-channel", channel=GENERAL_CHANNEL_ID)
    await settings(fake, "timezone", zone="Asia/Tokyo")
    for setting in ("announcement channel", "log channel", "time zone"):
        response = await settings(fake, "clear", setting=setting)
        assert f"Cleared the {setting}" in response["data"]["content"]
    [guild] = query(bot.db_path, "SELECT announce_channel_id, log_channel_id, timezone FROM guild_settings")
    assert guild == {"announce_channel_id": None, "log_channel_id": None, "timezone": "UTC"}
    # No channel, no summary: the pending one was cancelled.
    assert query(bot.db_path, "SELECT state FROM outbox WHERE kind = 'weekly_summary' AND state = 'pending'") == []


async def test_test_names_the_missing_permission(fake, bot):
    from tests.e2e.dbcheck import execute

    # The channel was usable when chosen; an overwrite later took Send Messages away from the bot.
    execute(bot.db_path, "INSERT INTO guild_settings (guild_id, announce_channel_id, created_at_ms, updated_at_ms)"
            " VALUES (?, ?, 0, 0)", GUILD_ID, LOCKED_CHANNEL_ID)
    response = await settings(fake, "test")
    content = response["data"]["content"]
    assert "Send Messages" in content and "(code" not in content and "403" not in content
