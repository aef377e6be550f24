"""Screenshots of the web page of talks for the README: `python -m tests.browser.screenshots` writes docs/page-*.png.

The same kind of data the browser tests use, on a fixed day, in Debian's headless Chromium at a phone-to-laptop
width; the visitor's zone is New York, the server's Berlin.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from db import Database
from podium.clock import ManualClock
from podium.features import load
from tests.browser.chromium import browser_context
from tests.factories import GUILD, add_guild, add_talk
from tests.talk_site import serve_pages

DOCS = Path(__file__).resolve().parents[2] / "docs"
NOW = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)


async def main() -> None:
    """Build a small server's talks, serve them, and take a picture of each page."""
    load()
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "podium.db")
        await add_guild(db, timezone="Europe/Berlin", announce_channel_id=555)
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO guild_names (guild_id, name, updated_at_ms) VALUES (?, 'Rust Berlin', 0)",
                             (GUILD,))
        first = await add_talk(db, starts_at=datetime(2026, 12, 3, 18, 0, tzinfo=UTC), topic="Ownership in Rust",
                               speaker_name="Ada", thread_id=777, duration_minutes=45,
                               description="Borrowing, lifetimes and the borrow checker,\nwith live examples.")
        await add_talk(db, starts_at=datetime(2026, 12, 10, 18, 0, tzinfo=UTC), topic="Embedded Rust on a $2 chip",
                       speaker_name="Grace", event_id=888)
        await add_talk(db, starts_at=datetime(2026, 11, 19, 18, 0, tzinfo=UTC), topic="Async in depth",
                       speaker_name="Linus", slides_url="https://slides.example.org/async",
                       recording_url="https://video.example.org/async", description="Tasks, wakers and executors.")
        await add_talk(db, starts_at=datetime(2026, 11, 12, 18, 0, tzinfo=UTC), topic="Error handling, revisited",
                       speaker_name="Ferris", slides_url="https://slides.example.org/errors")
        pages, server = await serve_pages(db, ManualClock(NOW))
        page = await pages.turn_on(GUILD)
        base = f"http://127.0.0.1:{server.port}/talks/{page.token}"
        try:
            async with browser_context(timezone_id="America/New_York", locale="en-US",
                                       viewport={"width": 900, "height": 900}) as context:
                tab = await context.new_page()
                for name, url in (("page-index.png", base), ("page-talk.png", f"{base}/{first}")):
                    await tab.goto(url)
                    await tab.screenshot(path=str(DOCS / name), full_page=True)
                    print(f"wrote docs/{name}")
        finally:
            await server.stop()
            await db.close()


if __name__ == "__main__":
    asyncio.run(main())
