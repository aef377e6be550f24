"""The community's web page of talks over the real HTTP endpoint, a real SQLite file and a manual clock."""

import gzip
import re
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser

import aiohttp
import pytest
import pytest_asyncio

from db import Database
from podium.clock import to_ms
from podium.ops import AddressLimit, accepts_gzip
from podium.talk_page import ARCHIVE_PAGE_SIZE, CONTENT_SECURITY_POLICY, LOCAL_TIMES_JS, web_link
from tests.factories import GUILD, add_guild, add_talk
from tests.talk_site import PUBLIC_URL, serve_pages

OTHER_GUILD = GUILD + 1


@pytest_asyncio.fixture
async def site(db: Database, clock):
    pages, server = await serve_pages(db, clock)
    yield pages, server
    await server.stop()


async def get(server, path, headers=None):
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{server.port}{path}", headers=headers, allow_redirects=False) as response,
    ):
        return response.status, response.headers, (await response.read()).decode()


async def get_raw(server, path, headers):
    """The response as sent: its status, headers and bytes, not decompressed."""
    async with (
        aiohttp.ClientSession(auto_decompress=False) as session,
        session.get(f"http://127.0.0.1:{server.port}{path}", headers=headers) as response,
    ):
        return response.status, response.headers, await response.read()


class Page(HTMLParser):
    """The parts of a page the tests read: links, <time> elements, headings, meta tags, the text."""

    def __init__(self, html):
        super().__init__()
        self.links, self.times, self.meta, self.text, self.headings = [], [], {}, [], []
        self._in = None
        self.lang = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "a":
            self.links.append(a.get("href"))
        if tag == "time":
            self.times.append(a.get("datetime"))
        if tag == "meta" and ("property" in a or "name" in a):
            self.meta[a.get("property") or a.get("name")] = a.get("content")
        if tag in ("h1", "h2", "h3"):
            self._in = tag

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        self.text.append(data)
        if self._in:
            self.headings.append((self._in, data.strip()))


async def talk_at(db, clock, hours, **fields):
    return await add_talk(db, starts_at=clock.now() + timedelta(hours=hours), **fields)


async def test_the_page_is_off_until_turned_on_and_then_shows_upcoming_talks_in_the_servers_zone(db, clock, site):
    pages, server = site
    await add_guild(db, timezone="Europe/Berlin")
    talk_id = await talk_at(db, clock, 48, topic="Intro to Rust", speaker_name="Ada", description="Ownership.")
    assert (await get(server, f"/talks/{GUILD}"))[0] == 404  # off: not even the public address

    page = await pages.turn_on(GUILD)
    status, headers, html = await get(server, f"/talks/{page.token}")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    parsed = Page(html)
    assert parsed.lang == "en"
    assert ("h2", "Upcoming talks") in parsed.headings and ("h3", "Intro to Rust") in parsed.headings
    starts = clock.now() + timedelta(hours=48)
    # Machine-readable in UTC for the browser's script; written in the server's zone for a page without it.
    assert starts.strftime("%Y-%m-%dT%H:%M:%SZ") in parsed.times
    assert "Times are in Europe/Berlin, the server's time zone." in unescape(html)
    assert "Tuesday 1 December 2026, 00:30" in html  # 23:30 UTC + 48 h, one hour ahead in Berlin in winter
    assert "Speaker: Ada" in html and "Ownership." in html
    assert f"/talks/{page.token}/{talk_id}.ics" in parsed.links
    assert any(link.startswith("https://calendar.google.com/calendar/render?") for link in parsed.links)
    # The public address works only once chosen.
    assert (await get(server, f"/talks/{GUILD}"))[0] == 404


async def test_add_to_calendar_gives_the_talk_as_an_ics_with_the_feeds_uid(db, clock, site):
    pages, server = site
    talk_id = await talk_at(db, clock, 48, topic="Feeds")
    page = await pages.turn_on(GUILD)
    status, headers, body = await get(server, f"/talks/{page.token}/{talk_id}.ics")
    assert status == 200 and headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "SUMMARY:Feeds" in body and f"UID:talk-{talk_id}-{GUILD}@podium" in body
    assert (await get(server, f"/talks/{page.token}/{talk_id + 99}.ics"))[0] == 404


