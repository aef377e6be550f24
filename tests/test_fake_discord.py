"""Proof that an unmodified nextcord 3.2 bot works against the loopback fake Discord.

One small `commands.Bot` runs in-process for the whole module (one event loop), so login and command sync
are paid once. Every test runs inside `loopback_only()`: any connection or DNS lookup that is not 127.0.0.1
fails.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import aiohttp
import nextcord
import pytest
import pytest_asyncio
from nextcord.ext import commands
from nextcord.http import Route

from tests.fake_discord import (
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    MODERATOR_ID,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeInteraction,
    InteractionFailed,
    loopback_only,
)

log = logging.getLogger(__name__)

pytestmark = pytest.mark.timeout(60)
module_loop = pytest.mark.asyncio(loop_scope="module")

SECOND_CHANNEL_ID = GUILD_ID + 50
READY_TIMEOUT = 0.2  # nextcord's guild_ready_timeout for the test bot (default 2 s)


@dataclass
class Env:
    """The fake and the in-process bot talking to it."""

    fake: FakeDiscord
    bot: commands.Bot


def build_bot() -> commands.Bot:
    """A tiny bot: one guild command that replies, one global command that defers, autocomplete and a button."""
    bot = commands.Bot(
        intents=nextcord.Intents(guilds=True, guild_messages=True),
        allowed_mentions=nextcord.AllowedMentions.none(),
        guild_ready_timeout=READY_TIMEOUT,
    )

    @bot.slash_command(name="ping", description="Reply with pong", guild_ids=[GUILD_ID])
    async def ping(interaction: nextcord.Interaction, text: str = "") -> None:
        await interaction.response.send_message(f"pong {text}".strip())

    @bot.slash_command(name="slow", description="Defer, edit, follow up")
    async def slow(interaction: nextcord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        await interaction.edit_original_message(content="done")
        await interaction.followup.send("and one more thing", ephemeral=True)

    @bot.slash_command(name="zone", description="Pick a time zone", guild_ids=[GUILD_ID])
    async def zone(interaction: nextcord.Interaction, name: str) -> None:
        await interaction.response.send_message(f"zone {name}")

    @zone.on_autocomplete("name")
    async def zone_autocomplete(interaction: nextcord.Interaction, name: str) -> None:
        zones = ["Europe/Paris", "Europe/Berlin", "America/New_York"]
        await interaction.response.send_autocomplete([z for z in zones if z.lower().startswith(name.lower())])

    class Confirm(nextcord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=None)

        @nextcord.ui.button(label="OK", custom_id="confirm:ok")
        async def ok(self, button: nextcord.ui.Button, interaction: nextcord.Interaction) -> None:
            await interaction.response.edit_message(content="confirmed", view=None)

    @bot.slash_command(name="confirm", description="Ask for confirmation", guild_ids=[GUILD_ID])
    async def confirm(interaction: nextcord.Interaction) -> None:
        await interaction.response.send_message("sure?", view=Confirm())

    return bot


async def start_bot(fake: FakeDiscord, bot: commands.Bot) -> asyncio.Task[None]:
    """Log the bot in against the fake and wait until its commands are synced."""
    task = asyncio.create_task(bot.start("fake-token"))
    await fake.wait_until_ready(timeout=15, guild_ready_timeout=READY_TIMEOUT, settle=0.3)
    return task


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def env() -> AsyncIterator[Env]:
    guild = FakeGuild(channels=[FakeChannel(id=GENERAL_CHANNEL_ID, name="general"),
                                FakeChannel(id=SECOND_CHANNEL_ID, name="talks")])
    original_base = Route.BASE
    with loopback_only():
        async with FakeDiscord(guilds=[guild]) as fake:
            Route.BASE = fake.api_base
            bot = build_bot()
            task = await start_bot(fake, bot)
            try:
                yield Env(fake, bot)
            finally:
                await bot.close()
                await asyncio.wait_for(task, 10)
                Route.BASE = original_base


@pytest.fixture(autouse=True)
def _reset_controls(env: Env) -> Iterator[None]:
    yield
    env.fake.clear_faults()
    env.fake.global_limit_per_s = 50
    env.fake.interaction_deadline = 3.0
    env.fake.channel_message_limit = (5, 5.0)


async def invoke(fake: FakeDiscord, name: str, **kwargs: object) -> FakeInteraction:
    """Invoke a command as the plain member in #general."""
    return await fake.invoke(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MEMBER_ID, name=name,
                             **kwargs)  # type: ignore[arg-type]


