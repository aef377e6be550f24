"""/remind-me and /opt-out through the loopback Discord and the real bot process."""

import functools
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests import factories
from tests.botprocess import clock_file
from tests.e2e import commands
from tests.e2e.commands import iso_in, sub
from tests.e2e.dbcheck import query, wait_for_state
from tests.fake_discord import EPHEMERAL_FLAG, GENERAL_CHANNEL_ID, GUILD_ID, MEMBER_ID, MODERATOR_ID
from tests.waiting import eventually

# Every reply this module checks is one only the member who asked sees.
run = functools.partial(commands.run, private=True)


async def written_after(fake, bot):
    """Another member's command works and its write (their language) lands: any write queued before it is in."""
    await run(fake, "remind-me", "list", MODERATOR_ID)
    await eventually(lambda: query(bot.db_path, "SELECT 1 FROM users WHERE user_id = ?", MODERATOR_ID),
                     what="the moderator's language stored", fake=fake)


@pytest.fixture
async def bot(bot_factory, tmp_path):
    # The bot's clock is a CLOCK_FILE the tests move forward to what is due (re-read within the 1 s tick).
    process = bot_factory(CLOCK_FILE=clock_file(tmp_path), DISPATCH_TICK_SECONDS="1")
    await process.start()
    return process


async def test_timezone_then_schedule_is_stored_in_that_zone(fake, bot):
    _, content = await run(fake, "remind-me", "timezone", zone="America/Los_Angeles")
    assert "America/Los_Angeles" in content
    _, content = await run(fake, "schedule", "add", when="tomorrow 17:00", topic="LA talk")
    assert "in America/Los_Angeles" in content
    [talk] = query(bot.db_path, "SELECT starts_at_ms FROM talks")
    local = datetime.fromtimestamp(talk["starts_at_ms"] / 1000, tz=ZoneInfo("America/Los_Angeles"))
    assert (local.date(), local.hour, local.minute) == (
        (datetime.now(ZoneInfo("America/Los_Angeles")) + timedelta(days=1)).date(),
        17,
        0,
    )


async def test_bad_offsets_are_refused_and_nothing_changes(fake, bot):
    _, content = await run(fake, "remind-me", "talks", before="every tuesday")
    assert "Try `" in content
    # Not even the member's language: it is stored only once a command worked. A late write would have landed
    # before the next member's language is stored (one writer, in order).
    await written_after(fake, bot)
    assert [r["user_id"] for r in query(bot.db_path, "SELECT user_id FROM users")] == [MODERATOR_ID]


async def test_talk_reminder_arrives_at_its_offset(fake, bot):
    _, content = await run(fake, "remind-me", "talks", before="1h")
    assert "1 hour before" in content
    starts = iso_in(3600 + 12)
    _, content = await run(fake, "schedule", "add", when=starts, topic="Soon")
    assert "signed up" in content, content
    sent = time.time()
    bot.advance_clock(9)  # 3 s before the reminder is due
    message = await fake.wait_for_message(lambda m: "starts" in m.content and "Soon" in m.content, timeout=25)
    assert message.channel_id == fake.dm_channels[MEMBER_ID]
    assert 9 <= message.created_at + bot.clock_shift - sent <= 14


async def test_closed_dms_send_the_reminder_to_the_thread(fake, bot):
    factories.add_guild_row(bot.db_path, GUILD_ID, announce_channel_id=GENERAL_CHANNEL_ID)
    fake.closed_dms.add(MEMBER_ID)
    await run(fake, "remind-me", "talks", before="1h")
    await run(fake, "schedule", "add", when=iso_in(3600 + 6), topic="Thread talk")
    bot.advance_clock(4)
    message = await fake.wait_for_message(lambda m: "Thread talk" in m.content and "starts" in m.content, timeout=20)
    assert message.channel_id in fake.threads
    assert message.mention_user_ids == [MEMBER_ID]


async def test_opted_out_reminder_is_skipped(fake, bot):
    _, content = await run(fake, "remind-me", "at", when=iso_in(8), message="drink water")
    assert "drink water" in content
    _, content = await run(fake, "opt-out", "stop", what="personal-reminders")
    assert "already queued" in content
    [row] = query(bot.db_path, "SELECT id FROM outbox WHERE kind = 'personal_reminder'")
    bot.advance_clock(6)
    await wait_for_state(bot.db_path, row["id"], "skipped", within=15)
    assert not [m for m in fake.messages if "drink water" in m.content]


async def test_personal_reminder_in_30_seconds_arrives_on_time(fake, bot):
    await run(fake, "remind-me", "at", when="in 30 seconds", message="stand up")
    asked = time.time()
    bot.advance_clock(27)  # 3 s before it is due
    message = await fake.wait_for_message(lambda m: "stand up" in m.content, timeout=15)
    assert 29 <= message.created_at + bot.clock_shift - asked <= 31.5
    assert message.channel_id == fake.dm_channels[MEMBER_ID]


async def test_list_and_delete_personal_reminders(fake, bot):
    await run(fake, "remind-me", "at", when="in 2 hours", message="water plants")
    _, content = await run(fake, "remind-me", "list")
    assert "water plants" in content
    [row] = query(bot.db_path, "SELECT id FROM outbox WHERE kind = 'personal_reminder'")
    _, content = await run(fake, "remind-me", "delete", reminder=str(row["id"]))
    assert "Deleted" in content
    assert query(bot.db_path, "SELECT state FROM outbox WHERE id = ?", row["id"]) == [{"state": "cancelled"}]


