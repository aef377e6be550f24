"""Approval of sign-ups and speakers confirming they will come (issue 23 §3, §4), through the real bot process.

Each flow in English and in German: the member's reply and DMs in their language, the review post and the log
channel's line in the server's (English here).
"""

from __future__ import annotations

import pytest

from tests.e2e.commands import click, dm_of, edited, iso_in, run
from tests.e2e.dbcheck import query
from tests.fake_discord import GENERAL_CHANNEL_ID, MEMBER_ID, MODERATOR_ID
from tests.waiting import eventually

WORDS = {
    "en-US": {"held": "waiting for a moderator's approval", "approved": "was approved", "declined": "was declined",
              "ask": "Are you still giving", "thanks": "is confirmed", "confirmed": "The speaker confirmed"},
    "de": {"held": "wartet auf die Freigabe", "approved": "ist freigegeben", "declined": "wurde abgelehnt",
           "ask": "Hältst du", "thanks": "ist bestätigt", "confirmed": "Die vortragende Person hat bestätigt"},
}
LOCALES = list(WORDS)


async def question_recorded(bot, topic: str) -> None:
    """The bot committed the question as sent (its on-sent step records "asked" in the same commit as "sent").

    The fake sees the DM a moment before: a clock moved in between would count the answer window from later.
    """
    await eventually(lambda: query(bot.db_path, "SELECT 1 FROM talk_confirmations AS c JOIN talks AS t"
                                   " ON t.id = c.talk_id WHERE t.topic = ? AND c.state = 'asked'", topic),
                     what=f"the question about {topic} recorded as sent")


async def sign_up(fake, bot, topic: str, seconds: float, locale: str) -> dict:
    """MEMBER (no moderator) signs up; the reply says it waits; the talk's row."""
    _, reply = await run(fake, "schedule", "add", MEMBER_ID, locale=locale, when=iso_in(seconds), topic=topic)
    assert WORDS[locale]["held"] in reply, reply
    [talk] = query(bot.db_path, "SELECT * FROM talks WHERE topic = ?", topic)
    assert talk["approval"] == "pending"
    return talk


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_moderator_approves_one_sign_up_and_declines_another_with_a_reason(fake, clocked_bot, locale):
    bot = clocked_bot
    await run(fake, "announce-settings", "log-channel", MODERATOR_ID, channel=GENERAL_CHANNEL_ID)
    await run(fake, "announce-settings", "new-talks", MODERATOR_ID, enabled=True)
    _, saved = await run(fake, "announce-settings", "talks", MODERATOR_ID, approval=True)
    assert "Approval of sign-ups: on" in saved, saved
    kept = await sign_up(fake, bot, "Rust traits", 5 * 86400, locale)
    review = await fake.wait_for_message(lambda m: "Sign-up waiting for approval" in m.content
                                         and "Rust traits" in m.content)
    assert review.channel_id == GENERAL_CHANNEL_ID
    assert review.custom_ids == [f"podium:review:approve:{kept['id']}", f"podium:review:decline:{kept['id']}"]
    # Nothing else about it before a decision: no announcement, not in the posted list.
    assert [m.content for m in fake.channel_messages(GENERAL_CHANNEL_ID) if "Rust traits" in m.content] == [
        review.content]
    listed, _ = await run(fake, "schedule", "list", MEMBER_ID, locale=locale)
    assert "Rust traits" not in str(listed.original.embeds if listed.original else "")
    # The member cannot decide their own sign-up.
    _, refused = await click(fake, review, f"podium:review:approve:{kept['id']}", MEMBER_ID, locale=locale)
    assert {"en-US": "Only moderators", "de": "Nur die Moderation"}[locale] in refused
    _, approved = await click(fake, review, f"podium:review:approve:{kept['id']}", MODERATOR_ID)
    assert "is approved" in approved
    await fake.wait_for_message(dm_of(fake, MEMBER_ID, WORDS[locale]["approved"]), timeout=20)
    # From now on a talk like any other: announced, and the review post says who approved it, buttons greyed out.
    await fake.wait_for_message(lambda m: m.content.startswith("📣") and m.embeds
                                and m.embeds[0].get("title") == "Rust traits", timeout=20)
    bot.advance_clock(6)
    edit = await edited(fake, review, 1)
    assert edit["content"].startswith(f"✅ Approved by <@{MODERATOR_ID}>")
    assert all(c.get("disabled") for row in edit["components"] for c in row["components"])
    # A second moderator whose client still showed the buttons (clicked before the edit reached them).
    _, twice = await click(fake, review, f"podium:review:approve:{kept['id']}", MODERATOR_ID, force=True)
    assert "already approved" in twice

    dropped = await sign_up(fake, bot, "Go generics", 6 * 86400, locale)
    review = await fake.wait_for_message(lambda m: "Sign-up waiting for approval" in m.content
                                         and "Go generics" in m.content)
    await click(fake, review, f"podium:review:decline:{dropped['id']}", MODERATOR_ID)
    submit = await fake.invoke_modal_submit(user_id=MODERATOR_ID,
                                            custom_id=f"podium:review:decline-form:{dropped['id']}",
                                            values={"reason": "That evening is full"})
    assert "is declined" in (await fake.wait_for_response(submit))["data"]["content"]
    dm = await fake.wait_for_message(dm_of(fake, MEMBER_ID, WORDS[locale]["declined"]), timeout=20)
    assert "That evening is full" in dm.content
    [row] = query(bot.db_path, "SELECT state, approval FROM talks WHERE id = ?", dropped["id"])
    assert (row["state"], row["approval"]) == ("cancelled", "declined")
    bot.advance_clock(6)
    edit = await edited(fake, review, 1)
    assert edit["content"].startswith(f"❌ Declined by <@{MODERATOR_ID}>") and "That evening is full" in edit["content"]


