"""Talks as iCalendar (RFC 5545): the one builder behind subscribable feeds and `/schedule export`.

Calendar apps re-read a feed every few hours and match events by UID: a talk keeps its UID for life, its
SEQUENCE grows with every change (so the newest version wins), and a cancelled talk stays in the feed with
STATUS:CANCELLED for CANCELLED_KEPT so subscribed calendars remove it instead of keeping a stale copy.

A feed is fetched without a locale: its texts are in the language of the member it belongs to (the one they last
used Podium in), else the server's post language (`/announce-settings language`, else Discord's), else English.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from db import Database
from podium import i18n, privacy
from podium.clock import Clock, from_ms, to_ms
from podium.errors import Text
from podium.i18n import N_
from podium.preferences import channel_locale, load_guild, load_user
from podium.talk_model import Talk

if TYPE_CHECKING:
    from icalendar import Event

log = logging.getLogger(__name__)

privacy.holds_user_ids("calendar_feeds", "user_id", forget="delete_row", why="a member's own calendar feed")
privacy.holds_no_user_ids("calendar_feeds", "token", "guild_id", "created_at_ms",
                          why="the feed's secret address and server (deleted with the member)")

CANCELLED_KEPT = timedelta(days=30)
# Serialised events kept in memory (a few hundred bytes each).
EVENTS_CACHED = 20_000
# Past talks stay in a feed this long, so yesterday's talk does not vanish from a calendar.
PAST_KEPT = timedelta(days=30)
FEED_TALKS_MAX = 2000
# 128 bits at least (the issue): token_urlsafe(24) is 192 bits in 32 characters.
TOKEN_BYTES = 24
PRODID = "-//Podium//Discord talks//EN"
# Unknown tokens remembered (a 404 without a query): bounded in number and in time (a token's row can also be
# made by a restore or another process, which no invalidation here would see).
UNKNOWN_KEPT = 10_000
UNKNOWN_SECONDS = 600.0
# A feed's title in calendar apps (bot.py fills in the server's name).
SERVER_FEED_NAME, MEMBER_FEED_NAME = N_("{server} talks"), N_("My talks on {server}")


def feed_links(public_url: str | None, token: str) -> tuple[str, str] | None:
    """The feed's https URL and its webcal:// twin (calendar apps subscribe to it), or None without PUBLIC_URL."""
    if public_url is None:
        return None
    url = f"{public_url}/calendar/{token}.ics"
    return url, "webcal://" + url.split("://", 1)[1]


def talk_uid(talk: Talk) -> str:
    """A talk's iCalendar UID: stable for its whole life, unique across guilds."""
    return f"talk-{talk.id}-{talk.guild_id}@podium"


def thread_url(talk: Talk) -> str | None:
    """A link to the talk's thread in Discord, once it has one."""
    return f"https://discord.com/channels/{talk.guild_id}/{talk.thread_id}" if talk.thread_id else None


# C0 controls and DEL, which RFC 5545 (3.3.11) allows in no TEXT value (the tab aside; a line break is written
# as \\n). New topics and descriptions refuse them (podium/talks.py), but talks stored before that, or names from
# elsewhere, still hold some: each becomes a space, so one talk cannot make a whole feed unreadable.
_CONTROL = {code: " " for code in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F)}


