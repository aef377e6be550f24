"""Talks as Discord scheduled events, through the loopback Discord and the real bot process, both ways."""

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.botprocess import BotProcess, clock_file
from tests.e2e.commands import SPEAKER, add_talk, iso_in, option, run
from tests.e2e.dbcheck import query
from tests.fake_discord import (
    BOT_ROLE_ID,
    BOT_USER_ID,
    CONNECT,
    CREATE_EVENTS,
    DEFAULT_BOT_PERMISSIONS,
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    GUILD_VOICE,
    MEMBER_ID,
    MODERATOR_ID,
    OWNER_ID,
    VIEW_AUDIT_LOG,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeMember,
    FakeRole,
)
from tests.waiting import eventually


@pytest.fixture
async def bot(bot_factory, tmp_path):
    # A clock the tests move forward to what is due (re-read within the 1 s tick).
    process = bot_factory(CLOCK_FILE=clock_file(tmp_path), DISPATCH_TICK_SECONDS="1")
    await process.start()
    await run(process.fake, "announce-settings", "channel", MODERATOR_ID, channel=GENERAL_CHANNEL_ID)
    _, reply = await run(process.fake, "announce-settings", "events", MODERATOR_ID, enabled=True)
    assert "Each talk now appears in Discord's Events, at **\\#general**" in reply, reply
    return process


def event_of(fake, bot, talk_id):
    [row] = query(bot.db_path, "SELECT event_id FROM talks WHERE id = ?", talk_id)
    return fake.scheduled_events.get(row["event_id"]) if row["event_id"] else None


async def test_the_event_follows_the_talk_added_moved_and_cancelled(fake, bot):
    talk = await add_talk(fake, bot, 3 * 86400, topic="Rust " + "x" * 150)
    event = await eventually(lambda: event_of(fake, bot, talk["id"]))
    assert event["name"] == ("Rust " + "x" * 150)[:99] + "…" and event["entity_type"] == 3
    assert event["entity_metadata"] == {"location": "#general"} and event["status"] == 1
    assert event["creator_id"] == str(fake.bot_user_id) and "Podium talk #" in event["description"]
    start = datetime.fromisoformat(event["scheduled_start_time"])
    assert int(start.timestamp() * 1000) == talk["starts_at_ms"]

    def updates(lines):
        return sum(f"scheduled event {event['id']} updated: " in line for line in lines)

    updates_before = updates(bot.lines)
    # A moderator moves it, so the speaker is told (their own move is told only in their reply).
    await run(fake, "schedule", "reschedule", MODERATOR_ID, talk=str(talk["id"]), when=iso_in(4 * 86400))
    [moved] = query(bot.db_path, "SELECT starts_at_ms, event_id FROM talks")
    await eventually(lambda: int(datetime.fromisoformat(event["scheduled_start_time"]).timestamp() * 1000)
                     == moved["starts_at_ms"])
    assert moved["event_id"] == int(event["id"]) and len(fake.scheduled_events) == 1  # PATCHed, not made again

    # Our own PATCH came back as GUILD_SCHEDULED_EVENT_UPDATE: the talk did not move again, the speaker was told once.
    await bot.wait_for_output(lambda lines: updates(lines) > updates_before)
    assert query(bot.db_path, "SELECT starts_at_ms FROM talks") == [{"starts_at_ms": moved["starts_at_ms"]}]
    assert len(query(bot.db_path, "SELECT id FROM outbox WHERE kind = 'reschedule_notice'")) == 1

    interaction = await fake.invoke(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=SPEAKER,
                                    name="schedule", options=[{"type": 1, "name": "cancel", "options": [
                                        option("talk", str(talk["id"]))]}])
    await fake.wait_for_response(interaction)
    press = await fake.invoke_component(message_id=interaction.original.id,
                                        custom_id=interaction.original.custom_ids[0], user_id=SPEAKER)
    assert "is cancelled" in (await fake.wait_for_response(press))["data"]["content"]
    await eventually(lambda: event["status"] == 4)


