"""Who's going, and one-click "add to my calendar", through the real bot process and the loopback Discord."""

from __future__ import annotations

import time
import urllib.parse

import pytest
from ical.calendar_stream import IcsCalendarStream

from tests.botprocess import clock_file
from tests.e2e.commands import SPEAKER, add_talk, click, dm_of, forget_me, remind_me, run, sent_file
from tests.e2e.dbcheck import execute, query
from tests.fake_discord import EPHEMERAL_FLAG, GENERAL_CHANNEL_ID, MEMBER_ID, MODERATOR_ID
from tests.icsparse import strict_parse, unescape_text

# Members going to a talk: ids that sort after every real member of the fake, so the named ones are known.
FIRST_ATTENDEE = 900_000_000_000_000_000


@pytest.fixture
async def bot(bot_factory, tmp_path):
    # A clock the tests move forward to what is due (re-read within the 1 s tick).
    process = bot_factory(CLOCK_FILE=clock_file(tmp_path), DISPATCH_TICK_SECONDS="1")
    await process.start()
    await run(process.fake, "announce-settings", "channel", MODERATOR_ID, channel=GENERAL_CHANNEL_ID)
    return process


def going(bot, talk_id, first, last):
    for i in range(first, last):
        execute(bot.db_path, "INSERT INTO attendees (talk_id, user_id, created_at_ms) VALUES (?, ?, ?)",
                talk_id, FIRST_ATTENDEE + i, int(time.time() * 1000))


@pytest.mark.parametrize(("locale", "lines"), [
    ("en-US", {0: "🔔 0 going", 1: "🔔 1 going: <@{0}>", 11: "🔔 11 going: <@{0}>, ", 25: "🔔 25 going: <@{0}>, "}),
    ("de", {0: "🔔 0 dabei", 1: "🔔 1 dabei: <@{0}>", 11: "🔔 11 dabei: <@{0}>, ", 25: "🔔 25 dabei: <@{0}>, "}),
])
async def test_info_names_who_is_going_and_pings_nobody(fake, bot, locale, lines):
    talk = await add_talk(fake, bot, 3 * 86400)
    ends = {"en-US": {11: ", and 1 more", 25: ", and 15 more"},
            "de": {11: " und 1 weitere Person", 25: " und 15 weitere Personen"}}[locale]
    have = 0
    for n, start in lines.items():
        going(bot, talk["id"], have, n)
        have = n
        interaction, content = await run(fake, "schedule", "info", locale=locale, talk=str(talk["id"]))
        [line] = [line for line in content.splitlines() if line.startswith("🔔")]
        assert line.startswith(start.format(FIRST_ATTENDEE)), line
        shown = min(n, 10)
        assert line.count("<@") == shown
        assert shown == 0 or f"<@{FIRST_ATTENDEE + shown - 1}>" in line
        assert f"<@{FIRST_ATTENDEE + shown}>" not in line
        if n in ends:
            assert line.endswith(ends[n]), line
        reply = interaction.original
        assert reply.flags & EPHEMERAL_FLAG
        assert reply.allowed_mentions == {"parse": []} and reply.mention_user_ids == []


async def test_a_member_who_used_forget_me_is_not_named(fake, bot):
    talk = await add_talk(fake, bot, 3 * 86400)
    await remind_me(fake, talk)
    _, content = await run(fake, "schedule", "info", SPEAKER, talk=str(talk["id"]))
    assert f"🔔 1 going: <@{MEMBER_ID}>" in content
    await forget_me(fake)
    assert query(bot.db_path, "SELECT * FROM attendees") == []
    _, content = await run(fake, "schedule", "info", SPEAKER, talk=str(talk["id"]))
    assert "🔔 0 going" in content and str(MEMBER_ID) not in content