# --- login and command sync -------------------------------------------------------------------------------


@module_loop
async def test_login_identifies_and_syncs_global_and_guild_commands(env: Env) -> None:
    fake, bot = env.fake, env.bot
    assert fake.identify_count == 1
    assert bot.user is not None and bot.user.id == fake.bot_user_id
    assert bot.get_guild(GUILD_ID) is not None
    assert bot.get_channel(GENERAL_CHANNEL_ID) is not None
    assert set(fake.global_commands) == {"slow"}
    assert set(fake.guild_commands[GUILD_ID]) == {"ping", "zone", "confirm"}
    ping = fake.guild_commands[GUILD_ID]["ping"]
    assert ping["guild_id"] == str(GUILD_ID) and ping["options"][0]["name"] == "text"
    # nextcord lists commands with localizations before registering.
    assert any(r.route == "/applications/{application_id}/commands" and r.query == {"with_localizations": "true"}
               for r in fake.requests)
    # Every JSON response had exactly the content type nextcord parses, and rate-limit headers kept it fast.
    assert all(r.status < 400 for r in fake.requests)


@module_loop
async def test_restart_with_unchanged_commands_only_lists_them(env: Env) -> None:
    """The fake echoes commands so that nextcord's deep comparison matches: a second bot registers nothing."""
    fake = env.fake
    before, started = len(fake.requests), time.time()
    second = build_bot()
    task = asyncio.create_task(second.start("fake-token"))
    try:
        await fake.wait_for_request(lambda r: r.at >= started and "/commands" in r.route, 10)
        await asyncio.sleep(READY_TIMEOUT + 0.5)
        command_calls = [r for r in fake.requests[before:] if "/commands" in r.route]
        assert command_calls and {r.method for r in command_calls} == {"GET"}
    finally:
        await second.close()
        await asyncio.wait_for(task, 10)
    # Events go back to the first bot, which stayed connected all along.
    await _ensure_connected(env)
    interaction = await invoke(fake, "ping")
    assert (await fake.wait_for_response(interaction))["data"]["content"] == "pong"


# --- interactions -----------------------------------------------------------------------------------------


@module_loop
async def test_invoke_slash_command_gets_callback_response(env: Env) -> None:
    fake = env.fake
    await _ensure_connected(env)
    interaction = await invoke(fake, "ping", options=[{"type": 3, "name": "text", "value": "hello"}])
    response = await fake.wait_for_response(interaction)
    assert response["type"] == 4
    assert response["data"]["content"] == "pong hello"
    assert response["data"]["allowed_mentions"] == {"parse": []}  # AllowedMentions.none()
    assert interaction.original is not None and interaction.original.content == "pong hello"
    callback = next(r for r in fake.requests if r.route.startswith("/interactions/") and
                    r.params["interaction_id"] == str(interaction.id))
    assert callback.status == 204


@module_loop
async def test_deferred_response_edit_and_followup(env: Env) -> None:
    fake = env.fake
    interaction = await invoke(fake, "slow")
    assert (await fake.wait_for_response(interaction)) == {"type": 5, "data": {"flags": 64}}
    followup = await fake.wait_for_followup(interaction)
    assert followup.content == "and one more thing" and followup.ephemeral
    kinds = [r.kind for r in interaction.responses]
    assert kinds == ["callback", "edit_original", "followup"]
    assert interaction.original is not None and interaction.original.content == "done"


@module_loop
async def test_autocomplete_and_button(env: Env) -> None:
    fake = env.fake
    typing = await fake.invoke_autocomplete(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MEMBER_ID,
                                            name="zone", options=[{"type": 3, "name": "name", "value": "eu"}],
                                            focused="name")
    choices = (await fake.wait_for_response(typing))["data"]["choices"]
    assert [c["value"] for c in choices] == ["Europe/Paris", "Europe/Berlin"]

    asked = await invoke(fake, "confirm")
    await fake.wait_for_response(asked)
    assert asked.original is not None and asked.original.custom_ids == ["confirm:ok"]
    click = await fake.invoke_component(message_id=asked.original.id, custom_id="confirm:ok", user_id=MODERATOR_ID)
    assert (await fake.wait_for_response(click))["type"] == 7
    assert asked.original.content == "confirmed" and asked.original.components == []


