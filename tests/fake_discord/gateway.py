"""The fake's gateway side: a websocket connection from the bot, a resumable session, a guild's shard."""

from __future__ import annotations

import asyncio
import collections
import time
from dataclasses import dataclass, field

from aiohttp import web


class _GatewayConnection:
    """One websocket connection from the bot, with an ordered outgoing queue."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request) -> None:
        self.ws = ws
        self.request = request
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.session: _GatewaySession | None = None
        self.writer: asyncio.Task[None] | None = None
        self.aborted = False

    def send(self, frame: str) -> None:
        self.queue.put_nowait(frame)

    async def run_writer(self) -> None:
        while (frame := await self.queue.get()) is not None:
            if self.ws.closed:
                return
            try:
                await self.ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return

    def abort(self) -> None:
        self.aborted = True
        transport = self.request.transport
        if transport is not None:
            transport.abort()
        self.queue.put_nowait(None)


@dataclass(eq=False)
class _GatewaySession:
    """A gateway session: sequence numbers and a replay buffer for RESUME."""

    id: str
    intents: int
    seq: int = 0
    buffer: collections.deque[tuple[int, str]] = field(default_factory=lambda: collections.deque(maxlen=10_000))
    connection: _GatewayConnection | None = None
    ready_at: float | None = None  # loop time when the last GUILD_CREATE of the READY burst was sent
    shard: tuple[int, int] | None = None  # [shard_id, num_shards] from IDENTIFY, if the bot shards
    last_active: float = field(default_factory=time.monotonic)  # when a connection last attached or detached

    def attach(self, conn: _GatewayConnection) -> None:
        self.connection = conn
        conn.session = self
        self.last_active = time.monotonic()

    def detach(self, conn: _GatewayConnection) -> None:
        if self.connection is conn:
            self.connection = None
            self.last_active = time.monotonic()

def _shard_index(shard: tuple[int, int] | None) -> int:
    return 0 if shard is None else shard[0]


def _shard_of(guild_id: int, shard: tuple[int, int] | None) -> int:
    """Discord's rule: a guild belongs to shard (guild_id >> 22) % num_shards."""
    return 0 if shard is None or shard[1] <= 1 else (guild_id >> 22) % shard[1]
