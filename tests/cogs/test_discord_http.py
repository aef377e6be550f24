"""nextcord keeps rate limits per bucket name; Discord keeps them per bucket + major parameter."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import nextcord
import pytest
import pytest_asyncio
from nextcord.http import HTTPClient, RateLimit, Route

from cogs._discord_http import MajorKeyedHTTPClient, major_parameter
from tests.fake_discord import (
    BOT_TOKEN,
    GUILD_ID,
    INTERACTION_APPLICATION_COMMAND,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    loopback_only,
)

CHANNELS = [GUILD_ID + 200 + n for n in range(3)]
MANY = [GUILD_ID + 300 + n for n in range(12)]


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    guild = FakeGuild(channels=[FakeChannel(id=c, name=f"c{c % 1000}") for c in CHANNELS])
    original = Route.BASE
    with loopback_only():
        # Discord's naming (the default): one bucket name for POST messages on every channel.
        async with FakeDiscord(guilds=[guild], channel_message_limit=(2, 30.0)) as server:
            Route.BASE = server.api_base
            try:
                yield server
            finally:
                Route.BASE = original


async def logged_in_client(keyed: bool) -> nextcord.Client:
    client = nextcord.Client(intents=nextcord.Intents(guilds=True))
    if keyed:
        MajorKeyedHTTPClient.adopt(client.http)
    await client.login(BOT_TOKEN)  # REST only
    return client


async def post(client: nextcord.Client, channel_id: int, text: str) -> None:
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
    await client.http.request(route, json={"content": text}, retry_request=False)


@pytest.mark.parametrize("keyed", [False, True], ids=["nextcord-3.2", "major-keyed"])
async def test_a_full_channel_does_not_lock_the_other_channels(fake, keyed):
    """Channel A's bucket is used up (2 per 30 s); channel B must still accept a message at once."""
    client = await logged_in_client(keyed)
    try:
        await post(client, CHANNELS[0], "a1")
        await post(client, CHANNELS[1], "b1")  # nextcord 3.2 now migrates B's limiter onto A's
        await post(client, CHANNELS[0], "a2")  # A: 0 left for 30 s
        if keyed:
            await post(client, CHANNELS[1], "b2")
            await post(client, CHANNELS[2], "c1")
        else:
            # nextcord 3.2: B (and every other channel) waits for A's window.
            with pytest.raises(nextcord.HTTPInternalRatelimitLocked):
                await post(client, CHANNELS[1], "b2")
        assert fake.count_429 == 0
    finally:
        await client.close()


async def test_a_full_channel_still_waits_for_its_own_window(fake):
    """Keyed per channel, the limit itself is still kept: a third message to A waits (no 429 is drawn)."""
    client = await logged_in_client(keyed=True)
    try:
        await post(client, CHANNELS[0], "a1")
        await post(client, CHANNELS[0], "a2")
        with pytest.raises(nextcord.HTTPInternalRatelimitLocked):
            await post(client, CHANNELS[0], "a3")
        assert fake.count_429 == 0
    finally:
        await client.close()


async def test_two_webhooks_get_a_limiter_each(fake):
    """The webhook routes HTTPClient does send carry the id Route.bucket leaves out (built as get_webhook does)."""
    client = await logged_in_client(keyed=True)
    try:
        http = client.http
        first = Route("GET", "/webhooks/{webhook_id}", webhook_id=1)
        second = Route("GET", "/webhooks/{webhook_id}", webhook_id=2)
        assert first.bucket == second.bucket  # nextcord alone would share one limiter
        one = http._make_url_rate_limit("GET", first, None)
        two = http._make_url_rate_limit("GET", second, None)
        assert one is not two
        assert http._get_url_rate_limit("GET", first, None) is one
        assert http._get_url_rate_limit("GET", second, None) is two
    finally:
        await client.close()


async def test_interaction_responses_and_follow_ups_bypass_the_http_client(fake):
    """Interaction answers go through nextcord's webhook adapter: no limiter of HTTPClient sees them."""
    client = await logged_in_client(keyed=True)
    user_id = GUILD_ID + 900
    fake.add_user(user_id, "someone")
    through_client: list[str] = []
    original = client.http.request

    async def spy(route: Route, **kwargs: object) -> object:
        through_client.append(f"{route.method} {route.path}")
        return await original(route, **kwargs)  # type: ignore[arg-type]

    client.http.request = spy  # type: ignore[method-assign]
    try:
        made = fake._dispatch_interaction(INTERACTION_APPLICATION_COMMAND, None, None, user_id,
                                          {"id": "1", "name": "ping", "type": 1}, name="ping", locale="en-US")
        interaction = nextcord.Interaction(data=made.payload, state=client._connection)  # type: ignore[arg-type]
        await interaction.response.send_message("pong")
        await interaction.followup.send("and more")
        assert [r.kind for r in fake.interaction_responses] == ["callback", "followup"]
        assert through_client == []
        assert not any("webhook" in str(key) or "interaction" in str(key) for key in client.http._url_rate_limits)
    finally:
        await client.close()


