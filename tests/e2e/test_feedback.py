"""Issue 24 §1 and §2 through the real bot process and the fake Discord, in English and German: the feedback post
when a talk ends, a vote and a changed vote, a comment, the count edited into the post, the speaker's summary by DM
a day later, and who came, from members joining and leaving the events' voice channel.
"""

import pytest

from podium.posts import GOING_HOLD
from tests.e2e.commands import SPEAKER, click, dm_of, edited, iso_in, run
from tests.e2e.dbcheck import query
from tests.fake_discord import EPHEMERAL_FLAG, GENERAL_CHANNEL_ID, GUILD_ID, GUILD_VOICE, MEMBER_ID, MODERATOR_ID
from tests.fake_discord.models import FakeChannel, FakeMember
from tests.waiting import eventually

TALK_MINUTES = 30  # the server's default length
WORDS = {
    "en": {"post": "⭐ How was **Intro to Rust**", "gave": "You gave **Intro to Rust** 3 of 5",
           "changed": "from 3 to 5 of 5", "comment": "reaches its speaker without your name",
           "signed": "reaches its speaker with your name", "count": "2 votes so far",
           "summary": "📊 Feedback on your talk **Intro to Rust**", "average": "2 votes, 4.5 of 5 on average.",
           "anonymous": "anonymous", "first": "stars first", "came": "👥 Who came: 2 in all, 2 at most at once"},
    "de": {"post": "⭐ Wie war **Intro to Rust**", "gave": "Du hast **Intro to Rust** mit 3 von 5 bewertet",
           "changed": "von 3 auf 5 von 5 geändert", "comment": "ohne deinen Namen",
           "signed": "mit deinem Namen", "count": "2 Bewertungen bisher",
           "summary": "📊 Feedback zu deinem Vortrag **Intro to Rust**",
           "average": "2 Bewertungen, im Schnitt 4,5 von 5.",
           "anonymous": "anonym", "first": "zuerst 1 bis 5 Sterne", "came": "👥 Wer da war: 2 insgesamt, höchstens 2"},
}
LOCALES = {"en": "en-US", "de": "de"}


@pytest.fixture
def bot(clocked_bot):
    # Moved to the talk's end, past the count's hold and to the summary's day instead of waiting for them.
    return clocked_bot


async def talk_in_a_minute(fake, bot, language):
    """The speaker signs up, their Discord in the language (so their DMs are written in it)."""
    await run(fake, "schedule", "add", SPEAKER, locale=LOCALES[language], when=iso_in(60), topic="Intro to Rust")
    return query(bot.db_path, "SELECT * FROM talks ORDER BY id DESC LIMIT 1")[0]


async def feedback_on(fake, language):
    await run(fake, "announce-settings", "language", MODERATOR_ID, language=language)
    _, reply = await run(fake, "announce-settings", "posts", MODERATOR_ID, post="feedback", enabled=True)
    assert "⭐" in reply, reply


