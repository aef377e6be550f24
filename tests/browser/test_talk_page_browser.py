"""The web page of talks in a real browser: headless Chromium (Debian's) driven by Playwright.

The page renders the talks, shows times in the browser's own zone (two zones), its links and search work, it logs
no console error (a script the Content-Security-Policy blocked would be one), it is usable by keyboard, and axe-core
finds no serious or critical accessibility violation on either page, with and without JavaScript.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import pytest_asyncio

from db import Database
from podium.clock import ManualClock
from tests.browser.chromium import MISSING, available, browser_context
from tests.factories import GUILD, add_guild, add_talk
from tests.talk_site import serve_pages

pytestmark = pytest.mark.skipif(not available(), reason=MISSING)

NOW = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)
# Thursday 3 December 2026, 18:00 UTC: 19:00 in Berlin (the server), 13:00 in New York, 03:00 on Friday in Tokyo.
UPCOMING = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


@pytest_asyncio.fixture
async def site(tmp_path):
    db = await Database.open(tmp_path / "podium.db")
    clock = ManualClock(NOW)
    await add_guild(db, timezone="Europe/Berlin", announce_channel_id=555)
    upcoming = await add_talk(db, starts_at=UPCOMING, topic="Ownership in Rust", speaker_name="Ada",
                              description="Borrowing, lifetimes\nand the borrow checker.", thread_id=777)
    await add_talk(db, starts_at=datetime(2026, 11, 20, 18, 0, tzinfo=UTC), topic="Async in depth",
                   speaker_name="Grace", slides_url="https://slides.example.org/async",
                   recording_url="javascript:alert(1)")
    await add_talk(db, starts_at=datetime(2026, 11, 13, 18, 0, tzinfo=UTC),
                   topic='<script>alert("x")</script> Unsafe Rust', speaker_name="<b>Linus</b>")
    for day in range(1, 29):  # enough for a second page of the archive
        await add_talk(db, starts_at=datetime(2026, 10, day, 18, 0, tzinfo=UTC), topic=f"Lightning talk {day}",
                       speaker_name="Ferris")
    pages, server = await serve_pages(db, clock)
    page = await pages.turn_on(GUILD)
    base = f"http://127.0.0.1:{server.port}/talks/{page.token}"
    yield base, upcoming, db
    await server.stop()
    await db.close()


async def open_page(context, url):
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = await page.goto(url)
    assert response is not None and response.status == 200
    return page, errors


@pytest.mark.parametrize(("zone", "shown"), [
    ("America/New_York", ["Thursday", "December 3, 2026", "01:00 PM", "EST"]),
    ("Asia/Tokyo", ["Friday", "December 4, 2026", "03:00 AM", "GMT+9"]),
])
async def test_times_are_shown_in_the_browsers_own_zone(site, zone, shown):
    base, *_ = site
    async with browser_context(timezone_id=zone, locale="en-US") as context:
        page, errors = await open_page(context, base)
        first = page.locator("time[data-local]").first
        text = await first.text_content()
        for part in shown:
            assert part in text, (zone, text)
        assert await first.get_attribute("datetime") == "2026-12-03T18:00:00Z"
        assert await page.locator("#zone-note").text_content() == f"Times are in your time zone ({zone})."
        assert errors == []


async def test_a_german_server_s_page_reads_german_times_in_the_visitor_s_zone(site):
    base, _, db = site
    async with db.transaction() as tx:
        await tx.execute("UPDATE guild_settings SET locale = 'de' WHERE guild_id = ?", (GUILD,))
    async with browser_context(timezone_id="Asia/Tokyo", locale="de-DE") as context:
        page, errors = await open_page(context, base)
        assert await page.locator("h2").first.text_content() == "Anstehende Vorträge"
        text = await page.locator("time[data-local]").first.text_content()
        assert "Freitag" in text and "4. Dezember 2026" in text and "03:00" in text, text
        assert await page.locator("#zone-note").text_content() == "Zeiten in deiner Zeitzone (Asia/Tokyo)."
        assert errors == []


async def test_without_javascript_the_times_stay_in_the_servers_zone(site):
    base, *_ = site
    async with browser_context(timezone_id="Asia/Tokyo", java_script_enabled=False) as context:
        page, errors = await open_page(context, base)
        assert await page.locator("time[data-local]").first.text_content() == "Thursday 3 December 2026, 19:00"
        assert "Europe/Berlin" in await page.locator("#zone-note").text_content()
        assert errors == []


async def test_the_page_renders_the_talks_and_its_links_work(site):
    base, upcoming, _ = site
    async with browser_context(timezone_id="Europe/Berlin") as context:
        page, errors = await open_page(context, base)
        assert await page.locator("h1").text_content() == "Talks on Discord"
        headings = await page.locator("h3").all_text_contents()
        assert headings[0] == "Ownership in Rust" and "Async in depth" in headings
        # Member text stays text: the hostile topic is shown, no script of it ran (a dialog would have opened).
        assert '<script>alert("x")</script> Unsafe Rust' in headings
        assert await page.locator("text=Speaker: <b>Linus</b>").count() == 1
        join = page.get_by_role("link", name="Join on Discord").first
        assert await join.get_attribute("href") == f"https://discord.com/channels/{GUILD}/777"
        google = page.get_by_role("link", name="Add to calendar: Google Calendar")
        assert (await google.get_attribute("href")).startswith("https://calendar.google.com/calendar/render?")
        ics = await page.get_by_role("link", name="Add to calendar: Calendar file (.ics)").get_attribute("href")
        answer = await page.request.get(base.rsplit("/talks/", 1)[0] + ics)
        assert answer.status == 200 and b"SUMMARY:Ownership in Rust" in await answer.body()
        # Slides are a link; a recording that is not an http(s) URL is only text.
        assert await page.get_by_role("link", name="Slides").get_attribute("href") == "https://slides.example.org/async"
        assert await page.get_by_role("link", name="Recording").count() == 0

        await page.get_by_role("link", name="Older talks").click()
        await page.wait_for_url("**?page=2")
        assert "Lightning talk 1" in await page.locator("h3").all_text_contents()

        await page.get_by_label("Search past talks by topic or speaker").fill("grace")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**?q=grace")
        assert await page.locator("h3").all_text_contents() == ["Async in depth"]

        await page.get_by_role("link", name="Async in depth").click()
        await page.wait_for_url(f"**/{upcoming + 1}")
        assert await page.locator("h1").text_content() == "Async in depth"
        assert await page.locator('meta[property="og:title"]').get_attribute("content") == "Async in depth"
        await page.get_by_role("link", name="All talks on Discord").click()
        await page.wait_for_url(base)
        assert errors == []


async def test_the_page_is_usable_by_keyboard(site):
    base, *_ = site
    async with browser_context() as context:
        page, _ = await open_page(context, base)
        await page.keyboard.press("Tab")
        focused = await page.evaluate("document.activeElement.textContent")
        assert focused == "Skip to the talks"
        # Focus is visible: an outline is drawn on the focused link.
        outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "solid"
        await page.keyboard.press("Enter")
        assert page.url.endswith("#talks")
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.textContent") == "Ownership in Rust"


@pytest.mark.parametrize("javascript", [True, False])
async def test_axe_finds_no_serious_or_critical_violation_on_either_page(site, javascript):
    from axe_playwright_python.async_playwright import Axe

    base, upcoming, _ = site
    # axe-core is injected into the page: the page's own CSP would refuse it, as it refuses every script not ours.
    async with browser_context(bypass_csp=True) as context:
        if not javascript:
            # The page as a browser without JavaScript shows it: served without its script (axe itself needs
            # JavaScript, so the browser's own switch cannot be used here).
            async def without_script(route):
                response = await route.fetch()
                body = re.sub(r"<script>.*?</script>", "", await response.text(), flags=re.S)
                await route.fulfill(response=response, body=body)

            await context.route("**/talks/**", without_script)
        for url in (base, f"{base}/{upcoming}", f"{base}?q=nothing"):
            page, errors = await open_page(context, url)
            local = await page.locator("#zone-note").text_content()
            assert ("your time zone" in local) == javascript
            results = await Axe().run(page)
            serious = [(v["id"], v["impact"], v["help"]) for v in results.response["violations"]
                       if v["impact"] in ("serious", "critical")]
            assert serious == [], url
            assert errors == []
        # The check itself sees a violation: an image without a text alternative, planted in the last page.
        await page.evaluate("document.querySelector('main').append(document.createElement('img'))")
        planted = await Axe().run(page)
        assert "image-alt" in [v["id"] for v in planted.response["violations"]]
