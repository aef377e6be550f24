"""📅 Add to calendar: a one-talk .ics and a Google Calendar link, offered on every message that shows a talk."""

from __future__ import annotations

import re
import urllib.parse
from datetime import UTC, datetime, timedelta

import pytest
from ical.calendar_stream import IcsCalendarStream

from podium import audience as audience_module
from podium import components, i18n
from podium.audience import Audience, AudienceError
from podium.calendar_feed import LINK_URL_MAX, google_calendar_url, talk_calendar
from podium.delivery.outbox import Outbox
from podium.delivery.render import RenderContext, render
from podium.talks import Actor, TalkService, default_hooks
from tests import factories
from tests.fake_discord import _validate_message_components
from tests.icsparse import strict_parse, unescape_text

START = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
# Every character RFC 5545 makes a TEXT value escape, a line break, and text that needs folding (multi-byte too).
NASTY = 'Rust, C; a \\ backslash, "quotes" and <@123> @everyone — ünïcödé 🎤 ' * 3
THREAD = 555_000_000_000_000_001


@pytest.mark.parametrize("language", i18n.languages())
def test_the_ics_of_one_talk_is_strict_rfc_5545_and_keeps_member_text_intact(language):
    talk = factories.talk(topic=NASTY.strip()[:200], description="Line one; with, commas\nLine two \\ end",
                          starts_at=START, duration_minutes=45, speaker_name="Ada, the; speaker",
                          thread_id=THREAD, sequence=3)
    body = talk_calendar(talk, language)
    lines = strict_parse(body)
    IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))  # a second, independent strict parser agrees
    names = [name for name, _, _ in lines]
    assert names[0] == "BEGIN" and names[-1] == "END" and names.count("BEGIN") == 2
    assert [v for n, _, v in lines if n in ("BEGIN", "END")] == ["VCALENDAR", "VEVENT", "VEVENT", "VCALENDAR"]
    values = {name: value for name, _, value in lines}
    assert values["VERSION"] == "2.0" and values["PRODID"]
    assert "X-WR-CALNAME" not in values and "REFRESH-INTERVAL" not in values  # a file to open, not a feed
    assert unescape_text(values["SUMMARY"]) == talk.topic
    assert values["DTSTART"] == "20261208T170000Z" and values["DTEND"] == "20261208T174500Z"
    assert values["UID"] == f"talk-7-{factories.GUILD}@podium" and values["SEQUENCE"] == "3"
    assert re.fullmatch(r"\d{8}T\d{6}Z", values["DTSTAMP"])
    description = unescape_text(values["DESCRIPTION"])
    assert "Ada, the; speaker" in description and "Line one; with, commas\nLine two \\ end" in description
    assert f"https://discord.com/channels/{factories.GUILD}/{THREAD}" in description
    assert values["STATUS"] == "CONFIRMED"


def google_fields(url: str) -> dict[str, str]:
    """The query of a Google Calendar template link, decoded strictly (a cut escape or UTF-8 sequence fails)."""
    split = urllib.parse.urlsplit(url)
    assert f"{split.scheme}://{split.netloc}{split.path}" == "https://calendar.google.com/calendar/render"
    fields = {}
    for pair in split.query.split("&"):
        key, value = pair.split("=", 1)
        assert re.fullmatch(r"(?:[A-Za-z0-9._~-]|%[0-9A-F]{2})*", value), value  # fully url-encoded
        fields[key] = urllib.parse.unquote(value, errors="strict")
    return fields


@pytest.mark.parametrize("language", i18n.languages())
def test_the_google_link_round_trips_the_topic_and_the_times_in_utc(language):
    talk = factories.talk(topic="Rust & Go: 100% safe? #1 + more", starts_at=START, duration_minutes=90,
                          description="Bring a laptop & questions", speaker_name="Ada", thread_id=THREAD)
    url = google_calendar_url(talk, language)
    assert len(url) <= LINK_URL_MAX
    fields = google_fields(url)
    assert fields["action"] == "TEMPLATE"
    assert fields["text"] == talk.topic
    assert fields["dates"] == "20261208T170000Z/20261208T183000Z"
    assert fields["location"] == f"https://discord.com/channels/{factories.GUILD}/{THREAD}"
    assert "Ada" in fields["details"] and "Bring a laptop & questions" in fields["details"]
    # A talk in another zone's evening still links its UTC instant: Google shows it in the reader's zone.
    berlin = factories.talk(starts_at=datetime(2026, 7, 1, 19, 30, tzinfo=UTC).astimezone(UTC))
    assert google_fields(google_calendar_url(berlin, language))["dates"].startswith("20260701T193000Z/")


@pytest.mark.parametrize("language", i18n.languages())
def test_the_google_link_fits_a_link_button_whatever_the_member_typed(language):
    # 200 characters of emoji (12 encoded characters each) and 1,000 of description: far over 512 encoded.
    talk = factories.talk(topic="🎤" * 200, description="ü 🎤, &;" * 125, speaker_name="x" * 32,
                          starts_at=START, thread_id=THREAD)
    url = google_calendar_url(talk, language)
    assert len(url) <= LINK_URL_MAX
    fields = google_fields(url)
    assert fields["text"].endswith("…") and talk.topic.startswith(fields["text"][:-1])
    assert fields["dates"] == "20261208T170000Z/20261208T173000Z"  # the times always survive the cut
    if "details" in fields:
        assert fields["details"].endswith("…")
    # Short texts are never cut.
    short = google_fields(google_calendar_url(factories.talk(topic="Rust", description="Hi"), language))
    assert short["text"] == "Rust" and short["details"].endswith("Hi")
    # Discord's own validator takes the link as a button url.
    _validate_message_components([components.row(components.link("Google Calendar", url))], ["components"], 0)


