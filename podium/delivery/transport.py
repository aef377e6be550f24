"""What the dispatcher needs from Discord, and the failures it distinguishes; no nextcord here."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

RateLimitScope = Literal["user", "shared", "global"]


class DeliveryError(Exception):
    """A send did not go through."""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class TransientError(DeliveryError):
    """Worth retrying later: 5xx, 429, timeouts, network errors.

    `maybe_sent`: the request may have reached Discord and created the message anyway (a 5xx or a timeout
    after sending); a resend later than Discord's nonce window first looks for it in the channel.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = None,
        code: int | None = None,
        maybe_sent: bool = False,
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after
        self.maybe_sent = maybe_sent


class RateLimitedError(TransientError):
    """A 429: nothing was sent. `scope` says whose limit it was (X-RateLimit-Scope)."""

    def __init__(self, message: str, *, retry_after: float, scope: RateLimitScope, cloudflare: bool = False) -> None:
        super().__init__(message, retry_after=retry_after, status=429)
        self.scope = scope
        # A 429 without Discord's signature comes from Cloudflare: the whole IP is blocked for a while.
        self.cloudflare = cloudflare


class UnauthorizedError(DeliveryError):
    """401: the token is no longer valid (reset in the Developer Portal). Nothing can be sent until it is fixed."""


class RefusedError(DeliveryError):
    """This target will not take the message (closed DMs, missing permissions, archived thread): try the next."""


class GoneError(DeliveryError):
    """The target does not exist (404, unknown channel 10003)."""


UNKNOWN_CHANNEL = 10003  # Discord's code for a channel (or thread) that does not exist
UNKNOWN_SCHEDULED_EVENT = 10070  # a scheduled event that does not exist (deleted by hand in Discord's client)
MAX_SCHEDULED_EVENTS = 30038  # the guild already has 100 scheduled or active events


class RejectedError(DeliveryError):
    """Discord rejected the request itself (another 4xx): retrying will not help."""


# What the row becomes: cancelled, skipped or expired for good; "rebuild": queued again at once, to be prepared and
# rendered from what is true now (its talk was edited, or who it mentions changed, while it waited).
StaleState = Literal["cancelled", "skipped", "expired", "rebuild"]


class StaleDelivery(DeliveryError):
    """The message must not go out any more; nothing was sent. `state` is what its row becomes.

    Raised by the last look (`last_look()`) right before a request: its talk was moved or cancelled, its
    recipient was forgotten or opted out, or it expired, while the delivery was waiting.
    """

    def __init__(self, message: str, *, state: StaleState) -> None:
        super().__init__(message)
        self.state: StaleState = state


LastLook = Callable[[], Awaitable[None]]
# The check of the delivery this task is working on. A context variable, so that every request a delivery makes,
# through any transport method and any kind's action, is checked without each caller passing it along.
_LAST_LOOK: ContextVar[LastLook | None] = ContextVar("podium_last_look", default=None)


async def last_look() -> None:
    """Raise StaleDelivery if the delivery this task serves must no longer go out; a no-op outside a delivery.

    Every Transport calls this immediately before each HTTP request, after every wait (pacing, a 429, a locked
    bucket, a retry): the check is the last thing before the request leaves, whatever waited in between.
    """
    check = _LAST_LOOK.get()
    if check is not None:
        await check()


def in_delivery() -> bool:
    """Whether this task delivers an outbox row: it can go back to the queue instead of waiting for a limit."""
    return _LAST_LOOK.get() is not None


@contextlib.contextmanager
def looking_with(check: LastLook) -> Iterator[None]:
    """Within this block (this task and tasks it starts), `last_look()` runs `check`."""
    token = _LAST_LOOK.set(check)
    try:
        yield
    finally:
        _LAST_LOOK.reset(token)


DISCORD_EPOCH_MS = 1420070400000