async def test_after_downtime_the_speaker_gets_the_whole_window_after_the_question_reaches_them(fake, clocked_bot):
    """Question and moderators' line fell due together while the bot was down: the line waits for the answer window.

    Counted from when the question actually went; sent at once, the line said "could not be asked" (the question
    still on its way), or it left the speaker no time to answer.
    """
    bot = clocked_bot
    await run(fake, "announce-settings", "log-channel", MODERATOR_ID, channel=GENERAL_CHANNEL_ID)
    await run(fake, "announce-settings", "talks", MODERATOR_ID, **{"confirm-hours": 24})
    await run(fake, "schedule", "add", MEMBER_ID, when=iso_in(2 * 86400), topic="Nim")
    bot.advance_clock(86400 + 12 * 3600 + 600)  # past the question and past its line (due 12 h after it)
    asked = dm_of(fake, MEMBER_ID, WORDS["en-US"]["ask"])
    await fake.wait_for_message(lambda m: asked(m) and "Nim" in m.content, timeout=20)
    await question_recorded(bot, "Nim")
    # It went 12 h before the talk: half of that (not less, not the whole 12 h) to answer before moderators hear.
    await eventually(lambda: query(
        bot.db_path, "SELECT 1 FROM outbox AS o JOIN outbox AS q ON q.kind = 'speaker_confirmation'"
        " WHERE o.kind = 'confirmation_overdue' AND o.state = 'pending' AND o.last_error LIKE 'waits until%'"
        " AND o.next_attempt_at_ms BETWEEN q.sent_at_ms + 5 * 3600000 AND q.sent_at_ms + 6 * 3600000"),
        what="the line put back to wait for the answer window")
    assert not [m for m in fake.channel_messages(GENERAL_CHANNEL_ID) if "Nim" in m.content and "⚠️" in m.content]
    bot.advance_clock(6 * 3600)
    line = await fake.wait_for_message(lambda m: m.channel_id == GENERAL_CHANNEL_ID
                                       and "hasn't confirmed" in m.content, timeout=20)
    assert "Nim" in line.content and "Ask them" in line.content


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_speaker_confirms_and_an_unanswered_question_reaches_the_log_channel(fake, clocked_bot, locale):
    bot = clocked_bot
    await run(fake, "announce-settings", "log-channel", MODERATOR_ID, channel=GENERAL_CHANNEL_ID)
    _, saved = await run(fake, "announce-settings", "talks", MODERATOR_ID, **{"confirm-hours": 24})
    assert "Speakers confirm: speakers are asked" in saved, saved
    _, answered = await run(fake, "schedule", "add", MEMBER_ID, locale=locale, when=iso_in(2 * 86400), topic="Zig")
    _, silent = await run(fake, "schedule", "add", MEMBER_ID, locale=locale, when=iso_in(2 * 86400 + 1800),
                          topic="Nim")
    [zig] = query(bot.db_path, "SELECT * FROM talks WHERE topic = 'Zig'")
    bot.advance_clock(86400 + 3600)  # past the question of both
    ask = await fake.wait_for_message(dm_of(fake, MEMBER_ID, WORDS[locale]["ask"]), timeout=20)
    assert "Zig" in ask.content
    assert ask.custom_ids[:3] == [f"podium:still:yes:{zig['id']}", f"podium:talk:move:{zig['id']}",
                                  f"podium:talk:cancel:{zig['id']}"]
    _, thanks = await click(fake, ask, f"podium:still:yes:{zig['id']}", MEMBER_ID, locale=locale)
    assert WORDS[locale]["thanks"] in thanks, thanks
    _, info = await run(fake, "schedule", "info", MEMBER_ID, locale=locale, talk=str(zig["id"]))
    assert WORDS[locale]["confirmed"] in info, info
    # Nim's question, never answered. Not any DM naming Nim: its 24 h reminder falls due with the question (the
    # same lead), and a clock moved on before the question went would leave the speaker no window to answer.
    asked = dm_of(fake, MEMBER_ID, WORDS[locale]["ask"])
    await fake.wait_for_message(lambda m: asked(m) and "Nim" in m.content, timeout=20)
    await question_recorded(bot, "Nim")
    bot.advance_clock(12 * 3600)  # half the 24 h lead later: the moderators hear of Nim, not of Zig
    line = await fake.wait_for_message(lambda m: m.channel_id == GENERAL_CHANNEL_ID
                                       and "hasn't confirmed" in m.content, timeout=20)
    assert "Nim" in line.content and f"<@{MEMBER_ID}>" in line.content and "Ask them" in line.content
    assert not [m for m in fake.channel_messages(GENERAL_CHANNEL_ID) if "hasn't confirmed" in m.content
                and "Zig" in m.content]
    # Moderators see both answers beside the posted list.
    # The line is posted before its on-sent step records the missing answer in the same commit as "sent".
    await eventually(lambda: query(bot.db_path, "SELECT 1 FROM talk_confirmations WHERE state = 'unanswered'"),
                     what="the missing answer recorded")
    listed, _ = await run(fake, "schedule", "list", MODERATOR_ID)
    private = (await fake.wait_for_followup(listed)).content
    assert "didn't confirm in time" in private and "confirmed they will come" in private
    assert answered and silent
