"""Review of issue 24 §4 (the web page of talks): each test here fails on the code as it was reviewed."""

from datetime import timedelta

import aiohttp
import pytest
import pytest_asyncio

from db import Database
from podium.scheduled_events import _store_event_id
from tests.factories import GUILD, add_guild, add_talk
from tests.talk_site import serve_pages


@pytest_asyncio.fixture
async def site(db: Database, clock):
    pages, server = await serve_pages(db, clock)
    yield pages, server
    await server.stop()


async def get(server, path, headers=None, *, decompress=True):
    async with (
        aiohttp.ClientSession(auto_decompress=decompress) as session,
        session.get(f"http://127.0.0.1:{server.port}{path}", headers=headers, allow_redirects=False) as response,
    ):
        return response.status, response.headers, await response.read()


async def test_r23d_join_link_follows_the_thread_created_after_the_page_was_first_served(db, clock, site):
    # The dispatcher stores a talk's thread when its first thread post goes out (dispatcher.py: "UPDATE talks SET
    # thread_id = ? WHERE id = ?"), without touching updated_at_ms or sequence: the page's version does not move,
    # so the cached page (and its ETag, answered 304) keeps linking the announcement channel instead of the thread.
    pages, server = site
    await add_guild(db, announce_channel_id=555)
    talk_id = await add_talk(db, starts_at=clock.now() + timedelta(days=2), topic="Threads later")
    page = await pages.turn_on(GUILD)
    first = await get(server, f"/talks/{page.token}/{talk_id}")
    assert f"https://discord.com/channels/{GUILD}/555".encode() in first[2]
    async with db.transaction() as tx:
        await tx.execute("UPDATE talks SET thread_id = ? WHERE id = ?", (111, talk_id))
    status, _, body = await get(server, f"/talks/{page.token}/{talk_id}",
                                      {"If-None-Match": first[1]["ETag"]})
    assert status == 200, "a 304 keeps the browser on a page without the thread"
    assert f"https://discord.com/channels/{GUILD}/111".encode() in body
    index = (await get(server, f"/talks/{page.token}"))[2]
    assert f"https://discord.com/channels/{GUILD}/111".encode() in index


async def test_r23d_join_link_follows_the_event_created_after_the_page_was_first_served(db, clock, site):
    # scheduled_events._store_event_id stores the event without moving updated_at_ms: the index stays stale.
    pages, server = site
    await add_guild(db, announce_channel_id=555)
    talk_id = await add_talk(db, starts_at=clock.now() + timedelta(days=2), topic="Event later")
    page = await pages.turn_on(GUILD)
    assert f"https://discord.com/channels/{GUILD}/555".encode() in (await get(server, f"/talks/{page.token}"))[2]
    await _store_event_id(db, talk_id, 222)
    body = (await get(server, f"/talks/{page.token}"))[2]
    assert f"https://discord.com/events/{GUILD}/222".encode() in body


@pytest.mark.parametrize("key", ["99999999999999999999", "%C2%B2", "%D9%A1" + "9" * 25])
async def test_r23d_an_all_digit_address_that_is_no_server_id_is_a_404_not_a_500(site, key):
    # TalkPages.find reads any str.isdigit() key as a server id: int() of "²" raises ValueError, and an id past
    # SQLite's 64-bit integers raises OverflowError — an unhandled 500 for a guessed address instead of a 404.
    _, server = site
    status, _, body = await get(server, f"/talks/{key}")
    assert (status, body) == (404, b"not found")


async def test_r23d_gzip_is_not_sent_to_a_client_that_refuses_it(site):
    # RFC 9110 12.5.3: "gzip;q=0" means gzip is not acceptable; the endpoint checks only that "gzip" appears.
    pages, server = site
    page = await pages.turn_on(GUILD)
    status, headers, body = await get(server, f"/talks/{page.token}", {"Accept-Encoding": "identity, gzip;q=0"},
                                      decompress=False)
    assert status == 200
    assert headers.get("Content-Encoding") is None and body.startswith(b"<!doctype html>")


async def test_r23d_the_secret_address_is_not_stored_by_shared_caches(site):
    # The page behind the secret token is sent "Cache-Control: public": any shared cache (a company proxy, a CDN)
    # may keep it and serve it on after the token is rotated or the page turned off. The calendar feed, secret
    # in the same way, is sent "private".
    pages, server = site
    page = await pages.turn_on(GUILD)
    _, headers, _ = await get(server, f"/talks/{page.token}")
    assert "private" in headers["Cache-Control"] and "public" not in headers["Cache-Control"]


