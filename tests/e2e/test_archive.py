"""Issue 24 §3, the archive, through the real bot process and the fake Discord, in English and German: links of a
talk (set, refused, cleared, the thread's one post edited), /schedule past (paging, search), /schedule info of a
past talk, a speaker's record for moderators.
"""

import time

import pytest

from podium.posts import EDIT_HOLD
from tests import factories
from tests.e2e.commands import SPEAKER, add_talk, edited, invoke, run, sent_file
from tests.e2e.dbcheck import execute, query
from tests.fake_discord import EPHEMERAL_FLAG, GENERAL_CHANNEL_ID, GUILD_ID, MEMBER_ID, MODERATOR_ID
from tests.icsparse import strict_parse, unescape_text

SLIDES, RECORDING = "https://example.org/rust-slides.pdf", "https://video.example.org/watch?v=42"
WORDS = {
    "en": {"saved": "📎 Links of **Intro to Rust** saved:", "thread": "The talk's thread shows them",
           "slides": "Slides", "recording": "Recording",
           "bad": "A link starts with https://", "example": "slides:https://example.org/slides.pdf",
           "none": "has no links now", "post": "📎 Slides and recording of",
           "down": "were taken down", "past": "Past talks", "page": "Page 1/2 · 12 talks", "done": "done",
           "given": "2 talks given", "moderators": "Only moderators", "no_match": "No past talk matches"},
    "de": {"saved": "📎 Links zu **Intro to Rust** gespeichert:", "thread": "Der Thread des Vortrags zeigt sie",
           "slides": "Folien", "recording": "Aufzeichnung",
           "bad": "Ein Link beginnt mit https://", "example": "slides:https://example.org/folien.pdf",
           "none": "hat jetzt keine Links mehr",
           "post": "📎 Folien und Aufzeichnung von", "down": "wurden entfernt", "past": "Vergangene Vorträge",
           "page": "Seite 1/2 · 12 Vorträge", "done": "vorbei", "given": "2 Vorträge gehalten",
           "moderators": "Nur die Moderation", "no_match": "Kein vergangener Vortrag passt"},
}
LOCALES = {"en": "en-US", "de": "de"}


@pytest.fixture
def bot(clocked_bot):
    return clocked_bot


def links_of(bot, talk_id):
    [row] = query(bot.db_path, "SELECT slides_url, recording_url FROM talks WHERE id = ?", talk_id)
    return row["slides_url"], row["recording_url"]


@pytest.mark.parametrize("language", ["en", "de"])
async def test_links_after_the_talk_are_posted_once_in_its_thread_and_edited_when_they_change(language, fake, bot):
    words, locale = WORDS[language], LOCALES[language]
    await run(fake, "announce-settings", "language", MODERATOR_ID, language=language)
    talk = await add_talk(fake, bot, 3600, topic="Intro to Rust")
    bot.advance_clock(2 * 3600)  # the talk took place

    # A bad link: refused privately with a valid example, nothing stored.
    _, refused = await run(fake, "schedule", "links", SPEAKER, locale=locale, private=True, talk=str(talk["id"]),
                           slides="javascript:alert(1)")
    # The example is in the reader's language (review r23f), and works when typed back.
    assert words["bad"] in refused and words["example"] in refused
    assert links_of(bot, talk["id"]) == (None, None)
    # Someone else's talk: the one rule refuses.
    _, refused = await run(fake, "schedule", "links", MEMBER_ID, locale=locale, private=True, talk=str(talk["id"]),
                           slides=SLIDES)
    assert links_of(bot, talk["id"]) == (None, None) and "📎" not in refused

    _, saved = await run(fake, "schedule", "links", SPEAKER, locale=locale, private=True, talk=str(talk["id"]),
                         slides=SLIDES)
    assert saved.startswith(words["saved"]) and f"{words['slides']}: <{SLIDES}>" in saved and words["thread"] in saved
    assert links_of(bot, talk["id"]) == (SLIDES, None)
    post = await fake.wait_for_message(lambda m: m.content.startswith(words["post"]), timeout=15)
    assert post.channel_id in fake.threads and post.channel_id != GENERAL_CHANNEL_ID  # the talk's thread
    assert f"<{SLIDES}>" in post.content and f"<@{SPEAKER}>" in post.content and post.mention_user_ids == []

    # A moderator adds the recording with previews: the same post is edited, not posted again.
    await run(fake, "schedule", "links", MODERATOR_ID, locale=locale, talk=str(talk["id"]), recording=RECORDING,
              embed=True)
    bot.advance_clock(EDIT_HOLD.total_seconds())
    body = await edited(fake, post, 1)
    assert f"{words['recording']}: {RECORDING}" in body["content"] and f"<{RECORDING}>" not in body["content"]
    # Both cleared with "-": the post says so.
    _, cleared = await run(fake, "schedule", "links", SPEAKER, locale=locale, talk=str(talk["id"]), slides="-",
                           recording="-")
    assert words["none"] in cleared
    assert links_of(bot, talk["id"]) == (None, None)
    bot.advance_clock(EDIT_HOLD.total_seconds())
    body = await edited(fake, post, 2)
    assert words["down"] in body["content"] and "https://" not in body["content"]
    assert len([m for m in fake.messages if m.channel_id == post.channel_id and "📎" in m.content]) == 1