async def test_join_on_discord_links_the_thread_else_the_event_else_the_announcement_channel(db, clock, site):
    pages, server = site
    await add_guild(db, announce_channel_id=555)
    await talk_at(db, clock, 10, topic="Thread", thread_id=111)
    await talk_at(db, clock, 11, topic="Event", event_id=222)
    await talk_at(db, clock, 12, topic="Channel")
    page = await pages.turn_on(GUILD)
    links = Page((await get(server, f"/talks/{page.token}"))[2]).links
    assert f"https://discord.com/channels/{GUILD}/111" in links
    assert f"https://discord.com/events/{GUILD}/222" in links
    assert f"https://discord.com/channels/{GUILD}/555" in links


async def test_pending_and_declined_talks_never_show_and_cancelled_ones_only_on_their_own_page(db, clock, site):
    pages, server = site
    pending = await talk_at(db, clock, 24, topic="Waiting for approval", approval="pending")
    declined = await talk_at(db, clock, 25, topic="Declined one", approval="declined")
    cancelled = await talk_at(db, clock, 26, topic="Called off", state="cancelled")
    other = await add_talk(db, guild_id=OTHER_GUILD, topic="Another server's", starts_at=clock.now())
    page = await pages.turn_on(GUILD)
    html = (await get(server, f"/talks/{page.token}"))[2]
    for topic in ("Waiting for approval", "Declined one", "Called off", "Another server's"):
        assert topic not in html
    for talk_id in (pending, declined, other):
        assert (await get(server, f"/talks/{page.token}/{talk_id}"))[0] == 404
        assert (await get(server, f"/talks/{page.token}/{talk_id}.ics"))[0] == 404
    # A shared link to a cancelled talk says so instead of a bare 404, and offers no calendar entry.
    status, _, html = await get(server, f"/talks/{page.token}/{cancelled}")
    assert status == 200 and "This talk was cancelled." in html and ".ics" not in html


async def test_member_text_is_text_everywhere_and_only_http_links_are_links(db, clock, site):
    pages, server = site
    hostile = '<script>alert("x")</script> & "quotes" \'too\''
    talk_id = await talk_at(db, clock, -5, topic=hostile, speaker_name='<img src=x onerror="alert(1)">',
                            description='<a href="javascript:alert(1)">click</a>\n<b>bold</b>',
                            slides_url="javascript:alert(1)", recording_url="https://video.example.org/r?a=1&b=2")
    await talk_at(db, clock, 5, topic="</title><script>alert(2)</script>", description="\"><svg onload=alert(3)>")
    page = await pages.turn_on(GUILD)
    for path in (f"/talks/{page.token}", f"/talks/{page.token}/{talk_id}", f"/talks/{page.token}?q=%3Cscript%3E"):
        status, headers, html = await get(server, path)
        assert status == 200
        scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
        assert scripts == [LOCAL_TIMES_JS], path  # the one script of ours; no member text became one
        assert "<img" not in html and "<svg" not in html and "<b>" not in html
        assert "javascript:" not in " ".join(link or "" for link in Page(html).links)
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    html = (await get(server, f"/talks/{page.token}/{talk_id}"))[2]
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34; &#39;too&#39;" in html
    parsed = Page(html)
    # The recording is a link (its & escaped in the attribute, whole again when parsed); the slides only text.
    assert "https://video.example.org/r?a=1&b=2" in parsed.links
    assert "Slides: javascript:alert(1)" in "".join(parsed.text)
    assert parsed.meta["og:title"] == hostile


def test_web_link_accepts_only_http_and_https_urls_with_a_host():
    assert web_link("https://example.org/slides.pdf") == "https://example.org/slides.pdf"
    assert web_link(" http://example.org ") == "http://example.org"
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "https:///nohost", "//evil.org",
                "ftp://example.org", "", None):
        assert web_link(bad) is None, bad


