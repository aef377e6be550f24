"""Commands people can follow (issue 21, §4), in English and German, through the loopback Discord and the real bot.

/help is in test_native_feel.py; the catalogue-wide checks (names, examples) in tests/cogs/test_command_names.py.
"""

import functools
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e import commands
from tests.e2e.dbcheck import execute, query
from tests.fake_discord import GENERAL_CHANNEL_ID, MODERATOR_ID

# Every reply this module checks is one only the member who asked sees.
run = functools.partial(commands.run, private=True)

LANGUAGES = ["en-US", "de"]


def in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat()


@pytest.fixture
async def bot(bot_factory):
    process = bot_factory()
    await process.start()
    return process


@pytest.mark.parametrize(("locale", "typed", "stored"), [
    ("en-US", "9am", "09:00"), ("en-US", "9:30pm", "21:30"), ("de", "9 Uhr", "09:00"), ("de", "halb acht", "07:30"),
])
async def test_the_weekly_time_reads_every_clock_time(fake, bot, locale, typed, stored):
    _, reply = await run(fake, "announce-settings", "weekly", locale=locale, user_id=MODERATOR_ID, day="3", time=typed)
    assert f" {stored}" in reply, reply
    assert query(bot.db_path, "SELECT weekly_time FROM guild_settings") == [{"weekly_time": stored}]


@pytest.mark.parametrize("locale", LANGUAGES)
async def test_a_weekly_time_that_is_no_time_is_refused_with_examples_that_work(fake, bot, locale):
    _, reply = await run(fake, "announce-settings", "weekly", locale=locale, user_id=MODERATOR_ID, day="3", time="soon")
    # Examples a member of that language types: a German moderator is offered `9 Uhr`, not `9am` (review 21 r2).
    nine = "`9 Uhr`" if locale.startswith("de") else "`9am`"
    assert "`09:00`" in reply and nine in reply and "timezone:" not in reply
    assert query(bot.db_path, "SELECT weekly_time FROM guild_settings") in ([], [{"weekly_time": "09:00"}])


@pytest.mark.parametrize("locale", LANGUAGES)
async def test_a_sign_up_confirmation_ends_without_a_bare_number(fake, bot, locale):
    _, reply = await run(fake, "schedule", "add", locale=locale, when=in_days(3), topic="Intro to Rust")
    first_line = reply.splitlines()[0]
    assert first_line.endswith(("30 min.", "30 Min.")), first_line
    assert "#" not in first_line


@pytest.mark.parametrize("locale", LANGUAGES)
async def test_the_reminder_list_names_each_talk_and_when_it_starts(fake, bot, locale):
    await run(fake, "schedule", "add", locale=locale, when=in_days(3), topic="Intro to Rust")
    await run(fake, "schedule", "add", locale=locale, when=in_days(5), topic="Go for Rustaceans")
    await run(fake, "remind-me", "at", locale=locale, when=in_days(1), message="Slides")
    _, listed = await run(fake, "remind-me", "list", locale=locale)
    assert "• #" not in listed  # no unexplained numbers: reminders are picked by their text
    starts = {row["topic"]: int(row["starts_at_ms"] / 1000)
              for row in query(bot.db_path, "SELECT topic, starts_at_ms FROM talks")}
    lines = [line for line in listed.splitlines() if line.startswith("• **")]
    # The default: reminded 24 h and 1 h before each of the two talks: one line per talk, naming it and both.
    assert len(lines) == 2, listed
    for line in lines:
        topic = "Intro to Rust" if "Intro to Rust" in line else "Go for Rustaceans"
        assert f"**{topic}** (<t:{starts[topic]}:f>)" in line, line


@pytest.mark.parametrize("locale", LANGUAGES)
@pytest.mark.asyncio(loop_scope="module")  # reads only: one bot process for both (tests/e2e/conftest.py)
async def test_calendar_links_without_feeds_point_members_to_the_export_and_moderators_to_the_host(shared_fake,
                                                                                                   shared_bot, locale):
    fake = shared_fake
    _, member = await run(fake, "remind-me", "calendar", locale=locale)
    assert "HTTP_PORT" not in member and "PUBLIC_URL" not in member
    assert "</schedule export:" in member
    _, moderator = await run(fake, "remind-me", "calendar", locale=locale, user_id=MODERATOR_ID)
    assert "`HTTP_PORT`" in moderator and "`PUBLIC_URL`" in moderator


@pytest.mark.parametrize("locale", LANGUAGES)
async def test_the_first_call_for_speakers_waits_after_the_channel_is_set(fake, bot, locale):
    _, reply = await run(fake, "announce-settings", "channel", locale=locale, user_id=MODERATOR_ID,
                      channel=GENERAL_CHANNEL_ID)
    assert f"<#{GENERAL_CHANNEL_ID}>" in reply
    # Set in the same transaction as the channel: nothing is queued for the channel but the weekly summary.
    assert query(bot.db_path, "SELECT kind FROM outbox WHERE kind = 'engagement_prompt'") == []
    # Three days later (moved back in the database: the bot reads the wall clock), the planner's pass at start
    # sends the call, in the server's language.
    execute(bot.db_path, "UPDATE guild_settings SET announce_channel_set_at_ms = announce_channel_set_at_ms - ?",
            3 * 86_400_000 + 60_000)
    await bot.stop()
    await bot.start()
    prompt = await fake.wait_for_message(
        lambda m: m.channel_id == GENERAL_CHANNEL_ID and m.content.startswith("🎤"), timeout=20
    )
    assert "14" in prompt.content and "</schedule add:" in prompt.content
