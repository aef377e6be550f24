"""A loopback fake Discord (REST API v10 + gateway) for end-to-end tests of a nextcord bot.

The fake is an aiohttp server bound to 127.0.0.1 on an ephemeral port. Point nextcord at it with
``nextcord.http.Route.BASE = fake.api_base``; the gateway URL is then discovered through ``GET /gateway``.
Everything the bot sends is recorded (``requests``, ``messages``, interaction responses) so tests can assert
on it, and faults can be injected (``fail``, ``closed_dms``, ``drop_gateway``, rate limits).

Facts about nextcord 3.2 this relies on (see /work/shared/FIELD-NOTES.md):
- JSON responses must carry exactly ``Content-Type: application/json`` (no charset), and a 204 must carry no
  JSON content type at all (nextcord would try to parse the empty body).
- Every response carries ``X-RateLimit-*`` headers and every route answers 429 past its limit (``ROUTE_LIMITS``:
  message sends 5 per 5 s per channel, new threads 50 per 5 minutes, new scheduled events 5 a minute per guild). As on
  Discord, the bucket NAME is one per route (it does not include the major parameter) while the limit is counted
  per (bucket, major parameter). A client must key its limiters by bucket + major parameter; nextcord 3.2 keys them
  by name alone and merges every channel into one limiter (``bucket_names="per_channel"`` hides that).
- Strict by default, like Discord: 50 requests/s globally (interaction callbacks exempt), a nonce is remembered
  for 2 minutes, the first interaction response must come within 3 s.
- A 429 carries a ``Via`` header and a JSON body, or nextcord treats it as a Cloudflare ban.
- The gateway answers with plain JSON text frames although nextcord asks for ``compress=zlib-stream``.

Discord's rules the fake enforces (sources: Discord's developer docs, discord/discord-api-docs; where they are
silent, Discord's OpenAPI spec discord/discord-api-spec; each rule cites its page next to the code):
- Form rules answered with 400 50035 and the error path, one validator for channel messages, interaction callbacks
  (paths under "data"), followups and edits: content, embeds (per-field limits and the 6,000 total over all embeds),
  components (rows, buttons, selects, custom_id), modals, autocomplete choices, application commands (names,
  localizations keyed by Discord locales, choices, the 8,000-character size).
- Guild scheduled events: field requirements by entity type, status transitions, the 100 active events, the
  CREATE_EVENTS / MANAGE_EVENTS split, interested users; threads: membership, archiving, locking, who may do what;
  announcement channels: publishing once, 10 an hour per channel (``crosspost_limit``).
- Test controls act like people in Discord's client and are held to what the client allows (``force=True`` where a
  test must forge an impossible interaction): ``invoke*``, ``mark_interested``, ``*_event_as_moderator``.
- Time-driven behaviour runs on the fake's clock (``clock=``, default the wall clock; ``advance()`` moves it): an
  idle thread archives after its auto_archive_duration, an external event starts and ends at its times, an event
  never started is cancelled. A timer applies each transition when due, and at once when the test moves time,
  with its gateway event. So do the nonce window, an interaction token's 15 minutes and the crosspost hour (a
  test's ``advance()`` ends them); rate limits and the 3 s interaction deadline stay on real time, as the bot's are.
- Privileged intents are off unless ``privileged_intents`` enables them, as for a new application.

The package: ``constants`` (Discord's numbers), ``models`` (what the fake holds), ``validation`` (Discord's form
rules), ``ratelimits`` (per-route limits), ``routing`` (streams, faults, the router), ``gateway`` (websocket
sessions), ``loopback`` (the network guard); ``FakeDiscord`` here (REST routes, gateway, clock, scenario API), and
every name re-exported so ``from tests.fake_discord import X`` keeps working.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import hashlib
import ipaddress
import json
import logging
import math
import re
import secrets
import socket
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from aiohttp import BodyPartReader, WSMsgType, web

from tests.fake_discord.constants import (
    ADD_REACTIONS,
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    ANNOUNCEMENT_THREAD,
    API_PREFIX,
    APPLICATION_ID,
    ATTACH_FILES,
    ATTACHMENT_SIZE_LIMIT,
    AUDIT_EVENT_CREATE,
    AUDIT_EVENT_DELETE,
    AUDIT_EVENT_UPDATE,
    AUTO_ARCHIVE_DURATIONS,
    BAN_MEMBERS,
    BOT_ROLE_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    CALLBACK_AUTOCOMPLETE_RESULT,
    CALLBACK_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_UPDATE_MESSAGE,
    CALLBACK_MODAL,
    CALLBACK_UPDATE_MESSAGE,
    CHANGE_NICKNAME,
    CONNECT,
    CREATE_EVENTS,
    CREATE_INSTANT_INVITE,
    CREATE_PRIVATE_THREADS,
    CREATE_PUBLIC_THREADS,
    CROSSPOSTED_FLAG,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    DISCORD_EPOCH_MS,
    DISCORD_LOCALES,
    DM,
    EMBED_LINKS,
    EPHEMERAL_FLAG,
    ERROR_MESSAGES,
    GENERAL_CHANNEL_ID,
    GUILD_ANNOUNCEMENT,
    GUILD_CATEGORY,
    GUILD_ID,
    GUILD_STAGE_VOICE,
    GUILD_TEXT,
    GUILD_VOICE,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILD_PRESENCES,
    INTENT_GUILD_SCHEDULED_EVENTS,
    INTENT_GUILD_VOICE_STATES,
    INTENT_GUILDS,
    INTENT_MESSAGE_CONTENT,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_MESSAGE_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    IS_COMPONENTS_V2_FLAG,
    JSON_CONTENT_TYPE,
    KICK_MEMBERS,
    LOADING_FLAG,
    MANAGE_CHANNELS,
    MANAGE_EVENTS,
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    MANAGE_THREADS,
    MAX_FILES,
    MEMBER_ID,
    MENTION_EVERYONE,
    MODERATOR_ID,
    MODERATOR_ROLE_ID,
    MOVE_MEMBERS,
    MUTE_MEMBERS,
    OWNER_ID,
    PRIVATE_THREAD,
    PRIVILEGED_INTENTS,
    PUBLIC_THREAD,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    SPEAK,
    STATUS_MESSAGES,
    THREAD_TYPES,
    USE_APPLICATION_COMMANDS,
    USE_EXTERNAL_EMOJIS,
    VIEW_AUDIT_LOG,
    VIEW_CHANNEL,
)
from tests.fake_discord.gateway import _GatewayConnection, _GatewaySession, _shard_index, _shard_of
from tests.fake_discord.loopback import _is_loopback_host, loopback_only
from tests.fake_discord.models import (
    _COMMAND_NAME,
    _EVERYONE_MENTION,
    _ROLE_MENTION,
    _USER_MENTION,
    DiscordHTTPError,
    FakeChannel,
    FakeCrashed,
    FakeGuild,
    FakeInteraction,
    FakeMember,
    FakeMessage,
    FakeRole,
    InteractionFailed,
    InteractionResponse,
    RecordedRequest,
    _as_int,
    _iso,
    _ResourceRateLimited,
    _Snowflakes,
    _user_json,
)
from tests.fake_discord.ratelimits import (
    DEFAULT_ROUTE_LIMIT,
    MESSAGE_CREATE_BUCKET,
    PER_BOT,
    ROUTE_LIMITS,
    SCHEDULED_EVENT,
    THREAD_MEMBER,
    _Bucket,
)
from tests.fake_discord.routing import Handler, _Call, _Fault, _Route, _Router, _Stream
from tests.fake_discord.validation import (
    _LABEL_CHILD_TYPES,
    _SELECT_TYPES,
    _V2_MESSAGE_TYPES,
    MAX_SAFE_INTEGER,
    Path,
    _assign_component_ids,
    _check_chat_input_name,
    _check_choice_value,
    _check_description,
    _check_emoji,
    _check_int,
    _check_list,
    _check_localizations,
    _check_str,
    _ComponentChecker,
    _form_error,
    _length_error,
    _longest,
    _validate_choices,
    _validate_command,
    _validate_embeds,
    _validate_message_components,
    _validate_modal,
    _validate_options,
    _validate_value_option,
    _walk_components,
)

log = logging.getLogger(__name__)


# --- The fake ---------------------------------------------------------------------------------------------


class FakeDiscord:
    """Loopback fake of Discord's REST API v10 and gateway, for one bot."""

    def __init__(
        self,
        *,
        guilds: list[FakeGuild] | None = None,
        bot_user_id: int = BOT_USER_ID,
        application_id: int = APPLICATION_ID,
        bot_username: str = "FakeBot",
        token: str | None = BOT_TOKEN,
        global_limit_per_s: int | None = 50,
        channel_message_limit: tuple[int, float] | None = (5, 5.0),
        route_limits: Mapping[tuple[str, str], tuple[int, float]] | None = None,
        interaction_deadline: float | None = 3.0,
        heartbeat_interval_ms: int = 41250,
        echo_events: bool = True,
        bucket_names: Literal["discord", "per_channel"] = "discord",
        nonce_window: float = 120.0,
        privileged_intents: int = 0,
        crosspost_limit: tuple[int, float] | None = (10, 3600.0),
        shards: int = 1,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Configure the fake; nothing listens until start().

        token: the bot's token: REST calls and IDENTIFY must use it (else 401 / close 4004), as on Discord.
            None accepts any (only for a test about a client's own handling of tokens).
        global_limit_per_s: over N requests in any 1 s window -> global 429 (interaction endpoints exempt).
        channel_message_limit: the per-channel bucket of message sends; None = advertised, not enforced
            (for tests of what a client does with the headers alone).
        route_limits: (method, route template) -> (limit, window s), replacing ROUTE_LIMITS' figure for that
            route (e.g. a short window, so a test of a 429 does not wait 5 s). Every route is enforced.
        interaction_deadline: seconds within which the initial interaction response must arrive (None = no limit).
        echo_events: dispatch MESSAGE_CREATE/THREAD_CREATE/... for what the bot does, as Discord does
            (subject to the intents the bot identified with).
        bucket_names: "discord" (default): one X-RateLimit-Bucket name per route template, shared by every
            channel / guild, limits counted per major parameter, as Discord does. "per_channel": a name per
            (method, route, major parameter) — kinder than Discord: it hides clients that key limiters by name.
        nonce_window: seconds during which an ``enforce_nonce`` send with a seen nonce returns the first message.
            Discord documents "the past few minutes"; 2 minutes is the strict reading.
        privileged_intents: the privileged intents switched on for the application in the Developer Portal
            (INTENT_GUILD_MEMBERS, INTENT_GUILD_PRESENCES, INTENT_MESSAGE_CONTENT). None by default, like a new
            application: IDENTIFY asking for others is closed with 4014, and GET .../thread-members needs
            GUILD_MEMBERS (403 50001 otherwise).
        crosspost_limit: (N, seconds): at most N messages published per announcement channel in any such window,
            else 429 with scope "shared". Not in Discord's API docs; reported by developers and in Discord's UI as
            10 an hour per channel (discord.js#4956 says per server). None = not enforced.
        shards: the shard count ``GET /gateway/bot`` recommends. A bot that IDENTIFYs with ``shard: [i, n]`` gets
            only the guilds with ``(guild_id >> 22) % n == i`` on that session, and each guild's events there;
            events without a guild (DMs) go to shard 0, as Discord does.
        clock: Discord's time as unix seconds (default ``time.time``), for what happens with time (thread
            auto-archive, event status, "in the past" checks). Pass the bot's own clock (e.g. a CLOCK_FILE's) so both
            agree; ``advance()`` moves it further.
        """
        if bucket_names not in ("discord", "per_channel"):
            raise ValueError(f"bucket_names must be 'discord' or 'per_channel', not {bucket_names!r}")
        self.guilds: dict[int, FakeGuild] = {g.id: g for g in (guilds if guilds is not None else [FakeGuild()])}
        self.bot_user_id = bot_user_id
        self.application_id = application_id
        self.bot_username = bot_username
        self.token = token
        self.global_limit_per_s = global_limit_per_s
        self.channel_message_limit = channel_message_limit
        self.route_limits = dict(route_limits or {})
        self.interaction_deadline = interaction_deadline
        self.interaction_token_ttl = 15 * 60.0
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.echo_events = echo_events
        self.bucket_names = bucket_names
        self.nonce_window = nonce_window
        self.privileged_intents = privileged_intents
        self.crosspost_limit = crosspost_limit
        self.shards = shards
        self.clock: Callable[[], float] = clock or time.time
        self.time_offset = 0.0  # added to ``clock`` by advance() / set_time()
        self.max_active_threads = 1000  # Discord's limit per guild
        # Who is in which voice or stage channel: (guild id, user id) -> channel id (one channel per guild at a time).
        self.voice_states: dict[tuple[int, int], int] = {}
        self._init_records()
        self._init_state()
        self.add_user(bot_user_id, bot_username, bot=True)
        for guild in self.guilds.values():
            self._adopt_guild(guild)

    def _init_records(self) -> None:
        """What tests read: recorded traffic, counters, created objects."""
        self._requests: _Stream[RecordedRequest] = _Stream("request")
        self._messages: _Stream[FakeMessage] = _Stream("message")
        self._responses: _Stream[InteractionResponse] = _Stream("interaction response")
        self.interaction_messages: list[FakeMessage] = []  # interaction originals and followups
        self.dm_channels: dict[int, int] = {}  # user id -> DM channel id, for DMs the bot opened (POST)
        self.threads: dict[int, dict[str, Any]] = {}  # thread id -> thread channel object
        self.thread_members: dict[int, dict[int, float]] = {}  # thread id -> user id -> join time
        self.closed_dms: set[int] = set()
        self.scheduled_events: dict[int, dict[str, Any]] = {}  # event id -> event object (without user_count)
        self.interested: dict[int, set[int]] = {}  # event id -> ids of users who marked it "Interested"
        self.audit_log: dict[int, list[dict[str, Any]]] = {}  # guild id -> entries, oldest first
        self.interactions: dict[int, FakeInteraction] = {}
        self.count_429 = 0
        self.invalid_request_count = 0  # 401/403/429 answers, which Discord counts towards an IP ban
        self.identify_count = 0
        self.resume_count = 0
        self.heartbeat_count = 0
        self.identify_payloads: list[dict[str, Any]] = []
        self.gateway_received: list[dict[str, Any]] = []  # every payload the bot sent on the gateway
        self._dispatched: _Stream[tuple[str, dict[str, Any]]] = _Stream("dispatched event")
        # Crashes of the fake itself (uninjected 5xx, gateway handler errors), with their tracebacks: the bot
        # retries a 500 as it would Discord's, so without this a bug in the fake passes as a retry path.
        self.crashes: list[str] = []

    def _init_state(self) -> None:
        """Internal indexes, rate-limit state, router, server and gateway state."""
        self._snowflakes = _Snowflakes()
        self._users: dict[int, dict[str, Any]] = {}
        self._channel_guild: dict[int, int] = {}  # guild channel id -> guild id
        self._dm_recipient: dict[int, int] = {}  # DM channel id -> user id
        self._dm_by_user: dict[int, int] = {}  # user id -> DM channel id (also for DM interactions)
        self._messages_by_id: dict[int, FakeMessage] = {}
        self._thread_activity: dict[int, float] = {}  # thread id -> time of its last activity
        self._crossposts: dict[int, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._interactions_by_token: dict[str, FakeInteraction] = {}
        self._nonces: dict[tuple[int, str], tuple[int, float]] = {}
        self._commands: dict[int | None, dict[tuple[int, str], dict[str, Any]]] = {None: {}}
        self._faults: list[_Fault] = []
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._global_window: collections.deque[float] = collections.deque()
        self._router = _Router()
        self._register_routes()
        self._timer: asyncio.Task[None] | None = None
        self._time_moved = asyncio.Event()

        self._runner: web.AppRunner | None = None
        self._port = 0
        self._sessions: dict[str, _GatewaySession] = {}  # in IDENTIFY order
        self._connections: set[_GatewayConnection] = set()
        self._command_inflight = 0
        self._last_command_activity = 0.0
        self._first_command_request = 0.0

    # -- lifecycle ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start listening on 127.0.0.1 (ephemeral port)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._handle_gateway)
        app.router.add_route("*", "/{tail:.*}", self._handle_http)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        self._timer = asyncio.create_task(self._run_timer(), name="fake-discord-timer")
        log.info("fake Discord listening on %s", self.api_base)

    async def stop(self) -> None:
        """Close every gateway connection and stop the server."""
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
            self._timer = None
        for conn in list(self._connections):
            conn.abort()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: object) -> None:
        await self.stop()
        if not self.crashes:
            return
        if exc is not None:
            # The test failed anyway; the fake's crash is likely the cause, so show it alongside.
            exc.add_note(self.crash_report())
            return
        raise FakeCrashed(self.crash_report())

    def crash_report(self) -> str:
        """The fake's own crashes so far, with tracebacks (empty if none)."""
        return "\n\n".join(f"fake Discord crash {i}:\n{crash}" for i, crash in enumerate(self.crashes, 1))

    def check_no_crashes(self) -> None:
        """Raise FakeCrashed if the fake crashed (for fakes started without ``async with``)."""
        if self.crashes:
            raise FakeCrashed(self.crash_report())

    @property
    def port(self) -> int:
        """TCP port the fake listens on (0 before start())."""
        return self._port

    @property
    def api_base(self) -> str:
        """Value for nextcord.http.Route.BASE."""
        return f"http://127.0.0.1:{self._port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """Gateway URL as announced by GET /gateway (nextcord appends its query string)."""
        return f"ws://127.0.0.1:{self._port}/gateway"

    # -- public records -------------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every REST request received, in order of completion."""
        return self._requests.items

    @property
    def messages(self) -> list[FakeMessage]:
        """Every channel message created (bot messages and injected user messages; not interaction messages)."""
        return self._messages.items

    @property
    def interaction_responses(self) -> list[InteractionResponse]:
        """Everything done with interaction tokens, across all interactions."""
        return self._responses.items

    @property
    def global_commands(self) -> dict[str, dict[str, Any]]:
        """Global commands the bot registered: name -> command JSON (with the id the fake assigned)."""
        return {name: cmd for (_, name), cmd in self._commands[None].items()}

    @property
    def guild_commands(self) -> dict[int, dict[str, dict[str, Any]]]:
        """Guild commands the bot registered: guild id -> name -> command JSON."""
        return {gid: {name: cmd for (_, name), cmd in cmds.items()}
                for gid, cmds in self._commands.items() if gid is not None}

    @property
    def connected(self) -> bool:
        """True while the bot has an identified or resumed gateway connection."""
        session = self._session
        return session is not None and session.connection is not None

    @property
    def _session(self) -> _GatewaySession | None:
        """Session events go to: the most recently attached connected one, else the one that was connected
        last (its events are buffered for its RESUME).

        Normally there is one bot and one session; during a restart an old process may still be connected,
        and events go to the newer one as soon as it has identified.
        """
        connected = [s for s in self._sessions.values() if s.connection is not None]
        candidates = connected or list(self._sessions.values())
        return max(candidates, key=lambda s: s.last_active, default=None)

    def _session_for(self, event: str, data: dict[str, Any]) -> _GatewaySession | None:
        """The session an event goes to: with shards, the one of the guild's shard (shard 0 without a guild)."""
        session = self._session
        if session is None or session.shard is None or session.shard[1] <= 1:
            return session
        raw = data.get("guild_id") or (data.get("id") if event.startswith("GUILD_") and "guild_id" not in data
                                       else None)
        wanted = _shard_of(int(raw), session.shard) if raw else 0
        on_shard = [s for s in self._sessions.values() if _shard_index(s.shard) == wanted]
        connected = [s for s in on_shard if s.connection is not None]
        return max(connected or on_shard, key=lambda s: s.last_active, default=session)

    def _shard_sessions(self) -> list[_GatewaySession]:
        """The newest session of each shard of the newest session's shard count (just it when not sharded)."""
        session = self._session
        if session is None or session.shard is None:
            return [session] if session is not None else []
        newest: dict[int, _GatewaySession] = {}
        for s in self._sessions.values():
            if (s.shard is not None and s.shard[1] == session.shard[1]
                    and (s.shard[0] not in newest or s.last_active >= newest[s.shard[0]].last_active)):
                newest[s.shard[0]] = s
        return list(newest.values()) if len(newest) == session.shard[1] else []

    @property
    def dispatched(self) -> list[tuple[str, dict[str, Any]]]:
        """(event, data) of every gateway event sent to the bot (intents allowing), oldest first."""
        return self._dispatched.items

    def get_message(self, message_id: int) -> FakeMessage | None:
        """Any message (channel or interaction) by id."""
        return self._messages_by_id.get(message_id)

    def channel_messages(self, channel_id: int) -> list[FakeMessage]:
        """Non-deleted channel messages of one channel, oldest first."""
        return [m for m in self.messages if m.channel_id == channel_id and not m.deleted]

    # -- test controls --------------------------------------------------------------------------------------

    def fail(self, method: str, route: str, *, status: int, code: int = 0, times: int = 1,
             retry_after: float | None = None, message: str = "", scope: str = "user") -> None:
        """Answer the next ``times`` requests matching (method, route template) with this error.

        ``route`` is a template as in nextcord ("/channels/{channel_id}/messages"); a concrete value may replace a
        parameter ("/channels/555/messages"). A 429 gets ``retry_after`` (default 1 s) in the body, Retry-After and
        Via headers, and exhausts the route's bucket for that long, so nextcord waits before retrying. ``scope`` is
        the 429's X-RateLimit-Scope: "user" (this bot hit the route's limit), "shared" (the resource's limit,
        shared with others) or "global" (the bot's global limit: sent with X-RateLimit-Global and no bucket).
        """
        if scope not in ("user", "shared", "global"):
            raise ValueError(f"scope must be user, shared or global, not {scope!r}")
        if status == 429 and retry_after is None:
            retry_after = 1.0
        segments = tuple(route.strip("/").split("/"))
        self._faults.append(_Fault(method.upper(), segments, status, code, times, retry_after, message, scope))

    def exhaust_bucket(self, method: str, route: str, *, seconds: float, **params: int | str) -> None:
        """Use up a bucket for ``seconds``, as other traffic would: its next request gets a genuine 429.

        ``route`` is a template; ``params`` give its major parameter, e.g. ``channel_id=...``.
        """
        bucket = self._bucket_for(method.upper(), route, {k: str(v) for k, v in params.items()})
        bucket.exhaust(time.time(), seconds)

    def clear_faults(self) -> None:
        """Forget every pending `fail(...)` rule."""
        self._faults.clear()

    def add_user(self, user_id: int, username: str, *, global_name: str | None = None, bot: bool = False) -> None:
        """Make a user known (e.g. a DM-only user outside every guild)."""
        self._users[user_id] = _user_json(user_id, username, global_name=global_name, bot=bot)

    def add_guild(self, guild: FakeGuild) -> None:
        """Add a guild at runtime (the bot 'joins' it): GUILD_CREATE is dispatched."""
        self.guilds[guild.id] = guild
        self._commands.setdefault(guild.id, {})
        self._adopt_guild(guild)
        self._dispatch("GUILD_CREATE", self._guild_create_json(guild), INTENT_GUILDS)

    def add_channel(self, guild_id: int, channel: FakeChannel) -> None:
        """Add a channel at runtime: CHANNEL_CREATE is dispatched."""
        guild = self.guilds[guild_id]
        guild.channel_list.append(channel)
        self._channel_guild[channel.id] = guild_id
        self._dispatch("CHANNEL_CREATE", channel.to_json(guild_id), INTENT_GUILDS)

    def delete_channel(self, channel_id: int) -> None:
        """Delete a guild channel or thread: later requests to it get 404 10003."""
        if channel_id in self.threads:
            thread = self.threads.pop(channel_id)
            self.thread_members.pop(channel_id, None)
            self._thread_activity.pop(channel_id, None)
            self._channel_guild.pop(channel_id, None)
            self._dispatch("THREAD_DELETE", {k: thread[k] for k in ("id", "guild_id", "parent_id", "type")},
                           INTENT_GUILDS)
            return
        guild_id = self._channel_guild.pop(channel_id)
        guild = self.guilds[guild_id]
        channel = guild.get_channel(channel_id)
        assert channel is not None
        guild.channel_list.remove(channel)
        self._dispatch("CHANNEL_DELETE", channel.to_json(guild_id), INTENT_GUILDS)

    def update_channel(self, channel_id: int) -> None:
        """Re-announce a guild channel after a test changed it (e.g. its permission_overwrites)."""
        guild_id = self._channel_guild[channel_id]
        channel = self.guilds[guild_id].get_channel(channel_id)
        assert channel is not None
        self._dispatch("CHANNEL_UPDATE", channel.to_json(guild_id), INTENT_GUILDS)

    def update_member(self, guild_id: int, user_id: int, *, roles: list[int] | None = None,
                      nick: str | None = None) -> None:
        """Change a member's roles/nick and dispatch GUILD_MEMBER_UPDATE."""
        member = self.guilds[guild_id].get_member(user_id)
        if member is None:
            raise KeyError(f"user {user_id} is not a member of guild {guild_id}")
        if roles is not None:
            member.roles = list(roles)
        if nick is not None:
            member.nick = nick
        self._dispatch("GUILD_MEMBER_UPDATE", {**member.to_json(), "guild_id": str(guild_id)}, INTENT_GUILD_MEMBERS)

    def inject_message(self, *, channel_id: int, user_id: int, content: str) -> FakeMessage:
        """A user posts a message (recorded, MESSAGE_CREATE dispatched); e.g. to start a thread from it."""
        guild_id = self._channel_guild.get(channel_id)
        if guild_id is None and channel_id not in self._dm_recipient:
            raise KeyError(f"unknown channel {channel_id}")
        message = FakeMessage(id=self._snowflakes.next(), channel_id=channel_id, guild_id=guild_id,
                              author_id=user_id, content=content, kind="user", raw={"content": content})
        self._compute_mentions(message)
        self._store_message(message)
        self._dispatch_message_event("MESSAGE_CREATE", message)
        return message

    # -- scheduled events as members and moderators see them ------------------------------------------------

    def _event_by_id(self, event_id: int) -> tuple[FakeGuild, dict[str, Any]]:
        event = self.scheduled_events.get(event_id)
        if event is None:
            raise LookupError(f"unknown scheduled event {event_id}")
        return self.guilds[int(event["guild_id"])], event

    def mark_interested(self, event_id: int, user_id: int) -> None:
        """A member clicks "Interested" on an event: they join its users list and, if the bot identified with the
        GUILD_SCHEDULED_EVENTS intent, GUILD_SCHEDULED_EVENT_USER_ADD is dispatched (nothing if already marked).
        """
        guild, event = self._event_by_id(event_id)
        if guild.get_member(user_id) is None:
            raise LookupError(f"user {user_id} is not a member of guild {guild.id}")
        if int(event["status"]) not in (1, 2):
            raise ValueError(f"event {event_id} has ended (status {event['status']}): nobody can mark it")
        users = self.interested.setdefault(event_id, set())
        if user_id in users:
            return
        users.add(user_id)
        self._dispatch("GUILD_SCHEDULED_EVENT_USER_ADD", {"guild_scheduled_event_id": str(event_id),
                                                          "user_id": str(user_id), "guild_id": str(guild.id)},
                       INTENT_GUILD_SCHEDULED_EVENTS)

    def unmark_interested(self, event_id: int, user_id: int) -> None:
        """A member takes back "Interested": GUILD_SCHEDULED_EVENT_USER_REMOVE (nothing if they had not marked it)."""
        guild, _ = self._event_by_id(event_id)
        users = self.interested.setdefault(event_id, set())
        if user_id not in users:
            return
        users.discard(user_id)
        self._dispatch("GUILD_SCHEDULED_EVENT_USER_REMOVE", {"guild_scheduled_event_id": str(event_id),
                                                             "user_id": str(user_id), "guild_id": str(guild.id)},
                       INTENT_GUILD_SCHEDULED_EVENTS)

    # -- members in voice and stage channels ----------------------------------------------------------------------

    def _voice_state_json(self, guild: FakeGuild, user_id: int, channel_id: int | None, *,
                          with_guild: bool = True) -> dict[str, Any]:
        member = guild.get_member(user_id)
        assert member is not None
        channel = guild.get_channel(channel_id) if channel_id is not None else None
        data: dict[str, Any] = {
            "channel_id": None if channel_id is None else str(channel_id), "user_id": str(user_id),
            "member": member.to_json(), "session_id": f"voice-{user_id}", "deaf": False, "mute": False,
            "self_deaf": False, "self_mute": False, "self_video": False,
            # A stage's audience joins suppressed (listening, not speaking).
            "suppress": channel is not None and channel.type == GUILD_STAGE_VOICE, "request_to_speak_timestamp": None,
        }
        if with_guild:
            data["guild_id"] = str(guild.id)
        return data

    def join_voice(self, guild_id: int, user_id: int, channel_id: int) -> None:
        """A member joins (or moves to) a voice or stage channel: VOICE_STATE_UPDATE, with the GUILD_VOICE_STATES
        intent. Strict like Discord: a member of the guild, a voice or stage channel of it, which they may see and
        connect to; one channel per guild at a time (joining another moves them); already there: nothing.
        """
        guild = self.guilds[guild_id]
        channel = guild.get_channel(channel_id)
        if guild.get_member(user_id) is None:
            raise LookupError(f"user {user_id} is not a member of guild {guild_id}")
        if channel is None or channel.type not in (GUILD_VOICE, GUILD_STAGE_VOICE):
            raise ValueError(f"channel {channel_id} is not a voice or stage channel of guild {guild_id}")
        if guild.channel_permissions(user_id, channel) & (VIEW_CHANNEL | CONNECT) != VIEW_CHANNEL | CONNECT:
            raise PermissionError(f"user {user_id} may not connect to channel {channel_id}")
        if self.voice_states.get((guild_id, user_id)) == channel_id:
            return
        self.voice_states[(guild_id, user_id)] = channel_id
        self._dispatch("VOICE_STATE_UPDATE", self._voice_state_json(guild, user_id, channel_id),
                       INTENT_GUILD_VOICE_STATES)

    def leave_voice(self, guild_id: int, user_id: int) -> None:
        """A member leaves their voice channel (nothing if they are in none): VOICE_STATE_UPDATE with no channel."""
        guild = self.guilds[guild_id]
        if self.voice_states.pop((guild_id, user_id), None) is None:
            return
        self._dispatch("VOICE_STATE_UPDATE", self._voice_state_json(guild, user_id, None), INTENT_GUILD_VOICE_STATES)

    def create_event_as_moderator(self, guild_id: int, *, name: str, start: datetime | str,
                                  end: datetime | str | None = None, location: str | None = None,
                                  channel_id: int | None = None, entity_type: int | None = None,
                                  description: str | None = None, by: int | None = None) -> dict[str, Any]:
        """A member (default: the guild owner) creates an event in Discord's client: GUILD_SCHEDULED_EVENT_CREATE.

        ``entity_type`` defaults to 3 (external, needs ``location`` and ``end``) without ``channel_id``, else to
        the channel's kind (2 voice, 1 stage). Discord's rules and the member's permissions apply
        (DiscordHTTPError). Returns the event object.
        """
        guild = self.guilds[guild_id]
        if entity_type is None:
            channel = guild.get_channel(channel_id) if channel_id is not None else None
            entity_type = 3 if channel is None else (1 if channel.type == GUILD_STAGE_VOICE else 2)
        body: dict[str, Any] = {
            "name": name, "privacy_level": 2, "entity_type": entity_type, "description": description,
            "scheduled_start_time": _iso_time(start), "scheduled_end_time": None if end is None else _iso_time(end),
            "channel_id": None if channel_id is None else str(channel_id),
            "entity_metadata": {"location": location} if location is not None else None,
        }
        return self._create_event(guild, body, guild.owner_id if by is None else by)

    def edit_event_as_moderator(self, event_id: int, *, by: int | None = None, **changes: Any) -> dict[str, Any]:
        """A member (default: the guild owner) edits an event in the client, with Discord's rules (status
        transitions, times, permissions): GUILD_SCHEDULED_EVENT_UPDATE. ``changes`` use the JSON field names
        (``status=2`` starts it); datetimes are accepted for the two times.
        """
        guild, event = self._event_by_id(event_id)
        body = {k: _iso_time(v) if isinstance(v, datetime) else v for k, v in changes.items()}
        self._edit_event(guild, event, body, guild.owner_id if by is None else by)
        return event

    def delete_event_as_moderator(self, event_id: int, *, by: int | None = None) -> None:
        """A member (default: the guild owner) deletes an event in the client: GUILD_SCHEDULED_EVENT_DELETE."""
        guild, event = self._event_by_id(event_id)
        self._delete_event(guild, event, guild.owner_id if by is None else by)

    def advance_events(self, *, now: float | None = None, cancel_after: float = 3 * 3600.0) -> list[int]:
        """Run Discord's status automation as of ``now`` (default: the wall clock) and return the events changed.

        Documented: an EXTERNAL event becomes ACTIVE at its start and COMPLETED at its end; a SCHEDULED event
        not started ``cancel_after`` seconds after its start is CANCELED (Discord says "on the order of hours";
        the exact delay is not documented). The fake's timer runs it when a transition is due on its clock.
        """
        now = self.now() if now is None else now
        changed = []
        for event_id, event in self.scheduled_events.items():
            start = _parse_time(event["scheduled_start_time"], [])
            end = _parse_time(event["scheduled_end_time"], []) if event.get("scheduled_end_time") else None
            status = int(event["status"])
            if event["entity_type"] == 3 and status == 1 and start <= now:
                status = 2
            if event["entity_type"] == 3 and status == 2 and end is not None and end <= now:
                status = 3
            if status == 1 and start + cancel_after <= now:
                status = 4
            if status != event["status"]:
                event["status"] = status
                changed.append(event_id)
                self._dispatch("GUILD_SCHEDULED_EVENT_UPDATE", self._event_json(event), INTENT_GUILD_SCHEDULED_EVENTS)
        return changed

    # -- threads as time passes -----------------------------------------------------------------------------

    def archive_thread(self, thread_id: int) -> None:
        """Discord archives a thread (as its auto-archive would): THREAD_UPDATE; no-op if already archived."""
        thread = self.threads[thread_id]
        if thread["thread_metadata"]["archived"]:
            return
        self._set_archived(thread, True)
        self._dispatch("THREAD_UPDATE", thread, INTENT_GUILDS)

    def archive_idle_threads(self, *, now: float | None = None) -> list[int]:
        """Archive every active thread idle for its ``auto_archive_duration`` minutes as of ``now`` (default: the
        wall clock; pass a later time to "advance" it) and return their ids. Activity is a message, an unarchive
        or a change of auto_archive_duration (topics/threads). The fake's timer runs it when one is due.
        """
        now = self.now() if now is None else now
        archived = []
        for thread_id, thread in list(self.threads.items()):
            metadata = thread["thread_metadata"]
            idle_since = self._thread_activity.get(thread_id, 0.0)
            if not metadata["archived"] and idle_since + 60 * metadata["auto_archive_duration"] <= now:
                self.archive_thread(thread_id)
                archived.append(thread_id)
        return archived

    # -- Discord's clock -----------------------------------------------------------------------------------

    def now(self) -> float:
        """Discord's time on the fake's clock, unix seconds."""
        return self.clock() + self.time_offset

    def advance(self, seconds: float) -> list[int]:
        """Move the fake's clock forward and run what became due (threads archived, events started, ended or
        cancelled, each with its gateway event); return the ids changed. The bot's own clock is the test's to move.
        """
        if seconds < 0:
            raise ValueError("Discord's time does not go back")
        self.time_offset += seconds
        return self.run_due()

    def set_time(self, when: datetime | float) -> list[int]:
        """Move the fake's clock forward to ``when`` (aware datetime or unix seconds) and run what became due."""
        target = when.timestamp() if isinstance(when, datetime) else float(when)
        return self.advance(max(0.0, target - self.now()))

    def run_due(self) -> list[int]:
        """Apply every time-driven transition due on the fake's clock now; the ids of threads and events changed."""
        now = self.now()
        changed = self.archive_idle_threads(now=now) + self.advance_events(now=now)
        self._time_moved.set()
        return changed

    def _next_due(self, cancel_after: float = 3 * 3600.0) -> float | None:
        """When the next transition is due on the fake's clock (None: nothing pending)."""
        due: list[float] = []
        for thread_id, thread in self.threads.items():
            metadata = thread["thread_metadata"]
            if not metadata["archived"]:
                due.append(self._thread_activity.get(thread_id, 0.0) + 60 * metadata["auto_archive_duration"])
        for event in self.scheduled_events.values():
            start = _parse_time(event["scheduled_start_time"], [])
            end = _parse_time(event["scheduled_end_time"], []) if event.get("scheduled_end_time") else None
            if event["status"] == 1:
                due.append(start if event["entity_type"] == 3 else start + cancel_after)
            elif event["status"] == 2 and event["entity_type"] == 3 and end is not None:
                due.append(end)
        return min(due, default=None)

    async def _run_timer(self) -> None:
        """Discord's own automation: each transition when it is due on the fake's clock.

        The clock may be the bot's (a file a test rewrites), so the wait is at most a second: a jump is seen
        within that; ``advance()`` runs what is due at once.
        """
        while True:
            try:
                self.run_due()
                self._time_moved.clear()
                next_due = self._next_due()
                wait = 1.0 if next_due is None else min(1.0, max(0.0, next_due - self.now()))
            except Exception:
                log.exception("fake Discord timer crashed")
                self.crashes.append(f"timer\n{traceback.format_exc()}")
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._time_moved.wait(), wait + 0.001)

    # -- waiting --------------------------------------------------------------------------------------------

    async def wait_for_dispatch(self, predicate: Callable[[tuple[str, dict[str, Any]]], bool],
                                timeout: float = 10.0) -> tuple[str, dict[str, Any]]:  # noqa: ASYNC109
        """First gateway event (past or future) sent to the bot matching predicate, as (event name, data)."""
        return await self._dispatched.wait(predicate, timeout)

    # The waiting helpers take `timeout` (the documented API) rather than relying on asyncio.timeout().
    async def wait_for_request(self, predicate: Callable[[RecordedRequest], bool],
                               timeout: float = 10.0) -> RecordedRequest:  # noqa: ASYNC109
        """First recorded request (past or future) matching predicate."""
        return await self._requests.wait(predicate, timeout)

    async def wait_for_message(self, predicate: Callable[[FakeMessage], bool],
                               timeout: float = 10.0) -> FakeMessage:  # noqa: ASYNC109
        """First channel message (past or future) matching predicate."""
        return await self._messages.wait(predicate, timeout)

    async def wait_for_response(self, interaction: FakeInteraction,
                                timeout: float = 10.0) -> dict[str, Any]:  # noqa: ASYNC109
        """Body of the bot's initial response (POST .../callback) to the interaction.

        Raises InteractionFailed if the fake rejected it (e.g. too late, already acknowledged).
        """
        response = await self.wait_for_interaction_response(interaction, lambda r: r.kind == "callback", timeout)
        if response.status >= 300:
            raise InteractionFailed(f"callback for interaction {interaction.id} rejected: {response.error}")
        body: dict[str, Any] = response.json
        return body

    async def wait_for_interaction_response(
        self, interaction: FakeInteraction, predicate: Callable[[InteractionResponse], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> InteractionResponse:
        """First response record (callback, followup, edit...) of the interaction matching predicate."""
        return await self._responses.wait(
            lambda r: r.interaction is interaction and (predicate is None or predicate(r)), timeout)

    async def wait_for_followup(self, interaction: FakeInteraction, index: int = 0,
                                timeout: float = 10.0) -> FakeMessage:  # noqa: ASYNC109
        """The index-th followup message the bot sent for the interaction."""
        await self._responses.wait(
            lambda r: r.interaction is interaction and r.kind == "followup" and r.status < 300
            and len(interaction.followups) > index, timeout)
        return interaction.followups[index]

    async def wait_until_ready(self, timeout: float = 20.0, *, settle: float = 0.5,  # noqa: ASYNC109
                               guild_ready_timeout: float = 2.0, min_identifies: int = 1) -> None:
        """Wait until the bot IDENTIFYed, got READY + GUILD_CREATEs, and its command sync has settled.

        Settled means: nextcord's guild-ready delay (``guild_ready_timeout``, 2 s by default, after which it
        syncs guild commands) has passed, no command-route request is in flight and none happened for ``settle``
        seconds, and the global command list was fetched at least once. After restarting a bot process, pass
        ``min_identifies=fake.identify_count + 1`` so the old (dead) session cannot count as ready.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            now = loop.time()
            # Every shard connected and past its READY burst (one session when the bot does not shard).
            sessions = self._shard_sessions()
            ready_at = [s.ready_at for s in sessions if s.connection is not None and s.ready_at is not None]
            if (sessions and len(ready_at) == len(sessions)
                    and self.identify_count >= min_identifies
                    and self._first_command_request > 0 and self._command_inflight == 0
                    and now >= max(ready_at) + guild_ready_timeout + settle
                    and now >= self._last_command_activity + settle):
                return
            if now >= deadline:
                raise TimeoutError(
                    f"bot not ready within {timeout} s (identified={self.identify_count}, "
                    f"connected={self.connected}, command requests seen={self._first_command_request > 0})")
            await asyncio.sleep(0.05)

    # -- interactions ---------------------------------------------------------------------------------------

    def find_command(self, name: str, guild_id: int | None, command_type: int = 1) -> dict[str, Any]:
        """Registered command by name: the guild's commands first, then global ones."""
        if guild_id is not None and (cmd := self._commands.get(guild_id, {}).get((command_type, name))):
            return cmd
        if cmd := self._commands[None].get((command_type, name)):
            return cmd
        known = sorted({n for cmds in self._commands.values() for (_, n) in cmds})
        raise LookupError(f"command {name!r} (type {command_type}) is not registered; registered: {known}")

    async def invoke(self, *, guild_id: int | None, channel_id: int | None = None, user_id: int, name: str,
                     options: list[dict[str, Any]] | None = None, command_type: int = 1,
                     target_id: int | None = None, locale: str = "en-US") -> FakeInteraction:
        """Dispatch an APPLICATION_COMMAND interaction for a registered command (guild_id None = in the user's DM).

        ``options`` use Discord's JSON form, e.g. [{"type": 3, "name": "when", "value": "in 5 minutes"}];
        subcommands are {"type": 1, "name": ..., "options": [...]}. User/role/channel options get ``resolved``.
        """
        command = self.find_command(name, guild_id, command_type)
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": command_type}
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        if options:
            data["options"] = options
        if target_id is not None:
            data["target_id"] = str(target_id)
        resolved = self._resolve_options(guild_id, options or [])
        if target_id is not None:
            self._resolve_target(guild_id, command_type, target_id, resolved)
        if resolved:
            data["resolved"] = resolved
        return self._dispatch_interaction(INTERACTION_APPLICATION_COMMAND, guild_id, channel_id, user_id, data,
                                          name=name, locale=locale)

    async def invoke_autocomplete(self, *, guild_id: int | None, channel_id: int | None = None, user_id: int,
                                  name: str, options: list[dict[str, Any]], focused: str | None = None,
                                  locale: str = "en-US") -> FakeInteraction:
        """Dispatch an APPLICATION_COMMAND_AUTOCOMPLETE interaction; the bot should answer with callback type 8.

        Mark the option being typed with ``"focused": True`` in ``options`` or name it with ``focused``
        (searched through subcommands too). As in Discord, only an option registered with ``autocomplete: true``
        can be focused (else LookupError); the bot's choices must have that option's type.
        """
        command = self.find_command(name, guild_id)
        options = json.loads(json.dumps(options))  # do not mutate the caller's list
        if focused is not None:
            _mark_focused(options, focused)
        definition = _focused_definition(command.get("options") or [], options)
        if definition is None or not definition.get("autocomplete"):
            raise LookupError(f"no focused option of /{name} has autocomplete enabled: {options}")
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": 1, "options": options}
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        interaction = self._dispatch_interaction(INTERACTION_AUTOCOMPLETE, guild_id, channel_id, user_id, data,
                                                 name=name, locale=locale)
        interaction.focused_type = int(definition.get("type") or 3)
        return interaction

    async def invoke_component(self, *, message_id: int, custom_id: str, user_id: int,
                               component_type: int | None = None, values: list[str] | None = None,
                               locale: str = "en-US", force: bool = False) -> FakeInteraction:
        """Dispatch a MESSAGE_COMPONENT interaction: ``user_id`` clicks ``custom_id`` on a message the bot sent.

        The component's type is read from the message (``component_type``, if given, must match). A select needs
        ``values``: for a string select, values of its options, as many as its min_values..max_values allow (1 by
        default); for user/role/channel/mentionable selects, ids (resolved like command options). As in Discord's
        client, a user cannot use a disabled component, nor one on an ephemeral message shown to someone else
        (LookupError); ``force=True`` dispatches anyway, to test a bot's own checks against forged interactions.
        """
        message = self._messages_by_id.get(message_id)
        if message is None or message.deleted:
            raise LookupError(f"unknown message {message_id}")
        component = next((c for c in _walk_components(message.components) if c.get("custom_id") == custom_id
                          and c.get("type") in ({2} | _SELECT_TYPES)), None)
        if component is None:
            raise LookupError(f"message {message_id} has no component {custom_id!r}; it has {message.custom_ids}")
        kind = int(component["type"])
        if component_type is not None and component_type != kind:
            raise LookupError(f"component {custom_id!r} has type {kind}, not {component_type}")
        if not force:
            owner = self.interactions.get(message.interaction_id or 0)
            if message.ephemeral and owner is not None and owner.user_id != user_id:
                raise LookupError(f"message {message_id} is ephemeral: only user {owner.user_id} can see it")
            if component.get("disabled"):
                raise LookupError(f"component {custom_id!r} is disabled")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": kind, "id": component.get("id", 0)}
        if kind == 2:
            if values is not None:
                raise ValueError("a button has no values")
        else:
            data["values"] = self._select_values(component, values, message.guild_id, data)
        return self._dispatch_interaction(
            INTERACTION_MESSAGE_COMPONENT, message.guild_id, message.channel_id, user_id, data, name=custom_id,
            locale=locale, message=message)

    def _select_values(self, select: dict[str, Any], values: list[str] | None, guild_id: int | None,
                       data: dict[str, Any]) -> list[str]:
        """Check what a user picked in a select the way the client constrains it; fill ``resolved`` for ids."""
        if values is None:
            raise ValueError(f"select {select.get('custom_id')!r} needs values")
        low = 1 if select.get("min_values") is None else int(select["min_values"])
        high = 1 if select.get("max_values") is None else int(select["max_values"])
        if not low <= len(values) <= high or len(set(values)) != len(values):
            raise ValueError(f"select {select.get('custom_id')!r} takes {low}..{high} distinct values, not {values}")
        if select["type"] == 3:
            offered = [o["value"] for o in select.get("options") or []]
            if unknown := [v for v in values if v not in offered]:
                raise ValueError(f"values {unknown} are not options of {select.get('custom_id')!r}: {offered}")
            return list(values)
        option_type = {5: 6, 6: 8, 7: 9, 8: 7}[int(select["type"])]
        resolved = self._resolve_options(guild_id, [{"type": option_type, "value": v} for v in values])
        if resolved:
            data["resolved"] = resolved
        return [str(v) for v in values]

    async def invoke_modal_submit(self, *, guild_id: int | None = None, channel_id: int | None = None,
                                  user_id: int | None = None, custom_id: str | None = None,
                                  values: Mapping[str, str | list[str]], modal_from: FakeInteraction | None = None,
                                  locale: str = "en-US", force: bool = False) -> FakeInteraction:
        """Dispatch a MODAL_SUBMIT interaction: the user fills in and submits a modal the bot showed.

        The modal is the one shown in answer to ``modal_from`` (default: the latest unsubmitted modal shown to
        ``user_id`` with ``custom_id``). ``values`` maps each input's custom_id to its text (a list of values for a
        select). As in the client, required inputs must be filled, lengths respect min_length/max_length, and a
        modal is submitted once (ValueError / LookupError otherwise). ``force=True`` skips these checks and sends
        the values as given in action rows, even without a modal shown (to test a bot against forged submits).
        """
        if modal_from is None:
            modal_from = next((i for i in reversed(self.interactions.values())
                               if i.modal is not None and not i.modal_submitted
                               and (user_id is None or i.user_id == user_id)
                               and (custom_id is None or i.modal["custom_id"] == custom_id)), None)
        if modal_from is None or modal_from.modal is None:
            if not force:
                raise LookupError(f"no modal {custom_id!r} was shown to user {user_id}")
            if user_id is None or custom_id is None:
                raise ValueError("a forged modal submit needs user_id and custom_id")
            rows = [{"type": 1, "components": [{"type": 4, "custom_id": cid, "value": text}]}
                    for cid, text in values.items()]
            return self._dispatch_interaction(INTERACTION_MODAL_SUBMIT, guild_id, channel_id, user_id,
                                              {"custom_id": custom_id, "components": rows}, name=custom_id,
                                              locale=locale)
        if modal_from.modal_submitted and not force:
            raise LookupError(f"the modal shown for interaction {modal_from.id} was already submitted")
        modal = modal_from.modal
        components = _modal_submit_components(modal["components"], values, check=not force)
        modal_from.modal_submitted = True
        message = modal_from.component_message
        return self._dispatch_interaction(
            INTERACTION_MODAL_SUBMIT, modal_from.guild_id, modal_from.channel_id, modal_from.user_id,
            {"custom_id": modal["custom_id"], "components": components}, name=modal["custom_id"], locale=locale,
            message=message)

    # -- gateway controls -----------------------------------------------------------------------------------

    async def drop_gateway(self) -> None:
        """Abort the bot's websocket (TCP reset, no close frame); the bot should reconnect and RESUME."""
        for conn in list(self._connections):
            conn.abort()
            if conn.session is not None:
                conn.session.detach(conn)
        await asyncio.sleep(0)

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT: the bot should close, reconnect and RESUME."""
        self._send_op(7, None)

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID SESSION; with resumable=False the session is forgotten and the bot must IDENTIFY."""
        session = self._session
        self._send_op(9, resumable)
        if session is not None and not resumable:
            self._sessions.pop(session.id, None)

    def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send any DISPATCH event to the bot (buffered for RESUME while it is disconnected)."""
        self._dispatch(event, data, 0)

    # =====================================================================================================
    # Internals: model helpers
    # =====================================================================================================

    def _adopt_guild(self, guild: FakeGuild) -> None:
        """Index a guild and give the bot a member and a managed role in it (unless the test defined them)."""
        if guild.preferred_locale not in DISCORD_LOCALES:
            raise ValueError(f"guild {guild.id}: preferred_locale {guild.preferred_locale!r} is not a Discord locale")
        self._commands.setdefault(guild.id, {})
        bot_role = next((r for r in guild.role_list if r.bot_id == self.bot_user_id), None)
        if bot_role is None:
            role_id = guild.id + 3 if guild.get_role(guild.id + 3) is None else self._snowflakes.next()
            bot_role = FakeRole(id=role_id, name=self.bot_username, permissions=DEFAULT_BOT_PERMISSIONS, position=1,
                                managed=True, bot_id=self.bot_user_id)
            guild.role_list.append(bot_role)
        if guild.get_member(self.bot_user_id) is None:
            guild.member_list.append(FakeMember(id=self.bot_user_id, username=self.bot_username,
                                                roles=[bot_role.id], bot=True))
        for member in guild.member_list:
            self._users.setdefault(member.id, member.user_json())
        for channel in guild.channel_list:
            self._channel_guild[channel.id] = guild.id

    def _user(self, user_id: int) -> dict[str, Any]:
        user = self._users.get(user_id)
        if user is None:
            raise DiscordHTTPError(404, 10013)
        return user

    def _guild(self, guild_id: str | int) -> FakeGuild:
        guild = self.guilds.get(int(guild_id))
        if guild is None:
            raise DiscordHTTPError(404, 10004)
        return guild

    def _guild_json(self, guild: FakeGuild) -> dict[str, Any]:
        return {
            "id": str(guild.id), "name": guild.name, "icon": None, "splash": None, "discovery_splash": None,
            "owner_id": str(guild.owner_id), "afk_channel_id": None, "afk_timeout": 300,
            "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
            "roles": [r.to_json() for r in guild.role_list], "emojis": [], "stickers": [], "features": [],
            "mfa_level": 0, "application_id": None, "system_channel_id": None, "system_channel_flags": 0,
            "rules_channel_id": None, "vanity_url_code": None, "description": None, "banner": None,
            "premium_tier": 0, "premium_subscription_count": 0, "preferred_locale": guild.preferred_locale,
            "public_updates_channel_id": None, "nsfw_level": 0, "premium_progress_bar_enabled": False,
        }

    def _guild_create_json(self, guild: FakeGuild) -> dict[str, Any]:
        data = self._guild_json(guild)
        data.update({
            "unavailable": False, "large": False, "joined_at": _iso(1_700_000_000.0),
            "member_count": len(guild.member_list), "members": [m.to_json() for m in guild.member_list],
            "channels": [c.to_json(guild.id) for c in guild.channel_list],
            "threads": [t for t in self.threads.values()
                        if t["guild_id"] == str(guild.id) and not t["thread_metadata"]["archived"]],
            "presences": [], "stage_instances": [],
            # Who is in a voice channel now, as Discord tells a (re)connecting bot (no guild_id inside GUILD_CREATE).
            "voice_states": [self._voice_state_json(guild, user_id, channel_id, with_guild=False)
                             for (guild_id, user_id), channel_id in self.voice_states.items() if guild_id == guild.id],
            "guild_scheduled_events": [e for e in self.scheduled_events.values() if e["guild_id"] == str(guild.id)],
        })
        return data

    def _channel_json(self, channel_id: int) -> dict[str, Any]:
        if (thread := self.threads.get(channel_id)) is not None:
            return thread
        if (recipient := self._dm_recipient.get(channel_id)) is not None:
            return {"id": str(channel_id), "type": DM, "last_message_id": None, "flags": 0,
                    "recipients": [self._user(recipient)]}
        guild_id = self._channel_guild.get(channel_id)
        if guild_id is None:
            raise DiscordHTTPError(404, 10003)
        channel = self.guilds[guild_id].get_channel(channel_id)
        assert channel is not None
        return channel.to_json(guild_id)

    def _guild_channel(self, channel_id: int) -> tuple[FakeGuild, FakeChannel] | None:
        """(guild, channel) for a guild channel, or for a thread its parent channel."""
        thread = self.threads.get(channel_id)
        if thread is not None:
            channel_id = int(thread["parent_id"])
        guild_id = self._channel_guild.get(channel_id)
        if guild_id is None:
            return None
        guild = self.guilds[guild_id]
        channel = guild.get_channel(channel_id)
        return None if channel is None else (guild, channel)

    def _bot_permissions_in(self, channel_id: int) -> int | None:
        found = self._guild_channel(channel_id)
        if found is None:
            return None
        guild, channel = found
        return guild.channel_permissions(self.bot_user_id, channel)

    def _require_bot_permissions(self, channel_id: int, needed: int) -> None:
        perms = self._bot_permissions_in(channel_id)
        if perms is None:
            return
        if not perms & VIEW_CHANNEL:
            raise DiscordHTTPError(403, 50001)
        if perms & needed != needed:
            raise DiscordHTTPError(403, 50013)

    def _store_message(self, message: FakeMessage) -> None:
        self._messages_by_id[message.id] = message
        if message.kind in ("channel", "user"):
            self._messages.append(message)
        else:
            self.interaction_messages.append(message)
        if (thread := self.threads.get(message.channel_id)) is not None:
            self._touch_thread(thread, now=message.created_at)
            thread["message_count"] += 1
            thread["total_message_sent"] = thread.get("total_message_sent", 0) + 1
            thread["last_message_id"] = str(message.id)

    def _message_json(self, message: FakeMessage) -> dict[str, Any]:
        author = dict(self._users.get(message.author_id) or _user_json(message.author_id, "unknown"))
        data: dict[str, Any] = {
            "id": str(message.id), "channel_id": str(message.channel_id), "type": 0, "author": author,
            "content": message.content, "timestamp": _iso(message.created_at),
            "edited_timestamp": _iso(message.edited_at), "tts": message.tts,
            "mention_everyone": message.mention_everyone,
            "mentions": [self._users[u] for u in message.mention_user_ids if u in self._users],
            "mention_roles": [str(r) for r in message.mention_role_ids], "attachments": message.attachments,
            "embeds": message.embeds, "pinned": False, "flags": message.flags, "components": message.components,
        }
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
        if message.nonce is not None:
            data["nonce"] = message.nonce
        if message.message_reference is not None:
            data["type"] = 19
            data["message_reference"] = message.message_reference
            ref = self._messages_by_id.get(int(message.message_reference.get("message_id", 0)))
            data["referenced_message"] = self._message_json(ref) if ref is not None and not ref.deleted else None
        if message.webhook_id is not None:
            data["webhook_id"] = str(message.webhook_id)
            data["application_id"] = str(self.application_id)
        if message.interaction_id is not None:
            interaction = self.interactions.get(message.interaction_id)
            if interaction is not None:
                data["type"] = 20 if interaction.type == INTERACTION_APPLICATION_COMMAND else 0
                data["interaction_metadata"] = {
                    "id": str(interaction.id), "type": interaction.type,
                    "user": self._users.get(interaction.user_id), "authorizing_integration_owners": {},
                }
        if message.thread_id is not None and (thread := self.threads.get(message.thread_id)) is not None:
            data["thread"] = thread
        return data

    def _compute_mentions(self, message: FakeMessage) -> None:
        """Who Discord would actually ping, given content and allowed_mentions."""
        content = message.content or ""
        users = [int(u) for u in _USER_MENTION.findall(content)]
        roles = [int(r) for r in _ROLE_MENTION.findall(content)]
        everyone = bool(_EVERYONE_MENTION.search(content))
        allowed = message.allowed_mentions
        replied_user = True
        if allowed is not None:
            parse = allowed.get("parse") or []
            allowed_users = {int(u) for u in allowed.get("users") or []}
            allowed_roles = {int(r) for r in allowed.get("roles") or []}
            users = users if "users" in parse else [u for u in users if u in allowed_users]
            roles = roles if "roles" in parse else [r for r in roles if r in allowed_roles]
            everyone = everyone and "everyone" in parse
            replied_user = bool(allowed.get("replied_user", False))
        if everyone and message.author_id == self.bot_user_id and message.guild_id is not None:
            perms = self._bot_permissions_in(message.channel_id)
            everyone = perms is not None and bool(perms & MENTION_EVERYONE)
        if replied_user and message.message_reference is not None:
            ref = self._messages_by_id.get(int(message.message_reference.get("message_id", 0)))
            if ref is not None and ref.author_id not in users:
                users.append(ref.author_id)
        message.mention_user_ids = list(dict.fromkeys(users))
        message.mention_role_ids = list(dict.fromkeys(roles))
        message.mention_everyone = everyone

    def _validate_message_body(self, body: dict[str, Any], files: list[dict[str, Any]], *,
                               allow_empty: bool = False, path: Path | None = None, flags: int | None = None,
                               editing: bool = False) -> None:
        """Discord's checks on a message payload: one validator for channel messages, interaction callbacks,
        followups and edits (``path`` prefixes error paths, e.g. ["data"] for callbacks; ``flags`` of an edited
        message decide whether its components follow the IS_COMPONENTS_V2 rules).
        """
        path = path or []
        if not isinstance(body, dict):
            raise _form_error(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        content = body.get("content")
        if content is not None and not isinstance(content, str):
            raise _form_error([*path, "content"], "BASE_TYPE_BAD_TYPE", "Must be a string.")
        if content and len(content) > 2000:
            raise _form_error([*path, "content"], "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        embeds = body.get("embeds") or []
        _validate_embeds(embeds, [*path, "embeds"])
        flags = int(body.get("flags") or 0) if flags is None else flags | int(body.get("flags") or 0)
        components = body.get("components")
        if components:
            _validate_message_components(components, [*path, "components"], flags)
        if flags & IS_COMPONENTS_V2_FLAG:
            for key in ("content", "embeds", "poll", "sticker_ids"):
                if body.get(key):
                    raise _form_error([*path, key], "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                                      "The 'content', 'embeds', 'sticker_ids' and 'poll' fields cannot be used "
                                      "when using MessageFlags.IS_COMPONENTS_V2")
        allowed = body.get("allowed_mentions")
        if allowed is not None:
            parse = allowed.get("parse") or []
            for kind in ("users", "roles"):
                if kind in parse and allowed.get(kind):
                    raise _form_error([*path, "allowed_mentions", kind], "ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                                      f"parse:[\"{kind}\"] and {kind}: [ids...] are mutually exclusive.")
        self._validate_files(body, files, path, editing)
        nonce = body.get("nonce")
        if isinstance(nonce, str) and len(nonce) > 25:
            raise _form_error([*path, "nonce"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        if not allow_empty and not (content or embeds or components or files or body.get("sticker_ids")
                                    or body.get("poll")):
            raise DiscordHTTPError(400, 50006)

    @staticmethod
    def _validate_files(body: dict[str, Any], files: list[dict[str, Any]], path: Path, editing: bool) -> None:
        """Discord's rules on uploads (reference#uploading-files): at most 10 files, together within the size
        limit, each in a `files[n]` part with a filename; an `attachments` entry of a new message describes an
        uploaded part by its n (an edit may also keep an existing attachment by its snowflake).
        """
        if len(files) > MAX_FILES:
            raise _form_error([*path, "attachments"], "BASE_TYPE_MAX_LENGTH",
                              f"Must be {MAX_FILES} or fewer in length.")
        if sum(f["size"] for f in files) > ATTACHMENT_SIZE_LIMIT:
            raise DiscordHTTPError(413, 40005)
        uploaded: set[str] = set()
        for f in files:
            # "file" is the older single-upload form Discord still takes (nextcord uses it for stickers).
            found = re.fullmatch(r"files\[(\d+)\]|file", f["name"])
            if found is None or not f["filename"]:
                raise _form_error([*path, "attachments"], "ATTACHMENT_NOT_FOUND", "Upload parts are files[n].")
            uploaded.add(found.group(1) or "0")
        for index, attachment in enumerate(body.get("attachments") or []):
            here = [*path, "attachments", index]
            if not isinstance(attachment, dict) or attachment.get("id") is None:
                raise _form_error([*here, "id"], "BASE_TYPE_REQUIRED", "This field is required")
            _check_str(attachment.get("description"), [*here, "description"], 1024)
            if str(attachment["id"]) not in uploaded and not editing:
                raise _form_error([*here, "id"], "ATTACHMENT_NOT_FOUND", "Unknown attachment.")

    def _attachments_for(self, files: list[dict[str, Any]], body: dict[str, Any]) -> list[dict[str, Any]]:
        described = {str(a.get("id")): a for a in body.get("attachments") or []}
        result = []
        for index, f in enumerate(files):
            attachment_id = self._snowflakes.next()
            meta = described.get(str(index), {})
            url = f"http://127.0.0.1:{self._port}/attachments/{attachment_id}/{f['filename']}"
            result.append({"id": str(attachment_id), "filename": f["filename"], "size": f["size"], "url": url,
                           "proxy_url": url, "content_type": f.get("content_type") or "application/octet-stream",
                           "description": meta.get("description")})
        return result

    def _new_message(self, *, channel_id: int, body: dict[str, Any], files: list[dict[str, Any]], kind: str,
                     author_id: int | None = None, interaction: FakeInteraction | None = None) -> FakeMessage:
        guild_id = self._channel_guild.get(channel_id)
        message = FakeMessage(
            id=self._snowflakes.next(), channel_id=channel_id, guild_id=guild_id,
            author_id=self.bot_user_id if author_id is None else author_id, content=body.get("content") or "",
            embeds=list(body.get("embeds") or []), components=_assign_component_ids(body.get("components") or []),
            allowed_mentions=body.get("allowed_mentions"), nonce=body.get("nonce"), flags=int(body.get("flags") or 0),
            tts=bool(body.get("tts", False)), attachments=self._attachments_for(files, body),
            message_reference=body.get("message_reference"), kind=kind,
            interaction_id=None if interaction is None else interaction.id,
            webhook_id=self.application_id if interaction is not None else None, raw=body,
        )
        self._compute_mentions(message)
        return message

    def _edit_message(self, message: FakeMessage, body: dict[str, Any], files: list[dict[str, Any]], *,
                      path: Path | None = None) -> None:
        self._validate_message_body(body, files, allow_empty=True, path=path, flags=message.flags, editing=True)
        if (thread := self.threads.get(message.channel_id)) is not None and not message.ephemeral:
            # "Users cannot edit messages ... in archived threads"; locked ones need MANAGE_THREADS (topics/threads).
            if thread["thread_metadata"]["archived"]:
                raise DiscordHTTPError(400, 50083)
            if thread["thread_metadata"]["locked"] and not (self._bot_permissions_in(message.channel_id) or 0) \
                    & MANAGE_THREADS:
                raise DiscordHTTPError(400, 160005)
        for key in ("content", "embeds", "components", "allowed_mentions"):
            if key in body:
                value = body[key]
                if key == "content":
                    value = value or ""
                elif key == "embeds":
                    value = list(value or [])
                elif key == "components":
                    value = _assign_component_ids(value or [])
                setattr(message, key, value)
        if "flags" in body and body["flags"] is not None:
            kept = EPHEMERAL_FLAG | IS_COMPONENTS_V2_FLAG | CROSSPOSTED_FLAG  # flags an edit cannot remove
            message.flags = (message.flags & kept) | int(body["flags"])
        message.flags &= ~LOADING_FLAG
        if files or "attachments" in body:
            kept_ids = {str(a.get("id")) for a in body.get("attachments") or []}
            message.attachments = [a for a in message.attachments if a["id"] in kept_ids]
            message.attachments += self._attachments_for(files, body)
        message.edited_at = time.time()
        message.edits.append(body)
        self._compute_mentions(message)

    # -- gateway dispatch -----------------------------------------------------------------------------------

    def _intents_allow(self, intent: int) -> bool:
        session = self._session
        return intent == 0 or (session is not None and bool(session.intents & intent))

    def _dispatch(self, event: str, data: dict[str, Any], intent: int, *,
                  session: _GatewaySession | None = None) -> None:
        session = session or self._session_for(event, data)
        if session is None:
            log.debug("no gateway session, dropping %s", event)
            return
        if not self._intents_allow(intent):
            return
        session.seq += 1
        self._dispatched.append((event, data))
        frame = json.dumps({"op": 0, "t": event, "s": session.seq, "d": data}, separators=(",", ":"))
        session.buffer.append((session.seq, frame))
        if session.connection is not None:
            session.connection.send(frame)

    def _dispatch_message_event(self, event: str, message: FakeMessage) -> None:
        if not self.echo_events or message.ephemeral:
            return
        intent = INTENT_GUILD_MESSAGES if message.guild_id is not None else INTENT_DIRECT_MESSAGES
        if not self._intents_allow(intent):
            return
        data = self._message_json(message)
        if message.guild_id is not None:
            guild = self.guilds.get(message.guild_id)
            member = guild.get_member(message.author_id) if guild else None
            if member is not None:
                data["member"] = member.to_json(with_user=False)
        self._dispatch(event, data, intent)

    def _send_op(self, op: int, data: Any) -> None:
        session = self._session
        if session is not None and session.connection is not None:
            session.connection.send(json.dumps({"op": op, "d": data, "s": None, "t": None}))

    # -- interactions ---------------------------------------------------------------------------------------

    def _member_payload(self, guild: FakeGuild, user_id: int, channel: FakeChannel | None) -> dict[str, Any]:
        member = guild.get_member(user_id)
        if member is None:
            raise LookupError(f"user {user_id} is not a member of guild {guild.id}")
        perms = guild.channel_permissions(user_id, channel) if channel else guild.base_permissions(user_id)
        return {**member.to_json(), "permissions": str(perms)}

    def _resolve_options(self, guild_id: int | None, options: list[dict[str, Any]]) -> dict[str, Any]:
        resolved: dict[str, dict[str, Any]] = {}
        guild = self.guilds.get(guild_id) if guild_id is not None else None

        def add_user(user_id: int) -> None:
            if user_id in self._users:
                resolved.setdefault("users", {})[str(user_id)] = self._users[user_id]
            member = guild.get_member(user_id) if guild else None
            if member is not None and guild is not None:
                resolved.setdefault("members", {})[str(user_id)] = {
                    **member.to_json(with_user=False), "permissions": str(guild.base_permissions(user_id))}

        def walk(items: list[dict[str, Any]]) -> None:
            for option in items:
                kind = option.get("type")
                value: Any = option.get("value")  # JSON: what Discord's option type says it is
                if kind in (1, 2):
                    walk(option.get("options") or [])
                elif kind == 6 or (kind == 9 and value is not None and int(value) in self._users):
                    add_user(int(value))
                elif kind in (8, 9) and guild is not None and (role := guild.get_role(int(value))) is not None:
                    resolved.setdefault("roles", {})[str(role.id)] = role.to_json()
                elif kind == 7:
                    with contextlib.suppress(DiscordHTTPError):
                        channel = self._channel_json(int(value))
                        resolved.setdefault("channels", {})[str(value)] = {
                            k: channel.get(k) for k in ("id", "name", "type", "parent_id", "thread_metadata")
                            if k in channel} | {"permissions": str(ALL_PERMISSIONS)}

        walk(options)
        return resolved

    def _resolve_target(self, guild_id: int | None, command_type: int, target_id: int,
                        resolved: dict[str, Any]) -> None:
        if command_type == 2:
            resolved.update(self._resolve_options(guild_id, [{"type": 6, "value": str(target_id)}]))
        elif command_type == 3:
            message = self._messages_by_id.get(target_id)
            if message is None:
                raise LookupError(f"unknown target message {target_id}")
            resolved.setdefault("messages", {})[str(target_id)] = self._message_json(message)

    def _dm_channel_for(self, user_id: int) -> int:
        """The one DM channel between the bot and a user (created on first use)."""
        channel_id = self._dm_by_user.get(user_id)
        if channel_id is None:
            channel_id = self._snowflakes.next()
            self._dm_recipient[channel_id] = user_id
            self._dm_by_user[user_id] = channel_id
        return channel_id

    def _dispatch_interaction(self, interaction_type: int, guild_id: int | None, channel_id: int | None,
                              user_id: int, data: dict[str, Any], *, name: str, locale: str,
                              message: FakeMessage | None = None) -> FakeInteraction:
        if locale not in DISCORD_LOCALES:  # the user's client language: always one of Discord's locales
            raise ValueError(f"{locale!r} is not a Discord locale; use one of {sorted(DISCORD_LOCALES)}")
        interaction_id = self._snowflakes.next()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)
        payload: dict[str, Any] = {
            "id": str(interaction_id), "application_id": str(self.application_id), "type": interaction_type,
            "data": data, "token": token, "version": 1, "locale": locale, "entitlements": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if guild_id is not None:
            guild = self.guilds.get(guild_id)
            if guild is None:
                raise LookupError(f"unknown guild {guild_id}")
            if channel_id is None:
                channel_id = guild.channel_list[0].id
            found = self._guild_channel(channel_id)
            if found is None or found[0].id != guild_id:
                raise LookupError(f"channel {channel_id} is not in guild {guild_id}")
            _, parent = found
            payload.update({
                "guild_id": str(guild_id), "guild_locale": guild.preferred_locale,
                "guild": {"id": str(guild_id), "locale": guild.preferred_locale, "features": []},
                "member": self._member_payload(guild, user_id, parent),
                "app_permissions": str(guild.channel_permissions(self.bot_user_id, parent)),
                "authorizing_integration_owners": {"0": str(guild_id)}, "context": 0,
            })
        else:
            if user_id not in self._users:
                raise LookupError(f"unknown user {user_id}")
            if channel_id is None:
                channel_id = self._dm_channel_for(user_id)
            payload.update({
                "user": self._users[user_id], "app_permissions": str(DEFAULT_BOT_PERMISSIONS),
                "authorizing_integration_owners": {"0": "0"}, "context": 1,
            })
        payload["channel_id"] = str(channel_id)
        with contextlib.suppress(DiscordHTTPError):
            payload["channel"] = self._channel_json(channel_id)
        if message is not None:
            payload["message"] = self._message_json(message)
        interaction = FakeInteraction(id=interaction_id, token=token, type=interaction_type, guild_id=guild_id,
                                      channel_id=channel_id, user_id=user_id, name=name, payload=payload,
                                      component_message=message, issued_at=self.now())
        self.interactions[interaction_id] = interaction
        self._interactions_by_token[token] = interaction
        self._dispatch("INTERACTION_CREATE", payload, 0)
        return interaction

    def _record_response(self, interaction: FakeInteraction, kind: str, body: Any, status: int, *,
                         message: FakeMessage | None = None, error: str | None = None) -> None:
        response = InteractionResponse(interaction=interaction, kind=kind, json=body, at=time.time(),
                                       status=status, message=message, error=error)
        interaction.responses.append(response)
        self._responses.append(response)

    # =====================================================================================================
    # Internals: HTTP
    # =====================================================================================================

    async def _read_body(self, request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
        files: list[dict[str, Any]] = []
        if not request.body_exists:
            return None, files
        if request.content_type.startswith("multipart/"):
            body: Any = None
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):  # the bot sends flat multipart, never nested
                    continue
                raw = await part.read()
                name = part.name or ""
                if name == "payload_json":
                    try:
                        body = json.loads(raw)
                    except ValueError:  # Discord answers an upload's invalid payload_json like a JSON body's
                        raise DiscordHTTPError(400, 50109) from None
                elif getattr(part, "filename", None):
                    files.append({"name": name, "filename": part.filename, "size": len(raw),
                                  "content_type": part.headers.get("Content-Type"), "data": raw})
            return body, files
        raw = await request.read()
        if not raw:
            return None, files
        try:
            return json.loads(raw), files
        except ValueError:
            raise DiscordHTTPError(400, 50109) from None

    def _bucket_for(self, method: str, route: str, params: dict[str, str]) -> _Bucket:
        listed = ROUTE_LIMITS.get((method, route))
        if listed is not None:
            shared, limit, window, major_name = listed
            major = params.get(major_name, "") if major_name else ""
        else:
            # Discord's major parameters: the channel, the guild, the webhook with its token (topics/rate-limits).
            shared, (limit, window) = f"{method} {route}", DEFAULT_ROUTE_LIMIT
            major = (params.get("channel_id") or params.get("guild_id") or params.get("webhook_token")
                     or params.get("interaction_token") or "")
        key = (shared, major)
        bucket = self._buckets.get(key)
        if bucket is None:
            enforce = True
            if (method, route) in self.route_limits:
                limit, window = self.route_limits[method, route]
            elif shared == MESSAGE_CREATE_BUCKET:
                if self.channel_message_limit is None:
                    enforce = False
                else:
                    limit, window = self.channel_message_limit
            name_key = (shared,) if self.bucket_names == "discord" else key
            name = hashlib.blake2s("|".join(name_key).encode(), digest_size=8).hexdigest()
            bucket = _Bucket(name=name, limit=limit, window=window, enforce=enforce)
            self._buckets[key] = bucket
        return bucket

    @staticmethod
    def _ratelimit_headers(bucket: _Bucket, remaining: int, reset_at: float, now: float) -> dict[str, str]:
        reset_at = math.ceil(reset_at * 1000) / 1000  # never announce a reset earlier than the real one
        return {
            "X-RateLimit-Limit": str(bucket.limit), "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{reset_at:.3f}", "X-RateLimit-Reset-After": f"{max(0.0, reset_at - now):.3f}",
            "X-RateLimit-Bucket": bucket.name,
        }

    def _global_check(self, route: str) -> float | None:
        """Count a request against the global limit; return retry_after if it must be refused."""
        limit = self.global_limit_per_s
        if limit is None or route.startswith(("/interactions/", "/webhooks/")):
            return None
        now = time.monotonic()
        window = self._global_window
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= limit:
            return max(0.001, window[0] + 1.0 - now)
        window.append(now)
        return None

    @staticmethod
    def _response(status: int, body: Any, headers: dict[str, str]) -> web.Response:
        if body is None or status == 204:
            return web.Response(status=status, headers=headers)
        headers["Content-Type"] = JSON_CONTENT_TYPE
        return web.Response(status=status, body=json.dumps(body, separators=(",", ":")).encode(), headers=headers)

    async def _handle_http(self, request: web.Request) -> web.StreamResponse:
        at = time.time()
        method = request.method
        full_path = request.path
        if not full_path.startswith(API_PREFIX + "/"):
            return self._response(404, {"message": "404: Not Found", "code": 0}, {})
        path = full_path[len(API_PREFIX):]
        segments = tuple(path.strip("/").split("/"))
        route_obj, params, path_known = self._router.match(method, segments)
        route = route_obj.template if route_obj else path
        record = RecordedRequest(method=method, path=path, route=route, params=params, json=None, at=at,
                                 query=dict(request.query))
        is_command_route = route.startswith("/applications/") and "/commands" in route
        if is_command_route:
            self._command_inflight += 1
            if not self._first_command_request:
                self._first_command_request = asyncio.get_running_loop().time()
        headers: dict[str, str] = {}
        try:
            status, body = await self._process(request, record, route_obj, path_known=path_known,
                                               segments=segments, headers=headers)
        finally:
            if is_command_route:
                self._command_inflight -= 1
                self._last_command_activity = asyncio.get_running_loop().time()
        record.status = status
        record.response = body
        if status == 429:
            self.count_429 += 1
        if status in (401, 403) or (status == 429 and headers.get("X-RateLimit-Scope") != "shared"):
            self.invalid_request_count += 1  # shared-scope 429s "are not counted against you" (topics/rate-limits)
        self._requests.append(record)
        if status >= 400:
            log.debug("%s %s -> %s %s", method, path, status, body)
        try:
            return self._response(status, body, headers)
        except (TypeError, ValueError):
            # A handler's answer json cannot encode is the fake's bug: recorded, never a bare 500 from aiohttp.
            log.exception("fake Discord could not encode its answer to %s %s", method, path)
            self.crashes.append(f"{method} {path} (answer)\n{traceback.format_exc()}")
            record.status = 500
            return self._response(500, {"message": "500: Internal Server Error (fake answer not JSON)", "code": 0}, {})

    async def _process(self, request: web.Request, record: RecordedRequest, route_obj: _Route | None, *,
                       path_known: bool, segments: tuple[str, ...], headers: dict[str, str]) -> tuple[int, Any]:
        """Run the pipeline: body, auth, global limit, injected faults, bucket, handler."""
        try:
            record.json, record.files = await self._read_body(request)
        except DiscordHTTPError as exc:
            return exc.status, exc.body()
        except Exception:
            # A body the fake cannot read is its own bug: recorded, never a bare 500 the bot retries unseen.
            log.exception("fake Discord crashed reading the body of %s %s", record.method, record.path)
            self.crashes.append(f"{record.method} {record.path} (body)\n{traceback.format_exc()}")
            return 500, {"message": "500: Internal Server Error (fake crashed reading the body)", "code": 0}
        route = record.route
        method = record.method

        auth = request.headers.get("Authorization")
        token_route = route.startswith(("/interactions/", "/webhooks/{webhook_id}/{webhook_token}"))
        if self.token is not None and not token_route and auth != f"Bot {self.token}":
            return 401, {"message": "401: Unauthorized", "code": 0}

        if (retry_after := self._global_check(route)) is not None:
            headers.update({"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global",
                            "Retry-After": str(math.ceil(retry_after)), "Via": "1.1 google"})
            return 429, {"message": "You are being rate limited.", "retry_after": round(retry_after, 3),
                         "global": True, "code": 0}

        bucket = self._bucket_for(method, route, record.params) if route_obj is not None else None
        now = time.time()
        for fault in self._faults:
            if route_obj is not None and fault.matches(method, route_obj.segments, segments):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                record.injected = True
                return self._fault_response(fault, bucket, now, headers)

        if route_obj is None:
            if path_known:
                return 405, {"message": "405: Method Not Allowed", "code": 0}
            return 404, {"message": "404: Not Found", "code": 0}
        assert bucket is not None

        allowed, remaining, reset_at = bucket.hit(now)
        headers.update(self._ratelimit_headers(bucket, remaining, reset_at, now))
        if not allowed:
            retry_after = max(0.001, reset_at - now)
            headers.update({"Retry-After": str(math.ceil(retry_after)), "Via": "1.1 google",
                            "X-RateLimit-Scope": "user"})
            return 429, {"message": "You are being rate limited.", "retry_after": round(retry_after, 3),
                         "global": False, "code": 0}

        call = _Call(method=method, path=record.path, route=route, params=record.params, query=record.query,
                     json=record.json, files=record.files, auth=auth)
        try:
            result = route_obj.handler(call)
            if isinstance(result, Awaitable):
                result = await result
        except DiscordHTTPError as exc:
            if isinstance(exc, _ResourceRateLimited):
                headers.update(exc.headers)
            if exc.status >= 500:
                self.crashes.append(f"{method} {record.path} answered {exc.status} without a fail(...) rule")
            return exc.status, exc.body()
        except Exception:
            log.exception("fake Discord handler crashed on %s %s", method, record.path)
            self.crashes.append(f"{method} {record.path}\n{traceback.format_exc()}")
            return 500, {"message": "500: Internal Server Error (fake handler crashed)", "code": 0}
        if isinstance(result, tuple):
            return result
        return (204, None) if result is None else (200, result)

    def _fault_response(self, fault: _Fault, bucket: _Bucket | None, now: float,
                        headers: dict[str, str]) -> tuple[int, Any]:
        body: dict[str, Any] = {"message": fault.message or ERROR_MESSAGES.get(fault.code)
                                or STATUS_MESSAGES.get(fault.status, str(fault.status)), "code": fault.code}
        if fault.status == 429:
            retry_after = fault.retry_after or 1.0
            is_global = fault.scope == "global"
            if bucket is not None and not is_global:
                reset_at = bucket.exhaust(now, retry_after)
                headers.update(self._ratelimit_headers(bucket, 0, reset_at, now))
            headers.update({"Retry-After": str(math.ceil(retry_after)), "Via": "1.1 google",
                            "X-RateLimit-Scope": fault.scope})
            if is_global:
                headers["X-RateLimit-Global"] = "true"
            body.update({"retry_after": retry_after, "global": is_global})
        elif bucket is not None:
            _, remaining, reset_at = bucket.hit(now)
            headers.update(self._ratelimit_headers(bucket, remaining, reset_at, now))
        return fault.status, body

    # =====================================================================================================
    # Route handlers
    # =====================================================================================================

    def _register_routes(self) -> None:
        add = self._router.add
        add("GET", "/gateway", lambda c: {"url": self.gateway_url})
        add("GET", "/gateway/bot", lambda c: {
            "url": self.gateway_url, "shards": self.shards,
            "session_start_limit": {"total": 1000, "remaining": 1000 - self.identify_count,
                                    "reset_after": 14_400_000, "max_concurrency": 1}})
        add("GET", "/users/@me", lambda c: self._users[self.bot_user_id] | {"verified": True, "mfa_enabled": False})
        add("GET", "/users/{user_id}", lambda c: self._user(int(c.params["user_id"])))
        add("POST", "/users/@me/channels", self._h_create_dm)
        add("GET", "/oauth2/applications/@me", self._h_application)
        add("GET", "/applications/@me", self._h_application)

        for base in ("/applications/{application_id}/commands",
                     "/applications/{application_id}/guilds/{guild_id}/commands"):
            add("GET", base, self._h_list_commands)
            add("PUT", base, self._h_bulk_commands)
            add("POST", base, self._h_create_command)
            add("GET", base + "/{command_id}", self._h_get_command)
            add("PATCH", base + "/{command_id}", self._h_edit_command)
            add("DELETE", base + "/{command_id}", self._h_delete_command)

        add("POST", "/interactions/{interaction_id}/{interaction_token}/callback", self._h_callback)
        add("POST", "/webhooks/{webhook_id}/{webhook_token}", self._h_followup)
        for suffix in ("/messages/@original", "/messages/{message_id}"):
            add("GET", "/webhooks/{webhook_id}/{webhook_token}" + suffix, self._h_webhook_get)
            add("PATCH", "/webhooks/{webhook_id}/{webhook_token}" + suffix, self._h_webhook_edit)
            add("DELETE", "/webhooks/{webhook_id}/{webhook_token}" + suffix, self._h_webhook_delete)

        add("GET", "/channels/{channel_id}", lambda c: self._channel_json(int(c.params["channel_id"])))
        add("PATCH", "/channels/{channel_id}", self._h_edit_channel)
        add("DELETE", "/channels/{channel_id}", self._h_delete_channel)
        add("GET", "/channels/{channel_id}/messages", self._h_history)
        add("POST", "/channels/{channel_id}/messages", self._h_send_message)
        add("GET", "/channels/{channel_id}/messages/{message_id}", self._h_get_message)
        add("PATCH", "/channels/{channel_id}/messages/{message_id}", self._h_edit_message)
        add("DELETE", "/channels/{channel_id}/messages/{message_id}", self._h_delete_message)
        add("POST", "/channels/{channel_id}/messages/{message_id}/crosspost", self._h_crosspost)
        add("POST", "/channels/{channel_id}/typing", lambda c: self._known_channel(c) and None)
        add("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
            lambda c: self._channel_message(c) and None)
        add("POST", "/channels/{channel_id}/threads", self._h_thread_without_message)
        add("POST", "/channels/{channel_id}/messages/{message_id}/threads", self._h_thread_from_message)
        add("PUT", "/channels/{channel_id}/thread-members/@me", self._h_join_thread)
        add("DELETE", "/channels/{channel_id}/thread-members/@me", self._h_leave_thread)
        add("GET", "/channels/{channel_id}/thread-members", self._h_list_thread_members)
        add("PUT", "/channels/{channel_id}/thread-members/{user_id}", self._h_add_thread_member)
        add("DELETE", "/channels/{channel_id}/thread-members/{user_id}", self._h_remove_thread_member)
        add("GET", "/channels/{channel_id}/thread-members/{user_id}", self._h_get_thread_member)
        add("GET", "/channels/{channel_id}/threads/archived/public", self._h_public_archived_threads)

        self._register_guild_routes()

    def _register_guild_routes(self) -> None:
        add = self._router.add
        add("GET", "/guilds/{guild_id}", lambda c: self._guild_json(self._guild(c.params["guild_id"])))
        add("GET", "/guilds/{guild_id}/channels", lambda c: [
            ch.to_json(g.id) for g in [self._guild(c.params["guild_id"])] for ch in g.channel_list])
        add("GET", "/guilds/{guild_id}/roles", lambda c: [
            r.to_json() for r in self._guild(c.params["guild_id"]).role_list])
        add("GET", "/guilds/{guild_id}/members", lambda c: [
            m.to_json() for m in self._guild(c.params["guild_id"]).member_list])
        add("GET", "/guilds/{guild_id}/members/{user_id}", self._h_get_member)
        add("GET", "/guilds/{guild_id}/threads/active", self._h_active_threads)
        add("GET", "/guilds/{guild_id}/audit-logs", self._h_audit_log)
        add("GET", "/guilds/{guild_id}/scheduled-events", self._h_list_events)
        add("POST", "/guilds/{guild_id}/scheduled-events", self._h_create_event)
        add("GET", "/guilds/{guild_id}/scheduled-events/{event_id}", self._h_get_event)
        add("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}", self._h_edit_event)
        add("DELETE", "/guilds/{guild_id}/scheduled-events/{event_id}", self._h_delete_event)
        add("GET", "/guilds/{guild_id}/scheduled-events/{event_id}/users", self._h_event_users)

    # -- users, application ---------------------------------------------------------------------------------

    def _h_application(self, call: _Call) -> dict[str, Any]:
        return {
            "id": str(self.application_id), "name": self.bot_username, "icon": None, "description": "",
            "rpc_origins": [], "bot_public": True, "bot_require_code_grant": False,
            "bot": self._users[self.bot_user_id], "owner": self._users.get(OWNER_ID) or self._users[self.bot_user_id],
            "summary": "", "verify_key": "0" * 64, "team": None, "flags": 0, "tags": [],
        }

    def _h_create_dm(self, call: _Call) -> dict[str, Any]:
        body = call.json or {}
        try:
            recipient: Any = body.get("recipient_id")
            user_id = int(recipient)
        except (TypeError, ValueError):
            raise _form_error(["recipient_id"], "BASE_TYPE_REQUIRED", "This field is required") from None
        if user_id not in self._users or user_id == self.bot_user_id:
            raise DiscordHTTPError(400, 50033)
        channel_id = self._dm_channel_for(user_id)
        self.dm_channels[user_id] = channel_id
        return self._channel_json(channel_id)

    def _h_get_member(self, call: _Call) -> dict[str, Any]:
        member = self._guild(call.params["guild_id"]).get_member(int(call.params["user_id"]))
        if member is None:
            raise DiscordHTTPError(404, 10007)
        return member.to_json()

    # -- application commands -------------------------------------------------------------------------------

    def _command_scope(self, call: _Call) -> tuple[int | None, dict[tuple[int, str], dict[str, Any]]]:
        if int(call.params["application_id"]) != self.application_id:
            raise DiscordHTTPError(403, 50001)
        if "guild_id" not in call.params:
            return None, self._commands[None]
        guild = self._guild(call.params["guild_id"])
        return guild.id, self._commands.setdefault(guild.id, {})

    def _command_out(self, command: dict[str, Any], call: _Call) -> dict[str, Any]:
        if call.query.get("with_localizations") == "true" or call.method != "GET":
            return command
        return {k: v for k, v in command.items() if k not in ("name_localizations", "description_localizations")}

    def _store_command(self, scope: int | None, store: dict[tuple[int, str], dict[str, Any]],
                       body: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
        command = dict(body)
        command.setdefault("type", 1)
        command["id"] = existing["id"] if existing else str(self._snowflakes.next())
        command["application_id"] = str(self.application_id)
        command["version"] = str(self._snowflakes.next())
        if scope is not None:
            command["guild_id"] = str(scope)
        if existing is not None:
            store.pop((int(existing["type"]), existing["name"]), None)
        store[(int(command["type"]), command["name"])] = command
        return command

    def _h_list_commands(self, call: _Call) -> list[dict[str, Any]]:
        _, store = self._command_scope(call)
        return [self._command_out(c, call) for c in store.values()]

    def _h_create_command(self, call: _Call) -> tuple[int, dict[str, Any]]:
        scope, store = self._command_scope(call)
        _validate_command(call.json, [])
        key = (int(call.json.get("type", 1)), call.json["name"])
        existing = store.get(key)
        command = self._store_command(scope, store, call.json, existing)
        return (200 if existing else 201), command

    def _h_bulk_commands(self, call: _Call) -> list[dict[str, Any]]:
        scope, store = self._command_scope(call)
        if not isinstance(call.json, list):
            raise DiscordHTTPError(400, 50035, "Invalid Form Body")
        seen: set[tuple[int, str]] = set()
        for index, body in enumerate(call.json):
            _validate_command(body, [index])
            key = (int(body.get("type", 1)), body["name"])
            if key in seen:
                raise _form_error([index, "name"], "APPLICATION_COMMANDS_DUPLICATE_NAME",
                                  f"Application command names must be unique: {body['name']}")
            seen.add(key)
        old = dict(store)
        store.clear()
        return [self._store_command(scope, store, body, old.get((int(body.get("type", 1)), body["name"])))
                for body in call.json]

    def _find_command_by_id(self, store: dict[tuple[int, str], dict[str, Any]], command_id: str) -> dict[str, Any]:
        for command in store.values():
            if command["id"] == command_id:
                return command
        raise DiscordHTTPError(404, 10063)

    def _h_get_command(self, call: _Call) -> dict[str, Any]:
        _, store = self._command_scope(call)
        return self._find_command_by_id(store, call.params["command_id"])

    def _h_edit_command(self, call: _Call) -> dict[str, Any]:
        scope, store = self._command_scope(call)
        existing = self._find_command_by_id(store, call.params["command_id"])
        merged = {k: v for k, v in existing.items() if k not in ("id", "application_id", "version", "guild_id")}
        merged.update(call.json or {})
        _validate_command(merged, [])
        return self._store_command(scope, store, merged, existing)

    def _h_delete_command(self, call: _Call) -> None:
        _, store = self._command_scope(call)
        command = self._find_command_by_id(store, call.params["command_id"])
        store.pop((int(command["type"]), command["name"]))

    # -- interactions ---------------------------------------------------------------------------------------

    def _h_callback(self, call: _Call) -> None:
        interaction = self.interactions.get(int(call.params["interaction_id"])) if call.params[
            "interaction_id"].isdigit() else None
        body = call.json if isinstance(call.json, dict) else {}
        if interaction is None or interaction.token != call.params["interaction_token"]:
            raise DiscordHTTPError(404, 10062)
        try:
            self._accept_callback(interaction, body, call.files)
        except DiscordHTTPError as exc:
            log.warning("rejected callback for interaction %s: %s", interaction.id, exc)
            self._record_response(interaction, "callback", body, exc.status, error=str(exc))
            raise

    def _accept_callback(self, interaction: FakeInteraction, body: dict[str, Any], files: list[dict[str, Any]]) -> None:
        age = time.time() - interaction.created_at
        if interaction.acknowledged:
            raise DiscordHTTPError(400, 40060)
        if self.interaction_deadline is not None and age > self.interaction_deadline:
            raise DiscordHTTPError(404, 10062, f"Unknown interaction (answered after {age:.2f} s)")
        callback_type = body.get("type")
        data = body.get("data") or {}
        message: FakeMessage | None = None
        if callback_type == CALLBACK_CHANNEL_MESSAGE:
            if interaction.type not in (INTERACTION_APPLICATION_COMMAND, INTERACTION_MESSAGE_COMPONENT,
                                        INTERACTION_MODAL_SUBMIT):
                raise DiscordHTTPError(400, 50035, "Invalid interaction response type")
            self._validate_message_body(data, files, path=["data"])
            message = self._new_message(channel_id=interaction.channel_id, body=data, files=files,
                                        kind="interaction", interaction=interaction)
            interaction.original = message
        elif callback_type == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
            message = self._new_message(channel_id=interaction.channel_id, body={"flags": data.get("flags", 0)},
                                        files=[], kind="interaction", interaction=interaction)
            message.flags |= LOADING_FLAG
            interaction.original = message
        elif callback_type in (CALLBACK_DEFERRED_UPDATE_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            if interaction.component_message is None:
                raise DiscordHTTPError(400, 50035, "Invalid interaction response type for this interaction")
            if callback_type == CALLBACK_UPDATE_MESSAGE:
                self._edit_message(interaction.component_message, data, files, path=["data"])
            message = interaction.component_message
            # receiving-and-responding: after an update (6/7), "@original" is the message the component is on.
            interaction.original = message
        elif callback_type == CALLBACK_AUTOCOMPLETE_RESULT:
            if interaction.type != INTERACTION_AUTOCOMPLETE:
                raise DiscordHTTPError(400, 50035, "Invalid interaction response type")
            _validate_choices(data.get("choices"), ["data", "choices"], interaction.focused_type or 3)
        elif callback_type == CALLBACK_MODAL:
            if interaction.type in (INTERACTION_AUTOCOMPLETE, INTERACTION_MODAL_SUBMIT):
                raise DiscordHTTPError(400, 50035, "Invalid interaction response type")
            _validate_modal(body.get("data"), ["data"])
            interaction.modal = {**data, "components": _assign_component_ids(data["components"])}
        else:
            raise _form_error(["type"], "BASE_TYPE_CHOICES",
                              f"Value must be one of (4, 5, 6, 7, 8, 9): {callback_type}")
        interaction.acknowledged = True
        if message is not None and message.kind == "interaction" and message.id not in self._messages_by_id:
            self._store_message(message)
        self._record_response(interaction, "callback", body, 204, message=message)

    def _webhook_interaction(self, call: _Call) -> FakeInteraction:
        if call.params["webhook_id"] != str(self.application_id):
            raise DiscordHTTPError(404, 10015)
        interaction = self._interactions_by_token.get(call.params["webhook_token"])
        if interaction is None:
            raise DiscordHTTPError(404, 10015)
        # The token's 15 minutes run on Discord's clock: a test's advance(900) expires it.
        issued_at = interaction.issued_at if interaction.issued_at is not None else interaction.created_at
        if self.now() - issued_at > self.interaction_token_ttl:
            raise DiscordHTTPError(401, 50027)
        return interaction

    def _webhook_message(self, interaction: FakeInteraction, call: _Call) -> tuple[FakeMessage, str]:
        message_id = call.params.get("message_id")
        if message_id is None:  # @original
            if interaction.original is None or interaction.original.deleted:
                raise DiscordHTTPError(404, 10008)
            return interaction.original, "original"
        message = next((m for m in interaction.followups if str(m.id) == message_id and not m.deleted), None)
        if message is None and interaction.original is not None and str(interaction.original.id) == message_id:
            return interaction.original, "original"
        if message is None:
            raise DiscordHTTPError(404, 10008)
        return message, "followup"

    def _h_followup(self, call: _Call) -> tuple[int, Any]:
        interaction = self._webhook_interaction(call)
        body = call.json if isinstance(call.json, dict) else {}
        try:
            if not interaction.acknowledged:
                raise DiscordHTTPError(404, 10015)
            self._validate_message_body(body, call.files)
        except DiscordHTTPError as exc:
            self._record_response(interaction, "followup", body, exc.status, error=str(exc))
            raise
        message = self._new_message(channel_id=interaction.channel_id, body=body, files=call.files, kind="followup",
                                    interaction=interaction)
        interaction.followups.append(message)
        self._store_message(message)
        self._record_response(interaction, "followup", body, 200, message=message)
        if call.query.get("wait", "true").lower() in ("0", "false"):
            return 204, None
        return 200, self._message_json(message)

    def _h_webhook_get(self, call: _Call) -> dict[str, Any]:
        interaction = self._webhook_interaction(call)
        message, _ = self._webhook_message(interaction, call)
        return self._message_json(message)

    def _h_webhook_edit(self, call: _Call) -> dict[str, Any]:
        interaction = self._webhook_interaction(call)
        body = call.json if isinstance(call.json, dict) else {}
        kind = "edit_original" if "message_id" not in call.params else "edit_followup"
        try:
            message, which = self._webhook_message(interaction, call)
            kind = f"edit_{which}"
            self._edit_message(message, body, call.files)
        except DiscordHTTPError as exc:
            self._record_response(interaction, kind, body, exc.status, error=str(exc))
            raise
        self._record_response(interaction, kind, body, 200, message=message)
        return self._message_json(message)

    def _h_webhook_delete(self, call: _Call) -> None:
        interaction = self._webhook_interaction(call)
        message, which = self._webhook_message(interaction, call)
        message.deleted = True
        self._record_response(interaction, f"delete_{which}", None, 204, message=message)

    # -- channels and messages ------------------------------------------------------------------------------

    def _known_channel(self, call: _Call) -> int:
        channel_id = int(call.params["channel_id"])
        if (channel_id not in self._channel_guild and channel_id not in self._dm_recipient
                and channel_id not in self.threads):
            raise DiscordHTTPError(404, 10003)
        return channel_id

    def _channel_message(self, call: _Call) -> FakeMessage:
        channel_id = self._known_channel(call)
        message = self._messages_by_id.get(int(call.params["message_id"]))
        # Ephemeral messages exist only for their recipient: channel routes do not know them (webhook routes do).
        if message is None or message.deleted or message.channel_id != channel_id or message.ephemeral:
            raise DiscordHTTPError(404, 10008)
        return message

    def _h_send_message(self, call: _Call) -> dict[str, Any]:
        channel_id = self._known_channel(call)
        body = call.json if isinstance(call.json, dict) else {}
        if (recipient := self._dm_recipient.get(channel_id)) is not None and recipient in self.closed_dms:
            raise DiscordHTTPError(403, 50007)
        thread = self.threads.get(channel_id)
        if thread is not None:
            self._thread_permissions(thread)
        self._require_bot_permissions(channel_id, SEND_MESSAGES_IN_THREADS if thread else SEND_MESSAGES)
        self._validate_message_body(body, call.files)
        nonce = body.get("nonce")
        now = self.now()  # Discord's "past few minutes": a test's advance() ends the window
        if nonce is not None and body.get("enforce_nonce"):
            key = (self.bot_user_id, str(nonce))
            if (seen := self._nonces.get(key)) is not None and now - seen[1] < self.nonce_window:
                existing = self._messages_by_id.get(seen[0])
                if existing is not None:
                    return self._message_json(existing)
        if thread is not None and thread["thread_metadata"]["archived"]:
            if thread["thread_metadata"]["locked"]:
                raise DiscordHTTPError(400, 50083)
            self._set_archived(thread, False)  # "Sending a message will automatically unarchive the thread"
            self._dispatch("THREAD_UPDATE", thread, INTENT_GUILDS)
        elif thread is not None and thread["thread_metadata"]["locked"]:
            bot_perms = self._bot_permissions_in(channel_id) or 0
            if not bot_perms & (MANAGE_THREADS | ADMINISTRATOR):
                raise DiscordHTTPError(400, 160005)
        reference = body.get("message_reference")
        if reference and reference.get("fail_if_not_exists", True):
            ref = self._messages_by_id.get(int(reference.get("message_id", 0)))
            if ref is None or ref.deleted:
                raise _form_error(["message_reference"], "REPLIES_UNKNOWN_MESSAGE", "Unknown message")
        message = self._new_message(channel_id=channel_id, body=body, files=call.files, kind="channel")
        if nonce is not None:
            self._nonces[(self.bot_user_id, str(nonce))] = (message.id, now)
        self._store_message(message)
        self._dispatch_message_event("MESSAGE_CREATE", message)
        return self._message_json(message)

    def _h_crosspost(self, call: _Call) -> dict[str, Any]:
        """Publish a message of an announcement channel (resources/message#crosspost-message): SEND_MESSAGES for the
        bot's own messages, also MANAGE_MESSAGES for others'; once only (40033); crosspost_limit per channel.
        """
        message = self._channel_message(call)
        found = self._guild_channel(message.channel_id)
        if found is None or message.channel_id in self.threads or found[1].type != GUILD_ANNOUNCEMENT:
            raise DiscordHTTPError(400, 50024)
        own = message.author_id == self.bot_user_id
        self._require_bot_permissions(message.channel_id, SEND_MESSAGES if own else SEND_MESSAGES | MANAGE_MESSAGES)
        if message.kind == "system":
            raise DiscordHTTPError(400, 50021)
        if message.flags & CROSSPOSTED_FLAG:
            raise DiscordHTTPError(400, 40033)
        if self.crosspost_limit is not None:
            limit, window = self.crosspost_limit
            published = self._crossposts[message.channel_id]
            now = self.now()  # the hour's window runs on Discord's clock, which advance() moves
            while published and published[0] <= now - window:
                published.popleft()
            if len(published) >= limit:
                raise _ResourceRateLimited(published[0] + window - now)
            published.append(now)
        message.flags |= CROSSPOSTED_FLAG
        self._dispatch_message_event("MESSAGE_UPDATE", message)
        return self._message_json(message)

    def _h_get_message(self, call: _Call) -> dict[str, Any]:
        return self._message_json(self._channel_message(call))

    def _h_edit_message(self, call: _Call) -> dict[str, Any]:
        message = self._channel_message(call)
        if message.author_id != self.bot_user_id:
            raise DiscordHTTPError(403, 50005, "Cannot edit a message authored by another user")
        self._edit_message(message, call.json if isinstance(call.json, dict) else {}, call.files)
        self._dispatch_message_event("MESSAGE_UPDATE", message)
        return self._message_json(message)

    def _h_delete_message(self, call: _Call) -> None:
        message = self._channel_message(call)
        if message.author_id != self.bot_user_id:
            self._require_bot_permissions(message.channel_id, MANAGE_MESSAGES)
        message.deleted = True
        data = {"id": str(message.id), "channel_id": str(message.channel_id)}
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
        intent = INTENT_GUILD_MESSAGES if message.guild_id is not None else INTENT_DIRECT_MESSAGES
        if self.echo_events:
            self._dispatch("MESSAGE_DELETE", data, intent)

    def _h_history(self, call: _Call) -> list[dict[str, Any]]:
        """Get Channel Messages, newest first: ``limit`` 1-100 (default 50), at most one of around/before/after.

        ``after``: the oldest ``limit`` newer messages; ``before`` (or none): the newest older ones; ``around``:
        half of ``limit`` older and the rest from the id on (Discord does not document the split).
        """
        channel_id = self._known_channel(call)
        limit = _query_int(call, "limit", 50, 1, 100)
        anchors = [name for name in ("around", "before", "after") if name in call.query]
        if len(anchors) > 1:
            raise _form_error([anchors[1]], "BASE_TYPE_BAD_VALUE",
                              "Only one of around, before and after may be given.")
        items = self.channel_messages(channel_id)
        if "around" in anchors:
            around = _query_int(call, "around", 0, 0, 2**64 - 1)
            older = [m for m in items if m.id < around][-(limit // 2):] if limit // 2 else []
            items = older + [m for m in items if m.id >= around][: limit - len(older)]
        elif "after" in anchors:
            after = _query_int(call, "after", 0, 0, 2**64 - 1)
            items = [m for m in items if m.id > after][:limit]
        else:
            before = _query_int(call, "before", 0, 0, 2**64 - 1) if "before" in anchors else None
            items = [m for m in items if before is None or m.id < before][-limit:]
        return [self._message_json(m) for m in reversed(items)]

    def _h_edit_channel(self, call: _Call) -> dict[str, Any]:
        channel_id = self._known_channel(call)
        body = call.json if isinstance(call.json, dict) else {}
        thread = self.threads.get(channel_id)
        if thread is None:
            found = self._guild_channel(channel_id)
            if found is None:
                raise DiscordHTTPError(403, 50013)
            guild, channel = found
            if not guild.channel_permissions(self.bot_user_id, channel) & MANAGE_CHANNELS:
                raise DiscordHTTPError(403, 50013)
            channel.name = body.get("name", channel.name)
            channel.topic = body.get("topic", channel.topic)
            self.update_channel(channel_id)
            return channel.to_json(guild.id)
        return self._edit_thread(thread, body)

    def _h_delete_channel(self, call: _Call) -> dict[str, Any]:
        channel_id = self._known_channel(call)
        data = self._channel_json(channel_id)
        if channel_id in self._dm_recipient:
            return data
        if channel_id not in self.threads:
            self._require_bot_permissions(channel_id, MANAGE_CHANNELS)
        else:
            self._require_bot_permissions(channel_id, MANAGE_THREADS)
        self.delete_channel(channel_id)
        return data

    # -- threads --------------------------------------------------------------------------------------------
    # topics/threads (permissions, locked and archived threads, membership) and resources/channel (Modify
    # Channel for threads, thread-member routes, List Public Archived Threads).

    def _thread(self, call: _Call) -> dict[str, Any]:
        """The thread a thread route names: 404 10003 if unknown, 400 50024 for a channel that is not a thread."""
        channel_id = self._known_channel(call)
        thread = self.threads.get(channel_id)
        if thread is None:
            raise DiscordHTTPError(400, 50024)
        return thread

    def _thread_permissions(self, thread: dict[str, Any]) -> int:
        """The bot's permissions in a thread (its parent's); a private thread is invisible to non-members without
        MANAGE_THREADS, like a channel without VIEW_CHANNEL (403 50001).
        """
        perms = self._bot_permissions_in(int(thread["id"])) or 0
        if not perms & VIEW_CHANNEL:
            raise DiscordHTTPError(403, 50001)
        if (thread["type"] == PRIVATE_THREAD and self.bot_user_id not in self.thread_members[int(thread["id"])]
                and not perms & MANAGE_THREADS):
            raise DiscordHTTPError(403, 50001)
        return perms

    def _thread_member_json(self, thread_id: int, user_id: int, *, with_member: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {"id": str(thread_id), "user_id": str(user_id),
                                "join_timestamp": _iso(self.thread_members[thread_id][user_id]), "flags": 0}
        if with_member:
            guild = self.guilds[self._channel_guild[thread_id]]
            if (member := guild.get_member(user_id)) is not None:
                data["member"] = member.to_json()
        return data

    def _touch_thread(self, thread: dict[str, Any], *, now: float | None = None) -> None:
        """Record activity: a message, an unarchive or a new auto_archive_duration (topics/threads)."""
        self._thread_activity[int(thread["id"])] = self.now() if now is None else now

    def _set_archived(self, thread: dict[str, Any], archived: bool) -> None:
        metadata = thread["thread_metadata"]
        if metadata["archived"] != archived:
            metadata["archived"] = archived
            metadata["archive_timestamp"] = _iso(self.now())
            if not archived:
                self._touch_thread(thread)

    def _thread_members_changed(self, thread: dict[str, Any], *, added: int | None = None,
                                removed: int | None = None) -> None:
        """THREAD_MEMBERS_UPDATE: with GUILDS for the bot's own membership, else only with GUILD_MEMBERS."""
        thread_id = int(thread["id"])
        members = self.thread_members[thread_id]
        thread["member_count"] = min(len(members), 50)  # "stops counting at 50"
        if self.bot_user_id in members:
            thread["member"] = self._thread_member_json(thread_id, self.bot_user_id)
        else:
            thread.pop("member", None)
        data: dict[str, Any] = {"id": thread["id"], "guild_id": thread["guild_id"],
                                "member_count": thread["member_count"]}
        user_id = added if added is not None else removed
        if added is not None:
            data["added_members"] = [{**self._thread_member_json(thread_id, added, with_member=True),
                                      "presence": None}]
        else:
            data["removed_member_ids"] = [str(removed)]
        self._dispatch("THREAD_MEMBERS_UPDATE", data,
                       INTENT_GUILDS if user_id == self.bot_user_id else INTENT_GUILD_MEMBERS)

    def _h_join_thread(self, call: _Call) -> None:
        thread = self._thread(call)
        perms = self._thread_permissions(thread)
        if thread["thread_metadata"]["archived"]:
            raise DiscordHTTPError(400, 50083)
        if thread["type"] == PRIVATE_THREAD and not perms & MANAGE_THREADS \
                and self.bot_user_id not in self.thread_members[int(thread["id"])]:
            raise DiscordHTTPError(403, 50001)
        members = self.thread_members[int(thread["id"])]
        if self.bot_user_id not in members:
            members[self.bot_user_id] = time.time()
            self._thread_members_changed(thread, added=self.bot_user_id)
            self._dispatch("THREAD_CREATE", thread, INTENT_GUILDS)  # Join Thread fires both

    def _h_leave_thread(self, call: _Call) -> None:
        thread = self._thread(call)
        if thread["thread_metadata"]["archived"]:
            raise DiscordHTTPError(400, 50083)
        if self.thread_members[int(thread["id"])].pop(self.bot_user_id, None) is not None:
            self._thread_members_changed(thread, removed=self.bot_user_id)

    def _h_add_thread_member(self, call: _Call) -> None:
        """Add Thread Member: needs the ability to send messages in the thread (SEND_MESSAGES_IN_THREADS), a thread
        that is not archived and a guild member; 204 also if already a member (no event then).
        """
        thread = self._thread(call)
        perms = self._thread_permissions(thread)
        if not perms & SEND_MESSAGES_IN_THREADS:
            raise DiscordHTTPError(403, 50013)
        if (thread["type"] == PRIVATE_THREAD and not thread["thread_metadata"].get("invitable", True)
                and not perms & MANAGE_THREADS):
            raise DiscordHTTPError(403, 50013)  # "whether non-moderators can add other non-moderators"
        if thread["thread_metadata"]["archived"]:
            raise DiscordHTTPError(400, 50083)
        user_id = int(call.params["user_id"])
        guild = self.guilds[int(thread["guild_id"])]
        if guild.get_member(user_id) is None:
            raise DiscordHTTPError(404, 10007)
        members = self.thread_members[int(thread["id"])]
        if user_id in members:
            return
        if len(members) >= 1000:
            raise DiscordHTTPError(400, 30033)
        members[user_id] = time.time()
        self._thread_members_changed(thread, added=user_id)

    def _h_remove_thread_member(self, call: _Call) -> None:
        """Remove Thread Member: MANAGE_THREADS, or being the creator of a PRIVATE thread; not archived."""
        thread = self._thread(call)
        perms = self._thread_permissions(thread)
        creator = thread["type"] == PRIVATE_THREAD and thread["owner_id"] == str(self.bot_user_id)
        if not (perms & MANAGE_THREADS or creator):
            raise DiscordHTTPError(403, 50013)
        if thread["thread_metadata"]["archived"]:
            raise DiscordHTTPError(400, 50083)
        user_id = int(call.params["user_id"])
        if self.thread_members[int(thread["id"])].pop(user_id, None) is not None:
            self._thread_members_changed(thread, removed=user_id)

    def _h_get_thread_member(self, call: _Call) -> dict[str, Any]:
        thread = self._thread(call)
        self._thread_permissions(thread)
        user_id = int(call.params["user_id"])
        if user_id not in self.thread_members[int(thread["id"])]:
            raise DiscordHTTPError(404, 10007)
        return self._thread_member_json(int(thread["id"]), user_id, with_member=_query_bool(call, "with_member"))

    def _h_list_thread_members(self, call: _Call) -> list[dict[str, Any]]:
        """List Thread Members: only for apps with the GUILD_MEMBERS privileged intent enabled (403 50001 else);
        paginated (after, limit 1-100) when with_member=true, as before API v11.
        """
        if not self.privileged_intents & INTENT_GUILD_MEMBERS:
            raise DiscordHTTPError(403, 50001)
        thread = self._thread(call)
        self._thread_permissions(thread)
        thread_id = int(thread["id"])
        with_member = _query_bool(call, "with_member")
        users = sorted(self.thread_members[thread_id])
        if with_member:
            limit = _query_int(call, "limit", 100, 1, 100)
            after = int(call.query.get("after") or 0)
            users = [u for u in users if u > after][:limit]
        return [self._thread_member_json(thread_id, u, with_member=with_member) for u in users]

    def _h_public_archived_threads(self, call: _Call) -> dict[str, Any]:
        """Archived public threads of a text (PUBLIC_THREAD) or announcement channel (ANNOUNCEMENT_THREAD), newest
        archive_timestamp first; READ_MESSAGE_HISTORY needed; ``before`` is a timestamp, ``limit`` 2-100.
        """
        channel_id = self._known_channel(call)
        found = self._guild_channel(channel_id)
        if found is None or channel_id in self.threads or found[1].type not in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
            raise DiscordHTTPError(400, 50024)
        self._require_bot_permissions(channel_id, READ_MESSAGE_HISTORY)
        limit = _query_int(call, "limit", 50, 2, 100)
        wanted = ANNOUNCEMENT_THREAD if found[1].type == GUILD_ANNOUNCEMENT else PUBLIC_THREAD
        threads = [t for t in self.threads.values() if t["parent_id"] == str(channel_id) and t["type"] == wanted
                   and t["thread_metadata"]["archived"]]
        threads.sort(key=lambda t: _parse_time(t["thread_metadata"]["archive_timestamp"], []), reverse=True)
        if (before := call.query.get("before")) is not None:
            cutoff = _parse_time(before, ["before"])
            threads = [t for t in threads if _parse_time(t["thread_metadata"]["archive_timestamp"], []) < cutoff]
        page = threads[:limit]
        members = [self._thread_member_json(int(t["id"]), self.bot_user_id) for t in page
                   if self.bot_user_id in self.thread_members[int(t["id"])]]
        return {"threads": page, "members": members, "has_more": len(threads) > limit}

    def _edit_thread(self, thread: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """Modify Channel (thread): archived threads only change by unarchiving them in the same request; name,
        archived and auto_archive_duration need MANAGE_THREADS or being the thread's creator, locked and
        rate_limit_per_user MANAGE_THREADS; unlocked threads can be unarchived by anyone who can send in them,
        locked ones only with MANAGE_THREADS; locked threads cannot be renamed without MANAGE_THREADS.
        """
        perms = self._thread_permissions(thread)
        metadata = thread["thread_metadata"]
        manage = bool(perms & MANAGE_THREADS)
        owner = thread["owner_id"] == str(self.bot_user_id)
        if metadata["archived"] and body.get("archived") is not False:
            raise DiscordHTTPError(400, 50083)
        if "name" in body:
            _check_str(body["name"], ["name"], 100, low=1, required=True)
        if "auto_archive_duration" in body and body["auto_archive_duration"] not in AUTO_ARCHIVE_DURATIONS:
            raise _form_error(["auto_archive_duration"], "BASE_TYPE_CHOICES",
                              f"Value must be one of {AUTO_ARCHIVE_DURATIONS}.")
        if "rate_limit_per_user" in body:
            _check_int(body["rate_limit_per_user"], ["rate_limit_per_user"], 0, 21600)
        current = {"name": thread["name"], "rate_limit_per_user": thread.get("rate_limit_per_user", 0), **metadata}
        changed = {key for key, value in body.items() if key in current and value != current[key]}
        if changed & {"locked", "rate_limit_per_user", "invitable"} and not manage:
            raise DiscordHTTPError(403, 50013)
        if changed & {"name", "auto_archive_duration"}:
            if not (manage or owner):
                raise DiscordHTTPError(403, 50013)
            if metadata["locked"] and not manage:
                raise DiscordHTTPError(400, 160005)
        if "archived" in changed:
            if body["archived"]:
                allowed = manage or owner
            elif metadata["locked"] or body.get("locked"):
                allowed = manage
            else:
                allowed = manage or owner or bool(perms & SEND_MESSAGES_IN_THREADS)
            if not allowed:
                raise DiscordHTTPError(403, 50013)
        if "name" in body:
            thread["name"] = body["name"]
        if "rate_limit_per_user" in body:
            thread["rate_limit_per_user"] = body["rate_limit_per_user"]
        for key in ("locked", "invitable"):
            if key in body:
                metadata[key] = bool(body[key])
        if "auto_archive_duration" in body and body["auto_archive_duration"] != metadata["auto_archive_duration"]:
            metadata["auto_archive_duration"] = body["auto_archive_duration"]
            metadata["archive_timestamp"] = _iso(self.now())
            self._touch_thread(thread)
        if "archived" in body:
            self._set_archived(thread, bool(body["archived"]))
        self._dispatch("THREAD_UPDATE", thread, INTENT_GUILDS)
        return thread

    def _new_thread(self, parent_id: int, name: str, thread_type: int, body: dict[str, Any],
                    thread_id: int | None = None) -> dict[str, Any]:
        _check_str(name, ["name"], 100, low=1, required=True)
        duration = body.get("auto_archive_duration")
        if duration is not None and duration not in AUTO_ARCHIVE_DURATIONS:
            raise _form_error(["auto_archive_duration"], "BASE_TYPE_CHOICES",
                              f"Value must be one of {AUTO_ARCHIVE_DURATIONS}.")
        _check_int(body.get("rate_limit_per_user"), ["rate_limit_per_user"], 0, 21600)
        guild_id = self._channel_guild[parent_id]
        needed = CREATE_PRIVATE_THREADS if thread_type == PRIVATE_THREAD else CREATE_PUBLIC_THREADS
        self._require_bot_permissions(parent_id, needed)
        announcement = thread_type == ANNOUNCEMENT_THREAD
        active = sum(1 for t in self.threads.values() if t["guild_id"] == str(guild_id)
                     and not t["thread_metadata"]["archived"] and (t["type"] == ANNOUNCEMENT_THREAD) == announcement)
        if active >= self.max_active_threads:
            raise DiscordHTTPError(400, 160007 if announcement else 160006)
        now = self.now()
        thread_id = self._snowflakes.next() if thread_id is None else thread_id
        thread: dict[str, Any] = {
            "id": str(thread_id), "type": thread_type, "guild_id": str(guild_id), "parent_id": str(parent_id),
            "owner_id": str(self.bot_user_id), "name": name, "last_message_id": None,
            "rate_limit_per_user": int(body.get("rate_limit_per_user") or 0), "message_count": 0,
            "member_count": 1, "total_message_sent": 0, "flags": 0,
            "thread_metadata": {
                "archived": False, "auto_archive_duration": int(body.get("auto_archive_duration") or 4320),
                "archive_timestamp": _iso(now), "locked": False, "create_timestamp": _iso(now),
                "invitable": bool(body.get("invitable", True)) if thread_type == PRIVATE_THREAD else True,
            },
            "member": {"id": str(thread_id), "user_id": str(self.bot_user_id), "join_timestamp": _iso(now),
                       "flags": 0},
        }
        self.threads[thread_id] = thread
        self.thread_members[thread_id] = {self.bot_user_id: now}  # the creator is its first member
        self._thread_activity[thread_id] = now
        self._channel_guild[thread_id] = guild_id
        self._dispatch("THREAD_CREATE", {**thread, "newly_created": True}, INTENT_GUILDS)
        return thread

    def _h_active_threads(self, call: _Call) -> dict[str, Any]:
        guild = self._guild(call.params["guild_id"])
        threads = [t for t in self.threads.values()
                   if t["guild_id"] == str(guild.id) and not t["thread_metadata"]["archived"]]
        members = [t["member"] for t in threads if t.get("member")]
        return {"threads": threads, "members": members}

    def _h_thread_without_message(self, call: _Call) -> tuple[int, dict[str, Any]]:
        channel_id = self._known_channel(call)
        if channel_id in self._dm_recipient or channel_id in self.threads:
            raise DiscordHTTPError(400, 50024, "Cannot execute action on this channel type")
        body = call.json if isinstance(call.json, dict) else {}
        thread_type = int(body.get("type") or PRIVATE_THREAD)  # "type currently defaults to PRIVATE_THREAD"
        if thread_type not in THREAD_TYPES:
            raise _form_error(["type"], "BASE_TYPE_CHOICES", "Value must be one of (10, 11, 12).")
        found = self._guild_channel(channel_id)
        parent_type = found[1].type if found is not None else None
        # Announcement channels hold announcement threads; private threads exist only in text channels.
        if parent_type not in (GUILD_TEXT, GUILD_ANNOUNCEMENT) or (thread_type == ANNOUNCEMENT_THREAD) != (
                parent_type == GUILD_ANNOUNCEMENT):
            raise DiscordHTTPError(400, 50024)
        name: Any = body.get("name")  # validated by _new_thread
        return 201, self._new_thread(channel_id, name, thread_type, body)

    def _h_thread_from_message(self, call: _Call) -> tuple[int, dict[str, Any]]:
        message = self._channel_message(call)
        if message.channel_id in self._dm_recipient or message.channel_id in self.threads:
            raise DiscordHTTPError(400, 50024, "Cannot execute action on this channel type")
        if message.thread_id is not None:
            raise DiscordHTTPError(400, 160004, "A thread has already been created for this message")
        body = call.json if isinstance(call.json, dict) else {}
        found = self._guild_channel(message.channel_id)
        announcement = found is not None and found[1].type == GUILD_ANNOUNCEMENT
        thread_type = ANNOUNCEMENT_THREAD if announcement else PUBLIC_THREAD
        name: Any = body.get("name")  # validated by _new_thread
        thread = self._new_thread(message.channel_id, name, thread_type, body, thread_id=message.id)
        message.thread_id = message.id
        return 201, thread

    # -- scheduled events -----------------------------------------------------------------------------------
    # resources/guild-scheduled-event: field requirements by entity type, status transitions, permissions
    # requirements; CREATE_EVENTS required to create since 2026-02-23 (change log 2025-11-24).

    def _event_json(self, event: dict[str, Any], *, with_user_count: bool = False) -> dict[str, Any]:
        """An event as Discord sends it; ``user_count`` only when asked for (``with_user_count=true``)."""
        data = dict(event)
        if with_user_count:
            data["user_count"] = len(self.interested.get(int(event["id"]), ()))
        return data

    def _h_list_events(self, call: _Call) -> list[dict[str, Any]]:
        guild = self._guild(call.params["guild_id"])
        count = _query_bool(call, "with_user_count")
        return [self._event_json(e, with_user_count=count) for e in self.scheduled_events.values()
                if e["guild_id"] == str(guild.id)]

    def _event(self, call: _Call) -> dict[str, Any]:
        guild = self._guild(call.params["guild_id"])
        event = self.scheduled_events.get(int(call.params["event_id"]))
        if event is None or event["guild_id"] != str(guild.id):
            raise DiscordHTTPError(404, 10070)
        return event

    def _validate_event(self, guild: FakeGuild, event: dict[str, Any], *, creating: bool,
                        old: dict[str, Any] | None = None) -> None:
        """Discord's rules for a whole event after a create or a change (``old``: the event before a PATCH)."""
        for key in ("name", "scheduled_start_time", "privacy_level", "entity_type"):
            if event.get(key) is None:
                raise _form_error([key], "BASE_TYPE_REQUIRED", "This field is required")
        _check_str(event["name"], ["name"], 100, low=1, required=True)
        _check_str(event.get("description"), ["description"], 1000)
        if event["privacy_level"] != 2:
            raise _form_error(["privacy_level"], "BASE_TYPE_CHOICES", "Value must be one of (2,).")
        entity_type = event["entity_type"]
        if entity_type not in (1, 2, 3):
            raise _form_error(["entity_type"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3).")
        start = _parse_time(event["scheduled_start_time"], ["scheduled_start_time"])
        moved = old is None or event["scheduled_start_time"] != old["scheduled_start_time"]
        if (creating or moved) and start < self.now():
            raise _form_error(["scheduled_start_time"], "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
                              "Cannot schedule event in the past.")
        end = event.get("scheduled_end_time")
        if entity_type == 3:
            if event.get("channel_id") is not None:
                raise _form_error(["channel_id"], "GUILD_SCHEDULED_EVENT_CHANNEL_NOT_NULL",
                                  "channel_id must be null for an external event")
            location = (event.get("entity_metadata") or {}).get("location")
            _check_str(location, ["entity_metadata", "location"], 100, low=1, required=True)
            if not end:
                raise _form_error(["scheduled_end_time"], "BASE_TYPE_REQUIRED", "This field is required")
        else:
            channel_id = event.get("channel_id")
            if channel_id is None:
                raise _form_error(["channel_id"], "BASE_TYPE_REQUIRED", "This field is required")
            channel = guild.get_channel(int(channel_id))
            wanted = GUILD_STAGE_VOICE if entity_type == 1 else GUILD_VOICE
            if channel is None or channel.type != wanted:
                raise _form_error(["channel_id"], "GUILD_SCHEDULED_EVENT_INVALID_CHANNEL",
                                  f"Channel must be a {'stage' if entity_type == 1 else 'voice'} channel")
            if creating and event.get("entity_metadata"):
                raise _form_error(["entity_metadata"], "GUILD_SCHEDULED_EVENT_METADATA_NOT_NULL",
                                  "entity_metadata must be null for a stage or voice event")
        if end and _parse_time(end, ["scheduled_end_time"]) <= start:
            raise _form_error(["scheduled_end_time"], "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
                              "End time must be after start time.")

    def _require_event_permissions(self, guild: FakeGuild, event: dict[str, Any], user_id: int, *,
                                   creating: bool) -> None:
        """Create: CREATE_EVENTS; modify/delete: MANAGE_EVENTS, or CREATE_EVENTS for one's own events; voice events
        also VIEW_CHANNEL + CONNECT in the channel, stage events MANAGE_CHANNELS + MUTE_MEMBERS + MOVE_MEMBERS.
        """
        channel = guild.get_channel(int(event["channel_id"])) if event.get("channel_id") is not None else None
        perms = (guild.channel_permissions(user_id, channel) if channel is not None
                 else guild.base_permissions(user_id))
        own = creating or event.get("creator_id") == str(user_id)
        needed = {1: MANAGE_CHANNELS | MUTE_MEMBERS | MOVE_MEMBERS, 2: VIEW_CHANNEL | CONNECT}.get(
            int(event["entity_type"]), 0)
        event_perm = perms & (CREATE_EVENTS | MANAGE_EVENTS) if own else perms & MANAGE_EVENTS
        if creating:
            event_perm = perms & CREATE_EVENTS
        if not event_perm or perms & needed != needed:
            raise DiscordHTTPError(403, 50013)

    def _create_event(self, guild: FakeGuild, body: dict[str, Any], creator_id: int) -> dict[str, Any]:
        event = {"channel_id": None, "description": None, "scheduled_end_time": None, "entity_metadata": None,
                 "image": None, "recurrence_rule": None, **_snowflake_fields(body, "channel_id")}
        self._validate_event(guild, event, creating=True)
        self._require_event_permissions(guild, event, creator_id, creating=True)
        active = [e for e in self.scheduled_events.values() if e["guild_id"] == str(guild.id) and e["status"] in (1, 2)]
        if len(active) >= 100:
            raise DiscordHTTPError(400, 30038)
        event_id = self._snowflakes.next()
        event.update({"id": str(event_id), "guild_id": str(guild.id), "creator_id": str(creator_id),
                      "creator": self._user(creator_id), "status": 1, "entity_id": None})
        if event["entity_type"] != 3:
            event["entity_metadata"] = None
        self.scheduled_events[event_id] = event
        self.interested[event_id] = set()
        self._audit(guild, AUDIT_EVENT_CREATE, creator_id, event_id, {}, event)
        self._dispatch("GUILD_SCHEDULED_EVENT_CREATE", self._event_json(event), INTENT_GUILD_SCHEDULED_EVENTS)
        return event

    def _edit_event(self, guild: FakeGuild, event: dict[str, Any], body: dict[str, Any], user_id: int) -> None:
        if int(event["status"]) in (3, 4):  # "Once status is set to COMPLETED or CANCELED, it can no longer be updated"
            raise DiscordHTTPError(400, 180000)
        status = body.get("status")
        if status is not None and status != event["status"] and status not in {1: (2, 4), 2: (3,)}[event["status"]]:
            raise _form_error(["status"], "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                              "Invalid status transition")  # SCHEDULED->ACTIVE->COMPLETED, SCHEDULED->CANCELED
        body = _snowflake_fields(body, "channel_id")
        if body.get("entity_type", event["entity_type"]) != 3:
            body.pop("entity_metadata", None)  # "silently discards entity_metadata for non-EXTERNAL events"
        elif event["entity_type"] != 3 and "channel_id" not in body:
            # Changing to EXTERNAL: channel_id must be given, as null.
            raise _form_error(["channel_id"], "BASE_TYPE_REQUIRED", "This field is required")
        self._require_event_permissions(guild, event, user_id, creating=False)
        updated = {**event, **body}
        self._validate_event(guild, updated, creating=False, old=event)
        self._require_event_permissions(guild, updated, user_id, creating=False)
        if updated["entity_type"] != 3:
            updated["entity_metadata"] = None
        self._audit(guild, AUDIT_EVENT_UPDATE, user_id, int(event["id"]), event, updated)
        event.clear()
        event.update(updated)
        self._dispatch("GUILD_SCHEDULED_EVENT_UPDATE", self._event_json(event), INTENT_GUILD_SCHEDULED_EVENTS)

    def _delete_event(self, guild: FakeGuild, event: dict[str, Any], user_id: int) -> None:
        self._require_event_permissions(guild, event, user_id, creating=False)
        self._audit(guild, AUDIT_EVENT_DELETE, user_id, int(event["id"]), event, {})
        del self.scheduled_events[int(event["id"])]
        self._dispatch("GUILD_SCHEDULED_EVENT_DELETE", self._event_json(event), INTENT_GUILD_SCHEDULED_EVENTS)

    _AUDITED_EVENT_KEYS = ("name", "description", "scheduled_start_time", "scheduled_end_time", "status",
                           "entity_type", "channel_id", "location", "privacy_level")

    def _audit(self, guild: FakeGuild, action_type: int, user_id: int, target_id: int, old: dict[str, Any],
               new: dict[str, Any]) -> None:
        """Write the audit log entry of a change, as Discord does, with who made it and what changed."""
        changes = []
        for key in self._AUDITED_EVENT_KEYS:
            before = (old.get("entity_metadata") or {}).get("location") if key == "location" else old.get(key)
            after = (new.get("entity_metadata") or {}).get("location") if key == "location" else new.get(key)
            if before != after:
                change: dict[str, Any] = {"key": key}
                if before is not None:
                    change["old_value"] = before
                if after is not None:
                    change["new_value"] = after
                changes.append(change)
        self.audit_log.setdefault(guild.id, []).append({
            "id": str(self._snowflakes.next()), "user_id": str(user_id), "target_id": str(target_id),
            "action_type": action_type, "changes": changes, "guild_id": str(guild.id),
        })

    def _h_audit_log(self, call: _Call) -> dict[str, Any]:
        """Get Guild Audit Log: View Audit Log or 403 50013; newest first; user_id, action_type, before, after,
        limit (1-100, default 50) as Discord filters them.
        """
        guild = self._guild(call.params["guild_id"])
        if not guild.base_permissions(self.bot_user_id) & VIEW_AUDIT_LOG:
            raise DiscordHTTPError(403, 50013)
        limit = _query_int(call, "limit", 50, 1, 100)
        entries = list(reversed(self.audit_log.get(guild.id, [])))
        if (action_type := call.query.get("action_type")) is not None:
            entries = [e for e in entries if e["action_type"] == int(action_type)]
        if (user_id := call.query.get("user_id")) is not None:
            entries = [e for e in entries if e["user_id"] == user_id]
        if (before := call.query.get("before")) is not None:
            entries = [e for e in entries if int(e["id"]) < int(before)]
        if (after := call.query.get("after")) is not None:
            # Discord pages forward from `after`: the oldest ones after it, still listed newest first.
            entries = [e for e in entries if int(e["id"]) > int(after)][-limit:]
        entries = entries[:limit]
        users = {e["user_id"] for e in entries}
        events = {e["target_id"] for e in entries}
        return {
            "audit_log_entries": entries,
            "users": [self._user(int(u)) for u in sorted(users)],
            "guild_scheduled_events": [self._event_json(e) for e in self.scheduled_events.values()
                                       if e["id"] in events],
            "application_commands": [], "auto_moderation_rules": [], "integrations": [], "threads": [],
            "webhooks": [],
        }

    def _h_create_event(self, call: _Call) -> dict[str, Any]:
        guild = self._guild(call.params["guild_id"])
        body = call.json if isinstance(call.json, dict) else {}
        return self._event_json(self._create_event(guild, body, self.bot_user_id))

    def _h_get_event(self, call: _Call) -> dict[str, Any]:
        return self._event_json(self._event(call), with_user_count=_query_bool(call, "with_user_count"))

    def _h_edit_event(self, call: _Call) -> dict[str, Any]:
        event = self._event(call)
        body = call.json if isinstance(call.json, dict) else {}
        self._edit_event(self._guild(call.params["guild_id"]), event, body, self.bot_user_id)
        return self._event_json(event)

    def _h_delete_event(self, call: _Call) -> None:
        self._delete_event(self._guild(call.params["guild_id"]), self._event(call), self.bot_user_id)

    def _h_event_users(self, call: _Call) -> list[dict[str, Any]]:
        """Interested users, ascending by user id; ``before`` wins over ``after`` (Get Guild Scheduled Event Users)."""
        guild = self._guild(call.params["guild_id"])
        event = self._event(call)
        limit = _query_int(call, "limit", 100, 1, 100)
        with_member = _query_bool(call, "with_member")
        users = sorted(self.interested.get(int(event["id"]), ()))
        if (before := call.query.get("before")) is not None:
            users = [u for u in users if u < int(before)][-limit:]
        elif (after := call.query.get("after")) is not None:
            users = [u for u in users if u > int(after)][:limit]
        else:
            users = users[:limit]
        result = []
        for user_id in users:
            item: dict[str, Any] = {"guild_scheduled_event_id": event["id"], "user": self._user(user_id)}
            if with_member and (member := guild.get_member(user_id)) is not None:
                item["member"] = member.to_json()
            result.append(item)
        return result

    # =====================================================================================================
    # Gateway
    # =====================================================================================================

    async def _handle_gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, heartbeat=None, max_msg_size=0)
        await ws.prepare(request)
        conn = _GatewayConnection(ws, request)
        self._connections.add(conn)
        conn.writer = asyncio.create_task(conn.run_writer())
        log.debug("gateway connection opened (%s)", request.query_string)
        conn.send(json.dumps({"op": 10, "s": None, "t": None,
                              "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake-gateway"]}}))
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    try:
                        payload = json.loads(msg.data)
                    except ValueError:
                        await ws.close(code=4002, message=b"Error while decoding payload.")
                        break
                    try:
                        await self._on_gateway_payload(conn, payload)
                    except Exception:
                        log.exception("fake gateway crashed handling %r", payload)
                        self.crashes.append(f"gateway payload {payload!r}\n{traceback.format_exc()}")
                elif msg.type is WSMsgType.BINARY:
                    log.warning("binary gateway frame ignored")
                elif msg.type is WSMsgType.ERROR:
                    break
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._connections.discard(conn)
            if conn.session is not None:
                conn.session.detach(conn)
                if ws.close_code in (1000, 1001) and not conn.aborted:
                    # Like Discord: a client closing with 1000/1001 ends its session (no RESUME possible).
                    self._sessions.pop(conn.session.id, None)
            conn.queue.put_nowait(None)
            if conn.writer is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.writer, 1.0)
            log.debug("gateway connection closed")
        return ws

    async def _on_gateway_payload(self, conn: _GatewayConnection, payload: dict[str, Any]) -> None:
        self.gateway_received.append(payload)
        op = payload.get("op")
        data = payload.get("d")
        if op == 1:
            self.heartbeat_count += 1
            conn.send('{"op":11,"d":null,"s":null,"t":null}')
        elif op == 2:
            await self._on_identify(conn, data or {})
        elif op == 6:
            self._on_resume(conn, data or {})
        elif op == 8:
            self._on_request_members(data or {})
        elif op in (3, 4):
            pass  # presence / voice state updates: recorded only
        else:
            log.warning("unknown gateway op %s", op)

    async def _on_identify(self, conn: _GatewayConnection, data: dict[str, Any]) -> None:
        if self.token is not None and data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        if int(data.get("intents", 0)) & PRIVILEGED_INTENTS & ~self.privileged_intents:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")  # topics/opcodes-and-status-codes
            return
        self.identify_count += 1
        self.identify_payloads.append(data)
        session = _GatewaySession(id=secrets.token_hex(16), intents=int(data.get("intents", 0)))
        if isinstance(shard := data.get("shard"), list) and len(shard) == 2:
            session.shard = (int(shard[0]), int(shard[1]))
        session.attach(conn)
        self._sessions[session.id] = session
        guilds = [g for g in self.guilds.values() if _shard_of(g.id, session.shard) == _shard_index(session.shard)]
        ready: dict[str, Any] = {
            "v": 10, "user": self._users[self.bot_user_id] | {"verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id, "session_type": "normal", "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0}, "private_channels": [],
            "relationships": [], "presences": [], "guild_join_requests": [], "geo_ordered_rtc_regions": [],
            "user_settings": {}, "_trace": ["fake-gateway"],
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        self._dispatch("READY", ready, 0, session=session)
        for guild in guilds:
            self._dispatch("GUILD_CREATE", self._guild_create_json(guild), 0, session=session)
        session.ready_at = asyncio.get_running_loop().time()

    def _on_resume(self, conn: _GatewayConnection, data: dict[str, Any]) -> None:
        session = self._sessions.get(str(data.get("session_id")))
        if session is None or (self.token is not None and data.get("token") != self.token):
            conn.send(json.dumps({"op": 9, "d": False, "s": None, "t": None}))
            return
        if session.connection is not None and session.connection is not conn:
            session.connection.abort()
        self.resume_count += 1
        session.attach(conn)
        last_seq = int(data.get("seq") or 0)
        for seq, frame in session.buffer:
            if seq > last_seq:
                conn.send(frame)
        self._dispatch("RESUMED", {"_trace": ["fake-gateway"]}, 0, session=session)

    def _on_request_members(self, data: dict[str, Any]) -> None:
        guild = self.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        members = guild.member_list
        if user_ids := data.get("user_ids"):
            wanted = {int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
            members = [m for m in members if m.id in wanted]
        elif query := data.get("query"):
            members = [m for m in members if m.username.lower().startswith(str(query).lower())]
        if limit := data.get("limit"):
            members = members[: int(limit)]
        chunk: dict[str, Any] = {"guild_id": str(guild.id), "members": [m.to_json() for m in members],
                                 "chunk_index": 0, "chunk_count": 1, "not_found": []}
        if "nonce" in data:
            chunk["nonce"] = data["nonce"]
        self._dispatch("GUILD_MEMBERS_CHUNK", chunk, 0)


def _mark_focused(options: list[dict[str, Any]], name: str) -> bool:
    """Set "focused": True on the option called ``name`` (searching subcommands); return whether found."""
    for option in options:
        if option.get("type") in (1, 2):
            if _mark_focused(option.get("options") or [], name):
                return True
        elif option.get("name") == name:
            option["focused"] = True
            return True
    return False


def _query_bool(call: _Call, name: str) -> bool:
    """A boolean query parameter: True/true/1 or False/false/0 (reference#boolean-query-strings)."""
    value = call.query.get(name)
    if value is None or value in ("False", "false", "0"):
        return False
    if value in ("True", "true", "1"):
        return True
    raise _form_error([name], "BOOLEAN_TYPE_CONVERT", "Must be either true or false.")


def _query_int(call: _Call, name: str, default: int, low: int, high: int) -> int:
    value = call.query.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _form_error([name], "NUMBER_TYPE_COERCE", f"Value \"{value}\" is not int.") from None
    _check_int(number, [name], low, high)
    return number


def _snowflake_fields(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    """Copy of a request body with snowflakes sent as numbers turned into strings, as Discord echoes them."""
    return {k: str(v) if k in keys and isinstance(v, int) and not isinstance(v, bool) else v for k, v in body.items()}


def _iso_time(value: datetime | str) -> str:
    """A datetime (aware; naive is read as UTC) or an ISO string, as Discord's ISO 8601 timestamp."""
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def _parse_time(value: Any, path: Path) -> float:
    """An ISO 8601 timestamp as POSIX time (a naive one is read as UTC)."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise _form_error(path, "DATE_TIME_TYPE_PARSE", f"Could not parse {value}. Should be ISO8601.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _focused_definition(definitions: list[dict[str, Any]], given: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The registered option matching the focused option in an autocomplete payload (through subcommands)."""
    for option in given:
        definition = next((d for d in definitions if d.get("name") == option.get("name")), None)
        if option.get("type") in (1, 2):
            if definition is not None and (found := _focused_definition(definition.get("options") or [],
                                                                        option.get("options") or [])):
                return found
        elif option.get("focused"):
            return definition
    return None


def _modal_submit_components(shown: list[dict[str, Any]], values: Mapping[str, str | list[str]], *,
                             check: bool) -> list[dict[str, Any]]:
    """MODAL_SUBMIT data.components for a shown modal filled with ``values``, checked like the client does."""
    inputs = {c["custom_id"]: c for c in _walk_components(shown) if c.get("type") in ({4} | _SELECT_TYPES)}
    if check and (unknown := set(values) - set(inputs)):
        raise ValueError(f"the modal has no inputs {sorted(unknown)}; it has {sorted(inputs)}")

    def answer(component: dict[str, Any]) -> dict[str, Any]:
        custom_id = component["custom_id"]
        value = values.get(custom_id)
        out: dict[str, Any] = {"type": component["type"], "id": component.get("id", 0), "custom_id": custom_id}
        if component["type"] != 4:
            out["values"] = list(value or [])
            return out
        text = "" if value is None else str(value)
        if check:
            required = component.get("required", True)
            if required and not text:
                raise ValueError(f"input {custom_id!r} is required")
            low, high = component.get("min_length") or 0, component.get("max_length") or 4000
            if text and not low <= len(text) <= high:
                raise ValueError(f"input {custom_id!r} takes {low}..{high} characters, not {len(text)}")
        out["value"] = text
        return out

    result: list[dict[str, Any]] = []
    for item in shown:
        if item.get("type") == 1:
            result.append({"type": 1, "id": item.get("id", 0), "components": [answer(c) for c in item["components"]]})
        elif item.get("type") == 18:
            result.append({"type": 18, "id": item.get("id", 0), "component": answer(item["component"])})
        elif item.get("type") == 10:
            result.append({"type": 10, "id": item.get("id", 0)})
    return result


__all__ = [
    "APPLICATION_ID", "BOT_USER_ID", "DISCORD_LOCALES", "GENERAL_CHANNEL_ID", "GUILD_ANNOUNCEMENT", "GUILD_ID",
    "GUILD_STAGE_VOICE", "GUILD_VOICE", "MEMBER_ID", "MODERATOR_ID",
    "MODERATOR_ROLE_ID", "OWNER_ID", "DiscordHTTPError", "FakeChannel", "FakeDiscord", "FakeGuild",
    "FakeInteraction", "FakeMember", "FakeMessage", "FakeRole", "InteractionFailed", "InteractionResponse",
    "RecordedRequest", "loopback_only",
]