@pytest.mark.parametrize(("locale", "words"), [
    ("en-US", ("open the file to add it to your calendar app", "Google Calendar", "Speaker: ")),
    ("de", ("Öffne die Datei", "Google Kalender", "Vortrag von ")),
])
async def test_add_to_calendar_answers_a_member_who_is_not_going_with_an_ics_and_a_google_link(
        fake, bot, locale, words):
    talk = await add_talk(fake, bot, 3 * 86400, topic="Rust, C; and \\ more")
    info, _ = await run(fake, "schedule", "info", locale=locale, talk=str(talk["id"]))
    assert f"podium:talk:ics:{talk['id']}" in info.original.custom_ids
    clicked = await fake.invoke_component(message_id=info.original.id, custom_id=f"podium:talk:ics:{talk['id']}",
                                          user_id=MEMBER_ID, locale=locale)
    response = await fake.wait_for_response(clicked)
    assert response["type"] == 4 and response["data"]["flags"] & EPHEMERAL_FLAG
    assert words[0] in response["data"]["content"] and "**Rust, C; and \\\\ more**" in response["data"]["content"]
    filename, data = sent_file(fake, clicked)
    assert filename == f"talk-{talk['id']}.ics" and clicked.original.attachments[0]["filename"] == filename
    IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    values = {name: value for name, _, value in strict_parse(data)}
    assert unescape_text(values["SUMMARY"]) == "Rust, C; and \\ more"
    assert unescape_text(values["DESCRIPTION"]).startswith(words[2])
    [link] = [c for row in clicked.original.components for c in row["components"] if c.get("url")]
    assert link["label"] == words[1] and len(link["url"]) <= 512
    fields = urllib.parse.parse_qs(urllib.parse.urlsplit(link["url"]).query)
    assert fields["text"] == ["Rust, C; and \\ more"] and fields["action"] == ["TEMPLATE"]
    assert fields["dates"][0].startswith(values["DTSTART"] + "/")
    assert query(bot.db_path, "SELECT * FROM attendees") == []  # nothing stored by a look at the calendar


async def test_add_to_calendar_on_the_new_talk_post_and_on_both_reminders(fake, bot):
    await run(fake, "announce-settings", "new-talks", MODERATOR_ID, enabled=True)
    await run(fake, "remind-me", "talks", SPEAKER, before="1h")
    await run(fake, "remind-me", "talks", MEMBER_ID, before="1h")
    talk = await add_talk(fake, bot, 3600 + 8)
    ics = f"podium:talk:ics:{talk['id']}"
    post = await fake.wait_for_message(lambda m: m.content.startswith("📣 **New talk**"))
    assert ics in post.custom_ids
    await remind_me(fake, talk)
    bot.advance_clock(5)  # a few seconds before the reminders are due
    speaker = await fake.wait_for_message(dm_of(fake, SPEAKER, "Reminder: your talk"), timeout=25)
    member = await fake.wait_for_message(dm_of(fake, MEMBER_ID, "starts"), timeout=25)
    for message, user_id in ((post, MEMBER_ID), (speaker, SPEAKER), (member, MEMBER_ID)):
        assert ics in message.custom_ids
        clicked = await fake.invoke_component(message_id=message.id, custom_id=ics, user_id=user_id)
        response = await fake.wait_for_response(clicked)
        assert response["type"] == 4 and "open the file" in response["data"]["content"], response
        assert sent_file(fake, clicked)[0] == f"talk-{talk['id']}.ics"


async def test_add_to_calendar_for_a_cancelled_or_unknown_talk_says_so(fake, bot):
    talk = await add_talk(fake, bot, 3 * 86400, topic="Async Rust")
    info, _ = await run(fake, "schedule", "info", talk=str(talk["id"]))
    question, _ = await run(fake, "schedule", "cancel", SPEAKER, talk=str(talk["id"]))
    press = await fake.invoke_component(message_id=question.original.id, custom_id=question.original.custom_ids[0],
                                        user_id=SPEAKER)
    await fake.wait_for_interaction_response(press, lambda r: r.kind in ("callback", "edit_original")
                                             and "cancel" in str(r.json), timeout=15)
    assert query(bot.db_path, "SELECT state FROM talks") == [{"state": "cancelled"}]
    _, content = await click(fake, info.original, f"podium:talk:ics:{talk['id']}")
    assert content == "**Async Rust** was cancelled; there is nothing to add to your calendar."
    _, content = await click(fake, info.original, f"podium:talk:ics:{talk['id']}", locale="de")
    assert content == "**Async Rust** wurde abgesagt; es gibt nichts für deinen Kalender."
    execute(bot.db_path, "DELETE FROM talks WHERE id = ?", talk["id"])
    _, content = await click(fake, info.original, f"podium:talk:ics:{talk['id']}")
    assert content.startswith("I can't find that talk any more. See what's coming with </schedule list:")
    assert not [r for r in fake.requests if r.files and "/interactions/" in r.path]