@pytest.mark.parametrize("language", ["en", "de"])
async def test_votes_a_changed_vote_a_comment_the_count_and_the_speakers_summary(language, fake, bot):
    words, locale = WORDS[language], LOCALES[language]
    await feedback_on(fake, language)
    talk = await talk_in_a_minute(fake, bot, language)
    bot.advance_clock(60 + TALK_MINUTES * 60)  # the talk is over
    post = await fake.wait_for_message(lambda m: m.content.startswith(words["post"]), timeout=20)
    assert post.channel_id != GENERAL_CHANNEL_ID  # the talk's thread, made under the announcement channel
    assert post.mention_user_ids == [] and post.mention_everyone is False
    vote = f"podium:fb:vote:{talk['id']}"

    # A comment before a vote is refused, with what to do first; nothing is stored.
    _, refused = await click(fake, post, f"podium:fb:comment:{talk['id']}", MEMBER_ID, locale=locale)
    assert words["first"] in refused
    _, gave = await click(fake, post, f"{vote}:3", MEMBER_ID, locale=locale)
    assert words["gave"] in gave, gave
    _, changed = await click(fake, post, f"{vote}:5", MEMBER_ID, locale=locale)
    assert words["changed"] in changed, changed
    await click(fake, post, f"{vote}:4", MODERATOR_ID, locale=locale)

    # The comment form, then signing it from the reply.
    await click(fake, post, f"podium:fb:comment:{talk['id']}", MEMBER_ID, locale=locale)
    submit = await fake.invoke_modal_submit(user_id=MEMBER_ID, custom_id=f"podium:fb:comment-modal:{talk['id']}",
                                            values={"comment": "Clear slides @everyone"}, locale=locale)
    answer = (await fake.wait_for_response(submit))["data"]
    assert answer["flags"] & EPHEMERAL_FLAG and words["comment"] in answer["content"], answer

    # The post shows how many voted, never who gave what: one held edit for the rush of votes.
    bot.advance_clock(GOING_HOLD.total_seconds())
    body = await edited(fake, post, 1)
    assert body["content"].endswith(words["count"]), body["content"]
    assert query(bot.db_path, "SELECT user_id, stars FROM feedback_votes ORDER BY user_id") == sorted(
        [{"user_id": MEMBER_ID, "stars": 5}, {"user_id": MODERATOR_ID, "stars": 4}], key=lambda r: r["user_id"])

    # A day after the talk, its speaker gets the summary; the comment is anonymous, inert.
    bot.advance_clock(24 * 3600)
    dm = await fake.wait_for_message(dm_of(fake, SPEAKER, words["summary"]), timeout=20)
    assert words["average"] in dm.content and "⭐⭐⭐⭐⭐ 1\n⭐⭐⭐⭐ 1" in dm.content
    assert f"> Clear slides \\@everyone — ⭐⭐⭐⭐⭐ {words['anonymous']}" in dm.content
    assert str(MEMBER_ID) not in dm.content and dm.mention_everyone is False
    # The speaker sees the same in /schedule info of the past talk.
    _, info = await run(fake, "schedule", "info", SPEAKER, locale=locale, talk=str(talk["id"]))
    assert words["average"] in info, info


async def test_a_signed_comment_names_its_author_to_the_speaker(fake, bot):
    await feedback_on(fake, "en")
    talk = await talk_in_a_minute(fake, bot, "en")
    bot.advance_clock(60 + TALK_MINUTES * 60)
    post = await fake.wait_for_message(lambda m: m.content.startswith(WORDS["en"]["post"]), timeout=20)
    await click(fake, post, f"podium:fb:vote:{talk['id']}:2", MEMBER_ID)
    await click(fake, post, f"podium:fb:comment:{talk['id']}", MEMBER_ID)
    submit = await fake.invoke_modal_submit(user_id=MEMBER_ID, custom_id=f"podium:fb:comment-modal:{talk['id']}",
                                            values={"comment": "Too fast"})
    await fake.wait_for_response(submit)
    reply = submit.original
    assert reply is not None and f"podium:fb:sign:{talk['id']}:1" in reply.custom_ids
    _, signed = await click(fake, reply, f"podium:fb:sign:{talk['id']}:1", MEMBER_ID)
    assert WORDS["en"]["signed"] in signed, signed
    bot.advance_clock(24 * 3600)
    dm = await fake.wait_for_message(dm_of(fake, SPEAKER, WORDS["en"]["summary"]), timeout=20)
    assert f"> Too fast — ⭐⭐ <@{MEMBER_ID}>" in dm.content
    assert dm.mention_user_ids == []  # named, not pinged


