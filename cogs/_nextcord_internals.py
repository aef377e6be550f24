"""The private parts of nextcord Podium relies on, checked at start-up so another version refuses to start."""

from __future__ import annotations

from typing import Any

import nextcord
from nextcord.http import HTTPClient, RateLimit, Route

from cogs.feedback import RAW_EVENTS as VOICE_RAW_EVENTS
from cogs.scheduled_events import RAW_EVENTS
from podium.config import ConfigError

# requirements.txt pins it (tests/cogs/test_nextcord_internals.py keeps the two equal).
PINNED_NEXTCORD = "3.2.0"

# cogs/_discord_http.py overrides or reads these (MajorKeyedHTTPClient, MajorKeyedRateLimit);
# cogs/_nextcord_transport.py reads a route's limiters and their reset tasks to wait out a locked bucket.
HTTP_CLIENT_METHODS = (
    "_make_url_rate_limit", "_get_url_rate_limit", "_set_url_rate_limit", "_shed_ratelimits", "_make_headers",
)
HTTP_CLIENT_STATE = ("_buckets", "_url_rate_limits", "_global_rate_limits", "_time_offset", "_ratelimit_use_timestamp")
RATE_LIMIT_STATE = ("_first_update", "_reset_remaining_task", "_ratelimit_ready", "remaining", "limit", "reset")
RATE_LIMIT_MEMBERS = ("resetting", "locked", "start_reset_task", "acquire", "release", "update")
ROUTE_STATE = ("channel_id", "guild_id", "webhook_id", "webhook_token", "bucket")


def missing_internals(client: nextcord.Client) -> list[str]:
    """What Podium relies on that this client's nextcord lacks (empty on the pinned version)."""
    missing = [f"HTTPClient.{name}" for name in HTTP_CLIENT_METHODS if not callable(getattr(HTTPClient, name, None))]
    missing += [f"HTTPClient.{name}" for name in HTTP_CLIENT_STATE if not hasattr(client.http, name)]
    try:
        limiter: Any = RateLimit(time_offset=0.0, use_reset_timestamp=False)
    except TypeError:
        missing.append("RateLimit(time_offset=, use_reset_timestamp=)")
    else:
        missing += [f"RateLimit.{name}" for name in RATE_LIMIT_STATE if not hasattr(limiter, name)]
        missing += [f"RateLimit.{name}" for name in RATE_LIMIT_MEMBERS if not hasattr(type(limiter), name)]
    route = Route("GET", "/channels/{channel_id}", channel_id=1)
    missing += [f"Route.{name}" for name in ROUTE_STATE if not hasattr(route, name)]
    parsers = getattr(getattr(client, "_connection", None), "parsers", None)
    if not isinstance(parsers, dict):
        missing.append("ConnectionState.parsers")
    else:
        # cogs/scheduled_events.py and cogs/feedback.py wrap these parsers to read the events raw.
        missing += [f"the {name} parser" for name in (*RAW_EVENTS, *VOICE_RAW_EVENTS) if name not in parsers]
    if not hasattr(nextcord, "HTTPInternalRatelimitLocked"):
        missing.append("nextcord.HTTPInternalRatelimitLocked")
    return missing


def require_nextcord_internals(client: nextcord.Client | None = None) -> None:
    """Raise ConfigError (one line) if this nextcord lacks what Podium overrides or reads."""
    # A client of its own by default (under 1 ms, no connection): its HTTP client and parsers are made in __init__.
    own = nextcord.Client(intents=nextcord.Intents(guilds=True)) if client is None else None
    try:
        missing = missing_internals(client or own)  # type: ignore[arg-type]
    finally:
        if own is not None:
            # nextcord.Client makes an event loop of its own in __init__: closed here, not left to the garbage
            # collector at exit, which (depending on what else is torn down first) printed a traceback after a
            # refused start (tests/e2e/test_foundation.py, a database newer than the code).
            own.loop.close()
    if missing:
        raise ConfigError(
            f"nextcord {nextcord.__version__} lacks what Podium relies on ({', '.join(missing)}); "
            f"install the pinned version: pip install -r requirements.txt (nextcord=={PINNED_NEXTCORD})"
        )
