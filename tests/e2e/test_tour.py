"""docs/tour.md is what the bot shows today: regenerated from a run of the real bot, never edited by hand."""

import time

from tests.e2e.transcript import REGENERATE, TOUR, build


async def test_the_committed_tour_is_what_the_bot_shows_now():
    started = time.monotonic()
    text = await build()
    took = time.monotonic() - started
    committed = TOUR.read_text(encoding="utf-8") if TOUR.exists() else ""
    # Not a diff of thousands of lines in the failure: the script shows it with --check.
    assert text == committed, (
        f"docs/tour.md is not what the bot shows now: run `{REGENERATE}` and commit docs/tour.md "
        f"(`{REGENERATE} --check` shows the difference); the tour took {took:.1f} s"
    )