def ics_text(text: str) -> str:
    """`text` as RFC 5545 allows it in a TEXT value: line breaks kept, other control characters a space."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL)


def talk_event(talk: Talk, locale: str | None = None) -> Event:
    """One VEVENT for a talk (cancelled ones with STATUS:CANCELLED); a pure function of the talk and language."""
    # icalendar (~3 MB) is imported when a feed or an export is first built, not at start (docs/performance.md).
    from icalendar import Event

    t = i18n.translator(locale)
    event = Event()
    event.add("uid", talk_uid(talk))
    # METHOD:PUBLISH: DTSTAMP is when this version of the event was made, i.e. the talk's last change.
    event.add("dtstamp", talk.updated_at)
    event.add("last-modified", talk.updated_at)
    event.add("sequence", talk.sequence)
    event.add("summary", ics_text(talk.topic))
    event.add("dtstart", talk.starts_at)
    event.add("dtend", talk.ends_at)
    event.add("status", "CANCELLED" if talk.state == "cancelled" else "CONFIRMED")
    speaker = talk.speaker_name or t._("a member")
    lines = [t._("Speaker: {speaker}", speaker=speaker)]
    description = getattr(talk, "description", None)
    if description:
        lines.append(str(description))
    url = thread_url(talk)
    if url:
        lines.append(t._("Discussion: {url}", url=url))
        event.add("url", url)
    # The archive's links (podium/archive.py validated them: http(s), no spaces or control characters): written
    # out for every calendar app, and as ATTACH (RFC 5545 3.8.1.1, a URI) for those that list attachments.
    for label, link in ((N_("Slides: {url}"), talk.slides_url), (N_("Recording: {url}"), talk.recording_url)):
        if link:
            lines.append(t._(label, url=link))
            event.add("attach", link)
    event.add("description", ics_text("\n\n".join(lines)))
    return event


@dataclass(frozen=True, slots=True)
class EveningEntry:
    """A series evening as a server's feed shows it (issue 23 §6): the whole evening, its slots' talks beside it."""

    id: int
    guild_id: int
    name: str
    starts_at: datetime
    ends_at: datetime
    skipped: bool
    skip_reason: str | None
    changed_at: datetime
    sequence: int


# Who may read a server's feed sees its series evenings too: no member's id is in them.
_EVENINGS = (
    "SELECT e.id, e.guild_id, s.name, e.starts_at_ms, s.slots * s.slot_minutes AS minutes, e.state, e.skip_reason,"
    " s.updated_at_ms, s.sequence FROM series_evenings AS e JOIN series AS s ON s.id = e.series_id"
    " WHERE e.guild_id = ? AND e.starts_at_ms >= ? AND (s.state = 'active' OR e.state = 'skipped')"
)


def evening_event(evening: EveningEntry, locale: str | None = None) -> Event:
    """One VEVENT for a series evening; a skipped one has STATUS:CANCELLED, so calendars strike or drop it."""
    from icalendar import Event

    t = i18n.translator(locale)
    event = Event()
    event.add("uid", f"evening-{evening.id}-{evening.guild_id}@podium")
    event.add("dtstamp", evening.changed_at)
    event.add("last-modified", evening.changed_at)
    # A skip is the evening's last change: one more than its series' version, which only grows.
    event.add("sequence", evening.sequence * 2 + (1 if evening.skipped else 0))
    event.add("summary", ics_text(evening.name))
    event.add("dtstart", evening.starts_at)
    event.add("dtend", evening.ends_at)
    event.add("status", "CANCELLED" if evening.skipped else "CONFIRMED")
    if evening.skipped:
        text = t._("This evening is skipped.") + (f" {evening.skip_reason}" if evening.skip_reason else "")
    else:
        text = t._("A series evening: its talks are listed on their own. Claim an open slot in Discord.")
    event.add("description", ics_text(text))
    return event


@functools.lru_cache(maxsize=EVENTS_CACHED)
def evening_ical(evening: EveningEntry, locale: str | None = None) -> bytes:
    """An evening's VEVENT as bytes, serialised once per version."""
    return bytes(evening_event(evening, locale).to_ical())


def event_ical(talk: Talk, locale: str | None = None) -> bytes:
    """A talk's VEVENT as bytes, serialised once per version of the talk.

    icalendar folds lines character by character (~0.2 ms an event): a feed of 1,000 talks takes ~240 ms to
    serialise, but only the talks that changed need it again.
    """
    # The cache keeps its keys: without the ids of who gives and who changed the talk (the event shows neither),
    # so a forgotten member's id does not stay in memory for the life of the process.
    shown = replace(talk, speaker_id=privacy.FORGOTTEN_USER, created_by=privacy.FORGOTTEN_USER,
                    updated_by=privacy.FORGOTTEN_USER)
    return _event_ical(shown, locale)


@functools.lru_cache(maxsize=EVENTS_CACHED)
def _event_ical(talk: Talk, locale: str | None) -> bytes:
    return bytes(talk_event(talk, locale).to_ical())


def forget_serialised_events() -> None:
    """Empty the cache of serialised events, as in a fresh process (benchmarks of the first build)."""
    _event_ical.cache_clear()


