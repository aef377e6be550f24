"""The audience through the loopback Discord and the real bot process: buttons, reminders, notices, snooze, edits."""

import time

import pytest

from tests.e2e.commands import SPEAKER, add_talk, click, dm_of, iso_in, remind_me, run
from tests.e2e.dbcheck import execute, query
from tests.fake_discord import (
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    MODERATOR_ID,
)


@pytest.fixture
def bot(clocked_bot):
    # Rows written by the test itself (a snooze moved forward) and a jump of its clock are seen within a second.
    return clocked_bot


async def test_remind_me_then_the_reminder_dm_arrives_on_time_with_its_buttons(fake, bot):
    await run(fake, "remind-me", "talks", before="1h")
    talk = await add_talk(fake, bot, 3600 + 12)
    info, content = await remind_me(fake, talk)
    clicked = time.time()
    assert "🔔 You'll be reminded of **Rust \\@everyone** <t:" in content and ":R> by DM" in content, content
    assert "</remind-me talks:" in content  # a clickable command mention: the ids are known after sync
    assert "1 going" in content
    # Clicking twice does nothing new.
    _, again = await click(fake, info.original, f"podium:att:join:{talk['id']}")
    assert again.startswith("You're already on the list") and "1 going" in again
    assert len(query(bot.db_path, "SELECT * FROM attendees")) == 1
    # The click made the talk's thread and added the member to it.
    await fake.wait_for_request(lambda r: r.method == "PUT" and r.path.endswith(f"/thread-members/{MEMBER_ID}"))
    [thread_id] = list(fake.threads)
    assert MEMBER_ID in fake.thread_members[thread_id]
    bot.advance_clock(8)  # about 3 s before the reminder is due
    reminder = await fake.wait_for_message(dm_of(fake, MEMBER_ID, "starts"), timeout=25)
    assert 10 <= reminder.created_at + bot.clock_shift - clicked <= 14.5
    assert "**Rust \\@everyone**" in reminder.content and "on **Fake Guild**" in reminder.content
    assert f"<#{thread_id}>" in reminder.content and reminder.mention_everyone is False
    assert reminder.custom_ids == [f"podium:att:leave:{talk['id']}", f"podium:talk:ics:{talk['id']}"]
    link = reminder.components[0]["components"][1]
    assert link["url"] == f"https://discord.com/channels/{GUILD_ID}/{thread_id}"


async def tell_the_audience_now(bot):
    """The audience hears of a change a minute later (a quick correction merges): the test does not wait it out."""
    [notice] = query(bot.db_path, "SELECT id, due_at_ms, created_at_ms FROM outbox WHERE kind = 'attendee_notice'"
                                  " AND state = 'pending' AND user_id IS NOT NULL")
    assert 59_000 <= notice["due_at_ms"] - notice["created_at_ms"] <= 61_000
    now_ms = int(time.time() * 1000)
    execute(bot.db_path, "UPDATE outbox SET due_at_ms = ?, next_attempt_at_ms = ? WHERE kind = 'attendee_notice'"
                         " AND state = 'pending'", now_ms, now_ms)


async def test_moving_a_talk_tells_the_attendee_and_moves_their_reminders(fake, bot):
    talk = await add_talk(fake, bot, 3 * 86400)
    await remind_me(fake, talk)
    await run(fake, "schedule", "reschedule", SPEAKER, talk=str(talk["id"]), when=iso_in(4 * 86400))
    await tell_the_audience_now(bot)
    notice = await fake.wait_for_message(dm_of(fake, MEMBER_ID, "was moved"))
    assert "Your reminders moved with it" in notice.content
    # Issue 21 §5: the notice shows the talk at its new time, so it offers Add to calendar (its entry is now wrong).
    assert notice.custom_ids == [f"podium:att:leave:{talk['id']}", f"podium:talk:ics:{talk['id']}"]
    [moved] = query(bot.db_path, "SELECT starts_at_ms FROM talks")
    planned = query(bot.db_path, "SELECT due_at_ms FROM outbox WHERE kind = 'attendee_reminder' AND user_id = ?"
                                 " AND state = 'pending'", MEMBER_ID)
    assert sorted(moved["starts_at_ms"] - r["due_at_ms"] for r in planned) == [3_600_000, 86_400_000]


