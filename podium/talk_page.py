"""The community's web page of talks (issue 24 §4): upcoming talks, the archive, one page per talk.

Served by the HTTP endpoint (`podium/ops.py`) at `/talks/<token>` — an unguessable address like a calendar feed's,
rotatable — and, when a moderator makes it public, at `/talks/<server id>` as well. Off until a moderator turns it
on (`/announce-settings page`).

The HTML is built on the server and is whole without JavaScript: every time is written in the server's zone inside
`<time datetime=…>`, and one small inline script (allowed by its hash in the Content-Security-Policy, nothing else
runs) rewrites them in the visitor's own zone. Member text is text: Jinja2 escapes every value, links are made only
of http(s) URLs, and the description keeps its line breaks by CSS, not by markup.

What shows: approved talks only (a sign-up waiting for approval, or declined, is not the community's yet).
Cancelled talks leave the lists — the page is an invitation, and a struck-through entry invites nobody — but a
cancelled talk's own page stays and says it was cancelled, so a link shared in a chat does not end in a bare 404.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import secrets
import sqlite3
import urllib.parse
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from db import Database, fold
from podium import i18n, privacy
from podium.calendar_feed import google_calendar_url, talk_calendar, thread_url
from podium.clock import Clock, to_ms
from podium.i18n import N_, Translator
from podium.preferences import GuildSettings, channel_locale, load_guild, load_guild_name
from podium.talk_model import Talk

if TYPE_CHECKING:
    import jinja2

privacy.holds_no_user_ids(
    "talk_pages", "guild_id", "token", "public", "show_ratings", "created_at_ms", "updated_at_ms",
    why="a server's page settings: its secret address and choices, nothing about a member",
)

# 128 bits at least, like a calendar feed's token (token_urlsafe(24): 192 bits in 32 characters).
TOKEN_BYTES = 24
# The archive is paged so a page's weight does not grow with the archive (docs/performance.md).
ARCHIVE_PAGE_SIZE = 20
# Upcoming talks on the first page; a community plans weeks, not years, ahead.
UPCOMING_MAX = 50
# A search is a few words; longer input is cut, never refused (a GET form has no error path worth having).
QUERY_MAX = 100
DESCRIPTION_PREVIEW = 300
# Built pages kept in memory with their version, gzipped: 2-6 kB each for the talks communities write (a page of
# text that does not compress, every field at its longest, could reach a few hundred kB).
PAGES_CACHED = 64
TEMPLATES = Path(__file__).with_name("templates")
# The largest integer SQLite stores; a Discord id is far below it.
SERVER_ID_MAX = 2**63 - 1
# zlib's default: a 50 kB page in about a millisecond, once per version.
GZIP_LEVEL = 6

# A time on the page, in the server's zone; the visitor's browser rewrites it in theirs.
# Translators: a Babel (CLDR) date pattern for the web page, e.g. "Thursday 3 December 2026, 19:00".
PAGE_MOMENT = N_("EEEE d MMMM y, HH:mm")

# The one script: times in the visitor's zone. Its hash is the Content-Security-Policy's only allowed script.
LOCAL_TIMES_JS = (
    "(function(){var l=document.documentElement.lang,o={weekday:'long',day:'numeric',month:'long',"
    "year:'numeric',hour:'2-digit',minute:'2-digit',timeZoneName:'short'};"
    "document.querySelectorAll('time[data-local]').forEach(function(e){var d=new Date(e.getAttribute('datetime'));"
    "if(!isNaN(d))e.textContent=d.toLocaleString(l,o)});"
    "var n=document.getElementById('zone-note');if(n){var z=Intl.DateTimeFormat().resolvedOptions().timeZone;"
    "if(z)n.textContent=n.getAttribute('data-local').replace('{zone}',z)}})();"
)
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(LOCAL_TIMES_JS.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    # img-src data: only for the empty icon that spares a browser asking for /favicon.ico (a 404 otherwise).
    f"default-src 'none'; script-src 'sha256-{_SCRIPT_HASH}'; style-src 'unsafe-inline'; img-src data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


@functools.cache
def _environment() -> jinja2.Environment:
    """The templates, loaded at the first page served: a bot whose page is off never imports Jinja2 (~2 MB)."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def _release(environment: jinja2.Environment) -> str:
    """This release's part of every page: its templates, script, translations and this module that fills them in.

    A strong ETag names the bytes sent (RFC 9110 8.8.3): without this, an upgrade that changes only the layout or a
    translation would be answered 304 to every browser holding the old page until some talk changed. Read once per
    process (the templates and catalogues are read once too), from the environment the pages are rendered with.
    """
    digest = hashlib.blake2s(digest_size=12)
    loader = environment.loader
    assert loader is not None
    for name in sorted(loader.list_templates()):
        digest.update(f"{name}\0{loader.get_source(environment, name)[0]}\0".encode())
    digest.update(LOCAL_TIMES_JS.encode())
    for catalogue in sorted(i18n.LOCALES_DIR.glob(f"*/LC_MESSAGES/{i18n.DOMAIN}.po")):
        digest.update(catalogue.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class PageSettings:
    """A server's page while it is on."""

    guild_id: int
    token: str
    public: bool
    show_ratings: bool


@dataclass(frozen=True, slots=True)
class Built:
    """A page (gzipped once when built, and kept so) or a talk's calendar file, with its validator."""

    data: bytes
    etag: str
    content_type: str = "text/html; charset=utf-8"
    gzipped: bool = False

    def body(self) -> bytes:
        """The bytes themselves, for a client that does not take gzip (rare: every browser does)."""
        return gzip.decompress(self.data) if self.gzipped else self.data

    @property
    def gzip_etag(self) -> str:
        """The gzipped body's own entity tag: two encodings of a page are two representations (RFC 9110 8.8.3)."""
        return self.etag[:-1] + '-gzip"'


def _page(html: str, version: str) -> Built:
    # Compressed once per version and kept only compressed: a page on the wire is a fraction of its HTML, and the
    # pages in memory too, whatever member text made the HTML long (docs/performance.md).
    return Built(gzip.compress(html.encode(), GZIP_LEVEL, mtime=0), f'"{version}"', gzipped=True)


def page_links(public_url: str | None, page: PageSettings) -> tuple[str, str | None] | None:
    """The page's secret address and (if public) its public one; None without PUBLIC_URL."""
    if public_url is None:
        return None
    return f"{public_url}/talks/{page.token}", f"{public_url}/talks/{page.guild_id}" if page.public else None


def web_link(url: str | None) -> str | None:
    """`url` when it is an http(s) link a browser can follow; anything else (javascript:, data:…) is not linked."""
    if not url:
        return None
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def join_link(talk: Talk, guild: GuildSettings) -> str | None:
    """Where to join the talk in Discord: its thread, else its event, else the announcement channel."""
    thread = thread_url(talk)
    if thread:
        return thread
    if talk.event_id:
        return f"https://discord.com/events/{talk.guild_id}/{talk.event_id}"
    if guild.announce_channel_id:
        return f"https://discord.com/channels/{talk.guild_id}/{guild.announce_channel_id}"
    return None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# What the lists and the talk page show: approved talks of the server.
_SHOWN = "guild_id = ? AND approval = 'approved'"
_ENDS_MS = "(starts_at_ms + duration_minutes * 60000)"


class TalkPages:
    """Page settings (on, rotate, public, off) and the pages built from them, cached until what they show changes."""

    def __init__(self, db: Database, clock: Clock, public_url: str | None = None) -> None:
        self.db = db
        self.clock = clock
        self.public_url = public_url
        # (guild, what, query, page number) → (version, page): rebuilt only when the version moved.
        self._cache: OrderedDict[tuple[object, ...], tuple[str, Built]] = OrderedDict()

    # -- settings -------------------------------------------------------------------------------------

    async def settings(self, guild_id: int) -> PageSettings | None:
        """The server's page, or None while it is off."""
        row = await self.db.fetchone("SELECT * FROM talk_pages WHERE guild_id = ?", (guild_id,))
        return _settings(row) if row is not None else None

    async def turn_on(self, guild_id: int, *, public: bool | None = None, ratings: bool | None = None) -> PageSettings:
        """Turn the page on (a new token the first time) or change what was given (`rotate` gives a new token)."""
        now_ms = to_ms(self.clock.now())
        async with self.db.transaction() as tx:
            row = await tx.fetchone("SELECT * FROM talk_pages WHERE guild_id = ?", (guild_id,))
            if row is None:
                await tx.execute(
                    "INSERT INTO talk_pages (guild_id, token, public, show_ratings, created_at_ms, updated_at_ms)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (guild_id, self.new_token(), int(bool(public)), int(bool(ratings)), now_ms, now_ms),
                )
            else:
                current = _settings(row)
                await tx.execute(
                    "UPDATE talk_pages SET token = ?, public = ?, show_ratings = ?, updated_at_ms = ?"
                    " WHERE guild_id = ?",
                    (current.token,
                     int(current.public if public is None else public),
                     int(current.show_ratings if ratings is None else ratings), now_ms, guild_id),
                )
            saved = await tx.fetchone("SELECT * FROM talk_pages WHERE guild_id = ?", (guild_id,))
        assert saved is not None
        return _settings(saved)

    async def rotate(self, guild_id: int, *, ratings: bool | None = None) -> PageSettings | None:
        """Give the page a new secret address; None, and nothing changed, while it is off (no link to retire).

        Never turns a page on: a moderator asking for a new link has not asked to publish the talks.
        """
        now_ms = to_ms(self.clock.now())
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE talk_pages SET token = ?, show_ratings = coalesce(?, show_ratings), updated_at_ms = ?"
                " WHERE guild_id = ?",
                (self.new_token(), None if ratings is None else int(ratings), now_ms, guild_id),
            )
            if cursor.rowcount == 0:
                return None
            saved = await tx.fetchone("SELECT * FROM talk_pages WHERE guild_id = ?", (guild_id,))
        assert saved is not None
        return _settings(saved)

    async def turn_off(self, guild_id: int) -> bool:
        """Take the page down (both addresses stop working); False if it was not on."""
        async with self.db.transaction() as tx:
            cursor = await tx.execute("DELETE FROM talk_pages WHERE guild_id = ?", (guild_id,))
            removed = cursor.rowcount > 0
        for key in [key for key in self._cache if key[0] == guild_id]:
            del self._cache[key]
        return removed

    @staticmethod
    def new_token() -> str:
        """A fresh random token, never all digits (an all-digit key is read as a public page's server id)."""
        while True:
            token = secrets.token_urlsafe(TOKEN_BYTES)
            if not token.isdigit():
                return token

    async def find(self, key: str) -> PageSettings | None:
        """The page an address names: its token, or a public page's server id; None (a 404) otherwise."""
        if key.isdigit():
            # str.isdigit takes "²" and other scripts' digits too, and SQLite takes no integer past 64 bits: only
            # ASCII digits that fit can name a server; any other key names no page (a token is never all digits).
            if not key.isascii() or len(key) > len(str(SERVER_ID_MAX)) or int(key) > SERVER_ID_MAX:
                return None
            row = await self.db.fetchone(
                "SELECT * FROM talk_pages WHERE guild_id = ? AND public = 1", (int(key),)
            )
        else:
            row = await self.db.fetchone("SELECT * FROM talk_pages WHERE token = ?", (key,))
        return _settings(row) if row is not None else None

    # -- pages ----------------------------------------------------------------------------------------

    async def _version(self, page: PageSettings, *parts: object) -> tuple[str, GuildSettings, str | None, str]:
        """What a page shows, in a few numbers.

        The server's talks (any change moves updated_at; their threads and events), how many have ended by now, its
        settings, name and language, the rating counts if shown, and the release (templates, script, translations).
        """
        now_ms = to_ms(self.clock.now())
        # A talk's thread and event are stored when Discord made them (dispatcher, scheduled_events), without moving
        # its updated_at or its iCalendar SEQUENCE (the talk itself did not change), yet the join link shows them:
        # read here, their low 32 bits summed (exact in an integer, distinct for two Discord ids all but always).
        row = await self.db.fetchrow(
            f"SELECT count(*), max(updated_at_ms), total(sequence), total(id), total({_ENDS_MS} <= ?),"
            " count(thread_id), sum(thread_id & 4294967295), count(event_id), sum(event_id & 4294967295)"
            " FROM talks WHERE guild_id = ?",
            (now_ms, page.guild_id),
        )
        guild = await load_guild(self.db, page.guild_id)
        locale = await channel_locale(self.db, guild)
        name = await load_guild_name(self.db, page.guild_id) or "Discord"
        ratings = await self._ratings_version(page) if page.show_ratings else None
        seen = (tuple(row), page, guild.timezone, guild.announce_channel_id, i18n.language_of(locale), name,
                ratings, self.public_url, _release(_environment()), *parts)
        return hashlib.blake2s(repr(seen).encode(), digest_size=12).hexdigest(), guild, locale, name

    async def _ratings_version(self, page: PageSettings) -> tuple[object, ...]:
        # Votes are the feedback feature's (migration 19); the page only counts them. A changed vote keeps the count.
        row = await self.db.fetchrow(
            "SELECT count(*) FROM feedback_votes WHERE talk_id IN (SELECT id FROM talks WHERE guild_id = ?)",
            (page.guild_id,),
        )
        return tuple(row)

    async def _rating_counts(self, page: PageSettings, talks: list[Talk]) -> dict[int, int]:
        if not page.show_ratings or not talks:
            return {}
        marks = ",".join("?" * len(talks))
        rows = await self.db.fetchall(
            f"SELECT talk_id, count(*) AS n FROM feedback_votes WHERE talk_id IN ({marks}) GROUP BY talk_id",
            tuple(t.id for t in talks),
        )
        return {row["talk_id"]: row["n"] for row in rows}

    def _cached(self, key: tuple[object, ...], version: str) -> Built | None:
        cached = self._cache.get(key)
        if cached is None or cached[0] != version:
            return None
        self._cache.move_to_end(key)
        return cached[1]

    def _keep(self, key: tuple[object, ...], version: str, built: Built) -> Built:
        self._cache[key] = (version, built)
        self._cache.move_to_end(key)
        while len(self._cache) > PAGES_CACHED:
            self._cache.popitem(last=False)
        return built

    async def index(self, page: PageSettings, *, query: str = "", number: int = 1) -> Built:
        """Upcoming talks (on the first page of the archive only) and one page of past ones, searched by `query`."""
        query = query.strip()[:QUERY_MAX]
        number = max(1, number)
        key = (page.guild_id, "index", query, number)
        version, guild, locale, name = await self._version(page, key)
        cached = self._cached(key, version)
        if cached is not None:
            return cached
        now_ms = to_ms(self.clock.now())
        upcoming: list[Talk] = []
        if number == 1 and not query:
            rows = await self.db.fetchall(
                f"SELECT * FROM talks WHERE {_SHOWN} AND state = 'scheduled' AND {_ENDS_MS} > ?"
                " ORDER BY starts_at_ms, id LIMIT ?",
                (page.guild_id, now_ms, UPCOMING_MAX),
            )
            upcoming = [Talk.from_db(row) for row in rows]
        search: str = ""
        params: tuple[str, ...] = ()
        if query:
            # fold() (db.fold) folds case in every script, where LIKE folds ASCII only: "über" finds "Über".
            text = fold(query)
            search = (" AND (instr(fold(topic), ?) > 0 OR instr(fold(coalesce(speaker_name, '')), ?) > 0"
                      " OR instr(fold(coalesce(description, '')), ?) > 0)")
            params = (text, text, text)
        past_where = f"{_SHOWN} AND state != 'cancelled' AND {_ENDS_MS} <= ?{search}"
        total = (await self.db.fetchrow(
            f"SELECT count(*) FROM talks WHERE {past_where}", (page.guild_id, now_ms, *params)
        ))[0]
        pages = max(1, -(-total // ARCHIVE_PAGE_SIZE))
        number = min(number, pages)
        rows = await self.db.fetchall(
            f"SELECT * FROM talks WHERE {past_where} ORDER BY starts_at_ms DESC, id DESC LIMIT ? OFFSET ?",
            (page.guild_id, now_ms, *params, ARCHIVE_PAGE_SIZE, (number - 1) * ARCHIVE_PAGE_SIZE),
        )
        past = [Talk.from_db(row) for row in rows]
        view = _View(self, page, guild, locale, name)
        ratings = await self._rating_counts(page, past)
        html = _environment().get_template("index.html").render(
            **view.common(),
            title=view.t._("Talks on {server}", server=name),
            upcoming=[view.talk(talk) for talk in upcoming],
            show_upcoming=number == 1 and not query,
            past=[view.talk(talk, ratings.get(talk.id)) for talk in past],
            query=query,
            total=total,
            number=number,
            pages=pages,
            search_action=view.index_url("", 1),
            found=view.t.ngettext("{n} past talk", "{n} past talks", total),
            page_of=view.t._("Page {number} of {pages}", number=view.t.number(number), pages=view.t.number(pages)),
            newer=view.index_url(query, number - 1) if number > 1 else None,
            older=view.index_url(query, number + 1) if number < pages else None,
        )
        return self._keep(key, version, _page(html, version))

    async def talk(self, page: PageSettings, talk_id: int) -> Built | None:
        """One talk's page (with Open Graph tags), or None when the server has no such talk to show."""
        talk = await self._shown_talk(page, talk_id)
        if talk is None:
            return None
        key = (page.guild_id, "talk", talk_id, 0)
        version, guild, locale, name = await self._version(page, key)
        cached = self._cached(key, version)
        if cached is not None:
            return cached
        view = _View(self, page, guild, locale, name)
        ended = talk.ends_at <= self.clock.now()
        ratings = await self._rating_counts(page, [talk]) if ended else {}
        shown = view.talk(talk, ratings.get(talk.id), full=True)
        html = _environment().get_template("talk.html").render(
            **view.common(),
            title=view.og_title(talk),
            item=shown,
            ended=ended,
            og_description=view.og_description(talk),
            og_url=f"{self.public_url}/talks/{view.key}/{talk.id}" if self.public_url else None,
            back=view.index_url("", 1),
        )
        return self._keep(key, version, _page(html, version))

    async def talk_ics(self, page: PageSettings, talk_id: int) -> Built | None:
        """A talk as a calendar file to open once, in the page's language (the same UID as the feeds)."""
        talk = await self._shown_talk(page, talk_id)
        if talk is None:
            return None
        guild = await load_guild(self.db, page.guild_id)
        locale = await channel_locale(self.db, guild)
        body = talk_calendar(talk, locale)
        etag = hashlib.blake2s(body, digest_size=12).hexdigest()
        return Built(body, f'"{etag}"', "text/calendar; charset=utf-8")

    async def _shown_talk(self, page: PageSettings, talk_id: int) -> Talk | None:
        row = await self.db.fetchone(f"SELECT * FROM talks WHERE id = ? AND {_SHOWN}", (talk_id, page.guild_id))
        return Talk.from_db(row) if row is not None else None


def _settings(row: sqlite3.Row) -> PageSettings:
    return PageSettings(row["guild_id"], row["token"], bool(row["public"]), bool(row["show_ratings"]))


@dataclass(frozen=True, slots=True)
class _Shown:
    """A talk as the templates show it: every value text, every link checked."""

    id: int
    topic: str
    speaker: str
    description: str | None
    starts_iso: str
    starts_text: str
    duration: str
    cancelled: bool
    url: str
    ics_url: str
    google_url: str
    join_url: str | None
    slides_url: str | None
    recording_url: str | None
    slides_text: str | None
    recording_text: str | None
    ratings: str | None


class _View:
    """One page's words and links, in the server's language and zone."""

    def __init__(self, pages: TalkPages, page: PageSettings, guild: GuildSettings, locale: str | None,
                 name: str) -> None:
        self.page = page
        self.guild = guild
        self.locale = locale
        self.name = name
        self.t: Translator = i18n.translator(locale)
        self.zone = _zone(guild.timezone)
        # Links stay on the address the visitor came by: the public one only when that is on.
        self.key = str(page.guild_id) if page.public else page.token

    def index_url(self, query: str, number: int) -> str:
        params = {k: v for k, v in (("q", query), ("page", str(number) if number > 1 else "")) if v}
        return f"/talks/{self.key}" + (f"?{urllib.parse.urlencode(params)}" if params else "")

    def moment(self, when: datetime) -> str:
        return self.t.moment(when.astimezone(self.zone), PAGE_MOMENT)

    def talk(self, talk: Talk, ratings: int | None = None, *, full: bool = False) -> _Shown:
        t = self.t
        description = talk.description
        if description and not full and len(description) > DESCRIPTION_PREVIEW:
            description = description[:DESCRIPTION_PREVIEW].rstrip() + "…"
        slides, recording = web_link(talk.slides_url), web_link(talk.recording_url)
        return _Shown(
            id=talk.id,
            topic=talk.topic,
            speaker=talk.speaker_name or t._("a member"),
            description=description,
            starts_iso=talk.starts_at.isoformat().replace("+00:00", "Z"),
            starts_text=self.moment(talk.starts_at),
            duration=t.duration(talk.ends_at - talk.starts_at),
            cancelled=talk.state == "cancelled",
            url=f"/talks/{self.key}/{talk.id}",
            ics_url=f"/talks/{self.key}/{talk.id}.ics",
            google_url=google_calendar_url(talk, self.locale),
            join_url=join_link(talk, self.guild),
            slides_url=slides,
            recording_url=recording,
            # A link that is not http(s) is shown as text, never followed.
            slides_text=None if slides else talk.slides_url,
            recording_text=None if recording else talk.recording_url,
            ratings=t.ngettext("{n} rating", "{n} ratings", ratings) if ratings is not None else None,
        )

    def og_title(self, talk: Talk) -> str:
        """The title a chat shows when it unfurls the link: a cancelled talk's says so, like its page does."""
        if talk.state == "cancelled":
            # Translators: the title of a cancelled talk's web page, as chats show a shared link to it.
            return self.t._("Cancelled: {topic}", topic=talk.topic)
        return talk.topic

    def og_description(self, talk: Talk) -> str:
        t = self.t
        lines = [t._("{speaker} · {when} ({zone})", speaker=talk.speaker_name or t._("a member"),
                     when=self.moment(talk.starts_at), zone=self.zone.key)]
        if talk.state == "cancelled":
            # First, so a chat that cuts the description short still shows it.
            lines.insert(0, t._("This talk was cancelled."))
        if talk.description:
            lines.append(" ".join(talk.description.split())[:DESCRIPTION_PREVIEW])
        return " — ".join(lines)

    def common(self) -> dict[str, object]:
        from markupsafe import Markup

        t = self.t
        zone = self.zone.key
        return {
            "lang": i18n.language_of(self.locale),
            "server": self.name,
            "script": Markup(LOCAL_TIMES_JS),  # a constant of ours, allowed by its hash
            "words": {
                "skip": t._("Skip to the talks"),
                "upcoming": t._("Upcoming talks"),
                "no_upcoming": t._("No talks are planned yet."),
                "past": t._("Past talks"),
                "no_past": t._("No past talks yet."),
                "no_match": t._("No past talks match this search."),
                "search": t._("Search"),
                "search_label": t._("Search past talks by topic or speaker"),
                "speaker": t._("Speaker"),
                "duration": t._("Length"),
                "add": t._("Add to calendar"),
                "ics": t._("Calendar file (.ics)"),
                "google": t._("Google Calendar"),
                "join": t._("Join on Discord"),
                "slides": t._("Slides"),
                "recording": t._("Recording"),
                "newer": t._("Newer talks"),
                "older": t._("Older talks"),
                "pages": t._("Pages of the archive"),
                "cancelled": t._("This talk was cancelled."),
                "all": t._("All talks on {server}", server=self.name),
                "zone_server": t._("Times are in {zone}, the server's time zone.", zone=zone),
                "zone_local": t._("Times are in your time zone ({zone}).", zone="{zone}"),
                "held": t._("This talk has taken place."),
            },
        }