def add_past_talks(bot, count):
    """`count` talks that took place, one a day back from yesterday (topic "Talk NN", NN = days ago)."""
    now_ms = int(time.time() * 1000) + int(bot.clock_shift * 1000)
    ids = []
    for day in range(1, count + 1):
        speaker = SPEAKER if day <= 2 else MEMBER_ID
        ids.append(factories.add_talk_row(
            bot.db_path, guild_id=GUILD_ID, speaker_id=speaker, speaker_name="Ann" if speaker == SPEAKER else "Bo",
            topic=f"Talk {day:02d}" + (" on Rust" if day % 5 == 0 else ""), state="done",
            starts_at_ms=now_ms - day * 86_400_000, slides_url=SLIDES if day == 1 else None))
    return ids


@pytest.mark.parametrize("language", ["en", "de"])
async def test_past_talks_newest_first_paged_and_searched(language, fake, bot):
    words, locale = WORDS[language], LOCALES[language]
    add_past_talks(bot, 12)
    interaction, response = await invoke(fake, "schedule", "past", MEMBER_ID, locale=locale)
    assert response["data"]["flags"] & EPHEMERAL_FLAG  # a search is the member's own
    [embed] = response["data"]["embeds"]
    assert embed["title"] == words["past"] and embed["footer"]["text"] == words["page"]
    lines = embed["description"].split("\n")
    assert len(lines) == 10 and "Talk 01" in lines[0] and "Talk 10" in lines[9]  # newest first
    assert f"[{words['slides']}]({SLIDES})" in lines[0] and f"<@{SPEAKER}>" in lines[0]
    next_id = next(c for c in interaction.original.custom_ids if ":N" in c)
    page = await fake.invoke_component(message_id=interaction.original.id, custom_id=next_id, user_id=MEMBER_ID,
                                       locale=locale)
    turned = await fake.wait_for_response(page)
    assert turned["type"] == 7  # the member's own answer, turned in place
    assert [line.split(" — ")[1][:9] for line in turned["data"]["embeds"][0]["description"].split("\n")] == [
        "**Talk 11", "**Talk 12"]

    _, response = await invoke(fake, "schedule", "past", MEMBER_ID, locale=locale, query="rust")
    found = response["data"]["embeds"][0]["description"]
    assert "Talk 05" in found and "Talk 10" in found and found.count("\n") == 1
    _, response = await invoke(fake, "schedule", "past", MEMBER_ID, locale=locale, speaker=SPEAKER)
    found = response["data"]["embeds"][0]["description"]
    assert "Talk 01" in found and "Talk 02" in found and found.count("\n") == 1
    _, response = await invoke(fake, "schedule", "past", MEMBER_ID, locale=locale, query="nothing like it")
    assert response["data"]["embeds"][0]["description"].startswith(words["no_match"])


async def test_a_long_search_keeps_its_words_across_pages(fake, bot):
    for day in range(1, 13):
        factories.add_talk_row(bot.db_path, guild_id=GUILD_ID, topic=f"Rust: ownership, part {day:02d}",
                               state="done", starts_at_ms=int(time.time() * 1000) - day * 86_400_000)
    interaction, _ = await invoke(fake, "schedule", "past", MEMBER_ID, query="rust: ownership")
    next_id = next(c for c in interaction.original.custom_ids if ":N" in c)
    page = await fake.invoke_component(message_id=interaction.original.id, custom_id=next_id, user_id=MEMBER_ID)
    turned = (await fake.wait_for_response(page))["data"]["embeds"][0]
    assert "Page 2/2 · 12 talks" in turned["footer"]["text"] and "part 11" in turned["description"]


