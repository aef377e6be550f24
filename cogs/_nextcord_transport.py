"""The dispatcher's Transport over nextcord's HTTP client, mapping Discord's answers to delivery errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
import nextcord
from nextcord.http import HTTPClient, Route

from podium.delivery.pacing import Pacer
from podium.delivery.transport import (
    DeliveryError,
    GoneError,
    MemberRights,
    PostedMessage,
    RateLimitedError,
    RefusedError,
    RejectedError,
    TransientError,
    UnauthorizedError,
    in_delivery,
    last_look,
)

log = logging.getLogger(__name__)

# Discord error codes that mean "the channel does not exist (any more)".
UNKNOWN_CHANNEL_CODES = frozenset({10003, 10008})
# This target will not take it, the next one may: an archived or locked thread, too many active threads.
REFUSING_CODES = frozenset({50083, 160005, 160006})
THREAD_ARCHIVED = 50083
# How long to wait, in all, for nextcord's own rate-limit bucket to unlock before giving the row back.
LOCKED_BUCKET_PATIENCE = 30.0
# A last look that took longer than this held a pacing slot while it ran: the slot is given back and taken again.
LOOK_SLACK = 0.05
# A message waits in place at most this long for its channel's window; longer, the row goes back to the queue
# (without costing an attempt) so it does not hold a delivery slot while DMs and other channels are due.
CHANNEL_PATIENCE = 1.0
# 429s are waited out here (nothing was sent) up to this much in all; longer, the row goes back to the queue.
RATE_LIMIT_PATIENCE = 30.0
# Cloudflare's block of the whole IP lasts minutes to an hour; nothing should try before this.
CLOUDFLARE_PAUSE = 60.0
ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = (1 << 64) - 1


class NextcordTransport:
    """Raw REST calls: `send()` cannot pass `enforce_nonce`, and our own queue does the retrying."""

    def __init__(
        self,
        http: HTTPClient,
        pacer: Pacer,
        bot_user_id: Callable[[], int | None],
        *,
        voice_members: Callable[[int, int], frozenset[int] | None] | None = None,
        channel_patience: float = CHANNEL_PATIENCE,
        rate_limit_patience: float = RATE_LIMIT_PATIENCE,
    ) -> None:
        self.http = http
        self.pacer = pacer
        self.bot_user_id = bot_user_id
        self._voice_members = voice_members
        self.channel_patience = channel_patience
        self.rate_limit_patience = rate_limit_patience

    async def _request(
        self, route: Route, body: dict[str, Any] | None = None, channel_id: int | None = None, **kwargs: Any
    ) -> Any:
        loop = asyncio.get_running_loop()
        locked_waited, limited, pause = 0.0, 0.0, 0.02
        slow_look = False
        while True:
            # Counted right before the request leaves, every time: a slot taken earlier and used after a
            # wait would let requests bunch up past Discord's limit. A full channel raises ChannelBusy.
            ticket = await self.pacer.acquire(channel_id, max_wait=self.channel_patience if channel_id else None)
            counted = loop.time()
            try:
                # The last look, after every wait above and below: a talk moved, a recipient forgotten or a row
                # expired while this request waited stops it here, before anything leaves.
                await last_look()
            except BaseException:
                self.pacer.refund(ticket)
                raise
            if loop.time() - counted > LOOK_SLACK and not slow_look:
                # The look itself waited (a busy machine, a slow disk): the slot counted before it is stale, and
                # requests whose looks finish together would leave together. Count again, and look again (once:
                # on a machine where every look is slow, the request must still leave).
                self.pacer.refund(ticket)
                slow_look = True
                continue
            slow_look = False
            try:
                # retry_request=False: a failed send goes back to the durable queue with backoff
                # instead of blocking here in nextcord's in-memory retries.
                return await self._request_once(route, body, **kwargs)
            except nextcord.HTTPInternalRatelimitLocked as exc:
                # Not a Discord error: nextcord holds a bucket locked, e.g. while the very first
                # request of a route is in flight and its limit is still unknown. Nothing was sent:
                # give the slot back, wait, and do not burn an attempt.
                self.pacer.refund(ticket)
                reset_in = self._nextcord_reset_in(route)
                if in_delivery() and reset_in is not None and reset_in > self.channel_patience:
                    # A limit that resets only later (Discord allows 5 new events a minute per guild): waiting here
                    # held a delivery slot for up to 30 s and then used an attempt, so a season of events failed
                    # rows for being many. The row goes back to the queue for that long instead, attempts intact.
                    raise RateLimitedError(f"{route.method} {route.path}: its limit resets in {reset_in:.1f} s",
                                           retry_after=reset_in, scope="user") from exc
                if locked_waited >= LOCKED_BUCKET_PATIENCE:
                    raise TransientError(f"rate limit bucket locked for {locked_waited:.0f} s: {exc}") from exc
                # Wait for nextcord's own reset where it has planned one, so that no look (a database read) is
                # spent on a request that would be refused again.
                started = loop.time()
                await self._until_nextcord_resets(route, pause)
                locked_waited += loop.time() - started
                pause = min(pause * 2, 0.5)
            except RateLimitedError as exc:
                # Nothing was sent. Honour it where Discord says it applies, then try again.
                if exc.cloudflare:
                    self.pacer.pause(max(exc.retry_after or 0.0, CLOUDFLARE_PAUSE))
                    raise
                if exc.scope == "global":
                    self.pacer.pause(exc.retry_after or 1.0)
                elif channel_id is not None:
                    self.pacer.block(channel_id, exc.retry_after or 1.0)
                limited += exc.retry_after or 1.0
                if limited > self.rate_limit_patience:
                    raise
                log.info("%s %s: 429 (%s), waiting %.2f s", route.method, route.path, exc.scope, exc.retry_after)
                if channel_id is None and exc.scope != "global":
                    if in_delivery() and (exc.retry_after or 1.0) > self.channel_patience:
                        raise  # the row waits in the queue, not in a delivery slot (as above)
                    # The pacer only knows channels; another route's short limit is waited out here.
                    await asyncio.sleep(exc.retry_after or 1.0)

    def _nextcord_reset_in(self, route: Route) -> float | None:
        """Seconds until nextcord's used-up limiter of this route resets (None: unknown, or not used up)."""
        auth = self.http._make_headers({}).get("Authorization")
        limiter = self.http._get_url_rate_limit(route.method, route, auth)
        if limiter is None or not limiter.locked or limiter.reset is None:
            return None
        return max(0.0, (limiter.reset - datetime.now(UTC)).total_seconds())

    async def _until_nextcord_resets(self, route: Route, fallback: float) -> None:
        """Wait while nextcord's limiter of this route (or its global one) is used up: until its planned reset.

        Without a planned reset (the first request of a route still in flight) it waits `fallback` seconds.
        """
        auth = self.http._make_headers({}).get("Authorization")
        limiters = [self.http._get_url_rate_limit(route.method, route, auth), self.http._global_rate_limits.get(auth)]
        resets = {
            task for limiter in limiters
            if limiter is not None and limiter.locked
            and (task := limiter._reset_remaining_task) is not None and not task.done()
        }
        if resets:
            # asyncio.wait neither cancels nor consumes the reset tasks; nextcord still owns them.
            await asyncio.wait(resets, timeout=LOCKED_BUCKET_PATIENCE)
        else:
            await asyncio.sleep(fallback)

    async def _request_once(self, route: Route, body: dict[str, Any] | None, **kwargs: Any) -> Any:
        try:
            if body is not None:
                kwargs["json"] = body
            return await self.http.request(route, retry_request=False, **kwargs)
        except nextcord.HTTPException as exc:
            raise classify(exc) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            # The request may have left: Discord may have created the message before the connection broke.
            raise TransientError(f"network: {exc!r}", maybe_sent=True) from exc

    def own_user_id(self) -> int | None:
        """The bot's own user id, once logged in."""
        return self.bot_user_id()

    def voice_members(self, guild_id: int, channel_id: int) -> frozenset[int] | None:
        """Who is in the channel now, from the gateway's cache (cogs/feedback.py reads it); None without a gateway."""
        return self._voice_members(guild_id, channel_id) if self._voice_members is not None else None

    async def open_dm(self, user_id: int) -> int:
        """The DM channel id with a user."""
        data = await self._request(Route("POST", "/users/@me/channels"), {"recipient_id": str(user_id)})
        return int(data["id"])

    async def create_thread(self, channel_id: int, name: str) -> int:
        """A new public thread in `channel_id`."""
        route = Route("POST", "/channels/{channel_id}/threads", channel_id=channel_id)
        data = await self._request(route, {"name": name, "type": 11, "auto_archive_duration": 10080})
        return int(data["id"])

    async def find_thread(self, guild_id: int, parent_id: int, name: str) -> int | None:
        """An active thread the bot started in `parent_id` with this name."""
        data = await self._request(Route("GET", "/guilds/{guild_id}/threads/active", guild_id=guild_id))
        me = self.bot_user_id()
        for thread in data.get("threads", []) if isinstance(data, dict) else []:
            if (
                str(thread.get("parent_id")) == str(parent_id)
                and thread.get("name") == name
                and (me is None or str(thread.get("owner_id")) == str(me))
            ):
                return int(thread["id"])
        return None

    async def add_thread_member(self, thread_id: int, user_id: int) -> None:
        """PUT the member (204 also when already one); an archived thread is reopened and the PUT tried again."""
        route = Route("PUT", "/channels/{channel_id}/thread-members/{user_id}", channel_id=thread_id, user_id=user_id)
        await self._in_open_thread(thread_id, route)

    async def remove_thread_member(self, thread_id: int, user_id: int) -> None:
        """DELETE the member (204 also when not one); an archived thread is reopened for it and archived again."""
        route = Route("DELETE", "/channels/{channel_id}/thread-members/{user_id}", channel_id=thread_id,
                      user_id=user_id)
        if await self._in_open_thread(thread_id, route):
            await self.archive_thread(thread_id)  # a past talk's thread goes back to how it was

    async def _in_open_thread(self, thread_id: int, route: Route) -> bool:
        """Send a thread-member request, reopening an archived thread for it; whether it had to be reopened."""
        try:
            await self._request(route)
            return False
        except RefusedError as exc:
            # Discord adds and removes members only in an open thread.
            if exc.code != THREAD_ARCHIVED:
                raise
        await self._request(Route("PATCH", "/channels/{channel_id}", channel_id=thread_id), {"archived": False})
        await self._request(route)
        return True

    async def archive_thread(self, thread_id: int) -> None:
        """PATCH archived=true (the bot created the thread, so it may)."""
        await self._request(Route("PATCH", "/channels/{channel_id}", channel_id=thread_id), {"archived": True})

    async def reopen_thread(self, thread_id: int) -> bool:
        """GET the thread; PATCH archived=false unless a moderator locked it (their choice, which Podium keeps)."""
        data = await self._request(Route("GET", "/channels/{channel_id}", channel_id=thread_id))
        metadata = data.get("thread_metadata", {}) if isinstance(data, dict) else {}
        if metadata.get("locked"):
            return False
        if metadata.get("archived"):
            await self._request(Route("PATCH", "/channels/{channel_id}", channel_id=thread_id), {"archived": False})
        return True

    async def post_message(self, channel_id: int, body: dict[str, Any]) -> int:
        """POST a message; returns its id."""
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        data = await self._request(route, body, channel_id)
        return int(data["id"])

    async def edit_message(self, channel_id: int, message_id: int, body: dict[str, Any]) -> None:
        """PATCH a message of the bot's; paced with the channel's posts (Discord counts edits in the same bucket)."""
        route = Route("PATCH", "/channels/{channel_id}/messages/{message_id}", channel_id=channel_id,
                      message_id=message_id)
        await self._request(route, body, channel_id)

    async def crosspost(self, channel_id: int, message_id: int) -> int:
        """Publish the message to following servers (announcement channels only)."""
        route = Route(
            "POST", "/channels/{channel_id}/messages/{message_id}/crosspost", channel_id=channel_id,
            message_id=message_id,
        )
        data = await self._request(route)
        return int(data["id"])

    async def channel_history(
        self, channel_id: int, *, around: int | None = None, before: int | None = None, after: int | None = None,
        limit: int = 100,
    ) -> list[PostedMessage]:
        """GET one page of the channel's messages, newest first (`own`: the bot's)."""
        anchors = {name: value for name, value in (("around", around), ("before", before), ("after", after))
                   if value is not None}
        if len(anchors) > 1 or not 1 <= limit <= 100:
            raise ValueError(f"one of around/before/after and a limit of 1-100, not {anchors} and {limit}")
        params = {name: str(value) for name, value in anchors.items()} | {"limit": str(limit)}
        route = Route("GET", "/channels/{channel_id}/messages", channel_id=channel_id)
        data = await self._request(route, params=params)
        me = self.bot_user_id()
        found = []
        for message in data if isinstance(data, list) else []:
            own = me is None or str(message.get("author", {}).get("id")) == str(me)
            embeds = tuple(e for e in message.get("embeds") or () if isinstance(e, dict))
            found.append(PostedMessage(int(message["id"]), str(message.get("content") or ""), embeds, own=own))
        return found

    async def create_scheduled_event(self, guild_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """POST /guilds/{guild_id}/scheduled-events."""
        route = Route("POST", "/guilds/{guild_id}/scheduled-events", guild_id=guild_id)
        return dict(await self._request(route, body))

    async def edit_scheduled_event(self, guild_id: int, event_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """PATCH /guilds/{guild_id}/scheduled-events/{event_id}."""
        route = Route(
            "PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}", guild_id=guild_id, event_id=event_id
        )
        return dict(await self._request(route, body))

    async def get_scheduled_event(self, guild_id: int, event_id: int) -> dict[str, Any]:
        """GET one event (404, code 10070, when it was deleted: GoneError)."""
        route = Route("GET", "/guilds/{guild_id}/scheduled-events/{event_id}", guild_id=guild_id, event_id=event_id)
        return dict(await self._request(route))

    async def list_scheduled_events(self, guild_id: int) -> list[dict[str, Any]]:
        """GET the guild's events."""
        data = await self._request(Route("GET", "/guilds/{guild_id}/scheduled-events", guild_id=guild_id))
        return [dict(event) for event in data if isinstance(event, dict)] if isinstance(data, list) else []

    async def scheduled_event_users(self, guild_id: int, event_id: int, *, after: int = 0) -> list[int]:
        """One page of interested users' ids, ascending; `after` pages forward."""
        # Raw: nextcord's own iterator drops `with_member`, and the ids are all we need.
        route = Route(
            "GET", "/guilds/{guild_id}/scheduled-events/{event_id}/users", guild_id=guild_id, event_id=event_id
        )
        data = await self._request(route, params={"limit": "100", "after": str(after)})
        users = [int(item["user"]["id"]) for item in data if isinstance(item, dict) and "user" in item] if isinstance(
            data, list) else []
        return sorted(users)

    async def audit_log_entries(self, guild_id: int, action_type: int, *, limit: int = 25) -> list[dict[str, Any]]:
        """GET /guilds/{guild_id}/audit-logs?action_type=…: the entries, newest first (403 without View Audit Log)."""
        route = Route("GET", "/guilds/{guild_id}/audit-logs", guild_id=guild_id)
        data = await self._request(route, params={"action_type": str(action_type), "limit": str(limit)})
        entries = data.get("audit_log_entries") if isinstance(data, dict) else None
        return [dict(entry) for entry in entries if isinstance(entry, dict)] if isinstance(entries, list) else []

    async def member_rights(self, guild_id: int, user_id: int) -> MemberRights:
        """The member's roles (GET member) and the roles' permissions (GET guild): server-wide rights only."""
        guild = await self._request(Route("GET", "/guilds/{guild_id}", guild_id=guild_id))
        member = await self._request(
            Route("GET", "/guilds/{guild_id}/members/{user_id}", guild_id=guild_id, user_id=user_id)
        )
        role_ids = frozenset(int(r) for r in member.get("roles") or ()) if isinstance(member, dict) else frozenset()
        if not isinstance(guild, dict):
            return MemberRights(0, role_ids)
        if str(guild.get("owner_id")) == str(user_id):
            return MemberRights(ALL_PERMISSIONS, role_ids)  # the owner has every right, whatever their roles
        permissions = 0
        for role in guild.get("roles") or ():
            # @everyone's id is the guild's.
            if isinstance(role, dict) and (int(role["id"]) in role_ids or int(role["id"]) == guild_id):
                permissions |= int(role.get("permissions") or 0)
        if permissions & ADMINISTRATOR:
            permissions = ALL_PERMISSIONS
        return MemberRights(permissions, role_ids)


def _retry_after(headers: Any) -> float | None:
    """Seconds to wait from a 429/5xx answer: the bucket's precise reset, else the Retry-After header."""
    # nextcord keeps only the error text of the body, not its retry_after; the headers carry the same figure.
    for name in ("X-RateLimit-Reset-After", "Retry-After"):
        try:
            value = headers.get(name)
            if value is not None:
                return max(0.0, float(value))
        except (TypeError, ValueError):
            continue
    return None


def classify(exc: nextcord.HTTPException) -> DeliveryError:
    """A delivery error for a failed Discord response."""
    what = f"{exc.status} (code {exc.code}) {exc.text}".strip()
    headers = exc.response.headers if exc.response is not None else {}
    if exc.status == 429:
        scope = headers.get("X-RateLimit-Scope") or ("global" if headers.get("X-RateLimit-Global") else "user")
        # Discord's own 429s come through its proxy (Via) with a JSON body; Cloudflare's do not.
        json_body = (headers.get("Content-Type") or "").startswith("application/json")
        cloudflare = not headers.get("Via") or not json_body
        if scope == "global":
            # The bucket headers of a global 429 describe the route, not the wait.
            retry_after = _retry_after({"Retry-After": headers.get("Retry-After")})
        else:
            retry_after = _retry_after(headers)
        return RateLimitedError(
            what,
            retry_after=retry_after or 1.0,
            scope=scope if scope in ("user", "shared", "global") else "user",  # type: ignore[arg-type]
            cloudflare=cloudflare,
        )
    if exc.status >= 500 or exc.status == 408:
        # 500/502/504 may come after the message was created; a later resend looks for it first.
        return TransientError(
            what, retry_after=_retry_after({"Retry-After": headers.get("Retry-After")}), status=exc.status,
            code=exc.code, maybe_sent=True,
        )
    if exc.status == 401:
        return UnauthorizedError(what, status=exc.status, code=exc.code)
    if exc.status == 403 or exc.code in REFUSING_CODES:
        return RefusedError(what, status=exc.status, code=exc.code)
    if exc.status == 404 or exc.code in UNKNOWN_CHANNEL_CODES:
        return GoneError(what, status=exc.status, code=exc.code)
    return RejectedError(what, status=exc.status, code=exc.code)
