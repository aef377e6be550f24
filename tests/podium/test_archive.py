"""The archive (issue 24 §3): links of a talk and their thread post, past talks, what info shows of them."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from podium import archive, housekeeping, i18n, posts
from podium.archive import LINKS_POST, Archive
from podium.calendar_feed import build_calendar
from podium.clock import to_ms
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox
from podium.delivery.pacing import Pacer
from podium.talk_model import LINK_MAX, TalkError, validate_link
from podium.talks import Actor, TalkService, composed_hooks
from tests import factories
from tests.doubles import ScriptedTransport
from tests.icsparse import strict_parse, unescape_text

GUILD, SPEAKER, OTHER, ANNOUNCE = factories.GUILD, factories.SPEAKER, 43, 200
MODERATOR = Actor(99, is_moderator=True)
SLIDES, RECORDING = "https://example.org/slides.pdf", "https://video.example.org/watch?v=1&t=2"


# -- the rules of a link --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [SLIDES, RECORDING, "http://example.org", "https://ex.org/a_(b)", "  https://x.y/z  ",
                                 "HTTPS://EXAMPLE.ORG/", "https://example.org/" + "a" * (LINK_MAX - 20)])
def test_an_http_link_is_taken_as_typed_without_surrounding_space(url):
    assert validate_link(url) == url.strip()


def test_a_dash_clears_the_link():
    assert validate_link(" - ") is None


@pytest.mark.parametrize(("url", "why"), [
    ("javascript:alert(1)", "starts with https://"),
    ("ftp://example.org/slides", "starts with https://"),
    ("example.org/slides", "starts with https://"),
    ("https://", "starts with https://"),
    ("https://example.org/my slides.pdf", "spaces"),
    ("https://example.org/\x07", "invisible"),
    ("https://example.org/\u200b".replace("\u200b", "\x7f"), "invisible"),
    ("https://example.org/<b>", "angle brackets"),
    ('https://example.org/"x"', "quotes"),
    ("", "spaces"),
    ("https://example.org/" + "a" * LINK_MAX, "the most is 512"),
])
def test_a_bad_link_is_refused_with_a_valid_example(url, why):
    with pytest.raises(TalkError) as refused:
        validate_link(url)
    text = refused.value.text_for(i18n.ENGLISH)
    assert why in text and "slides:https://example.org/slides.pdf" in text


# -- setting links ------------------------------------------------------------------------------------------------


async def _world(db, clock):
    outbox = Outbox(db)
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE)
    talks = TalkService(db, outbox, clock, composed_hooks(outbox))
    transport = ScriptedTransport(clock)
    dispatcher = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000), rng=random.Random(1))
    return outbox, talks, transport, dispatcher


async def _past_talk(talks, clock, topic="Rust"):
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic=topic,
                           starts_at=clock.now() + timedelta(hours=1))
    clock.advance(timedelta(hours=2))
    return talk


async def _links_rows(db):
    return [dict(r) for r in await db.fetchall(
        "SELECT id, state, target_type, talk_id FROM outbox WHERE kind = ? ORDER BY id", (LINKS_POST.name,))]


async def _deliver(dispatcher, clock, kind):
    return [await dispatcher.deliver(r) for r in await dispatcher.outbox.claim_due(clock.now(), 100) if r.kind == kind]


async def test_the_speaker_adds_links_to_a_past_talk_and_its_thread_gets_one_post(db, clock):
    _, talks, transport, dispatcher = await _world(db, clock)
    talk = await _past_talk(talks, clock)
    await housekeeping.tidy(db, Outbox(db), clock.now())  # marked done: links go to a done talk too
    before, after = await talks.set_links(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id, slides=SLIDES,
                                          recording=RECORDING)
    assert before.state == "done" and (after.slides_url, after.recording_url) == (SLIDES, RECORDING)
    assert after.sequence == before.sequence + 1  # a new version for calendars and the posts' last look
    [row] = await _links_rows(db)
    assert (row["state"], row["target_type"], row["talk_id"]) == ("pending", "thread", talk.id)
    [outcome] = await _deliver(dispatcher, clock, LINKS_POST.name)
    assert outcome.state == "sent" and outcome.via == "thread"
    [post] = [c for c in transport.posts() if "📎" in c[2]["content"]]
    assert post[1] == outcome.channel_id != ANNOUNCE  # the talk's thread
    content = post[2]["content"]
    assert f"Slides: <{SLIDES}>" in content and f"Recording: <{RECORDING}>" in content  # no previews
    assert post[2]["allowed_mentions"]["users"] == [] and f"<@{SPEAKER}>" in content  # named, never pinged


async def test_changed_links_edit_the_post_instead_of_posting_again(db, clock):
    _, talks, transport, dispatcher = await _world(db, clock)
    talk = await _past_talk(talks, clock)
    await talks.set_links(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id, slides=SLIDES)
    # Changed while it waits: the one row goes with the newest links.
    await talks.set_links(guild_id=GUILD, actor=MODERATOR, talk_id=talk.id, recording=RECORDING)
    assert len(await _links_rows(db)) == 1
    [outcome] = await _deliver(dispatcher, clock, LINKS_POST.name)
    posted = [c for c in transport.posts() if "📎" in c[2]["content"]]
    assert len(posted) == 1 and RECORDING in posted[0][2]["content"]
    await talks.set_links(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id, slides="https://example.org/v2",
                          embed=True)
    # Only the links post is edited (no edit of the talk's other posts, nor a second post).
    edits = [dict(r) for r in await db.fetchall(
        "SELECT json_extract(payload, '$.post') AS post FROM outbox WHERE kind = ? AND state = 'pending'",
        (posts.POST_UPDATE.name,))]
    assert edits == [{"post": LINKS_POST.name}]
    clock.advance(posts.EDIT_HOLD)
    await _deliver(dispatcher, clock, posts.POST_UPDATE.name)
    [edit] = [c[3] for c in transport.calls if c[0] == "edit" and c[2] == outcome.message_id]
    assert "Slides: https://example.org/v2" in edit["content"]  # embed:true: a bare link Discord previews
    assert len([c for c in transport.posts() if "📎" in c[2]["content"]]) == 1
    await talks.set_links(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id, slides="-", recording="-")
    clock.advance(posts.EDIT_HOLD)
    await _deliver(dispatcher, clock, posts.POST_UPDATE.name)
    last = [c[3] for c in transport.calls if c[0] == "edit" and c[2] == outcome.message_id][-1]
    assert "taken down" in last["content"] and "https://" not in last["content"]


async def test_links_removed_before_the_post_went_withdraw_it(db, clock):
    _, talks, _, _ = await _world(db, clock)
    talk = await _past_talk(talks, clock)
    await talks.set_links(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id, slides=SLIDES)
    await talks.set_links(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id, slides="-")
    assert [r["state"] for r in await _links_rows(db)] == ["cancelled"]


async def test_a_moved_or_cancelled_talk_edits_its_links_post_too(db, clock):
    _, talks, transport, dispatcher = await _world(db, clock)
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(days=2))
    await talks.set_links(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id, slides=SLIDES)
    [outcome] = await _deliver(dispatcher, clock, LINKS_POST.name)
    await talks.cancel(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id)
    clock.advance(posts.EDIT_HOLD)
    await _deliver(dispatcher, clock, posts.POST_UPDATE.name)
    [edit] = [c[3] for c in transport.calls if c[0] == "edit" and c[2] == outcome.message_id]
    assert edit["content"].startswith("🚫 ~~") and "cancelled" in edit["content"]


@pytest.mark.parametrize(("actor", "change", "refusal"), [
    (Actor(OTHER), {"slides": SLIDES}, "Only the speaker or a moderator"),
    (Actor(SPEAKER), {"slides": "www.example.org"}, "starts with https://"),
    (Actor(SPEAKER), {}, "Give a link to set"),
    (Actor(SPEAKER), {"slides": SLIDES, "talk_id": 10**9}, "can't find that talk"),
])
async def test_a_refused_change_stores_nothing(db, clock, actor, change, refusal):
    _, talks, _, _ = await _world(db, clock)
    talk = await _past_talk(talks, clock)
    with pytest.raises(TalkError) as refused:
        await talks.set_links(guild_id=GUILD, actor=actor, **{"talk_id": talk.id, **change})
    assert refusal in refused.value.text_for(i18n.ENGLISH)
    row = await db.fetchrow("SELECT slides_url, recording_url, sequence FROM talks WHERE id = ?", (talk.id,))
    assert (row["slides_url"], row["recording_url"], row["sequence"]) == (None, None, talk.sequence)
    assert await _links_rows(db) == []


async def test_a_cancelled_talk_takes_no_links_and_the_same_links_change_nothing(db, clock):
    _, talks, _, _ = await _world(db, clock)
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(days=1))
    await talks.set_links(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id, slides=SLIDES)
    with pytest.raises(TalkError, match="already has those links"):
        await talks.set_links(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id, slides=f" {SLIDES} ")
    await talks.cancel(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id)
    with pytest.raises(TalkError, match="cancelled"):
        await talks.set_links(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id, recording=RECORDING)


# -- past talks ---------------------------------------------------------------------------------------------------


async def test_past_talks_newest_first_matched_on_topic_or_speaker_and_never_the_cancelled_or_upcoming(db, clock):
    now = clock.now()
    ids = {}
    for days, topic, speaker, name, state in [
        (30, "Intro to Rust", SPEAKER, "Ann", "done"),
        (20, "Go generics", OTHER, "Bo", "done"),
        (10, "Rust macros", OTHER, "Bo", "cancelled"),
        (5, "Zig", SPEAKER, "Ann", "done"),
    ]:
        ids[topic] = await factories.add_talk(db, topic=topic, speaker_id=speaker, speaker_name=name, state=state,
                                              starts_at=now - timedelta(days=days))
    # Over but not yet marked done by the hourly housekeeping: past already. Under way or ahead: not.
    ids["just over"] = await factories.add_talk(db, topic="Just over", starts_at=now - timedelta(minutes=31))
    await factories.add_talk(db, topic="Under way", starts_at=now - timedelta(minutes=10))
    await factories.add_talk(db, topic="Ahead", starts_at=now + timedelta(days=1))
    await factories.add_talk(db, guild_id=GUILD + 1, topic="Another server's Rust", starts_at=now - timedelta(days=1))
    found = Archive(db, Outbox(db), clock)

    async def topics(**search):
        talks, total = await found.past(GUILD, **search)
        assert total == len(talks)
        return [t.topic for t in talks]

    assert await topics() == ["Just over", "Zig", "Go generics", "Intro to Rust"]
    assert await topics(query="RUST") == ["Intro to Rust"]
    assert await topics(query="bo") == ["Go generics"]  # the speaker's name
    assert await topics(speaker_id=SPEAKER) == ["Just over", "Zig", "Intro to Rust"]
    assert await topics(speaker_id=SPEAKER, query="zig") == ["Zig"]
    page, total = await found.past(GUILD, limit=2, offset=2)
    assert [t.topic for t in page] == ["Go generics", "Intro to Rust"] and total == 4


async def test_the_past_is_matched_ignoring_case_in_every_script(db, clock):
    # SQLite's lower() folds ASCII only; the search folds like the web page's (db.fold): "über" finds "Über",
    # a decomposed "ü" the composed one, "STRASSE" "Straße".
    now = clock.now()
    await factories.add_talk(db, topic="Über Ownership", speaker_name="Özlem", starts_at=now - timedelta(days=3))
    await factories.add_talk(db, topic="Die Straße", speaker_name="Bo", starts_at=now - timedelta(days=2))
    found = Archive(db, Outbox(db), clock)
    for query, topic in [("über", "Über Ownership"), ("u\u0308ber", "Über Ownership"), ("özlem", "Über Ownership"),
                         ("STRASSE", "Die Straße")]:
        talks, total = await found.past(GUILD, query=query)
        assert [t.topic for t in talks] == [topic] and total == 1, query


async def test_the_talk_autocompletes_match_ignoring_case_in_every_script_too(db, clock):
    # /schedule info, edit, cancel (TalkService.search) and /schedule links (Archive.linkable) autocomplete as the
    # archive searches: "über" finds "Über Ownership" while typing, as "rust" finds "Rust".
    now = clock.now()
    upcoming = await factories.add_talk(db, topic="Über Ownership", starts_at=now + timedelta(days=3))
    past = await factories.add_talk(db, topic="Über Lifetimes", starts_at=now - timedelta(days=3))
    talks = TalkService(db, Outbox(db), clock, composed_hooks(Outbox(db)))
    found = await talks.search(GUILD, "über", speaker_id=None, viewer=Actor(factories.SPEAKER, is_moderator=True))
    assert [t.id for t in found] == [upcoming]
    linkable = await Archive(db, Outbox(db), clock).linkable(GUILD, "ÜBER", speaker_id=None)
    assert {t.id for t in linkable} == {upcoming, past}


async def test_the_past_is_read_through_an_index_not_a_scan_of_all_talks(db, clock):
    plan = await db.fetchall(
        "EXPLAIN QUERY PLAN SELECT * FROM talks WHERE guild_id = ? AND starts_at_ms <= ? AND state != 'cancelled'"
        " AND starts_at_ms + duration_minutes * 60000 <= ? ORDER BY starts_at_ms DESC, id DESC LIMIT 10",
        (GUILD, 0, 0))
    detail = " ".join(r["detail"] for r in plan)
    assert "talks_by_guild_start" in detail and "SCAN talks" not in detail.replace("USING INDEX", "")


async def test_housekeeping_keeps_past_talks(db, clock):
    talk_id = await factories.add_talk(db, starts_at=clock.now() - timedelta(days=400))
    await housekeeping.tidy(db, Outbox(db), clock.now())
    await housekeeping.tidy(db, Outbox(db), clock.now() + timedelta(days=400))
    assert (await db.fetchrow("SELECT state FROM talks WHERE id = ?", (talk_id,)))["state"] == "done"


# -- /schedule info of a past talk --------------------------------------------------------------------------------


async def test_a_registered_section_shows_for_past_talks_only_and_sees_who_looks(db, clock, monkeypatch):
    monkeypatch.setattr(archive, "_past_sections", list(archive._past_sections))
    seen = []

    @archive.past_talk_section
    async def rating(db_, talk, viewer, t):
        seen.append(viewer.user_id)
        return "⭐ 4.5" if viewer.is_moderator else None

    found = Archive(db, Outbox(db), clock)
    past = factories.talk(starts_at=clock.now() - timedelta(days=1), slides_url=SLIDES)
    upcoming = factories.talk(starts_at=clock.now() + timedelta(days=1), slides_url=SLIDES)
    assert await found.sections(past, MODERATOR, i18n.ENGLISH) == [f"📎 Slides: <{SLIDES}>", "⭐ 4.5"]
    assert await found.sections(past, Actor(OTHER), i18n.ENGLISH) == [f"📎 Slides: <{SLIDES}>"]
    assert await found.sections(upcoming, MODERATOR, i18n.ENGLISH) == [f"📎 Slides: <{SLIDES}>"]
    assert seen == [MODERATOR.user_id, OTHER]  # asked for the past talk only


async def test_a_past_talk_without_links_tells_its_speaker_how_to_add_them_and_nobody_else(db, clock):
    found = Archive(db, Outbox(db), clock)
    past = factories.talk(starts_at=clock.now() - timedelta(days=1), state="done")
    assert "/schedule links" in (await found.sections(past, Actor(SPEAKER), i18n.translator("de")))[0]
    assert await found.sections(past, Actor(OTHER), i18n.ENGLISH) == []


# -- calendars ----------------------------------------------------------------------------------------------------


def test_calendar_files_carry_the_links_in_the_description_and_as_attachments(clock):
    talk = factories.talk(slides_url=SLIDES, recording_url=RECORDING, thread_id=5)
    lines = strict_parse(build_calendar([talk], name="Talks", now=clock.now(), locale="de"))
    [description] = [unescape_text(value) for name, _, value in lines if name == "DESCRIPTION"]
    assert f"Folien: {SLIDES}" in description and f"Aufzeichnung: {RECORDING}" in description
    assert [value for name, _, value in lines if name == "ATTACH"] == [SLIDES, RECORDING]
    plain = strict_parse(build_calendar([factories.talk()], name="Talks", now=clock.now()))
    assert not [name for name, _, _ in plain if name == "ATTACH"]


async def test_a_speakers_record_is_for_moderators(db, clock):
    found = Archive(db, Outbox(db), clock)
    with pytest.raises(TalkError, match="Only moderators"):
        await found.speaker(GUILD, Actor(SPEAKER), SPEAKER)
    now = clock.now()
    await factories.add_talk(db, topic="Old", starts_at=now - timedelta(days=9), state="done")
    await factories.add_talk(db, topic="Last", starts_at=now - timedelta(days=2), state="done")
    await factories.add_talk(db, topic="Dropped", starts_at=now - timedelta(days=1), state="cancelled")
    await factories.add_talk(db, topic="Next", starts_at=now + timedelta(days=2))
    record = await found.speaker(GUILD, MODERATOR, SPEAKER)
    assert (record.given, record.upcoming, record.last and record.last.topic) == (2, 1, "Last")
    assert (record.votes, record.average) == (0, None)
    text = archive.record_text(SPEAKER, record, i18n.translator("de"))
    assert "2 Vorträge gehalten" in text and "noch keine Bewertungen" in text and "**Last**" in text
    assert to_ms(record.last.starts_at) == to_ms(now - timedelta(days=2))


async def test_a_speakers_average_rating_counts_every_vote_on_their_talks_here(db, clock):
    now = clock.now()
    mine = await factories.add_talk(db, topic="Mine", starts_at=now - timedelta(days=3), state="done")
    theirs = await factories.add_talk(db, topic="Theirs", speaker_id=OTHER, starts_at=now - timedelta(days=3),
                                      state="done")
    elsewhere = await factories.add_talk(db, guild_id=GUILD + 1, topic="Elsewhere", starts_at=now - timedelta(days=3),
                                         state="done")
    async with db.transaction() as tx:
        for talk_id, voter, stars in [(mine, 1, 5), (mine, 2, 4), (mine, 3, 4), (theirs, 1, 1), (elsewhere, 1, 1)]:
            await tx.execute("INSERT INTO feedback_votes (talk_id, user_id, stars, created_at_ms, updated_at_ms)"
                             " VALUES (?, ?, ?, 0, 0)", (talk_id, voter, stars))
    record = await Archive(db, Outbox(db), clock).speaker(GUILD, MODERATOR, SPEAKER)
    assert (record.votes, round(record.average or 0, 2)) == (3, 4.33)
    assert "rated 4.3 ★ on average (3 votes)" in archive.record_text(SPEAKER, record)
    assert "4,3 ★" in archive.record_text(SPEAKER, record, i18n.translator("de"))
