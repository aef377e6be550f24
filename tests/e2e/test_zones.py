"""Times in the reader's zone, through the real process (issue 21, §3): the zones offered to a member without one,
the truthful note on which zone a time was read in, and the 24-hour clock of 24-hour locales.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from podium import i18n
from tests import factories
from tests.botprocess import clock_file
from tests.e2e.commands import click, run
from tests.e2e.dbcheck import query
from tests.fake_discord import GENERAL_CHANNEL_ID, GUILD_ID, MEMBER_ID, MODERATOR_ID, OWNER_ID

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
async def bot(bot_factory):
    process = bot_factory()
    await process.start()
    return process


def due_local(db_path, zone):
    [row] = query(db_path, "SELECT due_at_ms FROM outbox WHERE kind = 'personal_reminder'")
    return datetime.fromtimestamp(row["due_at_ms"] / 1000, tz=UTC).astimezone(zone)


def next_thursday(zone):
    today = datetime.now(zone).date()
    return today + timedelta(days=(3 - today.weekday()) % 7 or 7)  # "next thu" is never today


async def test_an_en_us_member_in_a_berlin_server_is_offered_berlin_first_and_gets_berlin_time(fake, bot):
    factories.add_guild_row(bot.db_path, GUILD_ID, timezone="Europe/Berlin")
    interaction, content = await run(fake, "remind-me", "at", locale="en-US", when="next thu 7:30pm", message="talk")
    local = due_local(bot.db_path, BERLIN)
    assert (local.date(), local.hour, local.minute) == (next_thursday(BERLIN), 19, 30)
    assert "in Europe/Berlin" in content and "That is the server's time zone" in content
    reply = interaction.original
    # The server's zone first; no guess from en-US (six US zones); then the way to any other zone.
    assert reply.custom_ids == ["podium:tz:set:Europe/Berlin|Europe/Berlin", "podium:tz:other"]
    assert "New_York" not in str(reply.components)
    _, answer = await click(fake, reply, "podium:tz:other")
    assert "</remind-me timezone:" in answer or "`/remind-me timezone`" in answer
    assert query(bot.db_path, "SELECT timezone FROM users WHERE user_id = ?", MEMBER_ID) in ([], [{"timezone": None}])
    _, answer = await click(fake, reply, "podium:tz:set:Europe/Berlin|Europe/Berlin")
    assert answer.startswith("🌍 Your time zone is now **Europe/Berlin**")
    assert "The time above was read in" not in answer  # it was read in that very zone
    assert query(bot.db_path, "SELECT timezone FROM users WHERE user_id = ?", MEMBER_ID) == [
        {"timezone": "Europe/Berlin"}
    ]
    assert due_local(bot.db_path, BERLIN).hour == 19  # setting the zone does not move what was stored


async def test_a_german_member_in_a_london_server_is_offered_london_then_berlin(fake, bot):
    factories.add_guild_row(bot.db_path, GUILD_ID, timezone="Europe/London")
    interaction, content = await run(fake, "remind-me", "at", locale="de", when="morgen 10:00", message="Folien")
    assert "Das ist die Zeitzone des Servers" in content and "Europe/London" in content
    reply = interaction.original
    assert reply.custom_ids == [
        "podium:tz:set:Europe/London|Europe/London", "podium:tz:set:Europe/Berlin|Europe/London", "podium:tz:other"
    ]
    # Taking another zone than the one the time was read in: the answer says where the time above was read.
    _, answer = await click(fake, reply, "podium:tz:set:Europe/Berlin|Europe/London", locale="de")
    assert answer.startswith("🌍 Deine Zeitzone ist jetzt **Europe/Berlin**")
    assert "Die Zeit oben gilt in Europe/London" in answer


@pytest.mark.parametrize(
    ("locale", "text", "zone", "hour", "note"),
    [
        ("en-US", "3pm PST", "America/Los_Angeles", 15, "That zone was named in what you typed."),
        ("en-US", "6pm tomorrow EST", "America/New_York", 18, "That zone was named in what you typed."),
        ("de", "3pm PST", "America/Los_Angeles", 15, "Die Zeitzone stand in deiner Eingabe."),
        ("de", "morgen 18 Uhr EST", "America/New_York", 18, "Die Zeitzone stand in deiner Eingabe."),
    ],
)
async def test_a_zone_written_in_the_time_is_named_as_the_reason(fake, bot, locale, text, zone, hour, note):
    factories.add_guild_row(bot.db_path, GUILD_ID, timezone="Europe/Berlin")
    _, content = await run(fake, "remind-me", "at", locale=locale, when=text, message="call")
    assert f"in {zone}" in content and note in content
    assert "server's time zone" not in content and "Zeitzone des Servers" not in content
    assert due_local(bot.db_path, ZoneInfo(zone)).hour == hour


@pytest.mark.parametrize(
    ("locale", "server", "own", "note"),
    [
        ("en-US", "Europe/Berlin", "Asia/Tokyo", "That is your time zone"),
        ("de", "Europe/Berlin", "Asia/Tokyo", "Das ist deine Zeitzone"),
        ("en-US", "Europe/Berlin", None, "That is the server's time zone: you have not set yours"),
        ("de", "Europe/Berlin", None, "Das ist die Zeitzone des Servers"),
        ("en-US", None, None, "That is UTC: neither you nor the server has chosen another time zone"),
        ("de", None, None, "Das ist UTC: Weder du noch der Server hat eine andere Zeitzone gewählt"),
    ],
)
async def test_every_reason_for_the_zone_is_said(fake, bot, locale, server, own, note):
    if server:
        factories.add_guild_row(bot.db_path, GUILD_ID, timezone=server)
    if own:
        factories.add_user_row(bot.db_path, MEMBER_ID, timezone=own)
    interaction, content = await run(fake, "remind-me", "at", locale=locale, when="in 2 hours", message="x")
    assert note in content
    assert f"in {own or server or 'UTC'}" in content
    # Buttons only for a member without a zone of their own.
    assert bool(interaction.original.custom_ids) is (own is None)


@pytest.mark.parametrize(
    ("locale", "text"), [("de", "morgen 9:30"), ("de", "morgen um 3:30"), ("en-GB", "tomorrow 9:30")]
)
async def test_a_24_hour_locale_gets_a_time_with_minutes_as_written(fake, bot, locale, text):
    factories.add_guild_row(bot.db_path, GUILD_ID, timezone="Europe/Berlin")
    interaction, _ = await run(fake, "remind-me", "at", locale=locale, when=text, message="x")
    assert not any(c.startswith("podium:when:") for c in interaction.original.custom_ids)  # no question
    local = due_local(bot.db_path, BERLIN)
    hour, minute = (int(part) for part in text.split()[-1].split(":"))
    assert (local.date(), local.hour, local.minute) == (datetime.now(BERLIN).date() + timedelta(days=1), hour, minute)


async def test_a_12_hour_locale_is_still_asked_about_a_time_with_minutes(fake, bot):
    factories.add_guild_row(bot.db_path, GUILD_ID, timezone="Europe/Berlin")
    interaction, _ = await run(fake, "remind-me", "at", locale="en-US", when="tomorrow 9:30", message="x")
    assert sum(c.startswith("podium:when:") for c in interaction.original.custom_ids) == 2
    assert query(bot.db_path, "SELECT id FROM outbox WHERE kind = 'personal_reminder'") == []


def option_labels(message):
    return [o["label"] for row in message.components for c in row["components"] for o in c.get("options", [])]


def berlin_evening(days):
    """18:00 in Berlin `days` from now, as an aware UTC instant (and the German label a reader there sees)."""
    local = (datetime.now(BERLIN) + timedelta(days=days)).replace(hour=18, minute=0, second=0, microsecond=0)
    return local.astimezone(UTC), i18n.translator("de").moment(local), i18n.translator("en-US").moment(local)


async def test_every_text_only_time_is_in_the_readers_zone_not_utc(fake, bot):
    """Select options and autocomplete choices cannot render `<t:…>`: a Berlin server's times, in German for a German
    member, never "UTC" (the server's list shows the server's zone; what a member opens, theirs, else the server's).
    """
    factories.add_guild_row(bot.db_path, GUILD_ID, timezone="Europe/Berlin")
    start, german, english = berlin_evening(3)
    assert "18:00" in german and "18:00" in english
    for n in range(11):  # two pages of /schedule list
        factories.add_talk_row(bot.db_path, topic=f"Talk {n}", starts_at=start + timedelta(days=n),
                               speaker_id=OWNER_ID, created_by=OWNER_ID, updated_by=OWNER_ID)

    # The posted list's "Remind me of…" selects: the server's zone.
    interaction, _ = await run(fake, "schedule", "list", locale="de")
    posted = interaction.original
    labels = option_labels(posted)
    assert labels and f"Talk 0 — {english}" in labels[0] and not any("UTC" in label for label in labels)
    # Its second page, turned by a German member: privately, in German.
    page_two = next(c for c in posted.custom_ids if c.startswith("podium:list:") and c.endswith(":N"))
    clicked = await fake.invoke_component(message_id=posted.id, custom_id=page_two, user_id=MEMBER_ID, locale="de")
    await fake.wait_for_response(clicked)
    labels = option_labels(clicked.original)
    _, german_later, _ = berlin_evening(3 + 10)
    assert labels and f"Talk 10 — {german_later}" in labels[0] and not any("UTC" in label for label in labels)

    # Autocomplete of a talk, of a personal reminder and of a Discord event: the member's zone (the server's here).
    typing = [{"type": 1, "name": "info", "options": [{"type": 3, "name": "talk", "value": "Talk 0", "focused": True}]}]
    asked = await fake.invoke_autocomplete(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MEMBER_ID,
                                           name="schedule", options=typing, locale="de")
    names = [c["name"] for c in (await fake.wait_for_response(asked))["data"]["choices"]]
    assert names[0].startswith(f"Talk 0 — {german}") and not any("UTC" in name for name in names)

    await run(fake, "remind-me", "at", locale="de", when=start.isoformat(), message="Folien")
    typing = [{"type": 1, "name": "delete", "options": [{"type": 3, "name": "reminder", "value": "", "focused": True}]}]
    asked = await fake.invoke_autocomplete(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MEMBER_ID,
                                           name="remind-me", options=typing, locale="de")
    [choice] = (await fake.wait_for_response(asked))["data"]["choices"]
    assert choice["name"] == f"{german} — Folien"

    fake.create_event_as_moderator(GUILD_ID, name="Meetup", start=start, end=start + timedelta(hours=1),
                                   location="Library")
    typing = [{"type": 1, "name": "import", "options": [{"type": 3, "name": "event", "value": "meet",
                                                          "focused": True}]}]
    asked = await fake.invoke_autocomplete(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MODERATOR_ID,
                                           name="schedule", options=typing, locale="de")
    names = [c["name"] for c in (await fake.wait_for_response(asked))["data"]["choices"]]
    assert names == [f"Meetup — {german}"]


@pytest.mark.parametrize(
    ("locale", "text", "note", "zone"),
    [
        ("de", "morgen 18:00", "Das ist die Zeitzone des Servers", "Europe/Berlin"),
        ("en-US", "6pm tomorrow EST", "That zone was named in what you typed.", "America/New_York"),
    ],
)
async def test_the_speakers_reschedule_form_in_a_dm_says_why_its_zone(fake, bot_factory, tmp_path, locale, text,
                                                                     note, zone):
    """The Reschedule… form of a reminder DM reads the time like a command does, and says so just as truthfully."""
    process = bot_factory(CLOCK_FILE=clock_file(tmp_path), DISPATCH_TICK_SECONDS="1")
    await process.start()
    factories.add_guild_row(process.db_path, GUILD_ID, timezone="Europe/Berlin")
    await run(fake, "remind-me", "talks", OWNER_ID, before="1h")
    _, content = await run(fake, "schedule", "add", OWNER_ID, when=(datetime.now(UTC) + timedelta(seconds=3606))
                           .isoformat(timespec="seconds"), topic="Rust")
    assert "signed up" in content, content
    [talk] = query(process.db_path, "SELECT id FROM talks")
    process.advance_clock(3)  # a few seconds before the reminder is due
    reminder = await fake.wait_for_message(
        lambda m: m.channel_id == fake.dm_channels.get(OWNER_ID) and "Rust" in m.content, timeout=20)
    await click(fake, reminder, f"podium:talk:move:{talk['id']}", OWNER_ID, locale=locale)
    submit = await fake.invoke_modal_submit(user_id=OWNER_ID, custom_id=f"podium:talk:move-modal:{talk['id']}",
                                            values={"when": text}, locale=locale)
    content = (await fake.wait_for_response(submit))["data"]["content"]
    assert f"in {zone}" in content and note in content
