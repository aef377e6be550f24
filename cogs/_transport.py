"""The dispatcher's Transport over nextcord's HTTP client, mapping nextcord errors to delivery errors."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import nextcord
from nextcord.http import HTTPClient, Route

from podium.pacing import Pacer
from podium.transport import GoneError, RefusedError, RejectedError, TransientError

log = logging.getLogger(__name__)

# Discord error codes that mean "the channel does not exist (any more)".
UNKNOWN_CHANNEL_CODES = {10003, 10008}
# How long to wait, in all, for nextcord's own rate-limit bucket to unlock before giving the row back.
LOCKED_BUCKET_PATIENCE = 30.0


class NextcordTransport:
    """Raw REST calls: `send()` cannot pass `enforce_nonce`, and our own queue does the retrying."""

    def __init__(self, http: HTTPClient, pacer: Pacer) -> None:
        self.http = http
        self.pacer = pacer

    async def _request(self, route: Route, body: dict[str, Any], channel_id: int | None = None) -> dict[str, Any]:
        waited, pause = 0.0, 0.02
        while True:
            # Counted right before the request leaves, every time: a slot taken earlier and used after a
            # wait would let requests bunch up past Discord's limit.
            await self.pacer.acquire(channel_id)
            try:
                # retry_request=False: a failed send goes back to the durable queue with backoff
                # instead of blocking here for up to half a minute in nextcord's in-memory retries.
                return await self._request_once(route, body)
            except nextcord.HTTPInternalRatelimitLocked as exc:
                # Not a Discord error: nextcord holds a bucket locked, e.g. while the very first
                # request of a route is in flight and its limit is still unknown. Nothing was sent:
                # give the slot back, wait, and do not burn an attempt.
                self.pacer.refund(channel_id)
                if waited >= LOCKED_BUCKET_PATIENCE:
                    raise TransientError(f"rate limit bucket locked for {waited:.0f} s: {exc}") from exc
                await asyncio.sleep(pause)
                waited += pause
                pause = min(pause * 2, 0.05)

    async def _request_once(self, route: Route, body: dict[str, Any]) -> dict[str, Any]:
        try:
            return await self.http.request(route, json=body, retry_request=False)
        except nextcord.HTTPException as exc:
            raise classify(exc) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise TransientError(f"network: {exc!r}") from exc

    async def open_dm(self, user_id: int) -> int:
        """The DM channel id with a user."""
        data = await self._request(Route("POST", "/users/@me/channels"), {"recipient_id": str(user_id)})
        return int(data["id"])

    async def create_thread(self, channel_id: int, name: str) -> int:
        """A new public thread in `channel_id`."""
        route = Route("POST", "/channels/{channel_id}/threads", channel_id=channel_id)
        data = await self._request(route, {"name": name, "type": 11, "auto_archive_duration": 10080})
        return int(data["id"])

    async def post_message(self, channel_id: int, body: dict[str, Any]) -> int:
        """POST a message; returns its id."""
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        data = await self._request(route, body, channel_id)
        return int(data["id"])


def classify(exc: nextcord.HTTPException) -> Exception:
    """A delivery error for a failed Discord response."""
    what = f"{exc.status} (code {exc.code}) {exc.text}".strip()
    if exc.status == 429 or exc.status >= 500:
        retry_after = None
        header = exc.response.headers.get("Retry-After") if exc.response is not None else None
        if header:
            try:
                retry_after = float(header)
            except ValueError:
                retry_after = None
        return TransientError(what, retry_after=retry_after, status=exc.status)
    if exc.status == 403:
        return RefusedError(what, status=exc.status, code=exc.code)
    if exc.status == 404 or exc.code in UNKNOWN_CHANNEL_CODES:
        return GoneError(what, status=exc.status, code=exc.code)
    if exc.status == 408:
        return TransientError(what, status=exc.status)
    return RejectedError(what, status=exc.status, code=exc.code)
