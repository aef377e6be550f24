"""Review of issue 21, §3 (times in the reader's zone, honest notes about zones), through the real process: r3."""


import pytest

from tests import factories
from tests.e2e.commands import click, iso_on, run
from tests.e2e.dbcheck import query
from tests.fake_discord import GUILD_ID, MEMBER_ID, MODERATOR_ID


@pytest.fixture
async def bot(bot_factory):
    process = bot_factory()
    await process.start()
    return process


def option_labels(components):
    found = []
    for row in components:
        for item in row.get("components", []):
            found += [o["label"] for o in item.get("options", [])]
    return found


async def test_a_posted_list_says_which_zone_its_select_labels_are_in(fake, bot):
    """/schedule list posts for the channel; its select labels are plain text in the server's zone (Berlin), but
    nothing in the post says so. A member in Tokyo sees `<t:…>` in the embed rendered in Tokyo time and "Talk —
    Tue 08 Dec 18:00" in the select, two different clocks, and no way to tell which is which.
    """
    factories.add_guild_row(bot.db_path, GUILD_ID, timezone="Europe/Berlin")
    factories.add_user_row(bot.db_path, MEMBER_ID, timezone="Asia/Tokyo")
    _, content = await run(fake, "schedule", "add", MODERATOR_ID, when=iso_on(3, hour=17), topic="Zones")
    assert "signed up" in content, content
    interaction, _ = await run(fake, "schedule", "list", MEMBER_ID)
    posted = interaction.original
    assert not posted.ephemeral
    labels = option_labels(posted.components)
    assert labels and all("Zones —" in label for label in labels), labels
    shown = str(posted.content) + str(posted.embeds) + str(posted.components)
    assert "Europe/Berlin" in shown or "Berlin" in shown, (
        f"the posted list's plain-text times {labels} are in the server's zone, but the post never names it"
    )


@pytest.mark.parametrize(
    ("locale", "read", "offered", "needle"),
    [
        ("de", "Europe/London", "Europe/Berlin", "remind-me edit"),
        ("ja", "Europe/London", "Asia/Tokyo", "remind-me edit"),
    ],
)
async def test_setting_a_zone_under_a_personal_reminder_points_to_a_command_that_changes_it(
    fake, bot, locale, read, offered, needle
):
    """Under a personal reminder (/remind-me at), "Use <other zone> as my time zone" answers "The time above was read
    in Europe/London: if it is not what you meant, change it (e.g. /schedule reschedule)". /schedule reschedule moves
    talks (and only the member's own); a personal reminder is changed with /remind-me edit. The example must be valid
    for what the member did.
    """
    factories.add_guild_row(bot.db_path, GUILD_ID, timezone=read)
    interaction, _ = await run(fake, "remind-me", "at", locale=locale, when="in 2 hours", message="call")
    reply = interaction.original
    button = f"podium:tz:set:{offered}|{read}"
    assert button in reply.custom_ids, reply.custom_ids
    _, answer = await click(fake, reply, button, locale=locale)
    assert read in answer, answer  # the note about the time above is there
    assert "schedule reschedule" not in answer and needle in answer, answer


@pytest.mark.parametrize(
    ("typed", "german", "english"),
    [
        ("28.03.2027 02:30", "28. März 2027", ("Sunday", "March")),  # the spring-forward gap
        ("01.01.2026 10:00", "1. Jan", ("Thu", "Jan 2026")),  # already past
        ("01.06.2028 10:00", "365 Tage", ("Thu", "Jun 2028", "days")),  # more than 365 days ahead ("Juni" is German)
    ],
)
async def test_a_german_refusal_names_the_date_in_german(fake, bot, typed, german, english):
    """A German member's refusals carry English dates inside German sentences: "02:30 gibt es am Sunday 28 March
    2027 in Europe/Berlin nicht", "Thu 01 Jan 2026 10:00 (Europe/Berlin) ist schon vorbei", "Thu 01 Jun 2028 10:00
    liegt mehr als 365 days in der Zukunft". §3: plain-text times "in the locale's format" ("Di., 8. Dez., 18:00");
    §6: German that reads as German.
    """
    factories.add_guild_row(bot.db_path, GUILD_ID, timezone="Europe/Berlin")
    _, content = await run(fake, "remind-me", "at", locale="de", when=typed, message="x")
    assert "Versuch es" in content, content  # a German refusal
    assert query(bot.db_path, "SELECT id FROM outbox WHERE kind = 'personal_reminder'") == []
    assert not any(word in content for word in english), content
    assert german in content, content


async def test_a_server_that_chose_utc_on_purpose_is_credited_and_offered(fake, bot):
    """A moderator sets the server's zone to UTC on purpose (/announce-settings timezone zone:UTC, "the server's
    time zone is now UTC"). A member's next time is then explained as "That is UTC: neither you nor the server has
    chosen another time zone" and the server's zone is not offered as a button: the choice just made is treated as
    no choice (cogs/_zone.py server_zone() maps "UTC" to None). §3: say which zone was used and why, truthfully;
    suggest the server's zone first.
    """
    _, content = await run(fake, "announce-settings", "timezone", MODERATOR_ID, zone="UTC")
    assert "**UTC**" in content, content
    interaction, content = await run(fake, "remind-me", "at", when="in 2 hours", message="x")
    assert "in UTC" in content, content
    assert "neither you nor the server has chosen" not in content and "the server's time zone" in content, content
    assert "podium:tz:set:UTC|UTC" in interaction.original.custom_ids, interaction.original.custom_ids
