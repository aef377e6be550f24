"""One full flow in German through the loopback Discord and the real bot process."""

from datetime import UTC, datetime, timedelta

import pytest

from tests import factories
from tests.botprocess import clock_file
from tests.e2e.dbcheck import query
from tests.fake_discord import EPHEMERAL_FLAG, GENERAL_CHANNEL_ID, GUILD_ID, MEMBER_ID


@pytest.fixture
async def bot(bot_factory, tmp_path):
    # A clock the tests move forward to what is due (re-read within the 1 s tick).
    process = bot_factory(CLOCK_FILE=clock_file(tmp_path), DISPATCH_TICK_SECONDS="1")
    await process.start()
    return process


async def test_a_german_member_is_answered_and_reminded_in_german(fake, bot):
    # Discord registered the commands with German descriptions and their English names: a clickable mention shows
    # the default name in every language, so the name a member types is the one every reply shows.
    schedule = fake.global_commands["schedule"]
    assert not schedule.get("name_localizations")
    add = next(o for o in schedule["options"] if o["name"] == "add")
    assert not add.get("name_localizations")
    assert all(not option.get("name_localizations") for option in add["options"])
    assert add["description_localizations"] == {"de": "Für einen Vortrag eintragen"}

    # Reminded an hour before their talks (set beforehand: the flow under test is the sign-up and the DM).
    factories.add_user_row(bot.db_path, MEMBER_ID, reminder_offsets="[3600]")
    starts = (datetime.now(UTC) + timedelta(seconds=3600 + 8)).isoformat(timespec="seconds")
    # Discord sends a command by its default (English) name, with the member's client language as `locale`.
    interaction = await fake.invoke(
        guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MEMBER_ID, name="schedule", locale="de",
        options=[{"type": 1, "name": "add", "options": [
            {"type": 3, "name": "when", "value": starts},
            {"type": 3, "name": "topic", "value": "Rust für alle"},
        ]}],
    )
    response = await fake.wait_for_response(interaction)
    assert response["data"]["flags"] & EPHEMERAL_FLAG
    assert response["data"]["content"].startswith("✅ Du bist eingetragen: **Rust für alle** am <t:")

    # The member's language is remembered for their DMs, and the reminder comes in it.
    bot.advance_clock(5)  # a few seconds before it is due
    reminder = await fake.wait_for_message(
        lambda m: m.channel_id == fake.dm_channels.get(MEMBER_ID) and "Rust für alle" in m.content, timeout=25
    )
    assert reminder.content.startswith("⏰ Erinnerung: Dein Vortrag **Rust für alle** auf dem Server **")
    assert "beginnt am <t:" in reminder.content
    assert "Wie du erinnert wirst, änderst du mit" in reminder.content
    labels = [button.get("label") for row in reminder.components for button in row["components"]]
    assert labels == ["Verschieben …", "Absagen …", "📅 In den Kalender"]
    assert query(bot.db_path, "SELECT locale FROM users WHERE user_id = ?", MEMBER_ID) == [{"locale": "de"}]

    # A refusal is German too.
    interaction = await fake.invoke(
        guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MEMBER_ID, name="schedule", locale="de",
        options=[{"type": 1, "name": "add", "options": [
            {"type": 3, "name": "when", "value": starts},
            {"type": 3, "name": "topic", "value": "Zweiter Vortrag"},
        ]}],
    )
    refused = (await fake.wait_for_response(interaction))["data"]["content"]
    assert refused.startswith("Das überschneidet sich mit **Rust für alle**")


async def answer_to(fake, name: str, locale: str, options: list[dict]) -> str:
    interaction = await fake.invoke(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MEMBER_ID, name=name,
                                    locale=locale, options=options)
    return (await fake.wait_for_response(interaction))["data"]["content"]


@pytest.mark.parametrize(("locale", "typed", "confirmed", "refused"), [
    ("de", "1 Tag, 2 Std.", "⏰ Du wirst 1 Tag und 2 Stunden vor jedem Vortrag",
     "Ich verstehe „2 Monate“ nicht als Zeit vor dem Vortrag. Versuch es z. B. mit `1 Tag, 1 Stunde`"),
    ("en-US", "1 day, 2h", "⏰ You'll be reminded 1 day and 2 hours before each talk",
     "I don't understand “2 Monate” as a time before the talk. Try `24h, 1h`"),
])
async def test_reminder_times_are_read_and_written_out_in_the_members_language(fake, bot, locale, typed, confirmed,
                                                                              refused):
    def talks(before: str) -> list[dict]:
        return [{"type": 1, "name": "talks", "options": [{"type": 3, "name": "before", "value": before}]}]

    assert (await answer_to(fake, "remind-me", locale, talks(typed))).startswith(confirmed)
    assert query(bot.db_path, "SELECT reminder_offsets FROM users WHERE user_id = ?", MEMBER_ID) == [
        {"reminder_offsets": "[86400, 7200]"}]
    # A bad part is echoed as typed, in the reader's quotation marks, with examples that reader's Podium reads.
    assert (await answer_to(fake, "remind-me", locale, talks("1 Tag, 2 Monate"))).startswith(refused)


async def test_german_command_names_registered_by_an_older_version_are_removed_at_start(fake, bot):
    # As an older Podium left them on Discord: German names for a command and one of its subcommands.
    schedule = fake.global_commands["schedule"]
    schedule["name_localizations"] = {"de": "vorträge"}
    add = next(o for o in schedule["options"] if o["name"] == "add")
    add["name_localizations"] = {"de": "eintragen"}
    assert await bot.stop() == 0
    before = len(fake.requests)
    await bot.start()
    # nextcord saw the difference and wrote the command again (an unchanged command is only listed).
    writes = [r for r in fake.requests[before:] if r.method in ("POST", "PATCH", "PUT") and "/commands" in r.path]
    assert writes
    schedule = fake.global_commands["schedule"]
    assert not schedule.get("name_localizations")
    add = next(o for o in schedule["options"] if o["name"] == "add")
    assert not add.get("name_localizations")
    assert add["description_localizations"] == {"de": "Für einen Vortrag eintragen"}