async def test_interested_makes_an_attendee_who_gets_the_reminder(fake, bot):
    await run(fake, "remind-me", "talks", MEMBER_ID, before="1h")
    talk = await add_talk(fake, bot, 3600 + 15, topic="Rust")
    event = await eventually(lambda: event_of(fake, bot, talk["id"]))
    fake.mark_interested(int(event["id"]), MEMBER_ID)
    clicked = time.time()
    await eventually(lambda: query(bot.db_path, "SELECT * FROM attendees WHERE user_id = ?", MEMBER_ID))
    bot.advance_clock(10)  # a few seconds before the reminder is due
    reminder = await fake.wait_for_message(
        lambda m: m.channel_id == fake.dm_channels.get(MEMBER_ID) and "starts" in m.content, timeout=25)
    assert 10 <= reminder.created_at + bot.clock_shift - clicked <= 17.5
    assert "**Rust**" in reminder.content
    # Taking "Interested" back leaves the audience.
    fake.unmark_interested(int(event["id"]), MEMBER_ID)
    await eventually(lambda: not query(bot.db_path, "SELECT * FROM attendees WHERE user_id = ?", MEMBER_ID))


async def test_a_move_in_discord_moves_the_talk_and_tells_the_speaker(fake, bot):
    # The member's talk, moved by the owner in Discord's UI: the speaker hears of it by DM (their own move would be
    # told only where they made it).
    _, content = await run(fake, "schedule", "add", MEMBER_ID, when=iso_in(2 * 86400), topic="Rust")
    assert "signed up" in content, content
    [talk] = query(bot.db_path, "SELECT * FROM talks")
    event = await eventually(lambda: event_of(fake, bot, talk["id"]))
    # Our own create settled: the sync row is done (its audit log entry is older than the moderator's edit).
    await eventually(lambda: query(bot.db_path, "SELECT state FROM outbox WHERE kind = 'scheduled_event'")
                     == [{"state": "sent"}])
    new_start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    fake.edit_event_as_moderator(int(event["id"]), scheduled_start_time=new_start,
                                 scheduled_end_time=new_start + timedelta(minutes=30))
    await eventually(lambda: query(bot.db_path, "SELECT starts_at_ms FROM talks")[0]["starts_at_ms"]
                     == int(new_start.timestamp() * 1000))
    notice = await fake.wait_for_message(
        lambda m: m.channel_id == fake.dm_channels.get(MEMBER_ID) and "was moved" in m.content)
    assert f"<t:{int(new_start.timestamp())}:" in notice.content
    # Cancelled in Discord: the talk is cancelled, with the reason.
    fake.edit_event_as_moderator(int(event["id"]), status=4)
    await eventually(lambda: query(bot.db_path, "SELECT state FROM talks")[0]["state"] == "cancelled")
    cancel = await fake.wait_for_message(
        lambda m: m.channel_id == fake.dm_channels.get(MEMBER_ID) and "was cancelled" in m.content)
    assert "cancelled in Discord's Events" in cancel.content


async def test_import_makes_a_talk_of_a_hand_made_event_and_its_interested_members_attendees(fake, bot):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    made = fake.create_event_as_moderator(GUILD_ID, name="Meetup", start=start, end=start + timedelta(minutes=45),
                                          location="Library")  # by the owner
    fake.mark_interested(int(made["id"]), MEMBER_ID)
    # The autocomplete offers it (from nextcord's cache, filled by GUILD_SCHEDULED_EVENT_CREATE).
    typing = [{"type": 1, "name": "import", "options": [{"type": 3, "name": "event", "value": "meet",
                                                          "focused": True}]}]
    interaction = await fake.invoke_autocomplete(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID,
                                                 user_id=MODERATOR_ID, name="schedule", options=typing)
    choices = (await fake.wait_for_response(interaction))["data"]["choices"]
    assert [(c["name"].split(" — ")[0], c["value"]) for c in choices] == [("Meetup", made["id"])]
    _, reply = await run(fake, "schedule", "import", MODERATOR_ID, event=made["id"])
    assert "**Meetup** is now talk #" in reply and "45 min, from the event's end" in reply, reply
    assert "1 member who marked it Interested is reminded" in reply
    [talk] = query(bot.db_path, "SELECT * FROM talks")
    assert talk["event_id"] == int(made["id"]) and talk["speaker_id"] == OWNER_ID  # its creator
    assert query(bot.db_path, "SELECT user_id FROM attendees") == [{"user_id": MEMBER_ID}]
    _, again = await run(fake, "schedule", "import", MODERATOR_ID, event=made["id"])
    assert "already talk #" in again
    # Bad input: a clear private answer with an example, nothing stored.
    _, bad = await run(fake, "schedule", "import", MODERATOR_ID, event="not an event")
    assert "Example: `/schedule import event:" in bad
    assert len(query(bot.db_path, "SELECT * FROM talks")) == 1