@pytest.mark.parametrize(
    ("route", "major"),
    [
        (Route("POST", "/channels/{channel_id}/messages", channel_id=5), "channel:5"),
        (Route("GET", "/guilds/{guild_id}/threads/active", guild_id=7), "guild:7"),
        (Route("POST", "/webhooks/{webhook_id}/{webhook_token}", webhook_id=9, webhook_token="t"), "webhook:9:t"),
        (Route("POST", "/users/@me/channels"), ""),
    ],
)
def test_major_parameter(route, major):
    assert major_parameter(route) == major


async def test_adopt_refuses_a_client_that_already_has_limiters():
    http = HTTPClient(dispatch=lambda *args: None)
    http._buckets["x"] = object()  # type: ignore[assignment]
    with pytest.raises(RuntimeError):
        MajorKeyedHTTPClient.adopt(http)
    await asyncio.sleep(0)


# -- a limiter whose slots were taken by requests no response answered ------------------------------------------

RESET_S = 0.3  # the channel's window, short so the test waits for real resets without taking long


@pytest_asyncio.fixture
async def quick_fake() -> AsyncIterator[FakeDiscord]:
    guild = FakeGuild(channels=[FakeChannel(id=c, name=f"c{c % 1000}") for c in CHANNELS + MANY])
    original = Route.BASE
    with loopback_only():
        async with FakeDiscord(guilds=[guild], channel_message_limit=(5, RESET_S)) as server:
            Route.BASE = server.api_base
            try:
                yield server
            finally:
                Route.BASE = original


def channel_limiter(client: nextcord.Client, channel_id: int) -> RateLimit:
    [limiter] = [r for r in client.http._url_rate_limits.values() if getattr(r, "major", "") == f"channel:{channel_id}"]
    return limiter


def dead_route(channel_id: int) -> Route:
    """The message route on a loopback port nothing listens on: the request fails with a network error."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    original = Route.BASE
    Route.BASE = f"http://127.0.0.1:{port}/api/v10"
    try:
        return Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
    finally:
        Route.BASE = original


async def unanswered(client: nextcord.Client, fake: FakeDiscord, channel_id: int, how: str) -> None:
    """One request that takes a slot of the channel's limiter and gets no answer that updates it."""
    if how == "network error":
        with pytest.raises(OSError):  # aiohttp's ClientConnectorError is an OSError
            await client.http.request(dead_route(channel_id), json={"content": "x"}, retry_request=False)
        return
    fake.fail("POST", f"/channels/{channel_id}/messages", status=429, scope="global", retry_after=0.05)
    with pytest.raises(nextcord.HTTPException) as caught:
        await post(client, channel_id, "x")
    assert caught.value.status == 429
    [global_limiter] = client.http._global_rate_limits.values()
    if global_limiter._reset_remaining_task is not None:
        # The global pause is over (nextcord waits its own 1 s estimate, not the 429's retry_after).
        await global_limiter._reset_remaining_task


@pytest.mark.parametrize("how", ["network error", "global 429"])
async def test_unanswered_requests_never_leave_a_channel_locked_with_no_reset(quick_fake, how):
    """`limit` unanswered requests in one window left nextcord 3.2 at remaining=0 with no reset task, forever."""
    client = await logged_in_client(keyed=True)
    try:
        await post(client, CHANNELS[0], "learn the limits")
        limiter = channel_limiter(client, CHANNELS[0])
        assert limiter.limit == 5
        assert limiter._reset_remaining_task is not None
        await limiter._reset_remaining_task  # the window passed: remaining back to 5, no reset planned
        assert (limiter.remaining, limiter.resetting) == (5, False)
        for _ in range(limiter.limit):
            await unanswered(client, quick_fake, CHANNELS[0], how)
        assert limiter is channel_limiter(client, CHANNELS[0])
        if limiter.locked:  # refused locally, before acquire(): nothing is sent until the limiter resets
            with pytest.raises(nextcord.HTTPInternalRatelimitLocked):
                await post(client, CHANNELS[0], "refused")
        # A limiter with no free slot must have a reset on its way (else nothing would ever restart it).
        assert not (limiter.locked and not limiter.resetting), (
            f"remaining={limiter.remaining} limit={limiter.limit} resetting={limiter.resetting}"
        )
        if limiter.resetting:
            assert limiter._reset_remaining_task is not None
            await limiter._reset_remaining_task
        await post(client, CHANNELS[0], "delivered")
        assert quick_fake.channel_messages(CHANNELS[0])[-1].content == "delivered"
    finally:
        await client.close()