async def test_cancelling_tells_the_attendee_and_no_reminder_follows(fake, bot):
    await run(fake, "remind-me", "talks", before="1h")
    talk = await add_talk(fake, bot, 3600 + 8)
    await remind_me(fake, talk)
    interaction, _ = await run(fake, "schedule", "cancel", SPEAKER, talk=str(talk["id"]), reason="ill")
    await click(fake, interaction.original, interaction.original.custom_ids[0], SPEAKER)
    notice = await fake.wait_for_message(dm_of(fake, MEMBER_ID, "was cancelled"))
    assert f"was cancelled by <@{SPEAKER}>: **ill**" in notice.content and notice.custom_ids == []
    # Time passes (moved here): the reminder's moment comes, then a personal reminder's just after it. When that
    # one arrives, the delivery loop has been past the reminder's moment.
    await run(fake, "remind-me", "at", when=iso_in(600), message="after the talk's reminder")
    now_ms = int(time.time() * 1000)
    execute(bot.db_path, "UPDATE outbox SET due_at_ms = ?, next_attempt_at_ms = ? WHERE kind = 'attendee_reminder'",
            now_ms, now_ms)
    execute(bot.db_path, "UPDATE outbox SET due_at_ms = ?, next_attempt_at_ms = ? WHERE kind = 'personal_reminder'",
            now_ms + 1, now_ms + 1)
    await fake.wait_for_message(dm_of(fake, MEMBER_ID, "after the talk's reminder"))
    assert not [m for m in fake.messages if m.channel_id == fake.dm_channels[MEMBER_ID] and "starts" in m.content]
    states = {r["state"] for r in query(bot.db_path, "SELECT state FROM outbox WHERE kind = 'attendee_reminder'")}
    assert states == {"cancelled"}


async def test_snooze_brings_a_personal_reminder_back(fake, bot):
    await run(fake, "remind-me", "at", when=iso_in(3), message="water the plants")
    first = await fake.wait_for_message(dm_of(fake, MEMBER_ID, "water the plants"), timeout=15)
    [snooze_10, snooze_60] = first.custom_ids
    assert snooze_10.endswith(":10") and snooze_60.endswith(":60")
    assert first.components[0]["components"][2]["url"] == f"https://discord.com/channels/{GUILD_ID}/{GENERAL_CHANNEL_ID}"
    _, content = await click(fake, first, snooze_10)
    assert content.startswith("💤 Snoozed: I'll remind you again <t:")
    [again] = query(bot.db_path, "SELECT * FROM outbox WHERE dedupe_key LIKE 'snooze:%'")
    assert abs(again["due_at_ms"] / 1000 - (time.time() + 600)) < 5
    # Ten minutes pass (moved forward here): it comes back, with buttons of its own.
    execute(bot.db_path, "UPDATE outbox SET next_attempt_at_ms = ? WHERE id = ?", int(time.time() * 1000), again["id"])
    second = await fake.wait_for_message(lambda m: m is not first and dm_of(fake, MEMBER_ID, "water the plants")(m),
                                         timeout=10)
    assert second.custom_ids[0] == f"podium:snooze:{again['id']}:10"


async def test_editing_a_personal_reminder_changes_its_time_and_text(fake, bot):
    await run(fake, "remind-me", "at", when="in 2 hours", message="old text")
    [row] = query(bot.db_path, "SELECT id FROM outbox WHERE kind = 'personal_reminder'")
    _, content = await run(fake, "remind-me", "edit", reminder=str(row["id"]), when=iso_in(4), message="new text")
    assert content.startswith("✏️ I'll remind you <t:") and "new text" in content
    message = await fake.wait_for_message(dm_of(fake, MEMBER_ID, "new text"), timeout=15)
    assert message.nonce == f"podium-{row['id']}"  # the same reminder, re-planned in place
    assert not [m for m in fake.messages if "old text" in m.content]
    _, refused = await run(fake, "remind-me", "edit", reminder=str(row["id"]), message="too late")
    assert "can't find that pending reminder" in refused


async def test_editing_a_talk_is_quiet_but_a_new_speaker_is_announced_to_attendees(fake, bot):
    talk = await add_talk(fake, bot, 3 * 86400)
    await remind_me(fake, talk)
    _, content = await run(fake, "schedule", "edit", SPEAKER, talk=str(talk["id"]), topic="Rust, revised",
                           description="Ownership, borrowing, lifetimes.")
    assert "changed the topic, description" in content
    _, content = await run(fake, "schedule", "edit", MODERATOR_ID, talk=str(talk["id"]), speaker=MODERATOR_ID)
    assert "changed the speaker" in content
    await tell_the_audience_now(bot)
    notice = await fake.wait_for_message(dm_of(fake, MEMBER_ID, "new speaker"))
    assert f"<@{MODERATOR_ID}>" in notice.content and "**Rust, revised**" in notice.content
    assert not [m for m in fake.messages if "Rust, revised" in m.content and m is not notice
                and m.channel_id == fake.dm_channels[MEMBER_ID]]
    [edited] = query(bot.db_path, "SELECT speaker_id, topic, description FROM talks")
    assert edited == {"speaker_id": MODERATOR_ID, "topic": "Rust, revised",
                      "description": "Ownership, borrowing, lifetimes."}
    _, refused = await run(fake, "schedule", "edit", MEMBER_ID, talk=str(talk["id"]), topic="Mine")
    assert "Only the speaker or a moderator" in refused


