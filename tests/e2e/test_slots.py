"""🎤 Claiming a series' slots through the real bot process and the loopback Discord, in English and German: the
open-slots post, a click that claims, the race for the last slot, the post kept true as slots fill.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.commands import click, invoke, option, run
from tests.e2e.dbcheck import query
from tests.e2e.series_helpers import add_series
from tests.fake_discord import GENERAL_CHANNEL_ID, GUILD_ID, MEMBER_ID, MODERATOR_ID, OWNER_ID
from tests.fake_discord.models import FakeMember

CLAIM = "podium:slot:claim"
# Members racing for the last slot (added to the fake's server for the race).
RACERS = 900_000_000_000_000_000

WORDS = {
    "en-US": {"post": "open slots of 2", "held": "You hold slot {n} of", "taken": "Every slot of",
              "full": "every slot is taken", "next": "🎤 Claim a slot on", "topic": "is set"},
    "de": {"post": "freie Slots von 2", "held": "Slot {n} von", "taken": "Alle Slots von",
           "full": "Alle Slots sind vergeben", "next": "übernehmen", "topic": "steht"},
}


@pytest.mark.parametrize("locale", ["en-US", "de"])
async def test_members_claim_slots_from_the_open_slots_post_and_the_last_one_goes_to_one_of_them(
        fake, clocked_bot, locale):
    bot, words = clocked_bot, WORDS[locale]
    if locale == "de":
        await run(fake, "announce-settings", "language", MODERATOR_ID, language="de")
    first, second = add_series(bot.db_path, slots=2)
    # Setting when open slots are posted plans them at once: this evening is 3 days away, inside the 5.
    _, content = await run(fake, "announce-settings", "slots", MODERATOR_ID, locale=locale, **{"days-before": 5})
    assert "5" in content
    post = await fake.wait_for_message(lambda m: m.channel_id == GENERAL_CHANNEL_ID and words["post"] in m.content)
    assert "you" not in post.content.lower().split()  # a post speaks to the channel
    assert post.custom_ids == [f"{CLAIM}:{first}"]

    _, held = await click(fake, post, f"{CLAIM}:{first}", OWNER_ID, locale=locale)
    assert words["held"].format(n=1) in held, held
    [talk] = query(bot.db_path, "SELECT * FROM talks WHERE evening_id = ?", first)
    assert (talk["slot"], talk["speaker_id"], talk["duration_minutes"]) == (0, OWNER_ID, 30)

    # The last slot: many members click at the same moment; one holds it, every other is told at once and offered
    # the next evening.
    racers = [RACERS + i for i in range(8)]
    for user in racers:
        fake.guilds[GUILD_ID].member_list.append(FakeMember(id=user, username=f"racer{user - RACERS}"))
        fake.add_user(user, f"racer{user - RACERS}")
    presses = await asyncio.gather(*(fake.invoke_component(message_id=post.id, custom_id=f"{CLAIM}:{first}",
                                                           user_id=user, locale=locale) for user in racers))
    answers = [await fake.wait_for_response(press) for press in presses]
    texts = [answer["data"]["content"] for answer in answers]
    assert sum(words["held"].format(n=2) in text for text in texts) == 1, texts
    lost = [(press, answer) for press, answer in zip(presses, answers, strict=True)
            if words["taken"] in answer["data"]["content"]]
    assert len(lost) == len(racers) - 1, texts
    assert len(query(bot.db_path, "SELECT * FROM talks WHERE evening_id = ? AND state = 'scheduled'", first)) == 2
    for _, answer in lost:
        buttons = [c for row in answer["data"]["components"] for c in row["components"] if c["type"] == 2]
        assert buttons[0]["custom_id"] == f"{CLAIM}:{second}" and words["next"] in buttons[0]["label"]

    # The post is kept true: every slot is now taken, its button greyed out.
    bot.advance_clock(30)
    await fake.wait_for_request(lambda r: r.method == "PATCH" and r.path.endswith(f"/messages/{post.id}"),
                                timeout=20)
    assert words["full"] in post.content
    assert post.components[0]["components"][0]["disabled"] is True


@pytest.mark.parametrize("locale", ["en-US", "de"])
async def test_a_claimed_slot_gets_its_topic_from_the_form(fake, clocked_bot, locale):
    bot, words = clocked_bot, WORDS[locale]
    [evening] = add_series(bot.db_path, slots=1, evenings=1)
    await run(fake, "announce-settings", "slots", MODERATOR_ID, **{"days-before": 5})
    post = await fake.wait_for_message(lambda m: m.channel_id == GENERAL_CHANNEL_ID and CLAIM in str(m.custom_ids))
    press, _ = await click(fake, post, f"{CLAIM}:{evening}", MEMBER_ID, locale=locale)
    [talk] = query(bot.db_path, "SELECT * FROM talks WHERE evening_id = ?", evening)
    assert talk["topic"] == "Rust Thursdays · 1"  # held at once; the topic follows
    reply = press.original
    assert reply is not None and f"podium:slot:topic:{talk['id']}" in reply.custom_ids
    form = await fake.invoke_component(message_id=reply.id, custom_id=f"podium:slot:topic:{talk['id']}",
                                       user_id=MEMBER_ID, locale=locale)
    modal = await fake.wait_for_response(form)
    assert modal["type"] == 9, modal
    sent = await fake.invoke_modal_submit(user_id=MEMBER_ID, custom_id=modal["data"]["custom_id"],
                                          values={"topic": "Lifetimes, gently"}, locale=locale)
    answer = await fake.wait_for_response(sent)
    assert words["topic"] in answer["data"]["content"], answer
    [talk] = query(bot.db_path, "SELECT * FROM talks WHERE evening_id = ?", evening)
    assert talk["topic"] == "Lifetimes, gently"


@pytest.mark.parametrize("locale", ["en-US", "de"])
async def test_the_series_post_claims_the_next_evening_with_an_open_slot(fake, clocked_bot, locale):
    bot, words = clocked_bot, WORDS[locale]
    interaction = await fake.invoke(
        guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MODERATOR_ID, name="series",
        options=[{"type": 1, "name": "create", "options": [option("name", "Go Nights"),
                                                           option("every", "every thursday 19:00")]}])
    assert "Go Nights" in (await fake.wait_for_response(interaction))["data"]["content"]
    post = await fake.wait_for_message(lambda m: m.channel_id == GENERAL_CHANNEL_ID and "Go Nights" in m.content,
                                       timeout=20)
    [series] = query(bot.db_path, "SELECT id FROM series")
    assert post.custom_ids == [f"podium:slot:series:{series['id']}"]
    first, second = query(bot.db_path, "SELECT id FROM series_evenings ORDER BY starts_at_ms LIMIT 2")
    _, held = await click(fake, post, f"podium:slot:series:{series['id']}", OWNER_ID, locale=locale)
    assert words["held"].format(n=1) in held, held
    # One slot an evening: the next member gets the next evening's.
    _, held = await click(fake, post, f"podium:slot:series:{series['id']}", MEMBER_ID, locale=locale)
    assert words["held"].format(n=1) in held, held
    assert [(t["evening_id"], t["speaker_id"]) for t in query(
        bot.db_path, "SELECT evening_id, speaker_id FROM talks ORDER BY id")] == [
        (first["id"], OWNER_ID), (second["id"], MEMBER_ID)]


@pytest.mark.parametrize("locale", ["en-US", "de"])
async def test_schedule_add_series_claims_the_next_open_slot_with_the_topic_and_offers_the_others(
        fake, clocked_bot, locale):
    bot = clocked_bot
    first, second = add_series(bot.db_path, slots=2)
    [series] = query(bot.db_path, "SELECT id FROM series")
    interaction, response = await invoke(fake, "schedule", "add", MEMBER_ID, locale=locale, topic="Lifetimes",
                                         series=str(series["id"]))
    text = response["data"]["content"]
    assert {"en-US": "You hold slot 1 of", "de": "Slot 1 von"}[locale] in text and "Lifetimes" in text, text
    [talk] = query(bot.db_path, "SELECT * FROM talks")
    assert (talk["evening_id"], talk["slot"], talk["topic"], talk["speaker_id"]) == (first, 0, "Lifetimes", MEMBER_ID)
    # "Pick another slot…" offers the evening's other slot and the next evening's.
    assert interaction.original is not None
    [select] = [c for row in response["data"]["components"] for c in row["components"] if c["type"] == 3]
    assert [o["value"] for o in select["options"]] == [f"{first}-1", f"{second}-0", f"{second}-1"]
    press = await fake.invoke_component(message_id=interaction.original.id, custom_id=select["custom_id"],
                                        user_id=MEMBER_ID, values=[f"{second}-1"], locale=locale)
    moved = (await fake.wait_for_response(press))["data"]["content"]
    assert {"en-US": "You hold slot 2 of", "de": "Slot 2 von"}[locale] in moved, moved
    [talk] = query(bot.db_path, "SELECT * FROM talks")
    assert (talk["evening_id"], talk["slot"], talk["topic"]) == (second, 1, "Lifetimes")
    # A time with a series is refused, with an example; nothing is stored.
    _, refused = await run(fake, "schedule", "add", OWNER_ID, topic="Go", series=str(series["id"]),
                           when="friday 18:00")
    assert "`/schedule add topic:Intro to Rust series:Rust Thursdays`" in refused
    assert len(query(bot.db_path, "SELECT * FROM talks")) == 1


async def test_announce_settings_show_lists_the_claiming_settings(fake, clocked_bot):
    await run(fake, "announce-settings", "slots", MODERATOR_ID, **{"per-member": 2, "days-before": 3})
    _, shown = await run(fake, "announce-settings", "show", MODERATOR_ID)
    assert "Series slots: 2 per member and evening; open slots posted 3 days before" in shown
    _, refused = await run(fake, "announce-settings", "slots", MEMBER_ID, **{"per-member": 3})
    assert "Manage Server" in refused
    _, shown = await run(fake, "announce-settings", "show", MODERATOR_ID, locale="de")
    assert "2 pro Mitglied und Abend; freie Slots werden 3 Tage vorher gepostet" in shown


async def test_announce_settings_show_lists_the_seat_offer_and_feedback_summary_times(fake, clocked_bot):
    # Every setting a moderator can change is shown by /announce-settings show, these two as well.
    _, shown = await run(fake, "announce-settings", "show", MODERATOR_ID)
    assert ("Seat offers stay open 12 hours; speakers get their feedback summary 1 day after the talk"
            in shown), shown
    await run(fake, "announce-settings", "seats", MODERATOR_ID, **{"offer-hours": 6})
    await run(fake, "announce-settings", "feedback", MODERATOR_ID, **{"summary-after": 48})
    _, shown = await run(fake, "announce-settings", "show", MODERATOR_ID, locale="de")
    assert "Platzangebote bleiben 6 Stunden offen" in shown and "2 Tage nach dem Vortrag" in shown, shown
