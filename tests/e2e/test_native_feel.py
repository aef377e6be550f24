"""Issue 15 through the real process: consent in sentences, resets, the zone a time was read in, private paging,
expired confirm buttons, /help, autocomplete labels in the member's zone.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.commands import click, iso_on, run
from tests.e2e.dbcheck import query
from tests.fake_discord import EPHEMERAL_FLAG, GENERAL_CHANNEL_ID, GUILD_ID, MEMBER_ID, MODERATOR_ID, OWNER_ID


@pytest.fixture
async def bot(bot_factory):
    process = bot_factory()
    await process.start()
    return process


async def test_opt_out_stop_and_allow_read_as_a_pair_of_sentences(fake, bot):
    _, stopped = await run(fake, "opt-out", "stop", what="dms")
    assert stopped.startswith("🔕 I won't send you direct messages any more")
    assert "</opt-out allow:" in stopped and "what:Direct messages" in stopped
    assert query(bot.db_path, "SELECT opt_out_dms FROM users") == [{"opt_out_dms": 1}]
    _, allowed = await run(fake, "opt-out", "allow", what="dms")
    assert allowed == "🔔 I'll send you direct messages again."
    _, status = await run(fake, "opt-out", "status")
    assert "🔔 Allowed: direct messages" in status and "no more" not in status


async def test_remind_me_reset_goes_back_to_the_servers_defaults(fake, bot):
    await run(fake, "remind-me", "timezone", zone="Asia/Tokyo")
    await run(fake, "remind-me", "talks", before="2h", via="dm")
    _, content = await run(fake, "remind-me", "reset", what="all")
    assert "server's time zone again: **UTC**" in content and "follow the server again" in content
    [user] = query(bot.db_path, "SELECT timezone, reminder_offsets, reminder_via FROM users")
    assert user == {"timezone": None, "reminder_offsets": None, "reminder_via": None}


async def test_a_member_without_a_zone_is_told_and_can_take_the_one_their_locale_suggests(fake, bot):
    interaction, content = await run(fake, "remind-me", "at", locale="de", when="in 2 hours", message="slides")
    # A German client: the reply, the note and the button in German (tests/e2e/test_german.py has the full flow).
    assert "Das ist UTC: Weder du noch der Server hat eine andere Zeitzone gewählt" in content
    reply = interaction.original
    # The server has no zone of its own (UTC): German settles the guess (tests/e2e/test_zones.py has the rest).
    assert reply.custom_ids == ["podium:tz:set:Europe/Berlin|UTC", "podium:tz:other"]
    _, answer = await click(fake, reply, "podium:tz:set:Europe/Berlin|UTC", locale="de")
    assert answer.startswith("🌍 Deine Zeitzone ist jetzt **Europe/Berlin**")
    assert "Die Zeit oben gilt in UTC" in answer
    assert query(bot.db_path, "SELECT timezone FROM users") == [{"timezone": "Europe/Berlin"}]
    # With a zone of their own the reply just says it, without a button.
    interaction, content = await run(fake, "remind-me", "at", locale="de", when="in 3 hours", message="more")
    assert "Europe/Berlin" in content and interaction.original.custom_ids == []


async def test_paging_a_posted_list_answers_the_presser_privately(fake, bot):
    for day in range(1, 12):  # 11 talks: two pages (a moderator schedules in bulk, without the change limit)
        _, content = await run(fake, "schedule", "add", MODERATOR_ID, when=iso_on(day), topic=f"Talk {day}")
        assert "signed up" in content, content
    interaction, _ = await run(fake, "schedule", "list")
    posted = interaction.original
    assert not posted.ephemeral
    page_two = next(c for c in posted.custom_ids if c.startswith("podium:list:") and c.endswith(":N"))
    clicked = await fake.invoke_component(message_id=posted.id, custom_id=page_two, user_id=OWNER_ID)
    response = await fake.wait_for_response(clicked)
    assert response["type"] == 4 and response["data"]["flags"] & EPHEMERAL_FLAG
    assert "Page 2/2" in response["data"]["embeds"][0]["footer"]["text"]
    assert "Page 1/2" in fake.get_message(posted.id).embeds[0]["footer"]["text"]  # unchanged for everyone else
    # On the presser's own copy, the page turns in place.
    private = clicked.original
    back = next(c for c in private.custom_ids if c.startswith("podium:list:") and c.endswith(":◀"))
    again = await fake.invoke_component(message_id=private.id, custom_id=back, user_id=OWNER_ID)
    assert (await fake.wait_for_response(again))["type"] == 7


async def test_confirm_buttons_clicked_after_a_restart_are_answered_and_change_nothing(fake, bot):
    await run(fake, "schedule", "add", when=iso_on(3), topic="Keep me")
    [talk] = query(bot.db_path, "SELECT id FROM talks")
    interaction, content = await run(fake, "schedule", "cancel", talk=str(talk["id"]))
    assert "Cancel **Keep me**" in content
    question = interaction.original
    [confirm, _keep] = question.custom_ids
    assert confirm.startswith("podium:confirm:")
    assert await bot.stop() == 0
    await bot.start()
    _, answer = await click(fake, question, confirm)
    assert "These buttons have expired" in answer and "</schedule cancel:" in answer
    assert query(bot.db_path, "SELECT state FROM talks") == [{"state": "scheduled"}]


async def help_text(fake, user_id: int, locale: str = "en-US") -> tuple[str, str]:
    """/help as this member sees it: (introduction, the command sections)."""
    interaction = await fake.invoke(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=user_id, name="help",
                                    options=[], locale=locale)
    response = await fake.wait_for_response(interaction)
    assert response["data"]["flags"] & EPHEMERAL_FLAG
    [intro, *rest] = [e.get("description", "") for e in response["data"]["embeds"]]
    return intro, "\n".join(rest)


# /help reads and changes nothing: its tests share one bot process (tests/e2e/conftest.py), on the module's loop
# (a module runs in one worker: --dist loadscope).
ON_THE_MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")


@pytest.mark.parametrize("locale", ["en-US", "de"])
@ON_THE_MODULE_LOOP
async def test_help_lists_every_command_a_moderator_may_run_once_as_a_clickable_mention(shared_fake, shared_bot,
                                                                                         locale):
    fake = shared_fake
    _, text = await help_text(fake, MODERATOR_ID, locale)
    for command in fake.global_commands.values():
        subs = [o["name"] for o in command.get("options", []) if o["type"] == 1] or [""]
        for sub in subs:
            qualified = f"{command['name']} {sub}".strip()
            assert text.count(f"</{qualified}:{command['id']}>") == 1, qualified


@pytest.mark.parametrize("locale", ["en-US", "de"])
@ON_THE_MODULE_LOOP
async def test_help_for_a_member_starts_with_three_steps_and_hides_moderator_commands(shared_fake, shared_bot, locale):
    fake = shared_fake
    intro, text = await help_text(fake, MEMBER_ID, locale)
    ids = {name: command["id"] for name, command in fake.global_commands.items()}
    assert "</announce-settings" not in text and "</schedule import:" not in text
    assert f"</schedule add:{ids['schedule']}>" in text
    first = [intro.index(f"</{name}:") for name in ("remind-me timezone", "schedule info", "schedule add")]
    assert first == sorted(first)
    # Which answers everyone sees is said, and marked on the command that posts publicly.
    assert f"</schedule list:{ids['schedule']}> 📢" in text
    assert ("only you see" if locale == "en-US" else "siehst nur du") in intro.lower()
    assert "Everything below answers only you" not in intro


async def test_info_offers_any_talk_labelled_in_the_members_zone_with_the_speaker(fake, bot):
    await run(fake, "schedule", "add", OWNER_ID, when=iso_on(3, hour=18), topic="Not mine")
    await run(fake, "remind-me", "timezone", zone="Asia/Tokyo")
    options = [{"type": 1, "name": "info", "options": [{"type": 3, "name": "talk", "value": "", "focused": True}]}]
    interaction = await fake.invoke_autocomplete(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MEMBER_ID,
                                                 name="schedule", options=options)
    [choice] = (await fake.wait_for_response(interaction))["data"]["choices"]
    start = datetime.now(UTC) + timedelta(days=3)
    tokyo = start.replace(hour=18, minute=0).astimezone(ZoneInfo("Asia/Tokyo"))
    assert choice["name"].startswith(f"Not mine — {tokyo:%a %d %b %H:%M}")
    assert " · " in choice["name"]  # the speaker's name
