"""What the dispatcher needs from Discord, and the failures it distinguishes; no nextcord here."""

from __future__ import annotations

from typing import Any, Protocol


class DeliveryError(Exception):
    """A send did not go through."""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class TransientError(DeliveryError):
    """Worth retrying later: 5xx, 429, timeouts, network errors."""

    def __init__(self, message: str, *, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class RefusedError(DeliveryError):
    """This target will not take the message (closed DMs, missing permissions): try the next target."""


class GoneError(DeliveryError):
    """The target does not exist (404, unknown channel 10003)."""


class RejectedError(DeliveryError):
    """Discord rejected the request itself (another 4xx): retrying will not help."""


class Transport(Protocol):
    """The three Discord calls proactive delivery makes."""

    async def open_dm(self, user_id: int) -> int:
        """The DM channel id with a user (creating it if needed)."""
        ...

    async def create_thread(self, channel_id: int, name: str) -> int:
        """Create a public thread in a text channel; its id."""
        ...

    async def post_message(self, channel_id: int, body: dict[str, Any]) -> int:
        """POST a message (with nonce + enforce_nonce in `body`); the message id."""
        ...