@pytest.mark.parametrize("language", ["en", "de"])
async def test_who_came_from_members_joining_and_leaving_the_events_voice_channel(language, fake, bot):
    words, locale = WORDS[language], LOCALES[language]
    voice = GUILD_ID + 50
    fake.add_channel(GUILD_ID, FakeChannel(id=voice, name="talks-voice", type=GUILD_VOICE))
    _, reply = await run(fake, "announce-settings", "events", MODERATOR_ID, enabled=True, channel=voice)
    assert f"<#{voice}>" in reply, reply
    await feedback_on(fake, language)
    talk = await talk_in_a_minute(fake, bot, language)
    fake.join_voice(GUILD_ID, MODERATOR_ID, voice)  # a minute early: counted from the start
    await eventually(lambda: len(query(bot.db_path, "SELECT * FROM voice_presence")) == 1)
    bot.advance_clock(60)  # the talk begins
    fake.join_voice(GUILD_ID, MEMBER_ID, voice)
    await eventually(lambda: len(query(bot.db_path, "SELECT * FROM voice_presence")) == 2)
    bot.advance_clock(10 * 60)
    fake.leave_voice(GUILD_ID, MEMBER_ID)
    await eventually(lambda: query(bot.db_path, "SELECT left_at_ms FROM voice_presence WHERE user_id = ?",
                                   MEMBER_ID)[0]["left_at_ms"] is not None)
    [stay] = query(bot.db_path, "SELECT joined_at_ms FROM voice_presence WHERE user_id = ?", MODERATOR_ID)
    assert stay["joined_at_ms"] == talk["starts_at_ms"]  # joined before the start: counted from it
    bot.advance_clock(TALK_MINUTES * 60 + 24 * 3600)
    dm = await fake.wait_for_message(dm_of(fake, SPEAKER, words["summary"]), timeout=20)
    assert words["came"] in dm.content, dm.content
    # A member's voice moves outside any talk's window are not recorded.
    fake.join_voice(GUILD_ID, MEMBER_ID, voice)
    _, info = await run(fake, "schedule", "info", SPEAKER, locale=locale, talk=str(talk["id"]))
    assert words["came"] in info, info
    _, not_theirs = await run(fake, "schedule", "info", MEMBER_ID, locale=locale, talk=str(talk["id"]))
    assert words["came"] not in not_theirs
    assert len(query(bot.db_path, "SELECT * FROM voice_presence")) == 2


async def test_a_stage_ended_in_discord_before_the_talks_end_asks_for_feedback_at_once(fake, bot):
    voice = GUILD_ID + 50
    fake.add_channel(GUILD_ID, FakeChannel(id=voice, name="talks-voice", type=GUILD_VOICE))
    await run(fake, "announce-settings", "events", MODERATOR_ID, enabled=True, channel=voice)
    await feedback_on(fake, "en")
    talk = await talk_in_a_minute(fake, bot, "en")
    event_id = await eventually(lambda: query(bot.db_path, "SELECT event_id FROM talks WHERE id = ?",
                                              talk["id"])[0]["event_id"], what="the talk's event")
    bot.advance_clock(60 + 10 * 60)  # ten minutes into the 30-minute talk
    fake.edit_event_as_moderator(event_id, status=2)  # the speaker (the owner) starts the stage...
    fake.edit_event_as_moderator(event_id, status=3)  # ...and ends it early
    post = await fake.wait_for_message(lambda m: m.content.startswith(WORDS["en"]["post"]), timeout=20)
    assert post.created_at + bot.clock_shift < talk["starts_at_ms"] / 1000 + TALK_MINUTES * 60