async def test_bad_settings_are_refused_with_an_example_and_nothing_changes(fake, bot):
    _, reply = await run(fake, "announce-settings", "events", MODERATOR_ID, enabled=True, location=" ")
    assert "Example: `/announce-settings events" in reply
    [guild] = query(bot.db_path, "SELECT events_location FROM guild_settings")
    assert guild["events_location"] == "#general"


async def test_interested_while_podium_was_down_is_picked_up_at_the_next_start(fake, bot):
    talk = await add_talk(fake, bot, 2 * 86400, topic="Rust")
    event = await eventually(lambda: event_of(fake, bot, talk["id"]))
    await bot.stop()
    fake.mark_interested(int(event["id"]), MEMBER_ID)  # nobody listening: the gateway event is lost
    await bot.start()
    await eventually(lambda: query(bot.db_path, "SELECT user_id FROM attendees") == [{"user_id": MEMBER_ID}])
    assert any(r.method == "GET" and r.path.endswith(f"/scheduled-events/{event['id']}/users")
               for r in fake.requests)


async def test_a_voice_channel_the_bot_cannot_join_is_refused_by_name(tmp_path):
    voice = GUILD_ID + 50
    guild = FakeGuild(channels=[
        FakeChannel(id=GENERAL_CHANNEL_ID, name="general"),
        FakeChannel(id=voice, name="talks-voice", type=GUILD_VOICE, permission_overwrites=[
            {"id": str(BOT_ROLE_ID), "type": 0, "allow": "0", "deny": str(CONNECT)}]),
    ])
    async with FakeDiscord(guilds=[guild]) as fake:
        process = BotProcess(fake, tmp_path)
        await process.start()
        try:
            _, reply = await run(fake, "announce-settings", "events", MODERATOR_ID, enabled=True, channel=voice)
            assert "missing **Connect in <#" in reply and "Nothing was changed" in reply, reply
            assert query(process.db_path, "SELECT * FROM guild_settings WHERE events_enabled = 1") == []
            # Allowed to connect: events go to the voice channel.
            guild.channels[1].permission_overwrites.clear()
            # Gateway events reach the bot in order: the CHANNEL_UPDATE is in its cache before the next command.
            fake.update_channel(voice)
            _, reply = await run(fake, "announce-settings", "events", MODERATOR_ID, enabled=True, channel=voice)
            assert f"at <#{voice}>" in reply, reply
            talk = await add_talk(fake, process, 86400, topic="Rust")
            event = await eventually(lambda: event_of(fake, process, talk["id"]))
            assert event["entity_type"] == 2 and event["channel_id"] == str(voice)
        finally:
            await process.kill()


HOSTS_ROLE = GUILD_ID + 60  # may create events (Create Events), no moderator right
GUEST = GUILD_ID + 61  # a member who only gives a talk


async def with_hosts(fake, bot):
    """MEMBER may create events in Discord; GUEST is a plain member; the log channel is #general."""
    guild = fake.guilds[GUILD_ID]
    guild.roles.append(FakeRole(id=HOSTS_ROLE, name="Hosts", permissions=CREATE_EVENTS, position=1))
    guild.members.append(FakeMember(id=GUEST, username="guest"))
    fake.add_user(GUEST, "guest")
    fake.update_member(GUILD_ID, MEMBER_ID, roles=[HOSTS_ROLE])
    await run(fake, "announce-settings", "log-channel", MODERATOR_ID, channel=GENERAL_CHANNEL_ID)


