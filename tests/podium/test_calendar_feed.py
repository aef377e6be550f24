"""Calendar feeds: valid iCalendar that calendar apps keep in step with the talks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from podium.audience import Audience
from podium.calendar_feed import CANCELLED_KEPT, Calendars, build_calendar, feed_links
from podium.delivery.outbox import Outbox
from podium.people import People
from podium.talks import Actor, TalkService, default_hooks
from tests import factories

GUILD, SPEAKER = factories.GUILD, factories.SPEAKER


def events(body: bytes) -> dict[str, dict]:
    """VEVENTs by UID, parsed by icalendar; the strict RFC 5545 parser (ical) must accept the whole feed too."""
    IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))
    found = {}
    for event in Calendar.from_ical(body).walk("VEVENT"):
        found[str(event["UID"])] = {key: event.get(key) for key in event}
    return found


@pytest.fixture
def talks(db, clock):
    outbox = Outbox(db)
    return TalkService(db, outbox, clock, default_hooks(outbox))


async def test_a_feed_names_speakers_follows_changes_and_keeps_cancelled_talks(db, clock, talks):
    calendars = Calendars(db, clock)
    start = clock.now() + timedelta(days=2)
    kept = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust; \"quotes\", commas",
                           starts_at=start, speaker_name="Ada Lovelace")
    dropped = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Go",
                              starts_at=start + timedelta(hours=2), speaker_name="Ada Lovelace")
    feed = await calendars.feed(await calendars.token(GUILD))
    first = await calendars.body(feed, name="Guild talks")
    assert first is await calendars.body(feed, name="Guild talks")  # cached until something changes
    before = events(first.body)
    event = before[f"talk-{kept.id}-{GUILD}@podium"]
    assert str(event["SUMMARY"]) == 'Rust; "quotes", commas'
    assert "Ada Lovelace" in str(event["DESCRIPTION"]) and str(SPEAKER) not in str(event["DESCRIPTION"])
    assert (int(event["SEQUENCE"]), str(event["STATUS"])) == (0, "CONFIRMED")
    assert event["DTSTART"].dt == start and event["DTEND"].dt == start + timedelta(minutes=30)
    assert "DTSTAMP" in event and "LAST-MODIFIED" in event

    clock.advance(60)
    await talks.reschedule(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=kept.id, starts_at=start + timedelta(days=1))
    await talks.cancel(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=dropped.id)
    second = await calendars.body(feed, name="Guild talks")
    assert second.etag != first.etag
    after = events(second.body)
    moved = after[f"talk-{kept.id}-{GUILD}@podium"]  # the same UID: calendars update, not duplicate
    assert int(moved["SEQUENCE"]) == 1 and moved["DTSTART"].dt == start + timedelta(days=1)
    gone = after[f"talk-{dropped.id}-{GUILD}@podium"]
    assert (str(gone["STATUS"]), int(gone["SEQUENCE"])) == ("CANCELLED", 1)

    clock.advance(CANCELLED_KEPT + timedelta(days=1))  # long after: the cancelled one is no longer served
    assert f"talk-{dropped.id}-{GUILD}@podium" not in events((await calendars.body(feed, name="x")).body)


async def test_tokens_are_unguessable_rotate_and_stay_apart(db, clock):
    calendars = Calendars(db, clock)
    guild_token = await calendars.token(GUILD)
    member_token = await calendars.token(GUILD, SPEAKER)
    assert len(guild_token) >= 32 and guild_token != member_token  # 24 random bytes: 192 bits
    assert await calendars.token(GUILD) == guild_token
    rotated = await calendars.token(GUILD, rotate=True)
    assert rotated != guild_token
    assert await calendars.feed(guild_token) is None  # the old link: 404
    assert (await calendars.feed(rotated)).user_id is None
    assert (await calendars.feed(member_token)).user_id == SPEAKER


async def test_a_member_feed_holds_their_own_talks_and_goes_with_forget_me(db, clock, talks):
    calendars = Calendars(db, clock)
    start = clock.now() + timedelta(days=1)
    mine = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Mine", starts_at=start)
    await talks.add(guild_id=GUILD, actor=Actor(7), speaker_id=7, topic="Theirs", starts_at=start + timedelta(hours=3))
    token = await calendars.token(GUILD, SPEAKER)
    feed = await calendars.feed(token)
    assert list(events((await calendars.body(feed, name="Mine")).body)) == [f"talk-{mine.id}-{GUILD}@podium"]
    people = People(db, Outbox(db), clock, calendars=calendars)
    await people.forget(SPEAKER)
    assert await calendars.feed(token) is None


async def test_a_member_feed_holds_the_talks_they_asked_to_be_reminded_of(db, clock, talks):
    calendars = Calendars(db, clock)
    audience = Audience(db, Outbox(db), clock)
    start = clock.now() + timedelta(days=1)
    theirs = await talks.add(guild_id=GUILD, actor=Actor(7), speaker_id=7, topic="Theirs", starts_at=start)
    await talks.add(guild_id=GUILD, actor=Actor(8), speaker_id=8, topic="Other", starts_at=start + timedelta(hours=3))
    feed = await calendars.feed(await calendars.token(GUILD, SPEAKER))
    empty = await calendars.body(feed, name="Mine")
    assert events(empty.body) == {}
    await audience.join(talk_id=theirs.id, user_id=SPEAKER, guild_id=GUILD)
    joined = await calendars.body(feed, name="Mine")
    assert list(events(joined.body)) == [f"talk-{theirs.id}-{GUILD}@podium"] and joined.etag != empty.etag
    await audience.leave(talk_id=theirs.id, user_id=SPEAKER, guild_id=GUILD)
    assert events((await calendars.body(feed, name="Mine")).body) == {}


def test_links_need_a_public_url():
    assert feed_links(None, "abc") is None
    assert feed_links("https://podium.example.org", "abc") == (
        "https://podium.example.org/calendar/abc.ics", "webcal://podium.example.org/calendar/abc.ics")


def test_an_empty_calendar_is_valid(clock):
    body = build_calendar([], name="Nothing yet", now=clock.now())
    IcsCalendarStream.calendar_from_ics(body.decode())
    assert b"X-WR-CALNAME:Nothing yet" in body


async def test_a_feed_is_written_in_its_members_language_else_the_servers(db, clock, talks):
    from podium.calendar_feed import SERVER_FEED_NAME
    from podium.errors import Text
    from podium.guild_settings import GuildSettingsService
    from podium.people import People

    calendars = Calendars(db, clock)
    await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                    starts_at=clock.now() + timedelta(days=2))
    feed = await calendars.feed(await calendars.token(GUILD))
    name = Text(SERVER_FEED_NAME, {"server": "Rustaceans"})
    english = await calendars.body(feed, name=name)
    assert b"X-WR-CALNAME:Rustaceans talks" in english.body and b"Speaker: a member" in english.body
    # The server's Discord language is German: the server's feed follows it (and is built again).
    await GuildSettingsService(db, Outbox(db), clock).remember_name(GUILD, "Rustaceans", "de")
    german = await calendars.body(feed, name=name)
    assert german.etag != english.etag
    assert "X-WR-CALNAME:Vorträge auf dem Server Rustaceans" in german.body.decode()
    assert "Vortrag von einem Mitglied" in german.body.decode()
    # A member's own feed follows the language they use Podium in.
    await People(db, Outbox(db), clock).remember_locale(SPEAKER, "en-US")
    mine = await calendars.feed(await calendars.token(GUILD, SPEAKER))
    assert b"Speaker: a member" in (await calendars.body(mine, name="Mine")).body


async def test_feed_bodies_in_memory_go_with_their_feeds(db, clock, talks):
    """A feed deleted by any path (forget-me deletes a member's) is not kept in memory for the process's life."""
    calendars = Calendars(db, clock)
    await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                    starts_at=clock.now() + timedelta(days=1))
    member = await calendars.token(GUILD, SPEAKER)
    server = await calendars.token(GUILD)
    assert await calendars.warm_up(lambda feed: "Feed") == 2
    assert set(calendars._cache) == {member, server}
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM calendar_feeds WHERE token = ?", (member,))
    assert await calendars.warm_up(lambda feed: "Feed") == 1
    assert set(calendars._cache) == {server}


def count_queries(db, monkeypatch):
    """Counts every query `db` is asked to run, through any of its doors."""
    counted = []
    for name in ("fetchone", "fetchall", "fetchval", "fetchrow", "transaction"):
        real = getattr(db, name)

        def counting(*args, _real=real, _name=name, **kwargs):
            counted.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(db, name, counting)
    return counted


async def test_an_unknown_tokens_second_request_does_not_touch_the_database(db, clock, monkeypatch):
    calendars = Calendars(db, clock)
    counted = count_queries(db, monkeypatch)
    assert await calendars.feed("no-such-token") is None
    assert len(counted) == 1
    assert await calendars.feed("no-such-token") is None
    assert len(counted) == 1


async def test_unknown_tokens_are_remembered_for_a_bounded_time_and_number(db, clock, monkeypatch):
    ticks = [0.0]
    calendars = Calendars(db, clock, monotonic=lambda: ticks[0])
    monkeypatch.setattr("podium.calendar_feed.UNKNOWN_KEPT", 3)
    counted = count_queries(db, monkeypatch)
    for token in ("a", "b", "c", "d"):
        await calendars.feed(token)
    assert len(calendars._unknown) == 3
    await calendars.feed("a")  # the oldest was forgotten: asked again
    assert len(counted) == 5
    ticks[0] += 601
    await calendars.feed("d")  # remembered 10 minutes, then asked again
    assert len(counted) == 6


async def test_a_token_made_after_a_404_for_it_is_served_at_once(db, clock, monkeypatch):
    calendars = Calendars(db, clock)
    tokens = iter(["guessed-then-made", "rotated-to-this"])
    monkeypatch.setattr(Calendars, "new_token", staticmethod(lambda: next(tokens)))
    assert await calendars.feed("guessed-then-made") is None
    assert await calendars.feed("rotated-to-this") is None
    assert await calendars.token(GUILD) == "guessed-then-made"
    assert (await calendars.feed("guessed-then-made")).guild_id == GUILD
    assert await calendars.token(GUILD, rotate=True) == "rotated-to-this"
    assert (await calendars.feed("rotated-to-this")).guild_id == GUILD
    assert await calendars.feed("guessed-then-made") is None