async def test_after_a_restart_the_voice_channel_is_read_again(fake, bot):
    """Discord tells a (re)connecting bot who is in each voice channel: stays begun or ended meanwhile are seen."""
    voice = GUILD_ID + 50
    fake.add_channel(GUILD_ID, FakeChannel(id=voice, name="talks-voice", type=GUILD_VOICE))
    await run(fake, "announce-settings", "events", MODERATOR_ID, enabled=True, channel=voice)
    talk = await talk_in_a_minute(fake, bot, "en")
    bot.advance_clock(60 + 5 * 60)  # five minutes into the talk
    fake.join_voice(GUILD_ID, MEMBER_ID, voice)
    await eventually(lambda: query(bot.db_path, "SELECT user_id FROM voice_presence") == [{"user_id": MEMBER_ID}])
    await bot.stop()
    fake.leave_voice(GUILD_ID, MEMBER_ID)  # unseen by the bot...
    fake.join_voice(GUILD_ID, MODERATOR_ID, voice)  # ...and so is this
    await bot.start()
    stays = await eventually(lambda: {r["user_id"]: r["left_at_ms"] for r in query(
        bot.db_path, "SELECT user_id, left_at_ms FROM voice_presence WHERE talk_id = ?", talk["id"])}
        if len(query(bot.db_path, "SELECT 1 FROM voice_presence")) == 2 else None, what="both stays")
    assert stays[MODERATOR_ID] is None and stays[MEMBER_ID] is not None


async def test_members_sitting_in_the_stage_since_before_the_window_are_seen_as_it_opens(fake, bot):
    voice = GUILD_ID + 50
    fake.add_channel(GUILD_ID, FakeChannel(id=voice, name="talks-voice", type=GUILD_VOICE))
    fake.join_voice(GUILD_ID, MEMBER_ID, voice)  # long before the talk: outside its window, nothing kept
    await run(fake, "announce-settings", "events", MODERATOR_ID, enabled=True, channel=voice)
    assert query(bot.db_path, "SELECT * FROM voice_presence") == []
    talk = await talk_in_a_minute(fake, bot, "en")
    # Its window (from 15 minutes before the start) is open already: the channel is read at once, the member
    # counted from the start though they never moved (review r23c: before, only a host starting the stage did).
    [stay] = await eventually(lambda: query(bot.db_path, "SELECT user_id, joined_at_ms FROM voice_presence"),
                              what="the member's stay")
    assert stay == {"user_id": MEMBER_ID, "joined_at_ms": talk["starts_at_ms"]}
    event_id = await eventually(lambda: query(bot.db_path, "SELECT event_id FROM talks WHERE id = ?",
                                              talk["id"])[0]["event_id"], what="the talk's event")
    bot.advance_clock(60)  # the talk begins; the member never moved
    fake.edit_event_as_moderator(event_id, status=2)  # the speaker (the owner) starts the stage: read again
    fake.join_voice(GUILD_ID, MODERATOR_ID, voice)  # seen after the event's change was handled
    await eventually(lambda: len(query(bot.db_path, "SELECT * FROM voice_presence")) == 2, what="both stays")
    assert query(bot.db_path, "SELECT joined_at_ms FROM voice_presence WHERE user_id = ?",
                 MEMBER_ID) == [{"joined_at_ms": talk["starts_at_ms"]}]


async def test_a_bot_already_in_the_channel_when_podium_connects_is_not_counted(fake, bot):
    """Nextcord keeps none of the members a GUILD_CREATE lists (no members intent): the bots among them are noted."""
    voice, music_bot = GUILD_ID + 50, 870_000_000_000_000_078
    fake.guilds[GUILD_ID].members.append(FakeMember(id=music_bot, username="jukebox", bot=True))
    fake.add_channel(GUILD_ID, FakeChannel(id=voice, name="talks-voice", type=GUILD_VOICE))
    await run(fake, "announce-settings", "events", MODERATOR_ID, enabled=True, channel=voice)
    await bot.stop()
    fake.join_voice(GUILD_ID, music_bot, voice)
    fake.join_voice(GUILD_ID, MEMBER_ID, voice)
    await bot.start()
    await talk_in_a_minute(fake, bot, "en")  # its window is open: the channel is read at once
    stays = await eventually(lambda: query(bot.db_path, "SELECT user_id FROM voice_presence"), what="the stays")
    assert [s["user_id"] for s in stays] == [MEMBER_ID]
