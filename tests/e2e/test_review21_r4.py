"""Reviewer r4 (issue 21, §5 and the tour): what docs/tour.md shows members, each test failing on the current code.

docs/tour.md is the real bot's output (tests/e2e/test_tour.py fails when it is not), so these read it instead of
running the bot again; regenerating the tour after a fix makes them pass.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e import transcript

HEAD = re.compile(r"^(📩 DM to @\S+|🔒 Podium answers \(only @\S+ sees this\)|📢 Post in \S+):$")


def section(language: transcript.Language) -> str:
    text = transcript.TOUR.read_text(encoding="utf-8")
    start = text.index(f"\n## {language.heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else len(text)]


def blocks(language: transcript.Language) -> list[tuple[str, list[str]]]:
    """(heading, quoted lines) of every message shown in the language's part of the tour."""
    found: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for line in section(language).splitlines():
        if (match := HEAD.match(line)) is not None:
            current = []
            found.append((match[1], current))
        elif current is not None and line.startswith(">"):
            current.append(line[1:].strip())
        elif current is not None and line.strip():
            current = None
    return found


CALENDAR = {"English": "[📅 Add to calendar]", "Deutsch": "[📅 In den Kalender]"}


@pytest.mark.parametrize("language", transcript.LANGUAGES, ids=lambda lang: lang.heading)
def test_the_dm_telling_a_member_their_talk_moved_offers_add_to_calendar(language):
    # §5: "Every talk shown (info, the new-talk post, reminders) offers 'Add to calendar'". The DM about a move
    # is exactly when a member's calendar entry is wrong, yet it has only "Can't make it" and the thread link
    # (podium/audience.py render_notice builds no calendar button).
    [(_, moved)] = [(head, lines) for head, lines in blocks(language)
                    if head == f"📩 DM to @{language.member}" and lines and lines[0].startswith("📅 ")]
    assert CALENDAR[language.heading] in moved[-1], moved


@pytest.mark.parametrize("language", transcript.LANGUAGES, ids=lambda lang: lang.heading)
def test_the_speakers_sign_up_confirmation_offers_add_to_calendar(language):
    # §5: every talk shown offers it; the first person who wants the talk in their calendar is its speaker, whose
    # "✅ You are signed up: …" shows the talk with only the time zone buttons.
    [(_, signed_up)] = [(head, lines) for head, lines in blocks(language)
                        if head == f"🔒 Podium answers (only @{language.speaker} sees this)"
                        and lines and lines[0].startswith("✅ ")]
    assert CALENDAR[language.heading] in signed_up[-1], signed_up


def test_the_english_tour_shows_times_as_its_en_us_members_see_them():
    # The tour says every member has Discord in `en-US`, but renders their <t:…> times with en_GB's 24-hour clock
    # ("Fri 11 Dec 2026, 18:30"); an en-US client shows "Friday, December 11, 2026 6:30 PM". docs/tour.md is meant
    # to show "exactly what members see".
    english = transcript.ENGLISH
    assert english.babel.replace("_", "-") == english.locale
    assert " PM" in section(english)


def step(language: transcript.Language, title: str) -> str:
    """The text of the tour's step with this title."""
    parts = re.split(r"\n(?=#### \d+\. )", section(language))
    [found] = [part for part in parts if re.match(rf"#### \d+\. {re.escape(title)} · ", part)]
    return found


GOING = {"English": ("#talks", "🔔 1 going"), "Deutsch": ("#vorträge", "🔔 1 dabei")}


@pytest.mark.parametrize("language", transcript.LANGUAGES, ids=lambda lang: lang.heading)
def test_the_new_talk_post_does_not_keep_saying_nobody_is_going(language):
    # Public posts stay true: the post's footer says "🔔 0 going" and keeps saying it after a member clicked
    # 🔔 Remind me on it (step "Reminded of the talk": no edit); it only becomes "1 going" days later, when the
    # speaker moves the talk. The count is read once when the post goes out (podium/audience.py
    # _prepare_announcement) and again only on a change of the talk (podium/posts.py).
    channel, footer = GOING[language.heading]
    clicked = step(language, "Reminded of the talk")
    assert f"✏️ Podium edits its post in {channel}" in clicked and footer in clicked, clicked


async def test_a_topic_with_a_control_character_makes_the_servers_export_unreadable(fake, bot_factory):
    # Through the real bot: a topic with a vertical tab (pasted text) made /schedule export (and every calendar
    # feed of the server, the same builder) a file calendar apps refuse: RFC 5545 allows no control character but
    # HTAB in a TEXT value. Now /schedule add refuses such a topic, and a talk stored before that check no longer
    # breaks the export.
    from ical.calendar_stream import IcsCalendarStream

    from tests.e2e.commands import SPEAKER, add_talk, iso_in, run, sent_file
    from tests.e2e.dbcheck import execute

    bot = bot_factory(DISPATCH_TICK_SECONDS="1")
    await bot.start()
    _, refused = await run(fake, "schedule", "add", SPEAKER, when=iso_in(4 * 86400), topic="Intro\x0bto Rust")
    assert "control character" in refused and "Example: `" in refused, refused
    await add_talk(fake, bot, 3 * 86400, topic="Async Rust")
    stored = await add_talk(fake, bot, 4 * 86400, topic="Intro to Rust")
    execute(bot.db_path, "UPDATE talks SET topic = ? WHERE id = ?", "Intro\x0bto Rust", stored["id"])
    interaction, _ = await run(fake, "schedule", "export")
    _, data = sent_file(fake, interaction)
    calendar = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    assert len(calendar.events) == 2