async def imported(fake, bot, by, speaker=None):
    """`by` makes an event in Discord; a moderator imports it (for `speaker`); its talk row and the event."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    made = fake.create_event_as_moderator(GUILD_ID, name="Meetup", start=start, end=start + timedelta(minutes=45),
                                          location="Library", by=by)
    options = {"event": made["id"]} | ({"speaker": speaker} if speaker else {})
    _, reply = await run(fake, "schedule", "import", MODERATOR_ID, **options)
    assert "is now talk #" in reply, reply
    [talk] = query(bot.db_path, "SELECT * FROM talks WHERE event_id = ?", int(made["id"]))
    return talk, fake.scheduled_events[int(made["id"])]


def talk_row(bot, talk_id):
    return query(bot.db_path, "SELECT * FROM talks WHERE id = ?", talk_id)[0]


async def test_the_creator_of_an_event_cannot_move_or_cancel_someone_elses_talk_through_it(fake, bot):
    await with_hosts(fake, bot)
    talk, event = await imported(fake, bot, by=MEMBER_ID, speaker=GUEST)
    assert talk["speaker_id"] == GUEST
    start = event["scheduled_start_time"]
    # Discord lets the event's creator edit it; Podium's rule does not let them change GUEST's talk.
    later = datetime.fromisoformat(start) + timedelta(days=1)
    fake.edit_event_as_moderator(int(event["id"]), by=MEMBER_ID, scheduled_start_time=later,
                                 scheduled_end_time=later + timedelta(minutes=45))
    told = await fake.wait_for_message(
        lambda m: m.channel_id == GENERAL_CHANNEL_ID and "tried to move" in m.content)
    assert f"<@{MEMBER_ID}> tried to move **Meetup** to" in told.content and "put back" in told.content
    await eventually(lambda: event["scheduled_start_time"] == start)  # put back by the bot
    assert talk_row(bot, talk["id"])["starts_at_ms"] == talk["starts_at_ms"]
    assert query(bot.db_path, "SELECT * FROM outbox WHERE kind = 'reschedule_notice'") == []
    # Cancelled by its creator: the talk stays on, and gets a new event (Discord never un-cancels one).
    fake.edit_event_as_moderator(int(event["id"]), by=MEMBER_ID, status=4)
    await fake.wait_for_message(lambda m: m.channel_id == GENERAL_CHANNEL_ID and "tried to cancel" in m.content)
    await eventually(lambda: talk_row(bot, talk["id"])["event_id"] not in (None, int(event["id"])))
    row = talk_row(bot, talk["id"])
    assert row["state"] == "scheduled" and fake.scheduled_events[row["event_id"]]["status"] == 1


async def test_the_speaker_moving_their_own_talks_event_is_followed_as_theirs(fake, bot):
    await with_hosts(fake, bot)
    talk, event = await imported(fake, bot, by=MEMBER_ID)  # MEMBER made the event: the speaker
    assert talk["speaker_id"] == MEMBER_ID
    later = datetime.fromisoformat(event["scheduled_start_time"]) + timedelta(days=1)
    fake.edit_event_as_moderator(int(event["id"]), by=MEMBER_ID, scheduled_start_time=later,
                                 scheduled_end_time=later + timedelta(minutes=45))
    await eventually(lambda: talk_row(bot, talk["id"])["starts_at_ms"] == int(later.timestamp() * 1000))
    assert talk_row(bot, talk["id"])["updated_by"] == MEMBER_ID  # recorded as the speaker, not the bot


async def test_without_view_audit_log_hand_edits_are_put_back_and_said_once(tmp_path):
    guild = FakeGuild()  # the bot's role as invited before View Audit Log was asked for
    guild.roles.append(FakeRole(id=BOT_ROLE_ID, name="FakeBot", permissions=DEFAULT_BOT_PERMISSIONS & ~VIEW_AUDIT_LOG,
                                position=1, managed=True, bot_id=BOT_USER_ID))
    async with FakeDiscord(guilds=[guild]) as fake:
        bot = BotProcess(fake, tmp_path, DISPATCH_TICK_SECONDS="1")
        await bot.start()
        try:
            await run(fake, "announce-settings", "log-channel", MODERATOR_ID, channel=GENERAL_CHANNEL_ID)
            _, reply = await run(fake, "announce-settings", "events", MODERATOR_ID, enabled=True)
            assert "Each talk now appears in Discord's Events" in reply, reply
            assert "missing **View Audit Log**" in reply and "put back" in reply  # asked for, and why
            talk = await add_talk(fake, bot, 2 * 86400, topic="Rust")
            event = await eventually(lambda: event_of(fake, bot, talk["id"]))
            start = event["scheduled_start_time"]
            for days in (3, 4):
                moved = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
                fake.edit_event_as_moderator(int(event["id"]), scheduled_start_time=moved,  # by the owner
                                             scheduled_end_time=moved + timedelta(minutes=30))
                await eventually(lambda: event["scheduled_start_time"] == start)
            assert query(bot.db_path, "SELECT starts_at_ms FROM talks") == [{"starts_at_ms": talk["starts_at_ms"]}]
            await fake.wait_for_message(lambda m: m.channel_id == GENERAL_CHANNEL_ID and "View Audit Log" in m.content)
            lines = query(bot.db_path, "SELECT dedupe_key FROM outbox WHERE kind = 'log'")
            assert [r["dedupe_key"].split(":")[1] for r in lines] == ["no-audit-log"]  # said once
        finally:
            await bot.kill()