async def test_each_talk_has_its_own_page_with_open_graph_tags(db, clock, site):
    pages, server = site
    await add_guild(db, timezone="America/Los_Angeles")
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO guild_names (guild_id, name, updated_at_ms) VALUES (?, 'Rustaceans', 0)",
                         (GUILD,))
    talk_id = await talk_at(db, clock, 30, topic="Async in depth", speaker_name="Grace",
                            description="Tasks,\nwakers and executors.")
    page = await pages.turn_on(GUILD)
    status, headers, html = await get(server, f"/talks/{page.token}/{talk_id}")
    assert status == 200 and headers["X-Robots-Tag"] == "noindex"  # the secret address is not for search engines
    meta = Page(html).meta
    assert meta["og:title"] == "Async in depth" and meta["og:site_name"] == "Rustaceans"
    assert meta["og:url"] == f"{PUBLIC_URL}/talks/{page.token}/{talk_id}"
    assert meta["og:description"].startswith("Grace · Sunday 29 November 2026, 21:30 (America/Los_Angeles)")
    assert "Tasks, wakers and executors." in meta["og:description"]
    assert "<title>Async in depth</title>" in html and "All talks on Rustaceans" in html


async def test_rotating_retires_the_old_address_and_public_adds_the_server_id_one(db, clock, site):
    pages, server = site
    await talk_at(db, clock, 5)
    first = await pages.turn_on(GUILD)
    rotated = await pages.rotate(GUILD)
    assert rotated is not None and rotated.token != first.token and len(rotated.token) >= 32
    assert (await get(server, f"/talks/{first.token}"))[0] == 404
    assert (await get(server, f"/talks/{rotated.token}"))[0] == 200
    public = await pages.turn_on(GUILD, public=True)
    assert public.token == rotated.token  # choosing public keeps the secret address
    status, headers, html = await get(server, f"/talks/{GUILD}")
    assert status == 200 and "X-Robots-Tag" not in headers
    # Links on the public page stay public: the secret token is not handed to every visitor.
    assert rotated.token not in html
    await pages.turn_on(GUILD, public=False)
    assert (await get(server, f"/talks/{GUILD}"))[0] == 404
    assert await pages.turn_off(GUILD)
    assert (await get(server, f"/talks/{rotated.token}"))[0] == 404
    assert not await pages.turn_off(GUILD)
    # A page that is off has no link to retire: rotating it changes nothing and does not turn it on.
    assert await pages.rotate(GUILD) is None and await pages.settings(GUILD) is None


async def test_etag_304_until_a_talk_changes_or_one_ends(db, clock, site):
    pages, server = site
    talk_id = await talk_at(db, clock, 1, topic="Soon")
    page = await pages.turn_on(GUILD)
    status, headers, _ = await get(server, f"/talks/{page.token}")
    etag = headers["ETag"]
    assert status == 200 and headers["Cache-Control"] == "private, max-age=60"
    assert headers["Referrer-Policy"] == "no-referrer"
    status, headers, body = await get(server, f"/talks/{page.token}", {"If-None-Match": etag})
    assert status == 304 and body == "" and headers["ETag"] == etag

    async with db.transaction() as tx:
        await tx.execute("UPDATE talks SET topic = 'Renamed', updated_at_ms = ? WHERE id = ?",
                         (to_ms(clock.now()), talk_id))
    status, headers, html = await get(server, f"/talks/{page.token}", {"If-None-Match": etag})
    assert status == 200 and "Renamed" in html
    etag = headers["ETag"]
    # The talk ends: it moves from upcoming to the archive, a new version though no row changed.
    clock.advance(timedelta(hours=2))
    status, headers, html = await get(server, f"/talks/{page.token}", {"If-None-Match": etag})
    assert status == 200 and headers["ETag"] != etag
    assert "No talks are planned yet." in html and "1 past talk" in html


