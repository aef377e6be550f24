"""nextcord's HTTP client with Discord's rate-limit keying: bucket name + major parameter.

Discord names a route's rate-limit bucket the same on every channel (`X-RateLimit-Bucket` is a hash of the
route *without* its major parameter) and counts the limit per (bucket, major parameter): 5 message POSTs per
5 s per channel. nextcord 3.2 keys `HTTPClient._buckets` by the bucket name alone, so as soon as two channels
answer with the same name it migrates every channel's limiter onto one object: about one message a second
for the whole bot. discord.py and JDA key by `bucket + major`; this does the same, in the one place nextcord
derives a limiter's identity: the limiter learns its bucket name from the response, so the name it records
is made to carry the major parameter.

Interaction responses and follow-ups do not pass through here: nextcord sends them through its webhook adapter
(`nextcord.webhook.async_.AsyncWebhookAdapter`), which serialises requests per (webhook id, token) with a lock
of its own and waits out 429s itself. What reaches `HTTPClient.request` with a webhook is a bot-authorised
webhook route (`GET /webhooks/{webhook_id}`), whose `Route.bucket` leaves the id out; the url-limiter key here
adds it (and a token, had a route one), so two webhooks do not share a limiter.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from nextcord import utils
from nextcord.http import HTTPClient, RateLimit, Route

log = logging.getLogger(__name__)

# Limiters kept before making one more sweeps out the idle ones: one per (route, channel / thread / guild),
# so a bot that DMs thousands of people would otherwise keep one per person for the life of the process.
SWEEP_AT_LEAST = 1000


def major_parameter(route: Route) -> str:
    """The part of a route Discord keeps separate limits for: channel, guild, or webhook id + token."""
    if route.channel_id is not None:
        return f"channel:{route.channel_id}"
    if route.guild_id is not None:
        return f"guild:{route.guild_id}"
    if route.webhook_id is not None:
        return f"webhook:{route.webhook_id}:{route.webhook_token or ''}"
    return ""


class _KeyedHeaders:
    """A response's headers with `X-RateLimit-Bucket` replaced (header names are case-insensitive)."""

    def __init__(self, headers: Any, bucket: str) -> None:
        self._headers = headers
        self._bucket = bucket

    def get(self, name: str, default: Any = None) -> Any:
        """The header's value, the keyed bucket name for X-RateLimit-Bucket."""
        return self._bucket if name.lower() == "x-ratelimit-bucket" else self._headers.get(name, default)


class _HeadersOnly:
    """What `RateLimit.update` reads of a response: its headers (here with the bucket name keyed)."""

    def __init__(self, response: aiohttp.ClientResponse, bucket: str) -> None:
        self._response = response
        self.headers = _KeyedHeaders(response.headers, bucket)
        self.status = response.status

    async def json(self) -> Any:
        """The response body (only the global limiter reads it, on a global 429)."""
        return await self._response.json()


