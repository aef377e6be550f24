"""/series through the loopback Discord and the real bot: create, list, edit, skip, end, in English and German."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests import factories
from tests.e2e.commands import SPEAKER, dm_of, edited, run
from tests.e2e.dbcheck import query
from tests.e2e.series_helpers import series
from tests.fake_discord import GENERAL_CHANNEL_ID, GUILD_ID, MEMBER_ID, MODERATOR_ID


def evenings(bot):
    return query(bot.db_path, "SELECT id, starts_at_ms, state, skip_reason FROM series_evenings ORDER BY starts_at_ms")


def claim(bot, evening, slot=0, minutes=30, topic="Borrowing, explained"):
    """A claimed slot as podium/slots.py stores one: a talk holding the evening's slot."""
    start = datetime.fromtimestamp(evening["starts_at_ms"] / 1000, UTC) + timedelta(minutes=slot * minutes)
    return factories.add_talk_row(bot.db_path, evening_id=evening["id"], slot=slot, starts_at=start,
                                  duration_minutes=minutes, speaker_id=SPEAKER, topic=topic)


async def test_a_moderator_runs_a_series_from_creation_to_its_end(fake, clocked_bot):
    bot = clocked_bot
    await run(fake, "announce-settings", "timezone", MODERATOR_ID, zone="Europe/Berlin")

    # Members may look, not make.
    refused = await series(fake, "create", MEMBER_ID, name="Rust Thursdays",
                           every="thursday 19:00")
    assert refused.startswith("Only moderators")
    unreadable = await series(fake, "create", MODERATOR_ID, name="Rust Thursdays",
                              every="now and then")
    assert "`thursday 19:00`" in unreadable and query(bot.db_path, "SELECT * FROM series") == []

    created = await series(fake, "create", MODERATOR_ID, name="Rust Thursdays",
                           every="every thursday 7pm", slots=2)
    assert created.startswith("✅ Series created: **Rust Thursdays**: every Thursday at 19:00 (Europe/Berlin), "
                              "2 slots of 30 min."), created
    planned = evenings(bot)
    assert len(planned) == 8
    assert {datetime.fromtimestamp(e["starts_at_ms"] / 1000, UTC).strftime("%a") for e in planned} == {"Thu"}

    # The series post presents it to the channel.
    post = await fake.wait_for_message(lambda m: m.channel_id == GENERAL_CHANNEL_ID and "Rust Thursdays" in m.content,
                                       timeout=20)
    assert post.content.startswith("🎤 **Rust Thursdays**: every Thursday at 19:00 (Europe/Berlin).")
    assert "Each evening has 2 slots of 30 minutes each." in post.content and "Next evening: <t:" in post.content
    assert "you" not in post.content.lower()

    listed = await series(fake, "list", MEMBER_ID)
    assert "**Rust Thursdays**: every Thursday at 19:00" in listed and "2 of 2 open" in listed

    # A slot of the second evening is claimed; the series moves to 19:30: the talk follows, its speaker is told.
    talk = claim(bot, planned[1])
    changed = await series(fake, "edit", MODERATOR_ID, series="Rust Thursdays",
                           every="thursday 19:30")
    assert changed.startswith("✏️ Series changed: **Rust Thursdays**: every Thursday at 19:30"), changed
    assert "1 claimed talk moved with its evening; its speaker and audience are told." in changed
    [moved] = query(bot.db_path, "SELECT starts_at_ms, state FROM talks WHERE id = ?", talk)
    assert moved == {"starts_at_ms": planned[1]["starts_at_ms"] + 30 * 60_000, "state": "scheduled"}
    assert [e["id"] for e in evenings(bot)][1] == planned[1]["id"]
    await fake.wait_for_message(dm_of(fake, SPEAKER, "Borrowing, explained"), timeout=20)
    edit = await edited(fake, post, 1)
    assert "every Thursday at 19:30" in edit["content"]

    # The evening is skipped for a holiday: its talk is cancelled with the reason.
    skipped = await series(fake, "skip", MODERATOR_ID, series="Rust Thursdays",
                           date=str(planned[1]["id"]), reason="Public holiday")
    assert "is skipped" in skipped and "1 claimed talk was cancelled" in skipped
    assert query(bot.db_path, "SELECT state FROM talks WHERE id = ?", talk) == [{"state": "cancelled"}]
    assert [e["state"] for e in evenings(bot) if e["id"] == planned[1]["id"]] == ["skipped"]
    await fake.wait_for_message(dm_of(fake, SPEAKER, "Public holiday"), timeout=20)

    ended = await series(fake, "end", MODERATOR_ID, series="Rust Thursdays")
    assert ended.startswith("🏁 Series **Rust Thursdays** ended")
    edit = await edited(fake, post, 3)  # the skip changed the post's next evening, the end the whole post
    assert edit["content"].startswith("🏁 The series **Rust Thursdays** has ended")
    listed = await series(fake, "list", MEMBER_ID)
    assert listed.startswith("No series yet")