@pytest.mark.parametrize("language", ["en", "de"])
async def test_info_of_a_past_talk_shows_its_facts_and_links_and_autocomplete_offers_it(language, fake, bot):
    words, locale = WORDS[language], LOCALES[language]
    [talk_id] = add_past_talks(bot, 1)
    options = [{"type": 1, "name": "info", "options": [{"type": 3, "name": "talk", "value": "talk 01",
                                                          "focused": True}]}]
    offered = await fake.invoke_autocomplete(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MEMBER_ID,
                                             name="schedule", options=options)
    [choice] = (await fake.wait_for_response(offered))["data"]["choices"]
    assert choice["value"] == str(talk_id)
    _, content = await run(fake, "schedule", "info", MEMBER_ID, locale=locale, private=True, talk=str(talk_id))
    assert f", {words['done']})" in content.split("\n")[0] and f"<@{SPEAKER}>" in content
    assert f"📎 {words['slides']}: <{SLIDES}>" in content


@pytest.mark.parametrize("language", ["en", "de"])
async def test_a_speakers_record_is_shown_to_moderators_only(language, fake, bot):
    words, locale = WORDS[language], LOCALES[language]
    ids = add_past_talks(bot, 3)
    execute(bot.db_path, "INSERT INTO feedback_votes (talk_id, user_id, stars, created_at_ms, updated_at_ms)"
                         " VALUES (?, ?, 5, 0, 0)", ids[0], MEMBER_ID)
    _, refused = await run(fake, "schedule", "stats", MEMBER_ID, locale=locale, private=True, speaker=SPEAKER)
    assert "🎤" not in refused and words["moderators"] in refused
    _, record = await run(fake, "schedule", "stats", MODERATOR_ID, locale=locale, private=True, speaker=SPEAKER)
    assert words["given"] in record and "5 ★" in record and "**Talk 01**" in record


async def test_export_carries_an_upcoming_talks_links(fake, bot):
    talk = await add_talk(fake, bot, 2 * 86400, topic="Intro to Rust")
    await run(fake, "schedule", "links", SPEAKER, talk=str(talk["id"]), slides=SLIDES, recording=RECORDING)
    interaction, _ = await run(fake, "schedule", "export", MEMBER_ID)
    name, data = sent_file(fake, interaction)
    lines = strict_parse(data)
    assert name == "podium-talks.ics"
    assert [value for key, _, value in lines if key == "ATTACH"] == [SLIDES, RECORDING]
    [description] = [unescape_text(value) for key, _, value in lines if key == "DESCRIPTION"]
    assert f"Slides: {SLIDES}" in description and f"Recording: {RECORDING}" in description


async def test_info_of_a_talk_just_over_offers_no_remind_me(fake, bot):
    # Over, not yet marked done by the hourly housekeeping: already past, so no 🔔 Remind me to click in vain.
    talk_id = factories.add_talk_row(bot.db_path, guild_id=GUILD_ID, topic="Just over",
                                     starts_at_ms=int(time.time() * 1000) - 40 * 60_000)
    interaction, content = await run(fake, "schedule", "info", MEMBER_ID, private=True, talk=str(talk_id))
    assert "**Just over**" in content
    assert interaction.original is not None and not interaction.original.custom_ids


async def test_without_an_announcement_channel_or_thread_no_post_is_promised(fake, bot_factory):
    bot = bot_factory()
    await bot.start()
    talk = await add_talk(fake, bot, 2 * 86400, topic="Intro to Rust")
    _, saved = await run(fake, "schedule", "links", SPEAKER, talk=str(talk["id"]), slides=SLIDES)
    assert saved.startswith(WORDS["en"]["saved"]) and WORDS["en"]["thread"] not in saved


async def test_a_past_talks_feedback_in_info_comes_before_its_description_quote(fake, bot):
    # The description is a block quote running to the end of the reply: a section after it would be quoted too.
    talk_id = factories.add_talk_row(bot.db_path, guild_id=GUILD_ID, topic="Quoted", state="done",
                                     description="What it was about", slides_url=SLIDES,
                                     starts_at_ms=int(time.time() * 1000) - 86_400_000)
    execute(bot.db_path, "INSERT INTO feedback_votes (talk_id, user_id, stars, created_at_ms, updated_at_ms)"
                         " VALUES (?, ?, 4, 0, 0)", talk_id, MEMBER_ID)
    _, content = await run(fake, "schedule", "info", MODERATOR_ID, private=True, talk=str(talk_id))
    assert content.index(f"📎 Slides: <{SLIDES}>") < content.index("**Feedback**") < content.index(">>> What it was")
