"""Review of issue 24 §4 through the real process: `/announce-settings page` on a page that is off."""

from tests.botprocess import free_port
from tests.e2e.commands import run
from tests.e2e.dbcheck import query
from tests.fake_discord import MODERATOR_ID

PUBLIC_URL = "https://podium.example.org"


async def test_r23d_rotating_a_page_that_is_off_does_not_claim_an_old_link_was_retired(fake, bot_factory):
    # With the page off there is no link to retire; `action:rotate` still answers "The old link no longer works."
    # (and silently turns the page on, publishing the talks at a new address the moderator did not ask to open).
    bot = bot_factory(HTTP_PORT=str(free_port()), PUBLIC_URL=PUBLIC_URL)
    await bot.start()
    assert query(bot.db_path, "SELECT count(*) AS n FROM talk_pages") == [{"n": 0}]
    _, reply = await run(fake, "announce-settings", "page", MODERATOR_ID, private=True, action="rotate")
    assert "The old link no longer works." not in reply, reply
