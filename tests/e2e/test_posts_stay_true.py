"""Issue 21 §1 through the real bot process and the fake Discord: the new-talk post and the weekly summary's entry
are edited when a talk is moved, then cancelled (one edit per change burst), in English and in German; the channel
notices name who acted in the third person.
"""

import re
import time

import pytest

from podium.posts import EDIT_HOLD
from tests.e2e.commands import SPEAKER, add_talk, click, edited, iso_in, option, remind_me, run
from tests.e2e.dbcheck import execute, query
from tests.fake_discord import GENERAL_CHANNEL_ID, GUILD_ID, MODERATOR_ID

WORDS = {
    "en": {"new": "📣 **New talk**", "summary": "📣 **Coming up this week**", "cancelled": "🚫 **Cancelled**",
           "moved": "was moved by", "cancel_notice": "was cancelled by", "struck": "🚫 Cancelled"},
    "de": {"new": "📣 **Neuer Vortrag**", "summary": "📣 **Diese Woche**", "cancelled": "🚫 **Abgesagt**",
           "moved": "wurde von", "cancel_notice": "wurde von", "struck": "🚫 Abgesagt"},
}


@pytest.fixture
def bot(clocked_bot):
    # Moved past the edits' hold (posts.EDIT_HOLD, 5 s) instead of waiting for it.
    return clocked_bot


def due_now(bot, kind):
    now_ms = int(time.time() * 1000)
    execute(bot.db_path, "UPDATE outbox SET due_at_ms = ?, next_attempt_at_ms = ? WHERE kind = ? AND state = 'pending'",
            now_ms, now_ms, kind)




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
    bot.advance_clock(EDIT_HOLD.total_seconds())  # the held edits fall due
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
    bot.advance_clock(EDIT_HOLD.total_seconds())
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


def first_sentence_shape(content):
    """The reply's first line with its instants blanked out: the same action must read the same."""
    return re.sub(r"<t:\d+:\w>", "<t>", content.split("\n")[0])


async def say(fake, user_id, locale, name, **options):
    interaction = await fake.invoke(
        guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=user_id, name="schedule", locale=locale,
        options=[{"type": 1, "name": name, "options": [option(k, v) for k, v in options.items()]}],
    )
    return interaction, (await fake.wait_for_response(interaction))["data"].get("content", "")


async def form(fake, reminder, action, talk_id, locale, values):
    await click(fake, reminder, f"podium:talk:{action}:{talk_id}", SPEAKER, locale=locale)
    submit = await fake.invoke_modal_submit(user_id=SPEAKER, custom_id=f"podium:talk:{action}-modal:{talk_id}",
                                            values=values, locale=locale)
    return (await fake.wait_for_response(submit))["data"]["content"]


@pytest.mark.parametrize("locale", ["en-US", "de"])
async def test_every_door_to_a_move_or_a_cancel_answers_with_the_same_sentence(locale, fake, bot):
    # Issue 21 §1: "The speaker is notified and the reminders re-planned." / "Those who asked to be reminded are
    # told." differed by door. One sentence per action, saying what happened and who was told, with counts.
    await run(fake, "remind-me", "talks", SPEAKER, before="1h")
    first = await add_talk(fake, bot, 3600 + 6, topic="Rust")
    second = await add_talk(fake, bot, 5 * 86400, topic="Rust")
    for talk in (first, second):
        await remind_me(fake, talk)
    bot.advance_clock(3)  # a few seconds before the first talk's reminder
    reminder = await fake.wait_for_message(
        lambda m: m.channel_id == fake.dm_channels.get(SPEAKER) and f"podium:talk:move:{first['id']}" in m.custom_ids,
        timeout=20)

    by_form = await form(fake, reminder, "move", first["id"], locale, {"when": "in 3 days at 18:00"})
    _, by_command = await say(fake, SPEAKER, locale, "reschedule", talk=str(second["id"]), when=iso_in(6 * 86400))
    moved = {first_sentence_shape(by_form), first_sentence_shape(by_command)}
    assert len(moved) == 1, moved
    expected = {"en-US": "📅 **Rust** moved to <t> (<t>). 1 person who asked for a reminder was told.",
                "de": "📅 **Rust** wurde auf <t> (<t>) verschoben. "
                      "1 Person, die erinnert werden wollte, weiß Bescheid."}
    assert moved == {expected[locale]}

    by_form = await form(fake, reminder, "cancel", first["id"], locale, {"reason": "ill"})
    interaction, _ = await say(fake, SPEAKER, locale, "cancel", talk=str(second["id"]), reason="ill")
    press = await fake.invoke_component(message_id=interaction.original.id, user_id=SPEAKER, locale=locale,
                                        custom_id=interaction.original.custom_ids[0])
    by_command = (await fake.wait_for_response(press))["data"]["content"]
    cancelled = {first_sentence_shape(by_form), first_sentence_shape(by_command)}
    assert len(cancelled) == 1, cancelled
    expected = {"en-US": "🚫 **Rust** is cancelled. 1 person who asked for a reminder was told.",
                "de": "🚫 **Rust** ist abgesagt. 1 Person, die erinnert werden wollte, weiß Bescheid."}
    assert cancelled == {expected[locale]}
