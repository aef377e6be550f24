"""/schedule through the loopback Discord and the real bot process."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests import factories
from tests.e2e.commands import invoke, sub
from tests.e2e.dbcheck import query
from tests.fake_discord import EPHEMERAL_FLAG, GENERAL_CHANNEL_ID, GUILD_ID, MEMBER_ID, MODERATOR_ID, OWNER_ID
from tests.waiting import eventually


def in_days(days, hour=18):
    when = datetime.now(UTC) + timedelta(days=days)
    return when.strftime(f"%Y-%m-%d {hour:02d}:00")


@pytest.fixture
async def bot(bot_factory):
    process = bot_factory()
    await process.start()
    return process


async def test_add_stores_the_talk_plans_reminders_and_echoes_the_time(fake, bot):
    _, response = await invoke(fake, "schedule", "add", MEMBER_ID, when=in_days(3), topic="Intro to Rust")
    content = response["data"]["content"]
    assert response["data"]["flags"] & EPHEMERAL_FLAG
    assert content.startswith("✅ You are signed up: **Intro to Rust**")
    assert "<t:" in content and ":F>" in content and ":R>" in content
    assert "in UTC" in content
    [talk] = query(bot.db_path, "SELECT * FROM talks")
    assert (talk["speaker_id"], talk["topic"], talk["duration_minutes"]) == (MEMBER_ID, "Intro to Rust", 30)
    reminders = query(bot.db_path, "SELECT * FROM outbox WHERE kind = 'talk_reminder' AND state = 'pending'")
    assert sorted(talk["starts_at_ms"] - r["due_at_ms"] for r in reminders) == [3_600_000, 86_400_000]


async def test_time_is_read_in_the_callers_zone(fake, bot):
    factories.add_user_row(bot.db_path, MEMBER_ID, timezone="Asia/Tokyo")
    _, response = await invoke(fake, "schedule", "add", MEMBER_ID, when="tomorrow 17:00", topic="Tokyo time")
    assert "in Asia/Tokyo" in response["data"]["content"]
    [talk] = query(bot.db_path, "SELECT starts_at_ms FROM talks")
    local = datetime.fromtimestamp(talk["starts_at_ms"] / 1000, tz=ZoneInfo("Asia/Tokyo"))
    tomorrow = (datetime.now(ZoneInfo("Asia/Tokyo")) + timedelta(days=1)).date()
    assert (local.date(), local.hour, local.minute) == (tomorrow, 17, 0)


@pytest.mark.parametrize(
    ("when", "topic", "problem"),
    [("the day after never", "x", "Try `"), ("2020-01-01 10:00", "x", "passed"), (None, "   ", "topic")],
)
@pytest.mark.asyncio(loop_scope="module")  # a refusal stores nothing: one bot process for all (tests/e2e/conftest.py)
async def test_bad_input_is_refused_with_an_example_and_stores_nothing(shared_fake, shared_bot, when, topic, problem):
    fake, bot = shared_fake, shared_bot
    _, response = await invoke(fake, "schedule", "add", MEMBER_ID, when=when or in_days(2), topic=topic)
    assert response["data"]["flags"] & EPHEMERAL_FLAG
    assert problem in response["data"]["content"]
    assert query(bot.db_path, "SELECT * FROM talks") == []
    assert query(bot.db_path, "SELECT * FROM outbox") == []


async def test_list_paginates_with_buttons(fake, bot):
    for i in range(12):
        await invoke(fake, "schedule", "add", MODERATOR_ID, when=in_days(1 + i), topic=f"Talk {i:02d}", speaker=None)
    interaction, response = await invoke(fake, "schedule", "list", MEMBER_ID)
    embed = response["data"]["embeds"][0]
    assert embed["description"].count("\n") == 9
    assert "Talk 00" in embed["description"] and "Talk 10" not in embed["description"]
    assert "Page 1/2 · 12 talks" in embed["footer"]["text"]
    next_id = next(c for c in interaction.original.custom_ids if c.endswith(":N"))
    page = await fake.invoke_component(message_id=interaction.original.id, custom_id=next_id, user_id=MEMBER_ID)
    # The list is in the channel: the next page goes to the presser only (tests/e2e/test_native_feel.py).
    answered = await fake.wait_for_response(page)
    assert answered["type"] == 4 and answered["data"]["flags"] & EPHEMERAL_FLAG
    assert "Talk 10" in answered["data"]["embeds"][0]["description"]
    assert "Page 2/2" in answered["data"]["embeds"][0]["footer"]["text"]


async def test_reschedule_notifies_the_speaker_and_replans(fake, bot):
    await invoke(fake, "schedule", "add", MEMBER_ID, when=in_days(3), topic="Moving talk")
    [talk] = query(bot.db_path, "SELECT * FROM talks")
    # The reminders, planned for the old start (the thread's archiving is re-timed in place instead).
    old = {r["dedupe_key"] for r in query(bot.db_path, "SELECT dedupe_key FROM outbox WHERE kind = 'talk_reminder'")}
    _, response = await invoke(fake, "schedule", "reschedule", MODERATOR_ID, talk=str(talk["id"]), when=in_days(5))
    assert "moved to" in response["data"]["content"]
    notice = await fake.wait_for_message(lambda m: "was moved" in m.content)
    assert notice.channel_id == fake.dm_channels[MEMBER_ID]
    assert f"by <@{MODERATOR_ID}>" in notice.content
    states = {r["dedupe_key"]: r["state"] for r in query(bot.db_path, "SELECT dedupe_key, state FROM outbox")}
    assert {states[k] for k in old} == {"cancelled"}
    [moved] = query(bot.db_path, "SELECT * FROM talks")
    pending = query(bot.db_path, "SELECT due_at_ms FROM outbox WHERE kind = 'talk_reminder' AND state = 'pending'")
    assert sorted(moved["starts_at_ms"] - r["due_at_ms"] for r in pending) == [3_600_000, 86_400_000]


async def test_cancel_asks_to_confirm_then_notifies(fake, bot):
    await invoke(fake, "schedule", "add", MEMBER_ID, when=in_days(2), topic="Doomed talk")
    [talk] = query(bot.db_path, "SELECT * FROM talks")
    interaction, response = await invoke(fake, "schedule", "cancel", MEMBER_ID, talk=str(talk["id"]), reason="ill")
    assert "can't be undone" in response["data"]["content"]
    assert query(bot.db_path, "SELECT state FROM talks") == [{"state": "scheduled"}]
    # Someone else cannot press the button (Discord shows the ephemeral question to no one else; a forged
    # click is refused anyway).
    stranger = await fake.invoke_component(
        message_id=interaction.original.id, custom_id=interaction.original.custom_ids[0], user_id=OWNER_ID,
        force=True,
    )
    refused = await fake.wait_for_response(stranger)
    assert "Only the person who ran the command" in refused["data"]["content"]
    assert query(bot.db_path, "SELECT state FROM talks") == [{"state": "scheduled"}]
    press = await fake.invoke_component(
        message_id=interaction.original.id, custom_id=interaction.original.custom_ids[0], user_id=MEMBER_ID
    )
    assert "is cancelled" in (await fake.wait_for_response(press))["data"]["content"]
    assert query(bot.db_path, "SELECT state FROM talks") == [{"state": "cancelled"}]
    # The speaker cancelled it themselves: their reply said so, and no DM repeats it.
    assert query(bot.db_path, "SELECT * FROM outbox WHERE kind = 'cancel_notice'") == []


async def test_non_moderator_is_refused_on_someone_elses_talk(fake, bot):
    await invoke(fake, "schedule", "add", OWNER_ID, when=in_days(2), topic="Owner's talk")
    [talk] = query(bot.db_path, "SELECT * FROM talks")
    _, response = await invoke(fake, "schedule", "reschedule", MEMBER_ID, talk=str(talk["id"]), when=in_days(4))
    assert "Only the speaker or a moderator" in response["data"]["content"]
    assert query(bot.db_path, "SELECT * FROM talks") == [talk]


async def test_topic_with_everyone_never_pings(fake, bot):
    _, response = await invoke(fake, "schedule", "add", MEMBER_ID, when=in_days(2), topic="@everyone free pizza <@&1>")
    assert response["data"]["allowed_mentions"]["parse"] == []
    [talk] = query(bot.db_path, "SELECT * FROM talks")
    assert talk["topic"] == "@everyone free pizza <@&1>"
    # A moderator moves it (the speaker is told by DM; their own move would be told only in their reply).
    await invoke(fake, "schedule", "reschedule", MODERATOR_ID, talk=str(talk["id"]), when=in_days(3))
    notice = await fake.wait_for_message(lambda m: "was moved" in m.content)
    assert "@everyone" in notice.content
    assert (notice.mention_everyone, notice.mention_role_ids) == (False, [])


async def test_autocomplete_offers_own_talks_and_moderators_see_all(fake, bot):
    await invoke(fake, "schedule", "add", MEMBER_ID, when=in_days(2), topic="Member talk")
    await invoke(fake, "schedule", "add", OWNER_ID, when=in_days(3), topic="Owner talk")
    options = [
        {"type": 1, "name": "cancel", "options": [{"type": 3, "name": "talk", "value": "talk", "focused": True}]}
    ]
    for user_id, expected in ((MEMBER_ID, ["Member talk"]), (MODERATOR_ID, ["Member talk", "Owner talk"])):
        interaction = await fake.invoke_autocomplete(
            guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=user_id, name="schedule", options=options
        )
        response = await fake.wait_for_response(interaction)
        assert response["type"] == 8
        assert [c["name"].split(" — ")[0] for c in response["data"]["choices"]] == expected


async def test_export_attaches_an_ics_file(fake, bot):
    await invoke(fake, "schedule", "add", MEMBER_ID, when=in_days(2), topic="Calendar talk")
    interaction, response = await invoke(fake, "schedule", "export", MEMBER_ID)
    assert "1 upcoming talk" in response["data"]["content"]
    [attachment] = interaction.original.attachments
    assert attachment["filename"] == "podium-talks.ics"


async def test_a_time_with_two_readings_is_asked_with_buttons_and_the_click_stores_it(fake, bot):
    """Issue 16: never guess. Nothing is stored until the member picks; the pick runs the command."""
    interaction = await fake.invoke(
        guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MODERATOR_ID, name="schedule",
        options=[{"type": 1, "name": "add", "options": [
            {"type": 3, "name": "when", "value": "tomorrow 3:30"},
            {"type": 3, "name": "topic", "value": "Ask me"},
            {"type": 6, "name": "speaker", "value": str(MEMBER_ID)},  # resolved from the original interaction
        ]}],
    )
    question = await fake.wait_for_response(interaction)
    assert question["data"]["flags"] & EPHEMERAL_FLAG
    assert "could mean" in question["data"]["content"] and "Nothing is stored" in question["data"]["content"]
    assert query(bot.db_path, "SELECT * FROM talks") == []
    buttons = interaction.original.custom_ids
    labels = [c["label"] for row in interaction.original.components for c in row["components"]]
    assert len(buttons) == 2 and labels[1].endswith("15:30")
    # Someone else's click changes nothing (Discord would not show them the question; forged anyway).
    other = await fake.invoke_component(message_id=interaction.original.id, custom_id=buttons[1], user_id=OWNER_ID,
                                        force=True)
    assert "Only the person who asked" in (await fake.wait_for_response(other))["data"]["content"]
    click = await fake.invoke_component(message_id=interaction.original.id, custom_id=buttons[1],
                                        user_id=MODERATOR_ID)
    answer = await fake.wait_for_response(click)
    assert "signed up" in answer["data"]["content"] and answer["data"]["flags"] & EPHEMERAL_FLAG
    [talk] = query(bot.db_path, "SELECT speaker_id, topic, starts_at_ms FROM talks")
    start = datetime.fromtimestamp(talk["starts_at_ms"] / 1000, tz=UTC)
    assert (talk["speaker_id"], talk["topic"], start.strftime("%H:%M")) == (MEMBER_ID, "Ask me", "15:30")
    assert start.date() == (datetime.now(UTC) + timedelta(days=1)).date()
    # The question is answered: its buttons go (edited right after the answer), so it cannot run twice.
    await eventually(lambda: interaction.original.components == [], what="the question's buttons removed", fake=fake)
    assert interaction.original.components == [] and "You picked" in interaction.original.content
    assert len(query(bot.db_path, "SELECT * FROM talks")) == 1


async def test_a_channel_overwrite_does_not_make_a_moderator(fake, bot):
    """Issue 12: Manage Events granted on one channel only is not a right over every talk of the server."""
    from tests.fake_discord import MANAGE_EVENTS, FakeChannel

    stage = GUILD_ID + 88
    fake.add_channel(GUILD_ID, FakeChannel(stage, "stage-ish", permission_overwrites=[
        {"id": str(MEMBER_ID), "type": 1, "allow": str(MANAGE_EVENTS), "deny": "0"}]))
    await invoke(fake, "schedule", "add", OWNER_ID, when=in_days(2), topic="Owner's talk")
    [talk] = query(bot.db_path, "SELECT * FROM talks")
    interaction = await fake.invoke(guild_id=GUILD_ID, channel_id=stage, user_id=MEMBER_ID, name="schedule",
                                    options=sub("reschedule", talk=str(talk["id"]), when=in_days(4)))
    response = await fake.wait_for_response(interaction)
    assert "Only the speaker or a moderator" in response["data"]["content"]
    assert query(bot.db_path, "SELECT * FROM talks") == [talk]


async def test_everyone_and_bot_roles_cannot_be_the_moderator_role(fake, bot):
    from tests.fake_discord import BOT_ROLE_ID

    for role in (GUILD_ID, BOT_ROLE_ID):  # @everyone's id is the guild's
        interaction = await fake.invoke(
            guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MODERATOR_ID, name="announce-settings",
            options=[{"type": 1, "name": "talks", "options": [{"type": 8, "name": "moderator-role",
                                                                "value": str(role)}]}],
        )
        response = await fake.wait_for_response(interaction)
        assert "can't be the moderator role" in response["data"]["content"]
    assert query(bot.db_path, "SELECT moderator_role_id FROM guild_settings") in ([], [{"moderator_role_id": None}])


async def test_rights_are_checked_again_when_the_confirm_button_is_pressed(fake, bot):
    await invoke(fake, "schedule", "add", OWNER_ID, when=in_days(2), topic="Owner's talk")
    [talk] = query(bot.db_path, "SELECT * FROM talks")
    interaction, response = await invoke(fake, "schedule", "cancel", MODERATOR_ID, talk=str(talk["id"]))
    assert "can't be undone" in response["data"]["content"]
    fake.update_member(GUILD_ID, MODERATOR_ID, roles=[])  # no longer a moderator
    press = await fake.invoke_component(
        message_id=interaction.original.id, custom_id=interaction.original.custom_ids[0], user_id=MODERATOR_ID
    )
    answer = await fake.wait_for_response(press)
    assert "Only the speaker or a moderator" in answer["data"]["content"]
    assert query(bot.db_path, "SELECT state FROM talks") == [{"state": "scheduled"}]