@module_loop
async def test_late_or_double_callbacks_are_rejected_like_discord(env: Env) -> None:
    fake = env.fake
    fake.interaction_deadline = 0.0  # everything is "too late"
    late = await invoke(fake, "ping")
    with pytest.raises(InteractionFailed, match="10062"):
        await fake.wait_for_response(late)


# --- messages, nonces, DMs, threads -----------------------------------------------------------------------


@module_loop
async def test_nonce_and_enforce_nonce_deduplicate(env: Env) -> None:
    fake, bot = env.fake, env.bot
    channel = bot.get_channel(GENERAL_CHANNEL_ID)
    assert isinstance(channel, nextcord.TextChannel)
    sent = await channel.send("plain send with a nonce", nonce="podium-1")
    assert fake.messages[-1].id == sent.id and fake.messages[-1].nonce == "podium-1"

    before = len(fake.messages)
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=GENERAL_CHANNEL_ID)
    body = {"content": f"reminder <@{MEMBER_ID}>", "nonce": "rem-42", "enforce_nonce": True,
            "allowed_mentions": {"parse": [], "users": [str(MEMBER_ID)]}}
    first = await bot.http.request(route, json=body)
    second = await bot.http.request(route, json=body)
    assert first["id"] == second["id"]
    assert len(fake.messages) == before + 1
    message = fake.messages[-1]
    assert message.allowed_mentions == body["allowed_mentions"]
    assert message.mention_user_ids == [MEMBER_ID] and not message.mention_everyone

    # Without enforce_nonce, Discord creates a second message even with the same nonce.
    await bot.http.request(route, json={"content": "again", "nonce": "rem-42"})
    assert len(fake.messages) == before + 2


@module_loop
async def test_allowed_mentions_none_pings_nobody(env: Env) -> None:
    fake, bot = env.fake, env.bot
    channel = bot.get_channel(GENERAL_CHANNEL_ID)
    assert isinstance(channel, nextcord.TextChannel)
    await channel.send(f"@everyone <@{MEMBER_ID}> <@&{GUILD_ID + 2}>")
    message = fake.messages[-1]
    assert message.allowed_mentions is not None and message.allowed_mentions["parse"] == []
    assert (message.mention_user_ids, message.mention_role_ids, message.mention_everyone) == ([], [], False)


@module_loop
async def test_dms_open_and_closed(env: Env) -> None:
    fake, bot = env.fake, env.bot
    user = await bot.fetch_user(MEMBER_ID)
    await user.send("hello in private")
    dm_channel = fake.dm_channels[MEMBER_ID]
    assert fake.messages[-1].channel_id == dm_channel and fake.messages[-1].guild_id is None

    fake.closed_dms.add(MODERATOR_ID)
    moderator = await bot.fetch_user(MODERATOR_ID)
    with pytest.raises(nextcord.Forbidden) as caught:
        await moderator.send("you will not get this")
    assert caught.value.status == 403 and caught.value.code == 50007
    again = await bot.http.start_private_message(MODERATOR_ID)
    assert int(again["id"]) == fake.dm_channels[MODERATOR_ID]  # same DM channel for the same recipient


@module_loop
async def test_threads(env: Env) -> None:
    fake, bot = env.fake, env.bot
    channel = bot.get_channel(SECOND_CHANNEL_ID)
    assert isinstance(channel, nextcord.TextChannel)
    thread = await channel.create_thread(name="Talk: async Python", type=nextcord.ChannelType.public_thread)
    assert fake.threads[thread.id]["parent_id"] == str(SECOND_CHANNEL_ID)
    assert fake.threads[thread.id]["name"] == "Talk: async Python"
    await thread.send("first post in the thread")
    assert fake.messages[-1].channel_id == thread.id

    starter = await channel.send("announcement")
    from_message = await starter.create_thread(name="Discussion")
    assert from_message.id == starter.id and fake.get_message(starter.id).thread_id == starter.id  # type: ignore[union-attr]