def kind_messages(talk, language):
    """Every message that shows one talk, rendered as the dispatcher would (DM, thread and channel where they can)."""
    now = START - timedelta(days=1)
    cases = [
        ("talk_reminder", "dm", {"offset_s": 3600, "guild_name": "Rustaceans"}),
        ("talk_reminder", "thread", {"offset_s": 3600}),
        ("talk_reminder", "channel", {"offset_s": 3600}),
        ("attendee_reminder", "dm", {"offset_s": 3600, "guild_name": "Rustaceans"}),
        ("attendee_reminder", "thread", {"offset_s": 3600, "ping_ids": [1, 2], "more": 3}),
        ("talk_announcement", "channel", {"attendees": 4}),
        ("talk_thread_open", "thread", {}),
    ]
    # The notices of a change show the talk as it is now (a move is when an earlier calendar entry goes wrong).
    moved = {"topic": talk.topic, "old_start_ms": int((START - timedelta(hours=2)).timestamp() * 1000),
             "new_start_ms": int(START.timestamp() * 1000), "by_user_id": 42}
    new_speaker = {"topic": talk.topic, "old_speaker_id": 3, "new_speaker_id": talk.speaker_id}
    cases += [("attendee_notice", "dm", {**moved, "guild_name": "Rustaceans"}), ("attendee_notice", "thread", moved),
              ("attendee_notice", "dm", {**new_speaker, "guild_name": "Rustaceans"}),
              ("attendee_notice", "thread", new_speaker)]
    for kind, via, payload in cases:
        ctx = RenderContext(kind, payload, talk, now, now, via=via, locale=language)
        yield kind, via, render(ctx, mention_user_id=None)


@pytest.mark.parametrize("language", i18n.languages())
def test_every_message_that_shows_a_talk_offers_add_to_calendar(language):
    talk = factories.talk(starts_at=START, thread_id=THREAD)
    label = i18n.translator(language)._("📅 Add to calendar")
    assert 1 <= len(label) <= components.LABEL_MAX
    for kind, via, body in kind_messages(talk, language):
        buttons = [c for row in body["components"] for c in row["components"]]
        found = [b for b in buttons if b.get("custom_id") == f"podium:talk:ics:{talk.id}"]
        assert [b["label"] for b in found] == [label], (kind, via)
        _validate_message_components(body["components"], ["components"], 0)
    assert components.parse(f"podium:talk:ics:{talk.id}") == components.CustomId(components.CALENDAR, (talk.id,))


# -- who may ask for a talk's calendar file ---------------------------------------------------------------------

OTHER_GUILD, SPEAKER, ANN, STRANGER = factories.GUILD + 1, 1, 11, 99


@pytest.fixture
def members(db, clock):
    return Audience(db, Outbox(db), clock)


@pytest.fixture
async def talk(db, clock):
    outbox = Outbox(db)
    talks = TalkService(db, outbox, clock, audience_module.subscribe(default_hooks(outbox), outbox))
    await factories.add_guild(db, factories.GUILD)
    return await talks.add(guild_id=factories.GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(days=3))


async def test_in_a_server_any_member_gets_the_talk_in_a_dm_only_its_speaker_and_attendees(members, talk):
    ask = members.for_calendar
    assert (await ask(talk_id=talk.id, user_id=STRANGER, guild_id=factories.GUILD)).id == talk.id
    assert (await ask(talk_id=talk.id, user_id=SPEAKER, guild_id=None)).id == talk.id
    # A DM has no server to prove membership: a forged id must not read another server's talk by its number.
    with pytest.raises(AudienceError, match="In a DM this button is for the talk's speaker") as refused:
        await ask(talk_id=talk.id, user_id=ANN, guild_id=None)
    assert "Rust" not in refused.value.text_for(i18n.ENGLISH)
    await members.join(talk_id=talk.id, user_id=ANN, guild_id=factories.GUILD)
    assert (await ask(talk_id=talk.id, user_id=ANN, guild_id=None)).id == talk.id
    with pytest.raises(AudienceError, match="can't find that talk"):
        await ask(talk_id=talk.id, user_id=ANN, guild_id=OTHER_GUILD)
    with pytest.raises(AudienceError, match="can't find that talk"):
        await ask(talk_id=talk.id + 1, user_id=ANN, guild_id=factories.GUILD)


async def test_a_talk_that_took_place_has_nothing_to_add(members, talk, clock):
    clock.advance(timedelta(days=3, minutes=30))
    with pytest.raises(AudienceError, match="already taken place") as refused:
        await members.for_calendar(talk_id=talk.id, user_id=ANN, guild_id=factories.GUILD)
    assert refused.value.text_for(i18n.translator("de")) == (
        "**Rust** hat schon stattgefunden; es gibt nichts mehr für deinen Kalender.")
