"""Issue 21 §1 through the real bot process and the fake Discord: the new-talk post and the weekly summary's entry
are edited when a talk is moved, then cancelled (one edit per change burst), in English and in German; the channel
notices name who acted in the third person.
"""

import time

import pytest

from tests.e2e.dbcheck import execute, query
from tests.e2e.test_audience import SPEAKER, add_talk, click, iso_in, run
from tests.fake_discord import GENERAL_CHANNEL_ID, MODERATOR_ID

WORDS = {
    "en": {"new": "📣 **New talk**", "summary": "📣 **Coming up this week**", "cancelled": "🚫 **Cancelled**",
           "moved": "was moved by", "cancel_notice": "was cancelled by", "struck": "🚫 Cancelled"},
    "de": {"new": "📣 **Neuer Vortrag**", "summary": "📣 **Diese Woche**", "cancelled": "🚫 **Abgesagt**",
           "moved": "wurde von", "cancel_notice": "wurde von", "struck": "🚫 Abgesagt"},
}


@pytest.fixture
async def bot(bot_factory):
    process = bot_factory(DISPATCH_TICK_SECONDS="1")
    await process.start()
    await run(process.fake, "announce-settings", "channel", MODERATOR_ID, channel=GENERAL_CHANNEL_ID)
    return process


def due_now(bot, kind):
    now_ms = int(time.time() * 1000)
    execute(bot.db_path, "UPDATE outbox SET due_at_ms = ?, next_attempt_at_ms = ? WHERE kind = ? AND state = 'pending'",
            now_ms, now_ms, kind)


async def edited(fake, message, count):
    """Wait until the message has `count` edits; it never gets more for one change."""
    await fake.wait_for_request(lambda r: r.method == "PATCH" and r.path.endswith(f"/messages/{message.id}")
                                and len(message.edits) >= count, timeout=20)
    assert len(message.edits) == count, [e.get("content") for e in message.edits]
    return message.edits[-1]


@pytest.mark.parametrize("language", ["en", "de"])
async def test_a_move_then_a_cancel_edit_the_new_talk_post_and_the_summary(language, fake, bot):
    words = WORDS[language]
    await run(fake, "announce-settings", "language", MODERATOR_ID, language=language)
    await run(fake, "announce-settings", "new-talks", MODERATOR_ID, enabled=True)
    talk = await add_talk(fake, bot, 2 * 86400, topic="Intro to Rust")
    post = await fake.wait_for_message(lambda m: m.content.startswith(words["new"]))
    due_now(bot, "weekly_summary")
    summary = await fake.wait_for_message(lambda m: m.content.startswith(words["summary"]), timeout=10)
    await fake.wait_for_message(lambda m: m.content.startswith("🧵"))

    # A moderator moves it twice in a row: one edit of each post, showing the latest time.
    for hours in (3, 4):
        await run(fake, "schedule", "reschedule", MODERATOR_ID, talk=str(talk["id"]),
                               when=iso_in(2 * 86400 + hours * 3600))
    [moved] = query(bot.db_path, "SELECT starts_at_ms FROM talks")
    new = f"<t:{moved['starts_at_ms'] // 1000}:F>"
    body = await edited(fake, post, 1)
    assert new in body["content"] and new in body["embeds"][0]["fields"][0]["value"]
    assert f"<t:{talk['starts_at_ms'] // 1000}:F>" not in str(body)
    body = await edited(fake, summary, 1)
    assert new in body["embeds"][0]["description"]
    # The channel's notice names who moved it, in the third person, and shows the change at a glance.
    notice = await fake.wait_for_message(lambda m: m.channel_id == GENERAL_CHANNEL_ID and words["moved"] in m.content)
    assert f"<@{MODERATOR_ID}>" in notice.content and f"~~<t:{talk['starts_at_ms'] // 1000}:F>~~ → **<t:" in (
        notice.content)
    assert notice.mention_user_ids == [] and notice.mention_everyone is False

    # The speaker cancels it: the post says so, its buttons are greyed out, the summary's entry is struck.
    interaction, _ = await run(fake, "schedule", "cancel", SPEAKER, talk=str(talk["id"]), reason="ill")
    await click(fake, interaction.original, interaction.original.custom_ids[0], SPEAKER)
    body = await edited(fake, post, 2)
    assert body["content"].startswith(words["cancelled"]) and "~~**Intro to Rust**~~" in body["content"]
    assert all(b.get("disabled") for row in body["components"] for b in row["components"])
    assert all(b.get("disabled") for row in post.components for b in row["components"])  # as Discord shows it now
    body = await edited(fake, summary, 2)
    assert "~~**Intro to Rust**~~" in body["embeds"][0]["description"] and words["struck"] in str(body)
    notice = await fake.wait_for_message(
        lambda m: m.channel_id == GENERAL_CHANNEL_ID and words["cancel_notice"] in m.content and "~~" in m.content
        and "ill" in m.content)
    assert f"<@{SPEAKER}>" in notice.content and notice.mention_user_ids == []
    # The speaker cancelled it themselves: no DM repeats their reply.
    assert query(bot.db_path, "SELECT * FROM outbox WHERE kind = 'cancel_notice' AND target_type = 'dm'") == []
