"""Reviewer r4 (issue 21, §5 "Add to calendar" and §4/§6 text): each test fails on the current code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ical.calendar_stream import IcsCalendarStream

from cogs.help import INTRO, WHO_SEES
from podium import i18n
from podium.calendar_feed import build_calendar, talk_calendar
from podium.talk_model import Talk, TalkError, validate_description, validate_topic

STARTS = datetime(2026, 12, 12, 16, 0, tzinfo=UTC)


def talk(talk_id: int = 7, topic: str = "Intro to Rust", description: str | None = None) -> Talk:
    return Talk(id=talk_id, guild_id=111_111_111_111_111_111, speaker_id=5, topic=topic, starts_at=STARTS,
                duration_minutes=30, state="scheduled", announced=False, created_by=5, updated_by=5,
                updated_at=STARTS - timedelta(days=5), sequence=1, speaker_name="Sam", description=description)


# Characters RFC 5545 does not allow in a TEXT value (3.3.11: CONTROL = %x00-08 / %x0A-1F / %x7F; only HTAB is
# allowed, and a newline is written as \n). Podium's topic and description checks let them all through (a topic
# pasted from a terminal or a PDF, a form feed in a description, an event imported from Discord's Events).
CONTROL = ["\x07", "\x0b", "\x0c", "\x1b", "\x7f", "\x00"]


@pytest.mark.parametrize("char", CONTROL, ids=[f"U+{ord(c):04X}" for c in CONTROL])
def test_a_new_topic_or_description_with_a_control_character_is_refused_with_an_example(char):
    # Fixed by refusing them in new input (line breaks and tabs stay fine in a description).
    for check, text in ((validate_topic, f"Intro{char}to Rust"), (validate_description, f"Slides{char}and notes")):
        with pytest.raises(TalkError) as refused:
            check(text)
        assert "control character" in str(refused.value) and "Example: `" in str(refused.value), refused.value
    assert validate_description("Slides\n\tand notes") == "Slides\n\tand notes"


@pytest.mark.parametrize("char", CONTROL, ids=[f"U+{ord(c):04X}" for c in CONTROL])
def test_add_to_calendar_gives_a_valid_ics_for_any_topic_podium_stored(char):
    # Talks stored before topics were checked (or imported otherwise) still hold such characters.
    data = talk_calendar(talk(topic=f"Intro{char}to Rust"), "en-US")
    # The strict parser the project's own tests use: a calendar app refuses the file the same way.
    calendar = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    assert len(calendar.events) == 1


@pytest.mark.parametrize("char", CONTROL, ids=[f"U+{ord(c):04X}" for c in CONTROL])
def test_one_talk_with_a_control_character_does_not_break_the_whole_server_feed(char):
    # /schedule export and every subscribed feed are one VCALENDAR: one talk's description makes all of it
    # unreadable for every member.
    good = talk(1, "Async Rust")
    bad = talk(2, "Intro to Rust", description=f"Slides{char}and notes")
    data = build_calendar([good, bad], name="Rust Berlin talks", now=STARTS - timedelta(days=1))
    calendar = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    assert [event.summary for event in calendar.events] == ["Async Rust", "Intro to Rust"]


def test_german_help_does_not_say_every_answer_is_private():
    # Issue §4: "/help says 'Everything below answers only you.' while /schedule list posts publicly". The English
    # intro no longer says so; the German one still ends with "Die Antworten siehst nur du." — right above the
    # note that the commands marked 📢 post for everyone, and above "/schedule list 📢" (docs/tour.md, step 7).
    t = i18n.translator("de")
    english = i18n.translator("en-US")._(INTRO)
    assert "only you" not in english and "Only you" in i18n.translator("en-US")._(WHO_SEES, mark="📢")
    assert "nur du" not in t._(INTRO), t._(INTRO)


@pytest.mark.parametrize("language", i18n.languages())
@pytest.mark.parametrize("via", ["dm", "thread"])
def test_the_notice_that_a_talk_moved_offers_add_to_calendar(language, via):
    # §5: "Every talk shown (info, the new-talk post, reminders) offers 'Add to calendar'". The notice of a move
    # shows the talk at its new time, and is the moment a member's calendar entry (from an earlier 📅 click) is
    # wrong; it has "Can't make it" and the thread link only. (tests/podium/test_add_to_calendar.py checks
    # "every message that shows a talk" but leaves the notices out of its list.)
    from podium.delivery.render import RenderContext, render
    from tests import factories

    moved = factories.talk(starts_at=STARTS, thread_id=222_222_222_222_222_222)
    now = STARTS - timedelta(days=2)
    payload = {"topic": moved.topic, "old_start_ms": int((STARTS - timedelta(days=1)).timestamp() * 1000),
               "new_start_ms": int(STARTS.timestamp() * 1000), "by_user_id": 42, "guild_name": "Rust Berlin"}
    body = render(RenderContext("attendee_notice", payload, moved, now, now, via=via, locale=language),
                  mention_user_id=None)
    label = i18n.translator(language)._("📅 Add to calendar")
    buttons = [c for row in body.get("components") or [] for c in row["components"]]
    assert [b.get("label") for b in buttons if b.get("custom_id") == f"podium:talk:ics:{moved.id}"] == [label], (
        body.get("content"), buttons)