# --- fault injection and rate limits ----------------------------------------------------------------------


@module_loop
async def test_injected_faults(env: Env) -> None:
    fake, bot = env.fake, env.bot
    channel = bot.get_channel(SECOND_CHANNEL_ID)
    assert isinstance(channel, nextcord.TextChannel)
    messages_route = "/channels/{channel_id}/messages"

    def posts_since(start: int) -> list[int]:
        return [r.status for r in fake.requests[start:] if r.method == "POST" and r.route == messages_route]

    # 500: nextcord retries (after ~1 s) and succeeds.
    start = len(fake.requests)
    fake.fail("POST", messages_route, status=500)
    await channel.send("survives a 500")
    assert posts_since(start) == [500, 200]

    # 503: not retried by nextcord.
    start = len(fake.requests)
    fake.fail("POST", f"/channels/{SECOND_CHANNEL_ID}/messages", status=503)
    with pytest.raises(nextcord.DiscordServerError) as server_error:
        await channel.send("lost to a 503")
    assert server_error.value.status == 503 and posts_since(start) == [503]

    # 429 with retry_after: nextcord waits at least that long, then succeeds.
    start = len(fake.requests)
    fake.fail("POST", messages_route, status=429, retry_after=0.6)
    await channel.send("after a 429")
    posts = [r for r in fake.requests[start:] if r.method == "POST" and r.route == messages_route]
    assert [r.status for r in posts] == [429, 200]
    assert posts[1].at - posts[0].at >= 0.55
    assert fake.count_429 >= 1

    # 404 10003 (channel deleted behind the bot's back).
    fake.fail("POST", messages_route, status=404, code=10003)
    with pytest.raises(nextcord.NotFound) as not_found:
        await channel.send("into the void")
    assert not_found.value.code == 10003

    # A real unknown channel and an unknown route behave the same way.
    with pytest.raises(nextcord.NotFound) as unknown_channel:
        await bot.http.send_message(123, content="nobody home")
    assert unknown_channel.value.code == 10003
    with pytest.raises(nextcord.NotFound):
        await bot.http.request(Route("GET", "/no/such/route"))
    assert fake.requests[-1].status == 404 and fake.requests[-1].route == "/no/such/route"


@module_loop
async def test_global_limit_429s_when_exceeded_and_not_when_paced(env: Env) -> None:
    fake, bot = env.fake, env.bot
    await asyncio.sleep(1.1)  # an empty 1 s window
    fake.global_limit_per_s = 10
    before = fake.count_429
    results = await asyncio.gather(*(bot.http.request(Route("GET", "/users/@me")) for _ in range(25)))
    assert len(results) == 25  # nextcord retried every refused request
    global_429s = [r for r in fake.requests
                   if r.status == 429 and isinstance(r.response, dict) and r.response.get("global")]
    assert fake.count_429 > before and global_429s
    assert global_429s[-1].response["retry_after"] > 0

    await asyncio.sleep(1.1)
    before = fake.count_429
    for _ in range(8):
        await bot.http.request(Route("GET", "/users/@me"))
        await asyncio.sleep(0.13)  # ~7.7 requests/s: under the limit
    assert fake.count_429 == before


@module_loop
async def test_channel_bucket_is_advertised_and_enforced(env: Env) -> None:
    fake, bot = env.fake, env.bot
    fake.channel_message_limit = (2, 0.5)  # applies to buckets created from now on
    paced_id, raw_id = GUILD_ID + 60, GUILD_ID + 61
    fake.add_channel(GUILD_ID, FakeChannel(id=paced_id, name="paced"))
    fake.add_channel(GUILD_ID, FakeChannel(id=raw_id, name="raw"))
    for _ in range(50):  # let CHANNEL_CREATE reach the bot
        if bot.get_channel(paced_id) is not None:
            break
        await asyncio.sleep(0.02)
    channel = bot.get_channel(paced_id)
    assert isinstance(channel, nextcord.TextChannel)

    # nextcord follows the headers: 5 messages at 2 per 0.5 s take > 1 s and never hit a 429.
    before, started = fake.count_429, time.monotonic()
    for n in range(5):
        await channel.send(f"paced {n}")
    assert fake.count_429 == before
    assert time.monotonic() - started >= 0.9

    # A client ignoring the headers gets a proper 429 (Via header, JSON body) on the third message.
    async with aiohttp.ClientSession() as session:
        statuses, last = [], None
        for n in range(3):
            async with session.post(f"{fake.api_base}/channels/{raw_id}/messages", json={"content": f"raw {n}"},
                                    headers={"Authorization": "Bot x"}) as resp:
                statuses.append(resp.status)
                last = resp
                body = await resp.json(content_type=None)
    assert statuses == [200, 200, 429]
    assert last is not None and last.headers["Via"] and last.headers["Content-Type"] == "application/json"
    assert last.headers["X-RateLimit-Remaining"] == "0" and 0 < body["retry_after"] <= 0.5