def build_calendar(talks: Iterable[Talk], *, name: str, now: datetime, locale: str | None = None,
                   evenings: Iterable[EveningEntry] = ()) -> bytes:
    """A whole VCALENDAR of these talks, as bytes (CRLF lines, folded at 75 octets by icalendar), in a language."""
    from icalendar import Calendar

    del now  # every part is a function of the talks: the same talks give the same bytes
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", ics_text(name))
    # Hints for calendar apps on how often to look again (Google ignores them, Apple and Thunderbird follow).
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    head = bytes(calendar.to_ical())
    end = b"END:VCALENDAR\r\n"
    if not head.endswith(end):
        raise AssertionError("icalendar ends a calendar with END:VCALENDAR")
    return (head[: -len(end)] + b"".join(evening_ical(evening, locale) for evening in evenings)
            + b"".join(event_ical(talk, locale) for talk in talks) + end)


def talk_calendar(talk: Talk, locale: str | None = None) -> bytes:
    """One talk as a calendar file to open once ("Add to calendar"), not a feed: no name, no refresh hints.

    Its UID and SEQUENCE are the feed's, so a member who later subscribes to a feed gets the same event updated
    instead of a second copy.
    """
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    head = bytes(calendar.to_ical())
    end = b"END:VCALENDAR\r\n"
    if not head.endswith(end):
        raise AssertionError("icalendar ends a calendar with END:VCALENDAR")
    return head[: -len(end)] + event_ical(talk, locale) + end


# Discord refuses a link button whose url is longer (components/reference#button).
LINK_URL_MAX = 512
GOOGLE_TEMPLATE = "https://calendar.google.com/calendar/render"
# Of a link's room, the talk's name may take this much (encoded); the details get what is left.
GOOGLE_TEXT_MAX = 240


def _google_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _encoded(value: str) -> int:
    return len(urllib.parse.quote(value, safe=""))


def _fit(value: str, room: int) -> str:
    """The longest start of `value` (with "…" when cut) whose url-encoded form takes at most `room` characters.

    Cut by characters, never inside one: a cut UTF-8 sequence or percent escape would make the link invalid.
    """
    if _encoded(value) <= room:
        return value
    low, high = 0, len(value)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if _encoded(value[:middle].rstrip() + "…") <= room:
            low = middle
        else:
            high = middle - 1
    return value[:low].rstrip() + "…" if low else ""


def google_calendar_url(talk: Talk, locale: str | None = None) -> str:
    """A Google Calendar "add event" link for the talk (times in UTC), at most LINK_URL_MAX characters.

    The details are cut to fit, the name only when it alone would not leave room for them: a link button longer
    than Discord's limit makes the whole reply fail.
    """
    t = i18n.translator(locale)
    fixed = {"action": "TEMPLATE", "dates": f"{_google_time(talk.starts_at)}/{_google_time(talk.ends_at)}"}
    url = thread_url(talk)
    if url:
        fixed["location"] = url
    lines = [t._("Speaker: {speaker}", speaker=talk.speaker_name or t._("a member"))]
    if talk.description:
        lines.append(talk.description)
    if url:
        lines.append(t._("Discussion: {url}", url=url))
    text = _fit(talk.topic, GOOGLE_TEXT_MAX)
    base = f"{GOOGLE_TEMPLATE}?{urllib.parse.urlencode({**fixed, 'text': text}, quote_via=urllib.parse.quote)}"
    room = LINK_URL_MAX - len(base) - len("&details=")
    details = _fit("\n\n".join(lines), room)
    if not details:
        return base
    return base + "&details=" + urllib.parse.quote(details, safe="")


@dataclass(frozen=True, slots=True)
class Feed:
    """What a feed token serves."""

    token: str
    guild_id: int
    user_id: int | None


@dataclass(frozen=True, slots=True)
class FeedBody:
    """A built feed with its validators (ETag, Last-Modified)."""

    body: bytes
    etag: str
    last_modified: datetime | None