async def test_a_first_request_lost_to_a_network_error_does_not_lock_its_route(quick_fake):
    """A fresh limiter (1 slot until Discord answers) whose first request got no answer recovers on its own."""
    client = await logged_in_client(keyed=True)
    try:
        await unanswered(client, quick_fake, CHANNELS[1], "network error")
        limiter = channel_limiter(client, CHANNELS[1])
        assert not (limiter.locked and not limiter.resetting), f"remaining={limiter.remaining} resetting=False"
        if limiter.resetting:
            assert limiter._reset_remaining_task is not None
            await limiter._reset_remaining_task
        await post(client, CHANNELS[1], "delivered")
    finally:
        await client.close()


# -- limiters of channels no longer used are forgotten ---------------------------------------------------------


async def window_over(client: nextcord.Client) -> None:
    """Wait until every limiter's reset has run (Discord's windows are over)."""
    for limiter in list(client.http._url_rate_limits.values()) + list(client.http._buckets.values()):
        if limiter._reset_remaining_task is not None:
            await limiter._reset_remaining_task


def channel_keys(client: nextcord.Client) -> tuple[set[str], set[str]]:
    """Channels with a limiter in `_buckets`, and in `_url_rate_limits`."""
    buckets = {name.rsplit("@", 1)[1] for name in client.http._buckets if "@channel:" in name}
    urls = {key[1].rsplit("|", 1)[1] for key in client.http._url_rate_limits if "|channel:" in key[1]}
    return buckets, urls


async def test_the_periodic_shed_forgets_idle_limiters_in_both_maps(quick_fake):
    """The shed loop of nextcord dropped url limiters only: `_buckets` kept one per channel ever used."""
    client = await logged_in_client(keyed=True)
    try:
        for channel in MANY[:4]:
            await post(client, channel, "hello")
        assert channel_keys(client) == ({f"channel:{c}" for c in MANY[:4]},) * 2
        client.http._shed_ratelimits(0)  # as its loop does; every window is still open
        assert len(channel_keys(client)[0]) == 4  # in use: kept
        await window_over(client)
        client.http._shed_ratelimits(0)
        assert channel_keys(client) == (set(), set())
        await post(client, MANY[0], "again")  # a new limiter learns the limits again
        assert channel_limiter(client, MANY[0]).limit == 5
        assert client.http._buckets[channel_limiter(client, MANY[0]).bucket] is channel_limiter(client, MANY[0])
    finally:
        await client.close()


async def test_making_limiters_sweeps_idle_ones_so_their_number_stays_bounded(quick_fake, monkeypatch):
    """A bot that DMs a new person every second would otherwise hold a limiter per person it ever wrote to."""
    monkeypatch.setattr(MajorKeyedHTTPClient, "_sweep_at", 2, raising=False)
    client = await logged_in_client(keyed=True)
    try:
        most = 0
        for channel in MANY[:6]:
            await post(client, channel, "hello")
            await window_over(client)  # a quiet channel: nobody writes there again soon (nextcord waits >= 1 s)
            most = max(most, len(client.http._buckets), len(client.http._url_rate_limits))
        assert most <= 2 * 2 + 1, f"{most} limiters kept for 6 channels used once"
    finally:
        await client.close()


async def test_a_limiter_with_a_waiter_is_kept(quick_fake):
    """The sweep never forgets a limiter someone waits on: the waiter would run outside the channel's limit."""
    client = await logged_in_client(keyed=True)
    try:
        for n in range(5):
            await post(client, MANY[0], f"m{n}")
        limiter = channel_limiter(client, MANY[0])
        assert limiter.locked
        waiter = asyncio.create_task(
            client.http.request(Route("POST", "/channels/{channel_id}/messages", channel_id=MANY[0]),
                                json={"content": "waits"})  # retry_request=True: waits for the reset
        )
        assert limiter._reset_remaining_task is not None
        await limiter._reset_remaining_task  # the waiter's first step ran meanwhile: it waits in acquire()
        assert limiter.users == 1
        # The reset ran and woke the waiter, which has not taken its slot yet: a sweep now must keep its limiter.
        client.http.shed_idle()
        assert limiter in client.http._buckets.values()
        assert channel_limiter(client, MANY[0]) is limiter
        await waiter
        assert quick_fake.channel_messages(MANY[0])[-1].content == "waits"
    finally:
        await client.close()