async def test_the_archive_is_paged_newest_first_and_searchable(db, clock, site):
    pages, server = site
    for i in range(ARCHIVE_PAGE_SIZE * 2 + 5):
        await talk_at(db, clock, -(i + 1) * 24, topic=f"Past talk {i:02d}", speaker_name="Linus" if i % 2 else "Ada")
    await talk_at(db, clock, -48 * 100, topic="100% Rust_safety", speaker_name="Ferris")
    page = await pages.turn_on(GUILD)
    base = f"/talks/{page.token}"
    first = Page((await get(server, base))[2])
    topics = [text for level, text in first.headings if level == "h3"]
    assert topics[:2] == ["Past talk 00", "Past talk 01"] and len(topics) == ARCHIVE_PAGE_SIZE
    assert f"{base}?page=2" in first.links
    last = Page((await get(server, f"{base}?page=3"))[2])
    topics = [text for level, text in last.headings if level == "h3"]
    assert topics == [f"Past talk {i}" for i in range(40, 45)] + ["100% Rust_safety"]
    assert f"{base}?page=2" in last.links and "Page 3 of 3" in "".join(last.text)
    # Beyond the end, or not a number: the nearest real page, never an error.
    assert "Page 3 of 3" in (await get(server, f"{base}?page=99"))[2]
    assert "Page 1 of 3" in (await get(server, f"{base}?page=abc"))[2]

    found = Page((await get(server, f"{base}?q=linus"))[2])
    assert len([1 for level, _ in found.headings if level == "h3"]) == ARCHIVE_PAGE_SIZE
    assert "22 past talks" in "".join(found.text)
    assert f"{base}?q=linus&page=2" in found.links
    # % and _ are what they are, not wildcards.
    found = Page((await get(server, f"{base}?q=%25"))[2])
    assert [text for level, text in found.headings if level == "h3"] == ["100% Rust_safety"]
    html = (await get(server, f"{base}?q=nothing+like+this"))[2]
    assert "No past talks match this search." in html and 'value="nothing like this"' in html


async def test_escaped_text_at_its_longest_stays_within_100_kb_as_sent(db, clock, site):
    pages, server = site
    await add_guild(db, announce_channel_id=555)
    longest = {"topic": "T&" * 100, "speaker_name": "S<" * 40, "description": "D\"" * 500,
               "slides_url": "https://example.org/?" + "s&" * 245,
               "recording_url": "https://example.org/?" + "r&" * 245,
               "thread_id": 10**18}
    for i in range(80):
        await talk_at(db, clock, -(i + 1) * 24, **longest)
        await talk_at(db, clock, (i + 1) * 24, **longest)
    page = await pages.turn_on(GUILD, ratings=True)
    for path in (f"/talks/{page.token}", f"/talks/{page.token}?page=2", f"/talks/{page.token}?q=T%26",
                 f"/talks/{page.token}/1"):
        status, headers, sent = await get_raw(server, path, {"Accept-Encoding": "gzip"})
        # Escaped member text makes the HTML several times its text (& is 5 bytes: ~400 kB here); it is sent gzipped.
        assert status == 200 and headers["Content-Encoding"] == "gzip"
        assert len(sent) <= 100_000, (path, len(sent))
        assert gzip.decompress(sent).decode().startswith("<!doctype html>")


async def test_gzip_is_a_representation_of_its_own_with_its_own_etag(db, clock, site):
    pages, server = site
    await talk_at(db, clock, 5, topic="Compressed")
    page = await pages.turn_on(GUILD)
    path = f"/talks/{page.token}"
    status, plain, body = await get_raw(server, path, {"Accept-Encoding": "identity"})
    assert status == 200 and "Content-Encoding" not in plain and b"Compressed" in body
    status, zipped, sent = await get_raw(server, path, {"Accept-Encoding": "gzip, deflate, br"})
    assert zipped["Content-Encoding"] == "gzip" and gzip.decompress(sent) == body
    assert plain["Vary"] == zipped["Vary"] == "Accept-Encoding"
    assert plain["ETag"] != zipped["ETag"]
    assert (await get_raw(server, path, {"Accept-Encoding": "gzip", "If-None-Match": zipped["ETag"]}))[0] == 304
    # A cache holding the identity body must not be told the gzipped one is the same, nor the other way round.
    assert (await get_raw(server, path, {"Accept-Encoding": "gzip", "If-None-Match": plain["ETag"]}))[0] == 200
    assert (await get_raw(server, path, {"Accept-Encoding": "identity", "If-None-Match": zipped["ETag"]}))[0] == 200

    # If-None-Match is a list, compared weakly for a GET (RFC 9110 13.1.2); "*" matches any page that exists.
    listed = f'"other", W/{zipped["ETag"]}'
    assert (await get_raw(server, path, {"Accept-Encoding": "gzip", "If-None-Match": listed}))[0] == 304
    assert (await get_raw(server, path, {"Accept-Encoding": "gzip", "If-None-Match": '"other"'}))[0] == 200