class Calendars:
    """Feed tokens (create, rotate, forget) and feeds built from them, cached until the talks change."""

    def __init__(self, db: Database, clock: Clock, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.clock = clock
        # token → (version, body, whose feed it is: None for a server's)
        self._cache: dict[str, tuple[str, FeedBody, int | None]] = {}
        self._monotonic = monotonic
        # token → until when (monotonic) it is known not to exist
        self._unknown: OrderedDict[str, float] = OrderedDict()
        self._made = 0  # tokens made so far by this process

    async def token(self, guild_id: int, user_id: int | None = None, *, rotate: bool = False) -> str:
        """The feed's token (made on first use); `rotate` replaces it, so the old URL stops working."""
        async with self.db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT token FROM calendar_feeds WHERE guild_id = ? AND coalesce(user_id, 0) = ?",
                (guild_id, user_id or 0),
            )
            if row is not None and not rotate:
                return str(row["token"])
            if row is not None:
                await tx.execute("DELETE FROM calendar_feeds WHERE token = ?", (row["token"],))
                self._cache.pop(str(row["token"]), None)
            token = self.new_token()
            await tx.execute(
                "INSERT INTO calendar_feeds (token, guild_id, user_id, created_at_ms) VALUES (?, ?, ?, ?)",
                (token, guild_id, user_id, to_ms(self.clock.now())),
            )
        # After the commit (no await in between): a request for it must find it now, even after a 404 for it.
        # A read that started before the commit may still end in a 404; `_made` keeps it out of the cache.
        self._unknown.pop(token, None)
        self._made += 1
        log.info("calendar feed of guild %d%s %s", guild_id, f" user {user_id}" if user_id else "",
                 "rotated" if rotate else "made")
        return token

    async def feed(self, token: str) -> Feed | None:
        """What a token serves, or None (an unknown token is a 404: no other data is revealed)."""
        now = self._monotonic()
        until = self._unknown.get(token)
        if until is not None and now < until:
            return None
        made = self._made
        row = await self.db.fetchone("SELECT guild_id, user_id FROM calendar_feeds WHERE token = ?", (token,))
        if row is not None:
            return Feed(token, row["guild_id"], row["user_id"])
        if made != self._made:
            return None  # a token was made while we read: ours may be it
        self._unknown.pop(token, None)
        self._unknown[token] = now + UNKNOWN_SECONDS
        if len(self._unknown) > UNKNOWN_KEPT:
            self._unknown.popitem(last=False)
        return None

    async def recently_held(self, guild_id: int) -> list[Talk]:
        """The server's talks over within PAST_KEPT, oldest first: `/schedule export` carries them as the feeds do.

        Slides and recording links are mostly attached after the talk: an export of upcoming talks only would
        never carry them.
        """
        now = to_ms(self.clock.now())
        rows = await self.db.fetchall(
            "SELECT * FROM talks WHERE guild_id = ? AND starts_at_ms >= ? AND state != 'cancelled'"
            " AND approval = 'approved' AND starts_at_ms + duration_minutes * 60000 <= ?"
            " ORDER BY starts_at_ms, id LIMIT ?",
            (guild_id, now - int(PAST_KEPT.total_seconds() * 1000), now, FEED_TALKS_MAX))
        return [Talk.from_db(row) for row in rows]

    @staticmethod
    def new_token() -> str:
        """A fresh random token (tests replace it to know a token before it exists)."""
        return secrets.token_urlsafe(TOKEN_BYTES)

    def _selection(self, feed: Feed) -> tuple[str, tuple[object, ...]]:
        """The talks a feed shows (upcoming and recent ones, ones cancelled within CANCELLED_KEPT), as SQL."""
        now = self.clock.now()
        recent, cancelled = to_ms(now - PAST_KEPT), to_ms(now - CANCELLED_KEPT)
        if feed.user_id is None:
            return (
                # Only approved talks: a sign-up waiting for approval, or declined, was never on the schedule.
                "SELECT * FROM talks WHERE guild_id = ? AND updated_at_ms >= ? AND state = 'cancelled'"
                " AND approval = 'approved'"
                " UNION SELECT * FROM talks WHERE guild_id = ? AND state != 'cancelled' AND starts_at_ms >= ?"
                " AND approval = 'approved'",
                (feed.guild_id, cancelled, feed.guild_id, recent),
            )
        # A member's feed: the talks they speak at and the ones they clicked 🔔 Remind me on (attendees_by_user).
        return (
            "SELECT * FROM talks WHERE guild_id = ? AND starts_at_ms >= ? AND approval = 'approved'"
            " AND (state != 'cancelled' OR updated_at_ms >= ?)"
            " AND (speaker_id = ? OR id IN (SELECT talk_id FROM attendees WHERE user_id = ?))",
            (feed.guild_id, recent, cancelled, feed.user_id, feed.user_id),
        )

    async def talks_of(self, feed: Feed) -> list[Talk]:
        """The talks a feed shows, soonest first."""
        sql, params = self._selection(feed)
        rows = await self.db.fetchall(
            f"SELECT * FROM ({sql}) ORDER BY starts_at_ms, id LIMIT ?", (*params, FEED_TALKS_MAX)
        )
        return [Talk.from_db(row) for row in rows]

    async def evenings_of(self, feed: Feed) -> list[EveningEntry]:
        """The series evenings a server's feed shows (a member's feed: none, only their talks), soonest first."""
        if feed.user_id is not None:
            return []
        rows = await self.db.fetchall(_EVENINGS + " ORDER BY e.starts_at_ms, e.id LIMIT ?",
                                      (feed.guild_id, to_ms(self.clock.now() - PAST_KEPT), FEED_TALKS_MAX))
        return [EveningEntry(row["id"], row["guild_id"], row["name"], from_ms(row["starts_at_ms"]),
                             from_ms(row["starts_at_ms"]) + timedelta(minutes=row["minutes"]),
                             row["state"] == "skipped", row["skip_reason"], from_ms(row["updated_at_ms"]),
                             row["sequence"]) for row in rows]

    async def _version(self, feed: Feed, language: str = i18n.SOURCE_LANGUAGE) -> str:
        """What the feed shows, in a few numbers: any change of a talk moves its updated_at (and the count)."""
        sql, params = self._selection(feed)
        row = await self.db.fetchrow(
            f"SELECT count(*), max(updated_at_ms), total(sequence), total(id) FROM ({sql})", params
        )
        evenings: tuple[object, ...] = ()
        if feed.user_id is None:
            # Its series evenings: a skip, a series changed or ended, an evening added or gone.
            evenings = tuple(await self.db.fetchrow(
                "SELECT count(*), total(id), total(state = 'skipped'), max(updated_at_ms), total(sequence)"
                f" FROM ({_EVENINGS})", (feed.guild_id, to_ms(self.clock.now() - PAST_KEPT))))
        return hashlib.blake2s(repr((*tuple(row), *evenings, language)).encode(), digest_size=12).hexdigest()

    async def locale(self, feed: Feed) -> str | None:
        """The language a feed is written in: its member's, else the server's post language (None: English)."""
        if feed.user_id is not None:
            person = await load_user(self.db, feed.user_id)
            if person is not None and person.locale:
                return person.locale
        return await channel_locale(self.db, await load_guild(self.db, feed.guild_id))

    async def body(self, feed: Feed, *, name: str | Text) -> FeedBody:
        """The feed as iCalendar, rebuilt only when one of its talks (or its language) changed, or the window moved."""
        locale = await self.locale(feed)
        # The language is part of the version: a feed follows a change of language like a change of its talks.
        version = await self._version(feed, i18n.language_of(locale))
        cached = self._cache.get(feed.token)
        if cached is not None and cached[0] == version:
            return cached[1]
        talks = await self.talks_of(feed)
        title = name.render(i18n.translator(locale)) if isinstance(name, Text) else name
        body = build_calendar(talks, name=title, now=self.clock.now(), locale=locale,
                              evenings=await self.evenings_of(feed))
        last = max((t.updated_at for t in talks), default=None)
        built = FeedBody(body, f'"{version}"', last)
        self._cache[feed.token] = (version, built, feed.user_id)
        return built

    def forget(self, user_id: int) -> None:
        """Forget-me: the member's feeds built in memory go (their tokens are deleted from the database with them)."""
        for token in [token for token, cached in self._cache.items() if cached[2] == user_id]:
            del self._cache[token]

    async def warm_up(self, name_of: Callable[[Feed], str | Text]) -> int:
        """Build every feed once (at start and hourly), so requests are served from memory.

        A calendar app's first request after a restart then does not wait ~0.2 ms per talk for icalendar.
        """
        rows = await self.db.fetchall("SELECT token, guild_id, user_id FROM calendar_feeds")
        for row in rows:
            feed = Feed(row["token"], row["guild_id"], row["user_id"])
            await self.body(feed, name=name_of(feed))
        # A feed deleted since (by any path) is not kept in memory for the life of the process.
        live = {str(row["token"]) for row in rows}
        for token in [t for t in self._cache if t not in live]:
            del self._cache[token]
        return len(rows)