async def test_forget_me_after_confirming(fake, bot):
    await run(fake, "remind-me", "timezone", zone="Europe/Berlin")
    await run(fake, "remind-me", "at", when="in 2 hours", message="secret")
    interaction = await fake.invoke(
        guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MEMBER_ID, name="opt-out", options=sub("forget-me")
    )
    await fake.wait_for_response(interaction)
    assert query(bot.db_path, "SELECT count(*) AS n FROM users") == [{"n": 1}]
    press = await fake.invoke_component(
        message_id=interaction.original.id, custom_id=interaction.original.custom_ids[0], user_id=MEMBER_ID
    )
    await fake.wait_for_response(press)  # deferred: removing them from talk threads may take a few requests
    edit = await fake.wait_for_interaction_response(press, lambda r: r.kind == "edit_original")
    assert "Done" in edit.json["content"]
    # The click on "Delete my data" must not write their language back afterwards: such a write would have
    # landed before the next member's language is stored.
    await written_after(fake, bot)
    assert [r["user_id"] for r in query(bot.db_path, "SELECT user_id FROM users")] == [MODERATOR_ID]
    assert query(bot.db_path, "SELECT count(*) AS n FROM outbox") == [{"n": 0}]


async def test_the_starting_now_post_goes_to_the_channel_when_the_talk_starts(fake, bot):
    """The kind added by walking docs/architecture.md's recipe, end to end through the real process."""
    await run(fake, "announce-settings", "channel", user_id=MODERATOR_ID, channel=GENERAL_CHANNEL_ID)
    _, reply = await run(fake, "announce-settings", "starting-now", user_id=MODERATOR_ID, enabled=True)
    assert "as each talk starts" in reply
    await run(fake, "schedule", "add", when=iso_in(8), topic="Lightning @everyone")
    sent = time.time()
    bot.advance_clock(5)  # 3 s before the talk starts
    post = await fake.wait_for_message(lambda m: m.content.startswith("🎤 Starting now"), timeout=20)
    assert post.channel_id == GENERAL_CHANNEL_ID
    assert f"<@{MEMBER_ID}>" in post.content and post.mention_user_ids == [] and post.mention_everyone is False
    assert 6 <= post.created_at + bot.clock_shift - sent <= 12


async def test_the_starts_soon_post_goes_to_the_thread_and_its_button_is_answered(fake, bot):
    """The kind of issue 22's recipe (its own module, switch and button), end to end through the real process."""
    await run(fake, "announce-settings", "channel", user_id=MODERATOR_ID, channel=GENERAL_CHANNEL_ID)
    _, reply = await run(fake, "announce-settings", "posts", user_id=MODERATOR_ID, post="starts-soon", enabled=True)
    assert "10 minutes before the talk starts" in reply
    _, shown = await run(fake, "announce-settings", "show", user_id=MODERATOR_ID)
    assert "Post in the talk's thread 10 minutes before it starts: yes" in shown
    await run(fake, "schedule", "add", when=iso_in(10 * 60 + 8), topic="Lightning @everyone")
    post = await fake.wait_for_message(lambda m: m.content.startswith("⏳"), timeout=30)
    assert post.channel_id != GENERAL_CHANNEL_ID  # the talk's thread (made under the announcement channel)
    assert post.mention_user_ids == [] and post.mention_everyone is False
    [button] = post.components[0]["components"]
    press = await fake.invoke_component(message_id=post.id, custom_id=button["custom_id"], user_id=MODERATOR_ID,
                                        locale="de")
    answer = (await fake.wait_for_response(press))["data"]
    assert answer["flags"] & EPHEMERAL_FLAG and answer["content"].startswith("🙋 Bis gleich bei")


async def test_a_reminder_set_in_a_read_only_channel_never_posts_there(fake, bot):
    """Issue 12: Use Application Commands is not Send Messages. With DMs closed, the member's text must not be
    posted (with a ping) in a channel they could not post in themselves; it is skipped and /remind-me list says so.
    """
    from tests.fake_discord import SEND_MESSAGES, FakeChannel

    read_only = GUILD_ID + 77
    # @everyone (role id = guild id) may read and use commands, not post; the bot itself may post.
    fake.add_channel(GUILD_ID, FakeChannel(read_only, "rules", permission_overwrites=[
        {"id": str(GUILD_ID), "type": 0, "allow": "0", "deny": str(SEND_MESSAGES)}]))
    factories.add_guild_row(bot.db_path, GUILD_ID, announce_channel_id=GENERAL_CHANNEL_ID)
    fake.closed_dms.add(MEMBER_ID)
    interaction = await fake.invoke(guild_id=GUILD_ID, channel_id=read_only, user_id=MEMBER_ID, name="remind-me",
                                    options=sub("at", when=iso_in(5), message="@everyone free nitro"))
    reply = (await fake.wait_for_response(interaction))["data"]["content"]
    assert "By DM only" in reply
    [row] = query(bot.db_path, "SELECT id FROM outbox WHERE kind = 'personal_reminder'")
    bot.advance_clock(3)
    await wait_for_state(bot.db_path, row["id"], "skipped", within=20)
    assert fake.channel_messages(read_only) == []
    assert not [m for m in fake.channel_messages(GENERAL_CHANNEL_ID) if "nitro" in m.content]
    _, listed = await run(fake, "remind-me", "list")
    assert "Not delivered" in listed and "DMs are closed" in listed