async def test_a_german_moderator_runs_a_series_in_german(fake, clocked_bot):
    bot = clocked_bot
    await run(fake, "announce-settings", "timezone", MODERATOR_ID, zone="Europe/Berlin")
    await run(fake, "announce-settings", "language", MODERATOR_ID, language="de")
    unreadable = await series(fake, "create", MODERATOR_ID, locale="de", name="Rust",
                              every="ab und zu")
    assert unreadable.startswith("„ab und zu“ kann ich nicht als wiederkehrende Zeit lesen.")
    assert "`donnerstags 19 Uhr`" in unreadable

    created = await series(fake, "create", MODERATOR_ID, locale="de", name="Rust am Donnerstag",
                           every="jeden ersten Montag im Monat 19 Uhr")
    assert created.startswith("✅ Reihe angelegt: **Rust am Donnerstag**: am ersten Montag im Monat um 19:00 "
                              "(Europe/Berlin), 1 Slot zu 30 Minuten"), created
    post = await fake.wait_for_message(
        lambda m: m.channel_id == GENERAL_CHANNEL_ID and "Rust am Donnerstag" in m.content, timeout=20)
    assert post.content.startswith("🎤 **Rust am Donnerstag**: am ersten Montag im Monat um 19:00 (Europe/Berlin).")
    assert "Jeder Abend hat 1 Slot zu 30 Minuten." in post.content

    listed = await series(fake, "list", MEMBER_ID, locale="de")
    assert listed.startswith("Reihen (1):") and "1 von 1 frei" in listed
    first = evenings(bot)[0]
    skipped = await series(fake, "skip", MODERATOR_ID, locale="de", series="rust am donnerstag",
                           date=str(first["id"]))
    assert skipped.startswith("⏭️ Der Abend am <t:") and "fällt aus" in skipped
    again = await series(fake, "skip", MODERATOR_ID, locale="de", series="Rust am Donnerstag",
                         date=str(first["id"]))
    assert again == "Dieser Abend fällt schon aus; nichts wurde geändert."
    changed = await series(fake, "edit", MODERATOR_ID, locale="de", series="Rust am Donnerstag",
                           slots=3)
    assert changed.startswith("✏️ Reihe geändert: **Rust am Donnerstag**") and "3 Slots zu 30 Minuten" in changed
    ended = await series(fake, "end", MODERATOR_ID, locale="de", series="Rust am Donnerstag")
    assert ended.startswith("🏁 Reihe **Rust am Donnerstag** beendet")
    edit = await edited(fake, post, 3)
    assert edit["content"].startswith("🏁 Die Reihe **Rust am Donnerstag** ist beendet")


async def autocomplete(fake, subcommand, options, locale="en-US"):
    interaction = await fake.invoke_autocomplete(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID,
                                                 user_id=MODERATOR_ID, name="series", locale=locale,
                                                 options=[{"type": 1, "name": subcommand, "options": options}])
    response = await fake.wait_for_response(interaction)
    assert response["type"] == 8
    return [(choice["name"], choice["value"]) for choice in response["data"]["choices"]]


async def test_autocomplete_offers_series_by_name_and_the_chosen_series_evenings(fake, clocked_bot):
    bot = clocked_bot
    await run(fake, "announce-settings", "timezone", MODERATOR_ID, zone="Europe/Berlin")
    await series(fake, "create", MODERATOR_ID, name="Rust Thursdays", every="thursday 19:00")
    await series(fake, "create", MODERATOR_ID, name="Go Tuesdays", every="every other tuesday 18:30")
    found = await autocomplete(fake, "skip", [{"type": 3, "name": "series", "value": "rust", "focused": True}])
    [(name, series_id)] = found
    assert name == "Rust Thursdays"
    choices = await autocomplete(fake, "skip", [{"type": 3, "name": "series", "value": series_id},
                                                {"type": 3, "name": "date", "value": "", "focused": True}])
    rust = [e for e in evenings(bot) if e["id"] in {int(value) for _, value in choices}]
    assert len(choices) == len(rust) == 8
    assert all(label.endswith("19:00") for label, _ in choices), choices  # the series' own clock, as plain text
    skipped = await series(fake, "skip", MODERATOR_ID, series=series_id, date=choices[0][1])
    assert "is skipped" in skipped
    again = await autocomplete(fake, "skip", [{"type": 3, "name": "series", "value": series_id},
                                              {"type": 3, "name": "date", "value": "", "focused": True}])
    assert again[0][0].endswith("(skipped)")
