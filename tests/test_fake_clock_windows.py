"""The fake's time windows run on its own clock (FakeDiscord.now(), moved by advance()), as Discord's do on Discord's:
a test that moves the fake's clock past a window sees what Discord would show after it, not the wall clock's view.
The nonce window is checked in tests/test_review22_r22b.py.
"""

from __future__ import annotations

import aiohttp

from tests.fake_discord import GUILD_ANNOUNCEMENT, GUILD_ID, MEMBER_ID, FakeChannel, FakeDiscord, loopback_only

NEWS_ID = GUILD_ID + 700


async def _post(fake: FakeDiscord, path: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as session, session.post(
            f"{fake.api_base}{path}", json=body, headers={"Authorization": f"Bot {fake.token}"}) as response:
        return response.status, (await response.json() if response.status != 204 else {})


async def test_an_interaction_token_expires_after_15_minutes_of_the_fakes_clock():
    with loopback_only():
        async with FakeDiscord() as fake:
            interaction = fake._dispatch_interaction(2, GUILD_ID, None, MEMBER_ID, {"name": "quiet", "type": 1},
                                                     name="quiet", locale="en-US")
            followup = f"/webhooks/{fake.application_id}/{interaction.token}"
            callback = f"/interactions/{interaction.id}/{interaction.token}/callback"
            assert (await _post(fake, callback, {"type": 5}))[0] in (200, 204)
            status, body = await _post(fake, followup, {"content": "in time"})
            assert status == 200, body
            fake.advance(15 * 60 + 1)
            status, body = await _post(fake, followup, {"content": "too late"})
            assert (status, body.get("code")) == (401, 50027)


async def test_the_crosspost_window_runs_on_the_fakes_clock():
    with loopback_only():
        async with FakeDiscord(crosspost_limit=(1, 3600.0)) as fake:
            fake.add_channel(GUILD_ID, FakeChannel(id=NEWS_ID, name="news", type=GUILD_ANNOUNCEMENT))
            first, second = (fake.inject_message(channel_id=NEWS_ID, user_id=fake.bot_user_id, content=f"news {n}")
                             for n in range(2))
            assert (await _post(fake, f"/channels/{NEWS_ID}/messages/{first.id}/crosspost", {}))[0] == 200
            status, _ = await _post(fake, f"/channels/{NEWS_ID}/messages/{second.id}/crosspost", {})
            assert status == 429  # one an hour here
            fake.advance(3600)
            status, body = await _post(fake, f"/channels/{NEWS_ID}/messages/{second.id}/crosspost", {})
            assert status == 200, body