# --- gateway ----------------------------------------------------------------------------------------------


async def _ensure_connected(env: Env) -> None:
    """Wait until the bot's gateway connection is up (another test may have just dropped it)."""
    for _ in range(100):
        if env.fake.connected:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("bot did not reconnect")


@module_loop
async def test_drop_gateway_resumes_and_replays_missed_events(env: Env) -> None:
    fake = env.fake
    await _ensure_connected(env)
    resumes, identifies = fake.resume_count, fake.identify_count
    await fake.drop_gateway()
    # Dispatched while the bot is disconnected: delivered on RESUME, like Discord's replay.
    interaction = await invoke(fake, "ping", options=[{"type": 3, "name": "text", "value": "after drop"}])
    response = await fake.wait_for_response(interaction, timeout=5)
    assert response["data"]["content"] == "pong after drop"
    assert fake.resume_count == resumes + 1 and fake.identify_count == identifies
    assert fake.connected


@module_loop
async def test_invalid_session_makes_the_bot_identify_again(env: Env) -> None:
    fake = env.fake
    await _ensure_connected(env)
    identifies = fake.identify_count
    await fake.invalidate_session(resumable=False)
    # nextcord waits 5 s before a non-initial IDENTIFY.
    for _ in range(200):
        if fake.identify_count > identifies:
            break
        await asyncio.sleep(0.05)
    assert fake.identify_count == identifies + 1
    await fake.wait_until_ready(timeout=15, guild_ready_timeout=READY_TIMEOUT, settle=0.3)
    interaction = await invoke(fake, "ping")
    assert (await fake.wait_for_response(interaction))["data"]["content"] == "pong"


@module_loop
async def test_nothing_but_loopback_is_reachable(env: Env) -> None:
    """The guard every test runs under: Discord itself (or anything else off-host) cannot be reached."""
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectorError) as refused:
            async with session.get("https://discord.com/api/v10/gateway"):
                pass
    assert "loopback_only: refused" in repr(refused.value.os_error)
    assert env.fake.api_base.startswith("http://127.0.0.1:")


@module_loop
async def test_nextcord_merges_channel_limiters_when_bucket_names_are_shared(env: Env) -> None:
    """Documents a nextcord 3.2 behaviour: it keys limiters by X-RateLimit-Bucket alone.

    Discord names a route's bucket the same for every channel (the fake's default); nextcord then throttles all
    channels together. `bucket_names="per_channel"` (kinder than Discord) hides it. Podium's fix:
    tests/cogs/test_discord_http.py.
    """
    channels = [FakeChannel(id=GUILD_ID + 200 + n, name=f"c{n}") for n in range(2)]
    timings = {}
    original_base = Route.BASE
    try:
        for shared in (False, True):
            async with FakeDiscord(guilds=[FakeGuild(channels=channels)], channel_message_limit=(2, 0.5),
                                   bucket_names="discord" if shared else "per_channel") as fake:
                Route.BASE = fake.api_base
                client = nextcord.Client(intents=nextcord.Intents(guilds=True))
                await client.login("fake-token")  # REST only: no gateway needed
                started = time.monotonic()
                await asyncio.gather(*(client.http.send_message(c.id, content=f"m{n}")
                                       for c in channels for n in range(2)))
                timings[shared] = time.monotonic() - started
                await client.close()
                assert fake.count_429 == 0
    finally:
        Route.BASE = original_base
    assert timings[False] < 0.3  # 2 per channel fit each channel's own bucket
    assert timings[True] >= 0.45  # 4 messages through one merged 2-per-0.5 s limiter