@pytest.mark.parametrize("header, takes", [
    ("gzip", True), ("GZIP;q=0.5", True), ("br, x-gzip", True), ("*", True), ("identity, *;q=0.1", True),
    ("gzip;q=0", False), ("gzip; q=0.000", False), ("*;q=0", False), ("*, gzip;q=0", False), ("gzip;q=x", False),
    ("", False), ("identity", False), ("br, deflate", False),
])
def test_gzip_is_sent_when_accept_encoding_weighs_it_above_zero(header, takes):
    # RFC 9110 12.5.3: a coding named with q=0 is refused, whatever "*" says; "*" stands for the codings not named.
    assert accepts_gzip(header) is takes


async def test_the_page_speaks_the_servers_language(db, clock, site):
    pages, server = site
    await add_guild(db, timezone="Europe/Berlin", locale="de")
    await talk_at(db, clock, 48, topic="Einführung", speaker_name="Ada")
    await talk_at(db, clock, -48, topic="Rückblick")
    page = await pages.turn_on(GUILD)
    html = (await get(server, f"/talks/{page.token}"))[2]
    parsed = Page(html)
    assert parsed.lang == "de"
    assert ("h2", "Anstehende Vorträge") in parsed.headings and ("h2", "Vergangene Vorträge") in parsed.headings
    assert "Dienstag, 1. Dezember 2026, 00:30" in html
    assert "Zum Kalender hinzufügen" in html


@pytest.mark.parametrize("key", ["guessing", "0" * 18, "x" * 300])
async def test_an_unknown_address_is_a_plain_404(site, key):
    _, server = site
    status, _, body = await get(server, f"/talks/{key}")
    assert (status, body) == (404, "not found")


async def vote(db, talk_id, user_id, stars):
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO feedback_votes (talk_id, user_id, stars, created_at_ms, updated_at_ms) VALUES (?, ?, ?, 0, 0)"
            " ON CONFLICT (talk_id, user_id) DO UPDATE SET stars = excluded.stars",
            (talk_id, user_id, stars),
        )


async def test_rating_counts_show_only_when_the_server_chose_so_and_never_who_voted(db, clock, site):
    pages, server = site
    past = await talk_at(db, clock, -5, topic="Rated talk")
    upcoming = await talk_at(db, clock, 5, topic="Not yet held")
    for user_id, stars in ((1001, 5), (1002, 3), (1003, 4)):
        await vote(db, past, user_id, stars)
    page = await pages.turn_on(GUILD)
    html = (await get(server, f"/talks/{page.token}"))[2]
    assert "rating" not in html  # not chosen: nothing shown

    page = await pages.turn_on(GUILD, ratings=True)
    status, headers, html = await get(server, f"/talks/{page.token}")
    assert status == 200 and "3 ratings" in html
    assert "1001" not in html and "★" not in html and "average" not in html.lower()
    assert "3 ratings" in (await get(server, f"/talks/{page.token}/{past}"))[2]
    assert "rating" not in (await get(server, f"/talks/{page.token}/{upcoming}"))[2]
    # A new vote is a new version of the page; a changed vote changes nothing shown, so no new version either.
    etag = headers["ETag"]
    await vote(db, past, 1002, 1)
    assert (await get(server, f"/talks/{page.token}", {"If-None-Match": etag}))[0] == 304
    await vote(db, past, 1004, 2)
    status, _, html = await get(server, f"/talks/{page.token}", {"If-None-Match": etag})
    assert status == 200 and "4 ratings" in html


async def test_page_requests_are_limited_per_address(db, clock):
    pages, server = await serve_pages(db, clock, page_limit=AddressLimit(burst=2, per_second=0.001))
    try:
        page = await pages.turn_on(GUILD)
        assert [(await get(server, f"/talks/{page.token}"))[0] for _ in range(2)] == [200, 200]
        status, headers, _ = await get(server, f"/talks/{page.token}")
        assert status == 429 and int(headers["Retry-After"]) > 0
    finally:
        await server.stop()


def test_jinja2_is_imported_at_the_first_page_not_at_start():
    import subprocess
    import sys

    probe = "import sys, podium.services; print('jinja2' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