async def test_r23d_if_none_match_star_is_answered_304(site):
    # RFC 9110 13.1.2: "If-None-Match: *" is false when the page exists; a GET is then answered 304 Not Modified.
    # The endpoint looks for its own ETag as a substring of the header and sends the whole page.
    pages, server = site
    page = await pages.turn_on(GUILD)
    status, _, body = await get(server, f"/talks/{page.token}", {"If-None-Match": "*"})
    assert (status, body) == (304, b"")


async def test_r23d_searching_the_archive_ignores_case_in_german_words_too(db, clock, site):
    # The archive is "searchable by topic and speaker" in both languages; SQLite's LIKE folds only ASCII letters,
    # so "über" finds "Über Ownership" no more than "ÜBER" would: a German community's search misses its own talks
    # while "rust" finds "Rust".
    pages, server = site
    await add_guild(db, locale="de")
    await add_talk(db, starts_at=clock.now() - timedelta(days=3), topic="Über Ownership in Rust",
                   speaker_name="Özlem")
    page = await pages.turn_on(GUILD)
    ascii_hit = (await get(server, f"/talks/{page.token}?q=rust"))[2].decode()
    assert "Über Ownership in Rust" in ascii_hit
    for query in ("über", "özlem"):
        body = (await get(server, f"/talks/{page.token}?q={query}"))[2].decode()
        assert "Über Ownership in Rust" in body, query


async def test_r23d_a_new_release_of_the_page_gets_a_new_etag(db, clock, site, monkeypatch):
    # The strong ETag must name the bytes sent (RFC 9110 8.8.3). The version hashes only the server's talks and
    # settings, not the templates, the script or the translations: after an upgrade changes any of them (a fixed
    # layout, a fixed escape, a new translation), a browser revalidating its copy is told 304 and keeps the old page
    # until some talk changes, which may be weeks.
    import jinja2

    from podium import talk_page

    pages, server = site
    await add_talk(db, starts_at=clock.now() + timedelta(days=2), topic="Release")
    page = await pages.turn_on(GUILD)
    _, headers, old = await get(server, f"/talks/{page.token}", {"Accept-Encoding": "identity"})
    # The next release: the same templates with one change, in a fresh process (nothing cached).
    changed = jinja2.Environment(loader=jinja2.FileSystemLoader(talk_page.TEMPLATES), autoescape=True,
                                 undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    base = (talk_page.TEMPLATES / "base.html").read_text().replace("<head>", "<head>\n<!-- release 2 -->", 1)
    changed.loader = jinja2.ChoiceLoader([jinja2.DictLoader({"base.html": base}), changed.loader])
    monkeypatch.setattr(talk_page, "_environment", lambda: changed)
    pages._cache.clear()
    status, _, new = await get(server, f"/talks/{page.token}", {"Accept-Encoding": "identity"})
    assert status == 200 and new != old, "the new release serves other bytes"
    status, _, _ = await get(server, f"/talks/{page.token}",
                             {"Accept-Encoding": "identity", "If-None-Match": headers["ETag"]})
    assert status == 200, "the old copy's ETag is answered 304: the visitor keeps the old release's page"


@pytest.mark.parametrize("locale, word", [("en-US", "cancelled"), ("de", "abgesagt")])
async def test_r23d_a_cancelled_talks_link_unfurls_as_cancelled(db, clock, site, locale, word):
    # A cancelled talk's own page stays "so a link shared in a chat does not end in a bare 404" — but what a chat
    # shows of that link is its Open Graph tags, and they read exactly as before: title, speaker, time, description.
    # The unfurl keeps inviting people to a talk that will not take place (public text kept true when a talk changes).
    from html.parser import HTMLParser

    class Meta(HTMLParser):
        def __init__(self):
            super().__init__()
            self.meta = {}

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "meta" and ("property" in a or "name" in a):
                self.meta[a.get("property") or a.get("name")] = a.get("content") or ""

    pages, server = site
    await add_guild(db, locale=locale)
    talk_id = await add_talk(db, starts_at=clock.now() + timedelta(days=2), topic="Called off", state="cancelled",
                             speaker_name="Ada", description="Ownership.")
    page = await pages.turn_on(GUILD)
    status, _, body = await get(server, f"/talks/{page.token}/{talk_id}")
    assert status == 200
    parser = Meta()
    parser.feed(body.decode())
    unfurl = (parser.meta["og:title"] + " " + parser.meta["og:description"]).lower()
    assert word in unfurl, unfurl
