"""A per-member cooldown on changes: one member cannot flood the queue (or a channel) through the commands."""

from __future__ import annotations

import logging
from collections import deque
from datetime import datetime, timedelta

from podium.clock import Clock
from podium.errors import UserError
from podium.i18n import N_
from podium.markup import discord_time

log = logging.getLogger(__name__)

CHANGES_PER_WINDOW = 10
WINDOW = timedelta(minutes=1)
# Forget members idle this long, so months of traffic cost no memory.
FORGET_AFTER = timedelta(minutes=10)


class SlowDown(UserError):
    """Too many changes in a short time; `str(exc)` says when the member may try again."""


class Cooldown:
    """At most CHANGES_PER_WINDOW changes per member in any WINDOW (a sliding window, kept in memory)."""

    def __init__(self, clock: Clock, limit: int = CHANGES_PER_WINDOW, window: timedelta = WINDOW) -> None:
        self.clock = clock
        self.limit = limit
        self.window = window
        self._recent: dict[int, deque[datetime]] = {}
        self._swept_at = clock.now()

    def hit(self, user_id: int) -> None:
        """Count one change by this member, or raise SlowDown (counting nothing) if they are over the limit."""
        now = self.clock.now()
        self._sweep(now)
        recent = self._recent.setdefault(user_id, deque())
        while recent and now - recent[0] >= self.window:
            recent.popleft()
        if len(recent) >= self.limit:
            again = recent[0] + self.window
            log.info("member %d is over the change limit until %s", user_id, again.isoformat())
            raise SlowDown(
                N_("Slow down: that is {limit} changes within a minute. Try again {when}."),
                limit=self.limit, when=discord_time(again, "R"),
            )
        recent.append(now)

    def forget(self, user_id: int) -> None:
        """Forget-me: the member's recent changes go too (the limit starts afresh for them, as for anyone new)."""
        self._recent.pop(user_id, None)

    def _sweep(self, now: datetime) -> None:
        if now - self._swept_at < FORGET_AFTER:
            return
        self._swept_at = now
        self._recent = {u: r for u, r in self._recent.items() if r and now - r[-1] < FORGET_AFTER}