def snowflake_at(when: datetime) -> int:
    """The smallest snowflake (Discord id) of an instant: every message made at or after it has a larger id."""
    return max(0, int(when.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22


@dataclass(frozen=True, slots=True)
class PostedMessage:
    """A message of a channel's history, as read back from Discord (`own`: this bot posted it)."""

    id: int
    content: str
    embeds: tuple[dict[str, Any], ...] = field(default=())
    own: bool = True


@dataclass(frozen=True, slots=True)
class MemberRights:
    """A member's server-wide rights: @everyone's and their roles' permissions (the owner: all), their role ids.

    Channel overwrites are left out on purpose: Podium's rights come from server-wide roles only.
    """

    permissions: int
    role_ids: frozenset[int]


class Transport(Protocol):
    """The Discord calls proactive delivery makes.

    Each implementation awaits `last_look()` immediately before each HTTP request it makes (tests check every
    method of the real one).
    """

    def own_user_id(self) -> int | None:
        """The bot's own user id (None before login); makes no request."""
        ...

    def voice_members(self, guild_id: int, channel_id: int) -> frozenset[int] | None:
        """Who is in a stage or voice channel now, bots left out, as the gateway said (makes no request).

        None while the server is not available on the gateway (its voice states are not known yet).
        """
        ...

    async def open_dm(self, user_id: int) -> int:
        """The DM channel id with a user (creating it if needed)."""
        ...

    async def create_thread(self, channel_id: int, name: str) -> int:
        """Create a public thread in a text channel; its id."""
        ...

    async def find_thread(self, guild_id: int, parent_id: int, name: str) -> int | None:
        """An active thread this bot started in `parent_id` with this name (left by a crash), if any."""
        ...

    async def add_thread_member(self, thread_id: int, user_id: int) -> None:
        """Add a member to a thread (a no-op if they already are one); an archived thread is reopened first."""
        ...

    async def remove_thread_member(self, thread_id: int, user_id: int) -> None:
        """Remove a member from a thread (a no-op if they are not one); needs Manage Threads (RefusedError 50013)."""
        ...

    async def archive_thread(self, thread_id: int) -> None:
        """Archive a thread (it stays readable; a new message in it reopens it)."""
        ...

    async def reopen_thread(self, thread_id: int) -> bool:
        """Unarchive a thread the bot started, unless a moderator locked it; whether it is open now."""
        ...

    async def post_message(self, channel_id: int, body: dict[str, Any]) -> int:
        """POST a message (with nonce + enforce_nonce in `body`); the message id."""
        ...

    async def crosspost(self, channel_id: int, message_id: int) -> int:
        """Publish a message of an announcement channel to the servers following it; the message id."""
        ...

    async def edit_message(self, channel_id: int, message_id: int, body: dict[str, Any]) -> None:
        """PATCH one of the bot's own messages (GoneError when it was deleted: Unknown Message, 10008)."""
        ...

    async def channel_history(
        self, channel_id: int, *, around: int | None = None, before: int | None = None, after: int | None = None,
        limit: int = 100,
    ) -> list[PostedMessage]:
        """One page (`limit` 1-100) of the channel's messages, newest first, as Discord's GET …/messages answers.

        At most one of `around` / `before` / `after` (message ids or `snowflake_at` instants): around gives about
        half older and half newer, `after` the oldest `limit` newer ones, `before` (or none) the newest older ones.
        """
        ...

    async def create_scheduled_event(self, guild_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """POST a guild scheduled event; the event object Discord made."""
        ...

    async def edit_scheduled_event(self, guild_id: int, event_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """PATCH a guild scheduled event; the event object after the change."""
        ...

    async def get_scheduled_event(self, guild_id: int, event_id: int) -> dict[str, Any]:
        """One guild scheduled event (GoneError when it was deleted)."""
        ...

    async def list_scheduled_events(self, guild_id: int) -> list[dict[str, Any]]:
        """Every scheduled event of the guild (scheduled and active ones)."""
        ...

    async def scheduled_event_users(self, guild_id: int, event_id: int, *, after: int = 0) -> list[int]:
        """One page (at most 100, ascending) of the ids of members interested in the event, after `after`."""
        ...

    async def audit_log_entries(self, guild_id: int, action_type: int, *, limit: int = 25) -> list[dict[str, Any]]:
        """The guild's latest audit log entries of one action type, newest first (needs View Audit Log)."""
        ...

    async def member_rights(self, guild_id: int, user_id: int) -> MemberRights:
        """A member's server-wide permissions and roles (GoneError when they are not a member)."""
        ...