async def test_the_speaker_reschedules_from_the_reminder_and_attendees_are_told(fake, bot):
    await run(fake, "remind-me", "talks", SPEAKER, before="1h")
    talk = await add_talk(fake, bot, 3600 + 6)
    await remind_me(fake, talk)
    bot.advance_clock(4)
    reminder = await fake.wait_for_message(dm_of(fake, SPEAKER, "Reminder: your talk"), timeout=20)
    assert reminder.custom_ids[:2] == [f"podium:talk:move:{talk['id']}", f"podium:talk:cancel:{talk['id']}"]
    await click(fake, reminder, f"podium:talk:move:{talk['id']}", SPEAKER)
    submit = await fake.invoke_modal_submit(user_id=SPEAKER, custom_id=f"podium:talk:move-modal:{talk['id']}",
                                            values={"when": "in 3 days at 18:00"})
    content = (await fake.wait_for_response(submit))["data"]["content"]
    assert "moved to" in content and "Read “in 3 days at 18:00” in UTC" in content
    await tell_the_audience_now(bot)
    await fake.wait_for_message(dm_of(fake, MEMBER_ID, "was moved"))
    # A time that cannot be read is refused privately and changes nothing.
    await click(fake, reminder, f"podium:talk:move:{talk['id']}", SPEAKER)
    bad = await fake.invoke_modal_submit(user_id=SPEAKER, custom_id=f"podium:talk:move-modal:{talk['id']}",
                                         values={"when": "the day after never"})
    assert "Try `" in (await fake.wait_for_response(bad))["data"]["content"]


async def test_a_new_talk_is_announced_with_its_thread_and_buttons(fake, bot):
    _, content = await run(fake, "announce-settings", "new-talks", MODERATOR_ID, enabled=True)
    assert "with a 🔔 Remind me button" in content
    talk = await add_talk(fake, bot, 3 * 86400, topic="Async Rust")
    post = await fake.wait_for_message(lambda m: m.content.startswith("📣 **New talk**"))
    assert post.channel_id == GENERAL_CHANNEL_ID and post.embeds[0]["title"] == "Async Rust"
    assert post.custom_ids == [f"podium:att:join:{talk['id']}", f"podium:att:leave:{talk['id']}",
                               f"podium:talk:ics:{talk['id']}"]
    opened = await fake.wait_for_message(lambda m: m.content.startswith("🧵 The thread of"))
    assert opened.channel_id in fake.threads
    _, content = await click(fake, post, f"podium:att:join:{talk['id']}")
    assert "1 going" in content
    await fake.wait_for_request(lambda r: r.method == "PUT" and r.path.endswith(f"/thread-members/{MEMBER_ID}"))
    assert MEMBER_ID in fake.thread_members[opened.channel_id]
    # The buttons carry everything they need: they still work after a restart.
    assert await bot.stop() == 0
    await bot.start()
    _, content = await click(fake, post, f"podium:att:leave:{talk['id']}")
    assert content.startswith("🔕 You won't be reminded of **Async Rust** any more. 0 going.")


async def test_a_member_who_stopped_talk_reminders_is_told_how_to_allow_them_again(fake, bot):
    await run(fake, "opt-out", "stop", what="talk-reminders")
    talk = await add_talk(fake, bot, 3 * 86400)
    _, content = await remind_me(fake, talk)
    assert "won't remind you" in content and "</opt-out allow:" in content and "what:Reminders before talks" in content
    assert query(bot.db_path, "SELECT * FROM attendees") == []


async def test_the_list_offers_a_select_of_its_talks(fake, bot):
    first = await add_talk(fake, bot, 2 * 86400, topic="First")
    second = await add_talk(fake, bot, 3 * 86400, topic="Second")
    interaction, _ = await run(fake, "schedule", "list")
    listing = interaction.original
    _, content = await click(fake, listing, "podium:att:pick", values=[str(first["id"]), str(second["id"])])
    assert "**First**" in content and "**Second**" in content
    assert len(query(bot.db_path, "SELECT * FROM attendees")) == 2
    _, content = await click(fake, listing, "podium:att:unpick", values=[str(first["id"])])
    assert content.startswith("🔕 You won't be reminded of **First**")
    assert query(bot.db_path, "SELECT talk_id FROM attendees") == [{"talk_id": second["id"]}]


async def test_the_weekly_summary_offers_remind_me_for_its_talks(fake, bot):
    talk = await add_talk(fake, bot, 2 * 86400, topic="Summarised")
    await remind_me(fake, talk, MODERATOR_ID)
    [summary] = query(bot.db_path, "SELECT id FROM outbox WHERE kind = 'weekly_summary' AND state = 'pending'")
    due_ms = int(time.time() * 1000)
    execute(bot.db_path, "UPDATE outbox SET due_at_ms = ?, next_attempt_at_ms = ? WHERE id = ?", due_ms, due_ms,
            summary["id"])
    posted = await fake.wait_for_message(lambda m: m.content.startswith("📣 **Coming up this week**"), timeout=10)
    assert posted.custom_ids == [f"podium:att:join:{talk['id']}", "podium:att:unpick"]
    assert "🔔 1 going" in posted.embeds[0]["description"]
    _, content = await click(fake, posted, f"podium:att:join:{talk['id']}")
    assert "You'll be reminded of **Summarised**" in content and "2 going" in content
