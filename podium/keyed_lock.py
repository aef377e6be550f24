"""One asyncio lock per key, kept only while someone holds or waits for it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager


class _Entry:
    """A key's lock and how many callers hold or wait for it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class KeyedLock[K: Hashable]:
    """Mutual exclusion per key: `async with locks(key):`; a key's entry lives while it has a holder or a waiter.

    Deleting a per-key lock when `lock.locked()` is false drops a waiter: `release()` clears the flag before
    the woken waiter runs, so a newcomer would get a fresh lock and run beside it. Counting the callers instead
    of asking the lock keeps one lock per key for as long as anyone needs it.
    """

    def __init__(self) -> None:
        self._entries: dict[K, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    @asynccontextmanager
    async def __call__(self, key: K) -> AsyncIterator[None]:
        """Hold the key's lock for the block."""
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
        entry.users += 1
        try:
            # A waiter cancelled here still counted as a user: the finally below releases its share.
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._entries[key]
