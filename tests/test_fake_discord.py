"""Proof that an unmodified nextcord 3.2 bot works against the loopback fake Discord.

One small `commands.Bot` runs in-process for the whole module (one event loop), so login and command sync
are paid once. Every test runs inside `loopback_only()`: any connection or DNS lookup that is not 127.0.0.1
fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp
import nextcord
import pytest
import pytest_asyncio
from nextcord.ext import commands
from nextcord.http import Route

from tests.fake_discord import (
    BOT_ROLE_ID,
    BOT_TOKEN,
    CONNECT,
    CREATE_EVENTS,
    GENERAL_CHANNEL_ID,
    GUILD_ANNOUNCEMENT,
    GUILD_ID,
    GUILD_STAGE_VOICE,
    GUILD_VOICE,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_SCHEDULED_EVENTS,
    MANAGE_MESSAGES,
    MANAGE_THREADS,
    MEMBER_ID,
    MODERATOR_ID,
    OWNER_ID,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES_IN_THREADS,
    DiscordHTTPError,
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
STAGE_CHANNEL_ID = GUILD_ID + 51
VOICE_CHANNEL_ID = GUILD_ID + 52
NEWS_CHANNEL_ID = GUILD_ID + 53
READY_TIMEOUT = 0.2  # nextcord's guild_ready_timeout for the test bot (default 2 s)


# The tests of Discord's rules for events make ~20 of them in a few seconds; at Discord's 5 new events a minute (and 5
# edits per 20 s) per guild they would wait minutes. The reads too: one event list per 10 s, one event per 5 s and 5
# pages of Interested members per 30 s made one test of what the reads answer wait 40 s. Every route's pace is
# tested in tests/test_fake_strictness.py.
RULES_NOT_PACE = {("POST", "/guilds/{guild_id}/scheduled-events"): (50, 1.0),
                  ("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}"): (50, 1.0),
                  ("GET", "/guilds/{guild_id}/scheduled-events"): (50, 1.0),
                  ("GET", "/guilds/{guild_id}/scheduled-events/{event_id}"): (50, 1.0),
                  ("GET", "/guilds/{guild_id}/scheduled-events/{event_id}/users"): (50, 1.0)}


@dataclass
class Env:
    """The fake and the in-process bot talking to it."""

    fake: FakeDiscord
    bot: commands.Bot


def build_bot() -> commands.Bot:
    """A tiny bot: one guild command that replies, one global command that defers, autocomplete and a button."""
    bot = commands.Bot(
        intents=nextcord.Intents(guilds=True, guild_messages=True, scheduled_events=True),
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

    class Pick(nextcord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=None)

        @nextcord.ui.string_select(custom_id="pick:talks", min_values=1, max_values=2, options=[
            nextcord.SelectOption(label=f"Talk {c.upper()}", value=c) for c in "abc"])
        async def talks(self, select: nextcord.ui.StringSelect, interaction: nextcord.Interaction) -> None:
            await interaction.response.edit_message(content="picked " + ",".join(select.values), view=None)

        @nextcord.ui.button(label="Later", custom_id="pick:later", disabled=True)
        async def later(self, button: nextcord.ui.Button, interaction: nextcord.Interaction) -> None:
            await interaction.response.send_message("never")

    @bot.slash_command(name="pick", description="Pick talks in an ephemeral followup", guild_ids=[GUILD_ID])
    async def pick(interaction: nextcord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        await interaction.followup.send("which talks?", view=Pick(), ephemeral=True)

    class Feedback(nextcord.ui.Modal):
        def __init__(self) -> None:
            super().__init__("Feedback on the talk", custom_id="feedback", timeout=None)
            self.text = nextcord.ui.TextInput("Your feedback", custom_id="feedback:text", min_length=5,
                                              max_length=100)
            self.add_item(self.text)

        async def callback(self, interaction: nextcord.Interaction) -> None:
            await interaction.response.send_message(f"thanks: {self.text.value}", ephemeral=True)

    @bot.slash_command(name="feedback", description="Give feedback in a modal", guild_ids=[GUILD_ID])
    async def feedback(interaction: nextcord.Interaction) -> None:
        await interaction.response.send_modal(Feedback())

    @bot.slash_command(name="quiet", description="Never answers: tests send raw callbacks", guild_ids=[GUILD_ID],
                       name_localizations={"de": "leise", "fr": "silence"},
                       description_localizations={"de": "Antwortet nie"})
    async def quiet(interaction: nextcord.Interaction,
                    text: str = nextcord.SlashOption(autocomplete=True, required=False),
                    count: int = nextcord.SlashOption(autocomplete=True, required=False),
                    mode: str = nextcord.SlashOption(required=False, choices={"fast": "f", "slow": "s"},
                                                     choice_localizations={"fast": {"de": "schnell"}})) -> None:
        pass

    @quiet.on_autocomplete("text")
    async def quiet_text(interaction: nextcord.Interaction, text: str) -> None:
        pass

    @quiet.on_autocomplete("count")
    async def quiet_count(interaction: nextcord.Interaction, count: int) -> None:
        pass

    return bot


async def start_bot(fake: FakeDiscord, bot: commands.Bot) -> asyncio.Task[None]:
    """Log the bot in against the fake and wait until its commands are synced."""
    task = asyncio.create_task(bot.start(BOT_TOKEN))
    await fake.wait_until_ready(timeout=15, guild_ready_timeout=READY_TIMEOUT, settle=0.3)
    return task


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def env() -> AsyncIterator[Env]:
    guild = FakeGuild(channels=[FakeChannel(id=GENERAL_CHANNEL_ID, name="general"),
                                FakeChannel(id=SECOND_CHANNEL_ID, name="talks"),
                                FakeChannel(id=STAGE_CHANNEL_ID, name="Main stage", type=GUILD_STAGE_VOICE),
                                FakeChannel(id=VOICE_CHANNEL_ID, name="Hallway", type=GUILD_VOICE),
                                FakeChannel(id=NEWS_CHANNEL_ID, name="news", type=GUILD_ANNOUNCEMENT)])
    original_base = Route.BASE
    with loopback_only():
        async with FakeDiscord(guilds=[guild], route_limits=RULES_NOT_PACE) as fake:
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
    env.fake.clock = time.time  # Discord's time back to the wall clock (a test may have moved or replaced it)
    env.fake.time_offset = 0.0


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
    assert set(fake.guild_commands[GUILD_ID]) == {"ping", "zone", "confirm", "pick", "feedback", "quiet"}
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
    task = asyncio.create_task(second.start(BOT_TOKEN))
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
                                    headers={"Authorization": f"Bot {BOT_TOKEN}"}) as resp:
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
            async with FakeDiscord(guilds=[FakeGuild(channels=channels)], channel_message_limit=(2, 1.5),
                                   bucket_names="discord" if shared else "per_channel") as fake:
                Route.BASE = fake.api_base
                client = nextcord.Client(intents=nextcord.Intents(guilds=True))
                await client.login(BOT_TOKEN)  # REST only: no gateway needed
                started = time.monotonic()
                await asyncio.gather(*(client.http.send_message(c.id, content=f"m{n}")
                                       for c in channels for n in range(2)))
                timings[shared] = time.monotonic() - started
                await client.close()
                assert fake.count_429 == 0
    finally:
        Route.BASE = original_base
    # 2 per channel fit each channel's own bucket; 4 messages through one merged 2-per-1.5 s limiter wait a whole
    # window. The window is long so that the first bound holds on a loaded machine.
    assert timings[False] < 1.0
    assert timings[True] >= 1.45


# --- Discord's form rules: components, embeds, modals, autocomplete, commands ----------------------------


def error_path(errors: dict[str, object]) -> str:
    """Dotted path of the first error in a Discord 50035 ``errors`` object, e.g. "components.0.custom_id"."""
    parts: list[str] = []
    node: object = errors
    while isinstance(node, dict) and "_errors" not in node:
        key = next(iter(node))
        parts.append(key)
        node = node[key]
    return ".".join(parts)


async def rejected(env: Env, route: Route, body: object) -> str:
    """Send ``body`` (straight, not through nextcord's limiters: many requests stay fast) and return the error
    path of the 400 50035 the fake answers.
    """
    async with aiohttp.ClientSession() as session:
        while True:
            async with session.request(route.method, route.url, json=body,
                                       headers={"Authorization": f"Bot {BOT_TOKEN}"}) as response:
                answer = await response.json(content_type=None)
            if response.status != 429:
                break
            await asyncio.sleep(answer["retry_after"])  # the global 50/s: wait like a client
    assert (response.status, answer.get("code")) == (400, 50035), answer
    return error_path(answer["errors"])


def row(*components: dict[str, object]) -> dict[str, object]:
    return {"type": 1, "components": list(components)}


def button(custom_id: str, **extra: object) -> dict[str, object]:
    return {"type": 2, "style": 1, "label": "Go", "custom_id": custom_id, **extra}


def select(custom_id: str, n: int = 3, **extra: object) -> dict[str, object]:
    return {"type": 3, "custom_id": custom_id, "options": [{"label": f"L{i}", "value": f"v{i}"} for i in range(n)],
            **extra}


def unthrottled_channel(env: Env, name: str) -> int:
    """A new channel whose message bucket is not enforced: many rejected sends stay fast."""
    env.fake.channel_message_limit = None  # applies to buckets created from now on; reset after the test
    channel_id = GUILD_ID + 300 + len(env.fake.guilds[GUILD_ID].channel_list)
    env.fake.add_channel(GUILD_ID, FakeChannel(id=channel_id, name=name))
    return channel_id


@module_loop
async def test_message_components_are_validated_like_discord(env: Env) -> None:
    send = Route("POST", "/channels/{channel_id}/messages", channel_id=unthrottled_channel(env, "components"))
    cases = {
        "components": [row(button(f"r{i}")) for i in range(6)],  # at most 5 action rows
        "components.0.components": [row(*(button(f"b{i}") for i in range(6)))],  # at most 5 buttons a row
        "components.0.components ": [row(select("s"), button("b"))],  # a select fills its row
        "components.1.components.0.custom_id": [row(button("same")), row(button("same"))],  # unique custom_id
        "components.0.components.0.custom_id": [row(button("x" * 101))],
        "components.0.components.0.label": [row(button("b", label="x" * 81))],
        "components.0.components.0.custom_id ": [row({"type": 2, "style": 5, "label": "Docs",
                                                      "url": "https://example.org", "custom_id": "link"})],
        "components.0.components.0.url": [row({"type": 2, "style": 5, "label": "Docs"})],
        "components.0.components.0.options": [row(select("s", 26))],
        "components.0.components.0.options.0.label": [row({**select("s"), "options": [
            {"label": "x" * 101, "value": "v"}]})],
        "components.0.components.0.options.1.value": [row({**select("s"), "options": [
            {"label": "a", "value": "v"}, {"label": "b", "value": "v"}]})],
        "components.0.components.0.placeholder": [row(select("s", placeholder="x" * 151))],
        "components.0.components.0.min_values": [row(select("s", min_values=3, max_values=2))],
        "components.0.components.0.max_values": [row(select("s", 3, max_values=4))],
        "components.0.components.0.type": [row({"type": 4, "custom_id": "t", "style": 1, "label": "x"})],
        "components.0.components.0.label ": [row({"type": 2, "style": 1, "custom_id": "bare"})],  # label or emoji
        "components.0.components.0.url ": [row({"type": 2, "style": 5, "label": "Docs", "url": "ftp://example.org"})],
        "components.0.components.0.url  ": [row({"type": 2, "style": 5, "label": "Docs",
                                                 "url": "https://example.org/" + "x" * 500})],
        "components.0.components.0.emoji.name": [row(button("b", emoji={"name": "bell"}))],  # not an emoji
        "components.0.components.0.emoji.id": [row(button("b", emoji={"id": "bell", "name": "bell"}))],
        "components.0.components.0.options.0.emoji.name": [row({**select("s"), "options": [
            {"label": "a", "value": "v", "emoji": {"name": ""}}]})],
        "components.0.components.0.options ": [row({**select("s"), "options": [  # more defaults than max_values
            {"label": "a", "value": "a", "default": True}, {"label": "b", "value": "b", "default": True}]})],
        "components.0.components.0.options.0.description": [row({**select("s"), "options": [
            {"label": "a", "value": "v", "description": "d" * 101}]})],
    }
    for expected, components in cases.items():
        path = await rejected(env, send, {"content": "x", "components": components})
        assert path == expected.strip(), (expected, components)

    # An emoji alone is a label; a Unicode or custom emoji is accepted on buttons and options.
    await env.bot.http.request(send, json={"components": [
        row({"type": 2, "style": 2, "custom_id": "e1", "emoji": {"name": "🔔"}},
            button("e2", emoji={"id": "123456789012345678", "name": "podium"})),
        row({**select("e3"), "options": [{"label": "a", "value": "a", "emoji": {"name": "📅"}, "default": True}]})]})
    sent = await env.bot.http.request(send, json={"components": [row(button("ok"), button("no")), row(select("s"))]})
    message = env.fake.get_message(int(sent["id"]))
    assert message is not None and message.custom_ids == ["ok", "no", "s"]
    # Discord numbers the components depth first where the bot gave no id.
    assert [c["id"] for c in message.components] == [1, 4]
    assert [c["id"] for c in message.components[0]["components"]] == [2, 3]


@module_loop
async def test_embed_limits_count_every_embed_of_the_message(env: Env) -> None:
    send = Route("POST", "/channels/{channel_id}/messages", channel_id=unthrottled_channel(env, "embeds"))
    cases = {
        "embeds.0.fields.0.name": [{"fields": [{"name": "n" * 257, "value": "v"}]}],
        "embeds.0.fields.0.value": [{"fields": [{"name": "n", "value": "v" * 1025}]}],
        "embeds.0.fields.1.value": [{"fields": [{"name": "n", "value": "v"}, {"name": "n", "value": "  "}]}],
        "embeds.0.footer.text": [{"footer": {"text": "f" * 2049}}],
        "embeds.0.author.name": [{"author": {"name": "a" * 257}}],
        "embeds.1.title": [{"title": "ok"}, {"title": "t" * 257}],
        # 4096 + 1700 + 256 (author) = 6052 > 6000 over two embeds.
        "embeds": [{"description": "d" * 4096}, {"description": "d" * 1700, "author": {"name": "a" * 256}}],
    }
    for expected, embeds in cases.items():
        assert await rejected(env, send, {"embeds": embeds}) == expected
    # Whitespace is trimmed before counting, as Discord does: 4096 + 1700 + 200 fits.
    padded = [{"description": "d" * 4096 + " " * 50}, {"description": "d" * 1700, "author": {"name": "a" * 200}}]
    await env.bot.http.request(send, json={"embeds": padded})


async def quiet_interaction(env: Env, **kwargs: object) -> FakeInteraction:
    """An interaction the bot never answers, so a test can send raw callbacks and followups."""
    return await invoke(env.fake, "quiet", **kwargs)


def callback_route(interaction: FakeInteraction) -> Route:
    return Route("POST", "/interactions/{interaction_id}/{interaction_token}/callback",
                 interaction_id=interaction.id, interaction_token=interaction.token)


@module_loop
async def test_interaction_responses_use_the_same_checks(env: Env) -> None:
    fake, http = env.fake, env.bot.http
    interaction = await quiet_interaction(env)
    route = callback_route(interaction)
    assert await rejected(env, route, {"type": 4, "data": {"content": "x" * 2001}}) == "data.content"
    assert await rejected(env, route, {"type": 4, "data": {"embeds": [{"footer": {"text": "f" * 2049}}]}}) \
        == "data.embeds.0.footer.text"
    assert await rejected(env, route, {"type": 4, "data": {"content": "x", "components": [
        row(button("a"), button("a"))]}}) == "data.components.0.components.1.custom_id"
    await http.request(route, json={"type": 5, "data": {"flags": 64}})

    followup = Route("POST", "/webhooks/{webhook_id}/{webhook_token}", webhook_id=fake.application_id,
                     webhook_token=interaction.token)
    assert await rejected(env, followup, {"content": "x" * 2001}) == "content"
    edit = Route("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
                 webhook_id=fake.application_id, webhook_token=interaction.token)
    assert await rejected(env, edit, {"content": "x" * 2001}) == "content"
    assert await rejected(env, edit, {"embeds": [{"title": "t"}] * 11}) == "embeds"
    await http.request(edit, json={"content": "fine", "components": [row(button("late"))]})
    assert interaction.original is not None and interaction.original.custom_ids == ["late"]
    assert [r.status for r in interaction.responses if r.kind == "followup"] == [400]


@module_loop
async def test_modals_are_validated_like_discord(env: Env) -> None:
    interaction = await quiet_interaction(env)
    route = callback_route(interaction)

    def modal(**changes: object) -> dict[str, object]:
        text = {"type": 4, "custom_id": "t", "style": 1, "label": "Your feedback"}
        return {"type": 9, "data": {"custom_id": "m", "title": "Feedback", "components": [row(text)], **changes}}

    def text_row(**changes: object) -> list[dict[str, object]]:
        return [row({"type": 4, "custom_id": "t", "style": 1, "label": "Your feedback", **changes})]

    cases = {
        "data.title": modal(title="x" * 46),
        "data.custom_id": modal(custom_id=""),
        "data.components": modal(components=[row({"type": 4, "custom_id": f"t{i}", "style": 1, "label": "x"})
                                             for i in range(6)]),
        "data.components.0.components.0.label": modal(components=text_row(label="x" * 46)),
        "data.components.0.components.0.min_length": modal(components=text_row(min_length=4001)),
        "data.components.0.components.0.max_length": modal(components=text_row(max_length=0)),
        "data.components.0.components.0.placeholder": modal(components=text_row(placeholder="x" * 101)),
        "data.components.0.components.0.value": modal(components=text_row(value="x" * 4001)),
        "data.components.0.components.0.type": modal(components=[row(button("b"))]),
        "data.components.0.components.0.value ": modal(components=text_row(value="x" * 11, max_length=10)),
        "data.components.0.components.0.required": modal(components=text_row(required="yes")),
        "data.components.0.components.0.custom_id": modal(components=text_row(custom_id="x" * 101)),
        "data.components.0.components.0.style": modal(components=text_row(style=3)),
        "data.components.0.description": modal(components=[{"type": 18, "label": "Why", "description": "d" * 101,
                                                            "component": {"type": 4, "custom_id": "t", "style": 2}}]),
        "data.title ": modal(title=""),
        "data.components.0.label": modal(components=[{"type": 18, "label": "x" * 46, "component": {
            "type": 4, "custom_id": "t", "style": 2}}]),
    }
    for expected, body in cases.items():
        assert await rejected(env, route, body) == expected.strip(), expected
    assert not interaction.acknowledged
    await env.bot.http.request(route, json=modal())
    assert interaction.modal is not None and interaction.modal["title"] == "Feedback"


@module_loop
async def test_autocomplete_choices_must_fit_the_option(env: Env) -> None:
    fake = env.fake

    async def typing(option: str, option_type: int, value: object) -> FakeInteraction:
        return await fake.invoke_autocomplete(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MEMBER_ID,
                                              name="quiet", options=[{"type": option_type, "name": option,
                                                                      "value": value}], focused=option)

    text = await typing("text", 3, "ta")
    route = callback_route(text)
    cases = {
        "data.choices": [{"name": f"c{i}", "value": f"c{i}"} for i in range(26)],
        "data.choices.0.name": [{"name": "n" * 101, "value": "v"}],
        "data.choices.0.value": [{"name": "n", "value": "v" * 101}],
        "data.choices.1.value": [{"name": "n", "value": "v"}, {"name": "n", "value": 5}],
        "data.choices.0.name_localizations.de-DE": [{"name": "n", "value": "v", "name_localizations": {"de-DE": "x"}}],
    }
    for expected, choices in cases.items():
        assert await rejected(env, route, {"type": 8, "data": {"choices": choices}}) == expected
    await env.bot.http.request(route, json={"type": 8, "data": {"choices": [
        {"name": "Talk", "value": "t" * 100, "name_localizations": {"de": "Vortrag"}}]}})

    count = await typing("count", 4, "1")
    assert await rejected(env, callback_route(count), {"type": 8, "data": {"choices": [
        {"name": "one", "value": "1"}]}}) == "data.choices.0.value"
    await env.bot.http.request(callback_route(count), json={"type": 8, "data": {"choices": [{"name": "one",
                                                                                                 "value": 1}]}})
    # Only an option registered with autocomplete can be focused, as in Discord's client.
    with pytest.raises(LookupError, match="autocomplete"):
        await typing("mode", 3, "f")


@module_loop
async def test_command_localizations_and_names_are_checked(env: Env) -> None:
    fake, http = env.fake, env.bot.http
    create = Route("POST", "/applications/{application_id}/guilds/{guild_id}/commands",
                   application_id=fake.application_id, guild_id=GUILD_ID)

    def command(**changes: object) -> dict[str, object]:
        option = {"type": 3, "name": "topic", "description": "The topic"}
        return {"name": "talk", "description": "Talks", "options": [option], **changes}

    def option(**changes: object) -> dict[str, object]:
        return command(options=[{"type": 3, "name": "topic", "description": "The topic", **changes},
                                {"type": 3, "name": "room", "description": "The room"}])

    cases = {
        "name_localizations.de-DE": command(name_localizations={"de-DE": "vortrag"}),
        "name_localizations.en": command(name_localizations={"en": "talk"}),
        "name_localizations.de": command(name_localizations={"de": "Vortrag"}),  # names are lowercase
        "description_localizations.fr": command(description_localizations={"fr": "x" * 101}),
        "description_localizations.es-ES": command(description_localizations={"es-ES": ""}),
        "options.0.name_localizations.pt-BR": option(name_localizations={"pt-BR": "has space"}),
        "options.1.name_localizations.de": command(options=[
            {"type": 3, "name": "topic", "description": "d", "name_localizations": {"de": "thema"}},
            {"type": 3, "name": "room", "description": "d", "name_localizations": {"de": "thema"}}]),
        "options.0.name_localizations.de ": option(name_localizations={"de": "room"}),  # a default name
        "options.0.choices.0.name_localizations.ja": option(choices=[
            {"name": "n", "value": "v", "name_localizations": {"ja": "x" * 101}}]),
        "options.0.choices.0.value": option(choices=[{"name": "n", "value": "v" * 101}]),
        "options.0.min_length": option(min_length=6001),
        "name": command(name="Talk"),
        "": command(description="d" * 100, options=[
            {"type": 3, "name": f"o{i}", "description": "d" * 100,
             "choices": [{"name": "n" * 100, "value": f"{j}" * 100} for j in range(10)]} for i in range(5)]),
    }
    for expected, body in cases.items():
        assert await rejected(env, create, body) == expected.strip(), expected
    assert "talk" not in fake.guild_commands[GUILD_ID]
    # Valid ones pass, in scripts Python's \\w would not cover (Devanagari vowel signs) and with 34 locales.
    await http.request(create, json=command(name_localizations={"hi": "बातचीत", "th": "พูดคุย", "zh-TW": "演講"}))
    assert fake.guild_commands[GUILD_ID]["talk"]["name_localizations"]["hi"] == "बातचीत"
    await http.request(Route("DELETE", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}",
                             application_id=fake.application_id, guild_id=GUILD_ID,
                             command_id=fake.guild_commands[GUILD_ID]["talk"]["id"]))
    # nextcord's own localized command (see build_bot) was accepted at startup.
    assert fake.guild_commands[GUILD_ID]["quiet"]["name_localizations"] == {"de": "leise", "fr": "silence"}


@module_loop
async def test_interactions_carry_the_user_and_guild_locales(env: Env) -> None:
    fake = env.fake
    guild = fake.guilds[GUILD_ID]
    interaction = await quiet_interaction(env, locale="pt-BR")
    assert (interaction.payload["locale"], interaction.payload["guild_locale"]) == ("pt-BR", "en-US")
    assert interaction.payload["guild"]["locale"] == "en-US"
    guild.preferred_locale = "de"
    try:
        interaction = await quiet_interaction(env, locale="es-419")
        assert (interaction.payload["locale"], interaction.payload["guild_locale"]) == ("es-419", "de")
    finally:
        guild.preferred_locale = "en-US"
    dm = await fake.invoke(guild_id=None, user_id=MEMBER_ID, name="slow", locale="ja")
    assert dm.payload["locale"] == "ja" and "guild_locale" not in dm.payload
    await fake.wait_for_followup(dm)
    with pytest.raises(ValueError, match="not a Discord locale"):
        await quiet_interaction(env, locale="de-DE")
    with pytest.raises(ValueError, match="preferred_locale"):
        FakeDiscord(guilds=[FakeGuild(id=GUILD_ID + 900, preferred_locale="en")])


@module_loop
async def test_selects_and_buttons_on_an_ephemeral_followup(env: Env) -> None:
    fake = env.fake
    interaction = await invoke(fake, "pick")
    followup = await fake.wait_for_followup(interaction)
    assert followup.ephemeral and followup.custom_ids == ["pick:talks", "pick:later"]
    # Only the user who got the ephemeral message sees it: nobody else can click, and channel routes 404.
    with pytest.raises(LookupError, match="ephemeral"):
        await fake.invoke_component(message_id=followup.id, custom_id="pick:talks", user_id=MODERATOR_ID,
                                    values=["a"])
    with pytest.raises(nextcord.NotFound):
        await env.bot.http.get_message(GENERAL_CHANNEL_ID, followup.id)
    with pytest.raises(LookupError, match="disabled"):
        await fake.invoke_component(message_id=followup.id, custom_id="pick:later", user_id=MEMBER_ID)
    for values in (["z"], ["a", "b", "c"], [], ["a", "a"]):
        with pytest.raises(ValueError, match=r"values|options"):
            await fake.invoke_component(message_id=followup.id, custom_id="pick:talks", user_id=MEMBER_ID,
                                        values=values)
    with pytest.raises(LookupError, match="type 3"):
        await fake.invoke_component(message_id=followup.id, custom_id="pick:talks", user_id=MEMBER_ID,
                                    component_type=2)
    choose = await fake.invoke_component(message_id=followup.id, custom_id="pick:talks", user_id=MEMBER_ID,
                                         values=["c", "a"])
    assert choose.payload["data"]["component_type"] == 3 and choose.payload["message"]["flags"] & 64
    assert (await fake.wait_for_response(choose))["type"] == 7
    assert followup.content == "picked c,a" and followup.components == []


@module_loop
async def test_modal_submit_follows_the_modal_the_bot_showed(env: Env) -> None:
    fake = env.fake
    with pytest.raises(LookupError, match="no modal"):
        await fake.invoke_modal_submit(user_id=OWNER_ID, custom_id="feedback", values={"feedback:text": "hello"})
    asked = await invoke(fake, "feedback")
    shown = await fake.wait_for_response(asked)
    assert shown["type"] == 9 and asked.modal is not None
    for values in ({"feedback:text": "hey"}, {"feedback:text": ""}, {"other": "hello there"}):
        with pytest.raises(ValueError):
            await fake.invoke_modal_submit(modal_from=asked, values=values)
    submit = await fake.invoke_modal_submit(user_id=MEMBER_ID, custom_id="feedback",
                                            values={"feedback:text": "great talk"})
    assert submit.payload["data"]["components"][0]["components"][0]["value"] == "great talk"
    assert (await fake.wait_for_response(submit))["data"]["content"] == "thanks: great talk"
    with pytest.raises(LookupError, match="already submitted"):
        await fake.invoke_modal_submit(modal_from=asked, values={"feedback:text": "again!"})


# --- guild scheduled events -------------------------------------------------------------------------------


def in_hours(hours: float) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


async def until(check: Callable[[], object], what: str) -> None:
    """Wait (up to 2 s) until the bot's state shows what a dispatched event should have done."""
    for _ in range(100):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the bot never saw: {what}")


@module_loop
async def test_scheduled_events_follow_discords_rules(env: Env) -> None:
    fake, bot = env.fake, env.bot
    guild = bot.get_guild(GUILD_ID)
    assert guild is not None
    event = await guild.create_scheduled_event(
        name="Talk: async Python", entity_type=nextcord.ScheduledEventEntityType.external,
        metadata=nextcord.EntityMetadata(location="Room 1"), start_time=in_hours(1), end_time=in_hours(2))
    assert fake.scheduled_events[event.id]["creator_id"] == str(fake.bot_user_id)
    await until(lambda: guild.get_scheduled_event(event.id), "GUILD_SCHEDULED_EVENT_CREATE")  # Discord echoes it

    create = Route("POST", "/guilds/{guild_id}/scheduled-events", guild_id=GUILD_ID)
    external = {"name": "Talk", "privacy_level": 2, "entity_type": 3, "entity_metadata": {"location": "Room 1"},
                "scheduled_start_time": in_hours(1).isoformat(), "scheduled_end_time": in_hours(2).isoformat()}
    voice = {**external, "entity_type": 2, "channel_id": str(VOICE_CHANNEL_ID), "entity_metadata": None}
    cases = {
        "name": {**external, "name": "n" * 101},
        "name ": {**external, "name": ""},
        "description": {**external, "description": "d" * 1001},
        "entity_metadata.location": {**external, "entity_metadata": {"location": "l" * 101}},
        "entity_metadata.location ": {**external, "entity_metadata": None},
        "scheduled_end_time": {**external, "scheduled_end_time": None},
        "scheduled_end_time ": {**external, "scheduled_end_time": in_hours(0.5).isoformat()},
        "scheduled_start_time": {**external, "scheduled_start_time": in_hours(-1).isoformat()},
        "channel_id": {**external, "channel_id": str(VOICE_CHANNEL_ID)},
        "channel_id ": {**voice, "channel_id": None},
        "channel_id  ": {**voice, "channel_id": str(GENERAL_CHANNEL_ID)},  # a voice event needs a voice channel
        "channel_id   ": {**voice, "entity_type": 1},  # a stage event needs a stage channel
        "privacy_level": {**external, "privacy_level": 1},
        "entity_type": {**external, "entity_type": 4},
    }
    for expected, body in cases.items():
        assert await rejected(env, create, body) == expected.strip(), expected
    hallway = await bot.http.request(create, json=voice)
    assert hallway["channel_id"] == str(VOICE_CHANNEL_ID) and hallway["entity_metadata"] is None
    # A stage event needs MANAGE_CHANNELS, MUTE_MEMBERS and MOVE_MEMBERS in the stage: the bot lacks them.
    with pytest.raises(nextcord.Forbidden) as forbidden:
        await bot.http.request(create, json={**voice, "entity_type": 1, "channel_id": str(STAGE_CHANNEL_ID)})
    assert forbidden.value.code == 50013
    # Since 2026-02-23 creating needs CREATE_EVENTS; MANAGE_EVENTS alone is not enough.
    role = fake.guilds[GUILD_ID].get_role(BOT_ROLE_ID)
    assert role is not None
    role.permissions &= ~CREATE_EVENTS
    try:
        with pytest.raises(nextcord.Forbidden):
            await bot.http.request(create, json=external)
        await bot.http.request(Route("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}", guild_id=GUILD_ID,
                                     event_id=event.id), json={"name": "Own events: MANAGE_EVENTS suffices"})
    finally:
        role.permissions |= CREATE_EVENTS

    # Status: SCHEDULED -> ACTIVE -> COMPLETED (or SCHEDULED -> CANCELED); finished events cannot change.
    edit = Route("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}", guild_id=GUILD_ID, event_id=event.id)
    assert await rejected(env, edit, {"status": 3}) == "status"
    assert await rejected(env, edit, {"scheduled_start_time": in_hours(-2).isoformat()}) == "scheduled_start_time"
    await event.edit(start_time=in_hours(0.5), description="moved earlier")
    event = await event.edit(status=nextcord.ScheduledEventStatus.active)
    assert await rejected(env, edit, {"status": 1}) == "status"
    await event.edit(status=nextcord.ScheduledEventStatus.completed)
    with pytest.raises(nextcord.HTTPException) as finished:
        await event.edit(name="too late")
    assert finished.value.code == 180000
    # nextcord 3.2's ScheduledEvent has no status attribute: what the bot saw is read from its cache's description.
    assert fake.scheduled_events[event.id]["status"] == 3
    await until(lambda: guild.get_scheduled_event(event.id).description == "moved earlier",  # type: ignore[union-attr]
                "GUILD_SCHEDULED_EVENT_UPDATE")
    await bot.http.delete_event(GUILD_ID, int(hallway["id"]))
    await until(lambda: guild.get_scheduled_event(int(hallway["id"])) is None, "GUILD_SCHEDULED_EVENT_DELETE")


@module_loop
async def test_at_most_100_active_events(env: Env) -> None:
    fake = env.fake
    create = Route("POST", "/guilds/{guild_id}/scheduled-events", guild_id=GUILD_ID)
    active = [e for e in fake.scheduled_events.values() if e["status"] in (1, 2)]
    filler = [fake.create_event_as_moderator(GUILD_ID, name=f"Filler {i}", start=in_hours(1), end=in_hours(2),
                                             location="Room 2")["id"] for i in range(100 - len(active))]
    body = {"name": "One too many", "privacy_level": 2, "entity_type": 3, "entity_metadata": {"location": "R"},
            "scheduled_start_time": in_hours(1).isoformat(), "scheduled_end_time": in_hours(2).isoformat()}
    with pytest.raises(nextcord.HTTPException) as full:
        await env.bot.http.request(create, json=body)
    assert (full.value.status, full.value.code) == (400, 30038)
    fake.edit_event_as_moderator(int(filler[0]), status=4)  # canceled events no longer count
    await env.bot.http.request(create, json=body)
    for event_id in list(fake.scheduled_events):
        fake.delete_event_as_moderator(event_id)


@module_loop
async def test_interested_members_and_moderator_changes(env: Env) -> None:
    fake, bot = env.fake, env.bot
    guild = bot.get_guild(GUILD_ID)
    assert guild is not None
    added: list[tuple[int, int]] = []

    async def on_user_add(event: nextcord.ScheduledEvent, user: nextcord.ScheduledEventUser) -> None:
        added.append((event.id, user.user_id))

    bot.add_listener(on_user_add, "on_guild_scheduled_event_user_add")
    try:
        created = fake.create_event_as_moderator(GUILD_ID, name="Keynote", start=in_hours(3), end=in_hours(4),
                                                 location="Main hall", by=OWNER_ID)
        event_id = int(created["id"])
        await until(lambda: guild.get_scheduled_event(event_id), "GUILD_SCHEDULED_EVENT_CREATE")
        for user_id in (MODERATOR_ID, MEMBER_ID, OWNER_ID):
            fake.mark_interested(event_id, user_id)
        fake.mark_interested(event_id, MEMBER_ID)  # already marked: nothing happens
        await until(lambda: len(added) == 3, "three GUILD_SCHEDULED_EVENT_USER_ADD")
    finally:
        bot.remove_listener(on_user_add, "on_guild_scheduled_event_user_add")
    assert sorted(u for _, u in added) == sorted([MODERATOR_ID, MEMBER_ID, OWNER_ID])

    users = Route("GET", "/guilds/{guild_id}/scheduled-events/{event_id}/users", guild_id=GUILD_ID,
                  event_id=event_id)
    everyone = await bot.http.request(users)
    assert [int(u["user"]["id"]) for u in everyone] == sorted([OWNER_ID, MODERATOR_ID, MEMBER_ID])
    assert all("member" not in u and u["guild_scheduled_event_id"] == str(event_id) for u in everyone)
    page = await bot.http.request(users, params={"limit": 1, "after": OWNER_ID, "with_member": "true"})
    assert [int(u["user"]["id"]) for u in page] == [MODERATOR_ID] and page[0]["member"]["user"]["id"]
    page = await bot.http.request(users, params={"limit": 1, "before": MEMBER_ID, "after": 0})  # before wins
    assert [int(u["user"]["id"]) for u in page] == [MODERATOR_ID]
    for params in ({"limit": 101}, {"limit": 0}, {"with_member": "yes"}):
        with pytest.raises(nextcord.HTTPException) as bad:
            await bot.http.request(users, params=params)
        assert bad.value.code == 50035
    fetched = [u.user_id async for u in guild.get_scheduled_event(event_id).fetch_users()]  # type: ignore[union-attr]
    assert sorted(fetched) == sorted([OWNER_ID, MODERATOR_ID, MEMBER_ID])

    one = Route("GET", "/guilds/{guild_id}/scheduled-events/{event_id}", guild_id=GUILD_ID, event_id=event_id)
    assert "user_count" not in await bot.http.request(one)
    assert (await bot.http.request(one, params={"with_user_count": "true"}))["user_count"] == 3
    fake.unmark_interested(event_id, OWNER_ID)
    assert (await guild.fetch_scheduled_event(event_id, with_users=True)).user_count == 2
    assert fake.dispatched[-1][0] == "GUILD_SCHEDULED_EVENT_USER_REMOVE"

    with pytest.raises(LookupError):
        fake.mark_interested(event_id, 123)  # not a member
    fake.delete_event_as_moderator(event_id)
    await until(lambda: guild.get_scheduled_event(event_id) is None, "GUILD_SCHEDULED_EVENT_DELETE")


@module_loop
async def test_moderators_change_events_and_discord_runs_external_ones(env: Env) -> None:
    fake, bot = env.fake, env.bot
    guild = bot.get_guild(GUILD_ID)
    assert guild is not None
    event_id = int(fake.create_event_as_moderator(GUILD_ID, name="Keynote", start=in_hours(3), end=in_hours(4),
                                                  location="Main hall")["id"])
    await until(lambda: guild.get_scheduled_event(event_id), "GUILD_SCHEDULED_EVENT_CREATE")
    # Without the GUILD_SCHEDULED_EVENTS intent the bot hears nothing of "Interested" clicks.
    session = fake._session
    assert session is not None
    session.intents &= ~INTENT_GUILD_SCHEDULED_EVENTS
    try:
        before = len(fake.dispatched)
        fake.mark_interested(event_id, OWNER_ID)
        assert len(fake.dispatched) == before and fake.interested[event_id] == {OWNER_ID}
    finally:
        session.intents |= INTENT_GUILD_SCHEDULED_EVENTS
    fake.edit_event_as_moderator(event_id, name="Opening keynote", scheduled_start_time=in_hours(2))
    await until(lambda: guild.get_scheduled_event(event_id).name == "Opening keynote",  # type: ignore[union-attr]
                "GUILD_SCHEDULED_EVENT_UPDATE")
    with pytest.raises(DiscordHTTPError, match="50035"):
        fake.edit_event_as_moderator(event_id, status=3)  # not started yet
    start = datetime.fromisoformat(fake.scheduled_events[event_id]["scheduled_start_time"]).timestamp()
    assert fake.advance_events(now=start + 1) == [event_id]  # an external event starts by itself
    assert fake.scheduled_events[event_id]["status"] == 2
    assert fake.advance_events(now=start + 2 * 3600 + 1) == [event_id]  # and ends at its end time
    with pytest.raises(ValueError, match="ended"):
        fake.mark_interested(event_id, MEMBER_ID)
    fake.delete_event_as_moderator(event_id)
    await until(lambda: guild.get_scheduled_event(event_id) is None, "GUILD_SCHEDULED_EVENT_DELETE")


# --- threads ----------------------------------------------------------------------------------------------


@contextlib.contextmanager
def bot_role_without(fake: FakeDiscord, permissions: int) -> Iterator[None]:
    """Take permissions from the bot's role and from @everyone for the duration of the block."""
    roles = [fake.guilds[GUILD_ID].get_role(BOT_ROLE_ID), fake.guilds[GUILD_ID].get_role(GUILD_ID)]
    saved = [r.permissions for r in roles if r is not None]
    for role in roles:
        assert role is not None
        role.permissions &= ~permissions
    try:
        yield
    finally:
        for role, permissions_before in zip(roles, saved, strict=True):
            assert role is not None
            role.permissions = permissions_before


async def new_thread(env: Env, name: str, **kwargs: object) -> nextcord.Thread:
    channel = env.bot.get_channel(SECOND_CHANNEL_ID)
    assert isinstance(channel, nextcord.TextChannel)
    return await channel.create_thread(name=name, type=nextcord.ChannelType.public_thread, **kwargs)  # type: ignore[arg-type]


@module_loop
async def test_thread_members(env: Env) -> None:
    fake, http = env.fake, env.bot.http
    thread = await new_thread(env, "Talk: attendees")
    assert fake.thread_members[thread.id].keys() == {fake.bot_user_id}  # the creator is a member
    before = len(fake.dispatched)
    await thread.add_user(nextcord.Object(MEMBER_ID))
    await thread.add_user(nextcord.Object(MEMBER_ID))  # already a member: 204, nothing happens
    assert set(fake.thread_members[thread.id]) == {fake.bot_user_id, MEMBER_ID}
    # Others' membership changes reach only bots with the GUILD_MEMBERS intent: this one has not.
    assert [e for e, _ in fake.dispatched[before:]] == []
    with pytest.raises(nextcord.NotFound) as unknown:
        await thread.add_user(nextcord.Object(123))
    assert unknown.value.code == 10007
    with bot_role_without(fake, SEND_MESSAGES_IN_THREADS), pytest.raises(nextcord.Forbidden):
        await thread.add_user(nextcord.Object(MODERATOR_ID))

    with pytest.raises(nextcord.HTTPException) as not_a_thread:
        await http.add_user_to_thread(GENERAL_CHANNEL_ID, MEMBER_ID)
    assert not_a_thread.value.code == 50024


@module_loop
async def test_listing_thread_members_and_membership_events(env: Env) -> None:
    fake, http = env.fake, env.bot.http
    thread = await new_thread(env, "Talk: listing")
    await thread.add_user(nextcord.Object(MEMBER_ID))
    one = await http.request(Route("GET", "/channels/{channel_id}/thread-members/{user_id}", channel_id=thread.id,
                                   user_id=MEMBER_ID), params={"with_member": "true"})
    assert one["user_id"] == str(MEMBER_ID) and one["member"]["user"]["id"] == str(MEMBER_ID)
    with pytest.raises(nextcord.NotFound):
        await http.request(Route("GET", "/channels/{channel_id}/thread-members/{user_id}", channel_id=thread.id,
                                 user_id=OWNER_ID))
    listing = Route("GET", "/channels/{channel_id}/thread-members", channel_id=thread.id)
    with pytest.raises(nextcord.Forbidden) as privileged:  # needs the GUILD_MEMBERS privileged intent
        await http.request(listing)
    assert privileged.value.code == 50001
    fake.privileged_intents = INTENT_GUILD_MEMBERS
    try:
        assert [m["user_id"] for m in await http.request(listing)] == [str(fake.bot_user_id), str(MEMBER_ID)]
        page = await http.request(listing, params={"with_member": "true", "limit": 1, "after": fake.bot_user_id})
        assert [m["user_id"] for m in page] == [str(MEMBER_ID)] and "member" in page[0]
    finally:
        fake.privileged_intents = 0

    session = fake._session
    assert session is not None
    session.intents |= INTENT_GUILD_MEMBERS  # as if the bot had identified with it
    try:
        await thread.add_user(nextcord.Object(MODERATOR_ID))
        event, data = fake.dispatched[-1]
        assert event == "THREAD_MEMBERS_UPDATE" and data["added_members"][0]["user_id"] == str(MODERATOR_ID)
        assert data["member_count"] == 3 and data["added_members"][0]["member"]["user"]["id"] == str(MODERATOR_ID)
    finally:
        session.intents &= ~INTENT_GUILD_MEMBERS
    # Removing others needs MANAGE_THREADS (creating a public thread does not give it).
    with bot_role_without(fake, MANAGE_THREADS), pytest.raises(nextcord.Forbidden):
        await thread.remove_user(nextcord.Object(MEMBER_ID))
    await thread.remove_user(nextcord.Object(MEMBER_ID))
    assert MEMBER_ID not in fake.thread_members[thread.id]
    # The bot's own membership changes always reach it (GUILDS intent).
    await thread.leave()
    assert fake.dispatched[-1][0] == "THREAD_MEMBERS_UPDATE" and "member" not in fake.threads[thread.id]
    # nextcord 3.2's Thread.join() POSTs where Discord wants PUT: Discord (and the fake) answer 405.
    with pytest.raises(nextcord.HTTPException) as wrong_method:
        await thread.join()
    assert wrong_method.value.status == 405
    await http.request(Route("PUT", "/channels/{channel_id}/thread-members/@me", channel_id=thread.id))
    assert fake.bot_user_id in fake.thread_members[thread.id]


@module_loop
async def test_archiving_locking_and_idle_threads(env: Env) -> None:
    fake, http = env.fake, env.bot.http
    thread = await new_thread(env, "Talk: archive me", auto_archive_duration=60)
    edit = Route("PATCH", "/channels/{channel_id}", channel_id=thread.id)
    assert await rejected(env, edit, {"auto_archive_duration": 30}) == "auto_archive_duration"
    with bot_role_without(fake, MANAGE_THREADS):
        with pytest.raises(nextcord.Forbidden):
            await http.request(edit, json={"locked": True})  # locking needs MANAGE_THREADS
        await http.request(edit, json={"archived": True})  # the creator may archive its own thread
        assert fake.threads[thread.id]["thread_metadata"]["archived"]
        with pytest.raises(nextcord.HTTPException) as archived:
            await http.request(edit, json={"name": "renamed while archived"})
        assert archived.value.code == 50083
        with pytest.raises(nextcord.HTTPException) as no_members:
            await http.add_user_to_thread(thread.id, MEMBER_ID)
        assert no_members.value.code == 50083
        # Sending unarchives an unlocked thread, and Discord tells the bot.
        await http.send_message(thread.id, content="back to life")
        assert not fake.threads[thread.id]["thread_metadata"]["archived"]
        assert fake.dispatched[-2][0] == "THREAD_UPDATE"
        fake.threads[thread.id]["owner_id"] = str(MEMBER_ID)  # someone else's thread
        with pytest.raises(nextcord.Forbidden):
            await http.request(edit, json={"archived": True})
        fake.threads[thread.id]["owner_id"] = str(fake.bot_user_id)
    await http.request(edit, json={"locked": True, "archived": True})
    with bot_role_without(fake, MANAGE_THREADS), pytest.raises(nextcord.Forbidden):
        await http.request(edit, json={"archived": False})  # only moderators unarchive a locked thread
    with pytest.raises(nextcord.HTTPException) as locked:
        await http.send_message(thread.id, content="locked and archived")
    assert locked.value.code == 50083
    await http.request(edit, json={"archived": False, "locked": False})

    # Auto-archive happens only when a test advances time.
    now = time.time()
    assert thread.id not in fake.archive_idle_threads(now=now + 3500)
    assert thread.id in fake.archive_idle_threads(now=now + 3700)
    assert fake.threads[thread.id]["thread_metadata"]["archived"]

    channel = env.bot.get_channel(SECOND_CHANNEL_ID)
    assert isinstance(channel, nextcord.TextChannel)
    fake.archive_thread((await new_thread(env, "Talk: archived later")).id)
    archived_ids = [t.id async for t in channel.archived_threads(limit=50)]
    assert thread.id in archived_ids and len(archived_ids) == len(set(archived_ids))
    listing = Route("GET", "/channels/{channel_id}/threads/archived/public", channel_id=SECOND_CHANNEL_ID)
    page = await http.request(listing, params={"limit": 2})
    stamps = [t["thread_metadata"]["archive_timestamp"] for t in page["threads"]]
    assert stamps == sorted(stamps, reverse=True) and page["has_more"] == (len(archived_ids) > 2)
    for params in ({"limit": 101}, {"limit": 1}):
        with pytest.raises(nextcord.HTTPException):
            await http.request(listing, params=params)
    with bot_role_without(fake, READ_MESSAGE_HISTORY), pytest.raises(nextcord.Forbidden):
        await http.request(listing)


# --- announcement channels --------------------------------------------------------------------------------


@module_loop
async def test_publishing_in_an_announcement_channel(env: Env) -> None:
    fake, bot = env.fake, env.bot
    channel = bot.get_channel(NEWS_CHANNEL_ID)
    assert isinstance(channel, nextcord.TextChannel) and channel.is_news()
    news = await channel.send("Schedule for day 2 is out")
    await news.publish()
    stored = fake.get_message(news.id)
    assert stored is not None and stored.flags & 1  # CROSSPOSTED
    assert fake.dispatched[-1][0] == "MESSAGE_UPDATE"
    with pytest.raises(nextcord.HTTPException) as twice:
        await news.publish()
    assert (twice.value.status, twice.value.code) == (400, 40033)

    # Someone else's message: MANAGE_MESSAGES as well.
    theirs = fake.inject_message(channel_id=NEWS_CHANNEL_ID, user_id=MODERATOR_ID, content="Doors open at 9")
    with pytest.raises(nextcord.Forbidden):
        await bot.http.publish_message(NEWS_CHANNEL_ID, theirs.id)
    role = fake.guilds[GUILD_ID].get_role(BOT_ROLE_ID)
    assert role is not None
    role.permissions |= MANAGE_MESSAGES
    try:
        await bot.http.publish_message(NEWS_CHANNEL_ID, theirs.id)
    finally:
        role.permissions &= ~MANAGE_MESSAGES
    general = await bot.http.send_message(GENERAL_CHANNEL_ID, content="not news")
    with pytest.raises(nextcord.HTTPException) as wrong_channel:
        await bot.http.publish_message(GENERAL_CHANNEL_ID, int(general["id"]))
    assert wrong_channel.value.code == 50024
    # Threads of announcement channels are announcement threads.
    thread = await news.create_thread(name="Day 2 questions")
    assert fake.threads[thread.id]["type"] == 10


@module_loop
async def test_publishing_is_limited_per_channel(env: Env) -> None:
    fake, http = env.fake, env.bot.http
    channel_id = GUILD_ID + 400
    fake.add_channel(GUILD_ID, FakeChannel(id=channel_id, name="busy-news", type=GUILD_ANNOUNCEMENT))
    # The bot's own messages, put in place directly so that the message bucket does not slow the test down.
    sent = [fake.inject_message(channel_id=channel_id, user_id=fake.bot_user_id, content=f"news {n}")
            for n in range(11)]
    for message in sent[:10]:
        await http.publish_message(channel_id, message.id)
    invalid = fake.invalid_request_count
    crosspost = Route("POST", "/channels/{channel_id}/messages/{message_id}/crosspost", channel_id=channel_id,
                      message_id=sent[10].id)
    with pytest.raises(nextcord.HTTPException) as limited:
        await http.request(crosspost, retry_request=False)
    assert limited.value.status == 429
    assert limited.value.response.headers["X-RateLimit-Scope"] == "shared"
    assert 3590 < fake.requests[-1].response["retry_after"] <= 3600
    assert fake.invalid_request_count == invalid  # shared-scope 429s do not count against the bot


async def upload(route: Route, body: dict[str, object], files: list[tuple[str, str, bytes]]) -> tuple[int, dict]:
    """POST ``body`` as payload_json with these (part name, filename, bytes) parts, as nextcord sends uploads."""
    form = aiohttp.FormData()
    form.add_field("payload_json", json.dumps(body), content_type="application/json")
    for name, filename, data in files:
        form.add_field(name, data, filename=filename, content_type="application/octet-stream")
    async with aiohttp.ClientSession() as session, session.post(
        route.url, data=form, headers={"Authorization": f"Bot {BOT_TOKEN}"}
    ) as response:
        return response.status, await response.json(content_type=None)


@module_loop
async def test_uploads_follow_discords_attachment_rules(env: Env) -> None:
    send = Route("POST", "/channels/{channel_id}/messages", channel_id=unthrottled_channel(env, "uploads"))
    eleven = [(f"files[{i}]", f"f{i}.txt", b"x") for i in range(11)]
    status, answer = await upload(send, {"content": "x"}, eleven)
    assert (status, answer["code"], error_path(answer["errors"])) == (400, 50035, "attachments")
    status, answer = await upload(send, {"content": "x"}, [("files[0]", "big.bin", b"x" * (10 * 1024 * 1024 + 1))])
    assert (status, answer["code"]) == (413, 40005)
    status, answer = await upload(send, {"content": "x", "attachments": [{"id": 1, "filename": "a.ics"}]},
                                  [("files[0]", "a.ics", b"x")])
    assert (status, error_path(answer["errors"])) == (400, "attachments.0.id")
    status, answer = await upload(send, {"content": "x", "attachments": [{"id": 0, "description": "d" * 1025}]},
                                  [("files[0]", "a.ics", b"x")])
    assert (status, error_path(answer["errors"])) == (400, "attachments.0.description")

    status, answer = await upload(send, {"content": "x", "attachments": [{"id": 0, "description": "a talk"}]},
                                  [("files[0]", "a.ics", b"BEGIN:VCALENDAR")])
    assert status == 200, answer
    message = env.fake.get_message(int(answer["id"]))
    assert message is not None and [(a["filename"], a["size"], a["description"]) for a in message.attachments] == [
        ("a.ics", 15, "a talk")]
    [request] = [r for r in env.fake.requests if isinstance(r.response, dict) and r.response.get("id") == answer["id"]]
    assert request.files[0]["data"] == b"BEGIN:VCALENDAR"


# --- time-driven behaviour on the fake's clock -------------------------------------------------------------


@module_loop
async def test_an_idle_thread_archives_when_the_fakes_clock_passes_its_auto_archive_duration(env: Env) -> None:
    fake = env.fake
    thread = await new_thread(env, "Talk: idle for an hour", auto_archive_duration=60)
    assert thread.id not in fake.advance(59 * 60)
    assert not fake.threads[thread.id]["thread_metadata"]["archived"]
    assert thread.id in fake.advance(2 * 60)
    await fake.wait_for_dispatch(lambda d: d[0] == "THREAD_UPDATE" and d[1]["id"] == str(thread.id)
                                 and d[1]["thread_metadata"]["archived"])
    guild = env.bot.get_guild(GUILD_ID)
    assert guild is not None
    await until(lambda: getattr(guild.get_thread(thread.id), "archived", False), "THREAD_UPDATE archived")


@module_loop
async def test_events_start_and_end_by_themselves_on_a_clock_the_test_moves(env: Env) -> None:
    """The fake's timer, not the test, runs the transitions: the test only moves a clock (as it would rewrite
    the bot's CLOCK_FILE), and waits for the gateway events.
    """
    fake = env.fake
    now = [time.time()]
    fake.clock = lambda: now[0]
    event = fake.create_event_as_moderator(GUILD_ID, name="Lightning talks", start=in_hours(1), end=in_hours(2),
                                           location="Room 2")

    def status_update(status: int) -> Callable[[tuple[str, dict[str, object]]], bool]:
        return lambda d: (d[0] == "GUILD_SCHEDULED_EVENT_UPDATE" and d[1]["id"] == event["id"]
                          and d[1]["status"] == status)

    now[0] += 3600 + 1
    await fake.wait_for_dispatch(status_update(2), timeout=5)
    assert fake.scheduled_events[int(event["id"])]["status"] == 2
    now[0] += 3600
    await fake.wait_for_dispatch(status_update(3), timeout=5)
    assert fake.scheduled_events[int(event["id"])]["status"] == 3


@module_loop
async def test_an_event_never_started_is_cancelled_and_time_never_goes_back(env: Env) -> None:
    fake = env.fake
    event = fake.create_event_as_moderator(GUILD_ID, name="Voice hangout", start=in_hours(1),
                                           channel_id=VOICE_CHANNEL_ID)
    assert int(event["id"]) not in fake.advance(3600 + 1)  # a voice event waits for someone to start it...
    assert int(event["id"]) in fake.set_time(fake.now() + 3 * 3600)  # ...and is cancelled hours later
    assert fake.scheduled_events[int(event["id"])]["status"] == 4
    with pytest.raises(ValueError, match="does not go back"):
        fake.advance(-1)


async def test_members_join_and_leave_voice_channels_as_discord_allows(env: Env) -> None:
    fake = env.fake
    with pytest.raises(ValueError, match="not a voice or stage channel"):
        fake.join_voice(GUILD_ID, MEMBER_ID, GENERAL_CHANNEL_ID)
    with pytest.raises(LookupError, match="not a member"):
        fake.join_voice(GUILD_ID, 12345, VOICE_CHANNEL_ID)
    fake.join_voice(GUILD_ID, MEMBER_ID, VOICE_CHANNEL_ID)
    fake.join_voice(GUILD_ID, MEMBER_ID, STAGE_CHANNEL_ID)  # one channel at a time: a move
    assert fake.voice_states == {(GUILD_ID, MEMBER_ID): STAGE_CHANNEL_ID}
    fake.leave_voice(GUILD_ID, MEMBER_ID)
    fake.leave_voice(GUILD_ID, MEMBER_ID)  # in none: nothing happens
    assert fake.voice_states == {}
    # A channel @everyone may not connect to is refused.
    hallway = fake.guilds[GUILD_ID].get_channel(VOICE_CHANNEL_ID)
    assert hallway is not None
    hallway.permission_overwrites.append({"id": GUILD_ID, "type": 0, "allow": 0, "deny": CONNECT})
    try:
        with pytest.raises(PermissionError):
            fake.join_voice(GUILD_ID, MEMBER_ID, VOICE_CHANNEL_ID)
    finally:
        hallway.permission_overwrites.pop()
    # The test bot identified without GUILD_VOICE_STATES: none of the moves reached it.
    assert [event for event, _ in fake.dispatched if event == "VOICE_STATE_UPDATE"] == []
