"""Review of issue 24 §2 (who came) through the real bot and the fake Discord: each test shows a defect (r23c)."""

from tests.e2e.commands import SPEAKER, add_talk, iso_in, run, sent_file
from tests.e2e.dbcheck import query
from tests.fake_discord import GUILD_ID, GUILD_VOICE, MEMBER_ID, MODERATOR_ID
from tests.fake_discord.models import FakeChannel, FakeMember
from tests.icsparse import strict_parse
from tests.waiting import eventually


async def test_a_member_in_the_voice_channel_since_before_the_talk_is_counted_when_they_leave(fake, clocked_bot):
    """"Record who was present and for how long": a member who sat in the events' voice channel from before the
    talk's window and left twenty minutes into the talk was present for twenty minutes. Nothing reads the channel
    when the window opens (only a member moving, a reconnect or a host starting the event does), and their leave
    finds no open stay: their presence is never recorded at all.
    """
    bot = clocked_bot
    voice = GUILD_ID + 50
    fake.add_channel(GUILD_ID, FakeChannel(id=voice, name="talks-voice", type=GUILD_VOICE))
    _, reply = await run(fake, "announce-settings", "events", MODERATOR_ID, enabled=True, channel=voice)
    assert f"<#{voice}>" in reply, reply
    fake.join_voice(GUILD_ID, MEMBER_ID, voice)  # early, waiting for the evening's talk
    await run(fake, "schedule", "add", SPEAKER, when=iso_in(60), topic="Intro to Rust")
    [talk] = query(bot.db_path, "SELECT id, starts_at_ms FROM talks")
    await eventually(lambda: query(bot.db_path, "SELECT event_id FROM talks")[0]["event_id"], what="the event")
    bot.advance_clock(60 + 20 * 60)  # twenty minutes into the 30-minute talk
    fake.leave_voice(GUILD_ID, MEMBER_ID)
    # Waits for the stay's end: its start is recorded at the window's first look, before they leave.
    stays = await eventually(lambda: query(
        bot.db_path, "SELECT user_id, joined_at_ms, left_at_ms FROM voice_presence WHERE talk_id = ?"
        " AND left_at_ms IS NOT NULL", talk["id"]),
        timeout=10, what="the member's stay")
    assert [s["user_id"] for s in stays] == [MEMBER_ID]
    assert stays[0]["left_at_ms"] - stays[0]["joined_at_ms"] >= 19 * 60_000


async def test_export_carries_the_links_attached_after_the_talk(fake, clocked_bot):
    """"The speaker attaches links after the talk" and "/schedule export ... gain the links": export lists upcoming
    talks only, so the links (attached once the talk is over, their main use) never reach an exported file, while
    the calendar feeds keep the last 30 days of talks with them.
    """
    bot = clocked_bot
    talk = await add_talk(fake, bot, 3600, topic="Intro to Rust")
    bot.advance_clock(2 * 3600)  # the talk took place
    slides = "https://example.org/rust-slides.pdf"
    _, reply = await run(fake, "schedule", "links", SPEAKER, talk=str(talk["id"]), slides=slides)
    assert "📎" in reply, reply
    interaction, _ = await run(fake, "schedule", "export", MEMBER_ID)
    _, data = sent_file(fake, interaction)
    assert [value for key, _, value in strict_parse(data) if key == "ATTACH"] == [slides]


async def test_a_bot_in_the_voice_channel_is_not_counted_as_someone_who_came(fake, clocked_bot):
    """"Who came" is the talk's audience: a music or recording bot sitting in the events' voice channel is counted
    in "N in all" and the median like a member (the voice states are recorded unfiltered).
    """
    bot = clocked_bot
    voice, music_bot = GUILD_ID + 50, 870_000_000_000_000_077
    fake.guilds[GUILD_ID].members.append(FakeMember(id=music_bot, username="jukebox", bot=True))
    fake.add_channel(GUILD_ID, FakeChannel(id=voice, name="talks-voice", type=GUILD_VOICE))
    _, reply = await run(fake, "announce-settings", "events", MODERATOR_ID, enabled=True, channel=voice)
    assert f"<#{voice}>" in reply, reply
    await run(fake, "schedule", "add", SPEAKER, when=iso_in(60), topic="Intro to Rust")
    bot.advance_clock(60 + 60)  # a minute into the talk
    fake.join_voice(GUILD_ID, MEMBER_ID, voice)
    await eventually(lambda: query(bot.db_path, "SELECT user_id FROM voice_presence"), what="the member's stay")
    fake.join_voice(GUILD_ID, music_bot, voice)
    fake.join_voice(GUILD_ID, MODERATOR_ID, voice)  # seen after the bot's join: the bot's event was handled too
    await eventually(lambda: {r["user_id"] for r in query(bot.db_path, "SELECT user_id FROM voice_presence")}
                     >= {MEMBER_ID, MODERATOR_ID}, what="both members' stays")
    assert {r["user_id"] for r in query(bot.db_path, "SELECT user_id FROM voice_presence")} == {MEMBER_ID,
                                                                                              MODERATOR_ID}
