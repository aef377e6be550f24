"""/announce-settings page through the real process, in English and German, and the page it serves over HTTP."""

import re

import pytest

from tests.botprocess import free_port, http
from tests.e2e.commands import iso_in, run
from tests.e2e.dbcheck import query
from tests.fake_discord import GUILD_ID, MEMBER_ID, MODERATOR_ID

PUBLIC_URL = "https://podium.example.org"
WORDS = {
    "en-US": {"page": "The server's web page of talks", "public": "It is public, also at", "off": "The web page is off",
              "old": "The old link no longer works.", "heading": "Upcoming talks", "lang": 'lang="en"',
              "shown": "Web page: public", "shown_off": "Web page: off"},
    "de": {"page": "Die Webseite mit den Vorträgen auf dem Server", "public": "Sie ist öffentlich, auch unter",
           "off": "Die Webseite ist aus", "old": "Der alte Link funktioniert nicht mehr.",
           "heading": "Anstehende Vorträge", "lang": 'lang="de"', "shown": "Webseite: öffentlich",
           "shown_off": "Webseite: aus"},
}


def secret_path(reply):
    return re.search(r"<https://podium\.example\.org(/talks/[\w-]{32,})>", reply)[1]


@pytest.mark.parametrize("locale", ["en-US", "de"])
async def test_a_moderator_turns_the_page_on_makes_it_public_rotates_and_turns_it_off(fake, bot_factory, locale):
    words = WORDS[locale]
    port = free_port()
    bot = bot_factory(HTTP_PORT=str(port), PUBLIC_URL=PUBLIC_URL)
    await bot.start()
    if locale == "de":
        await run(fake, "announce-settings", "language", MODERATOR_ID, language="de")
    await run(fake, "schedule", "add", MEMBER_ID, when=iso_in(3 * 86400), topic="Ownership <b>in</b> Rust")

    _, reply = await run(fake, "announce-settings", "page", MODERATOR_ID, locale=locale, private=True, action="on")
    assert words["page"] in reply
    path = secret_path(reply)
    status, html = await http("GET", port, path)
    assert status == 200 and words["lang"] in html and words["heading"] in html
    assert "Ownership &lt;b&gt;in&lt;/b&gt; Rust" in html
    assert (await http("GET", port, f"/talks/{GUILD_ID}"))[0] == 404

    _, reply = await run(fake, "announce-settings", "page", MODERATOR_ID, locale=locale, action="public",
                         ratings=True)
    assert words["public"] in reply and f"<{PUBLIC_URL}/talks/{GUILD_ID}>" in reply
    assert (await http("GET", port, f"/talks/{GUILD_ID}"))[0] == 200
    assert query(bot.db_path, "SELECT public, show_ratings FROM talk_pages") == [{"public": 1, "show_ratings": 1}]
    assert words["shown"] in (await run(fake, "announce-settings", "show", MODERATOR_ID, locale=locale))[1]

    _, reply = await run(fake, "announce-settings", "page", MODERATOR_ID, locale=locale, action="rotate")
    assert words["old"] in reply
    rotated = secret_path(reply)
    assert rotated != path
    assert (await http("GET", port, path))[0] == 404 and (await http("GET", port, rotated))[0] == 200

    _, reply = await run(fake, "announce-settings", "page", MODERATOR_ID, locale=locale, action="off")
    assert words["off"] in reply
    assert (await http("GET", port, rotated))[0] == 404 and (await http("GET", port, f"/talks/{GUILD_ID}"))[0] == 404
    assert query(bot.db_path, "SELECT count(*) AS n FROM talk_pages") == [{"n": 0}]
    assert words["shown_off"] in (await run(fake, "announce-settings", "show", MODERATOR_ID, locale=locale))[1]


async def test_only_moderators_and_only_with_a_reachable_endpoint(fake, bot_factory):
    bot = bot_factory()  # no HTTP_PORT, no PUBLIC_URL
    await bot.start()
    _, reply = await run(fake, "announce-settings", "page", MEMBER_ID, private=True, action="on")
    assert "Manage Server" in reply
    _, reply = await run(fake, "announce-settings", "page", MODERATOR_ID, private=True, action="on")
    assert "HTTP_PORT" in reply and "PUBLIC_URL" in reply and "Nothing was changed." in reply
    _, reply = await run(fake, "announce-settings", "page", MODERATOR_ID, locale="de", private=True, action="on")
    assert "Es wurde nichts geändert." in reply
    assert query(bot.db_path, "SELECT count(*) AS n FROM talk_pages") == [{"n": 0}]