class MajorKeyedRateLimit(RateLimit):
    """A route limiter whose bucket name is `<X-RateLimit-Bucket>@<major parameter>`."""

    def __init__(self, major: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.major = major
        # Requests waiting for a slot or holding one (between acquire and release): a limiter in use is kept.
        self.users = 0

    async def acquire(self) -> bool:
        """Wait for a slot, as nextcord does; counted as a user until released."""
        self.users += 1
        try:
            return await super().acquire()
        except BaseException:
            # Cancelled or told to migrate: no slot taken, and nextcord will not call release().
            self.users -= 1
            raise

    def idle(self, cutoff: datetime) -> bool:
        """Nobody waits or holds a slot, no reset is pending, and Discord's window ended before `cutoff`."""
        return (
            self.users <= 0
            and not self.resetting
            and not self.locked
            and (self.reset is None or self.reset <= cutoff)
        )

    async def update(self, response: aiohttp.ClientResponse) -> None:
        """Learn the limits from a response, as nextcord does, under the keyed name."""
        if response.headers.get("X-RateLimit-Global") == "true":
            # A global 429 was refused before the route counted it, so its slot is given back. nextcord ignores
            # the answer here and keeps the slot taken: a limit's worth of them in one window left the route at
            # remaining 0 with no reset planned.
            self.remaining = min(self.limit, self.remaining + 1)
            if self.remaining > 0:
                self._ratelimit_ready.set()
            return
        name = response.headers.get("X-RateLimit-Bucket")
        if name is None:
            await super().update(response)
            return
        await super().update(_HeadersOnly(response, f"{name}@{self.major}"))  # type: ignore[arg-type]

    def release(self) -> None:
        """After each request, answered or not: a limiter left with no free slot always has a reset planned."""
        # Only update() plans a reset in nextcord, and acquire() restarts one; a request that got no answer
        # (network error, timeout) took a slot without update(), and with retry_request=False nextcord refuses
        # before acquire() while the limiter is locked. Without this, `limit` such failures in one window lock
        # the route until nextcord sheds the limiter (10-15 min). The slot stays taken (the request may have
        # reached Discord) until the route's usual window has passed.
        self.users -= 1
        if self.locked and not self.resetting:
            self.start_reset_task()
        super().release()


def _idle(limiter: RateLimit, cutoff: datetime) -> bool:
    if isinstance(limiter, MajorKeyedRateLimit):
        return limiter.idle(cutoff)
    # Not made here (none should be): nextcord's own test, plus nobody waiting on it.
    waiting = getattr(limiter._ratelimit_ready, "_waiters", None)
    return not limiter.resetting and not limiter.locked and not waiting and (
        limiter.reset is None or limiter.reset <= cutoff
    )


class MajorKeyedHTTPClient(HTTPClient):
    """nextcord's HTTPClient, with limiters kept per (bucket, major parameter) as Discord keeps them."""

    # Set again after each sweep (adopt() retypes an instance, so no __init__ of ours runs).
    _sweep_at: int = SWEEP_AT_LEAST

    def _url_key(self, method: str, route: Route, auth: str | None) -> tuple[str, str, str | None]:
        # Route.bucket holds channel and guild but not the webhook; the major parameter adds it.
        return method, f"{route.bucket}|{major_parameter(route)}", auth

    def _make_url_rate_limit(self, method: str, route: Route, auth: str | None) -> RateLimit:
        if len(self._url_rate_limits) >= self._sweep_at:
            self.shed_idle()
            # Twice what is in use: a sweep's cost is paid for by as many new limiters as it kept.
            self._sweep_at = max(SWEEP_AT_LEAST, 2 * len(self._url_rate_limits))
        limiter = MajorKeyedRateLimit(
            major_parameter(route),
            time_offset=self._time_offset,
            use_reset_timestamp=self._ratelimit_use_timestamp,
        )
        self._url_rate_limits[self._url_key(method, route, auth)] = limiter
        return limiter

    def _set_url_rate_limit(self, method: str, route: Route, auth: str | None, rate_limit: RateLimit) -> None:
        self._url_rate_limits[self._url_key(method, route, auth)] = rate_limit

    def _get_url_rate_limit(self, method: str, route: Route, auth: str | None) -> RateLimit | None:
        return self._url_rate_limits.get(self._url_key(method, route, auth))

    def shed_idle(self, idle_for: float = 0.0) -> int:
        """Forget limiters idle for `idle_for` s, from `_buckets` and `_url_rate_limits` together; how many.

        An idle limiter knows nothing a new one would not learn from one answer: its window is over and
        nobody waits on it. nextcord sheds only `_url_rate_limits` and never `_buckets`, which kept one
        limiter per channel, thread and DM ever used (about 1.85 kB each).
        """
        cutoff = utils.utcnow() - timedelta(seconds=idle_for)
        dropped: set[int] = set()
        stores: tuple[dict[Any, RateLimit], ...] = (self._url_rate_limits, self._buckets)
        for store in stores:
            for key, limiter in list(store.items()):
                # A limiter under two url keys (nextcord migrated one onto the other) goes from both.
                if id(limiter) in dropped or _idle(limiter, cutoff):
                    dropped.add(id(limiter))
                    del store[key]
        if dropped:
            log.debug("forgot %d idle rate limiters", len(dropped))
        return len(dropped)

    def _shed_ratelimits(self, threshold: int) -> None:
        # nextcord's periodic shed (every 5 min) drops url limiters whose reset is old, even one whose very
        # first request is still in flight (no reset yet), and leaves `_buckets` alone. Ours keeps limiters in
        # use and drops both maps' entries together.
        self.shed_idle(threshold)

    @classmethod
    def adopt(cls, http: HTTPClient) -> MajorKeyedHTTPClient:
        """Give an existing client (nextcord's Client builds its own) this keying, before any request."""
        if http._url_rate_limits or http._buckets:
            raise RuntimeError("adopt the HTTP client before it makes its first request")
        # The class nextcord's Client instantiates is not configurable; every other object (the connection
        # state, the gateway) holds a reference to this one instance, so it is retyped in place.
        http.__class__ = cls
        return http  # type: ignore[return-value]
