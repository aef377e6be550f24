"""Benchmarks against a bot that has run for a while: every target channel has already received a message.

A fresh process has never seen a channel, so no rate-limit state exists yet and nothing can be merged or
exhausted; after a day of running every channel has been seen. These helpers start the real bot, write rows
the way any other process would (plain SQL with the columns every schema version has, so an earlier checkout
can be measured with the same script: `--bot-root`), warm every channel, then measure.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from _common import MESSAGES_ROUTE, now, wait_until

from tests.botprocess import BOT_PY, BotProcess, bot_py_of
from tests.fake_discord import FakeDiscord, RecordedRequest

PROACTIVE_ROUTES = {"/users/@me/channels", MESSAGES_ROUTE}
# Discord's per-channel message window, plus slack: after it, a warmed channel's limit is fresh again.
WINDOW_SECONDS = 5.5


@dataclass
class Row:
    """One message to queue: a DM to a user, or a post in a channel."""

    key: str
    due_at: datetime
    user_id: int | None = None
    channel_id: int | None = None
    text: str = "bench"

    def values(self, created_ms: int) -> tuple[object, ...]:
        """The INSERT's values (columns of schema version 1)."""
        dm = self.user_id is not None
        due_ms = round(self.due_at.timestamp() * 1000)
        return (
            "personal_reminder" if dm else "test",
            "dm" if dm else "channel",
            self.user_id,
            self.channel_id,
            json.dumps({"text": self.text}),
            due_ms,
            due_ms,
            self.key,
            created_ms,
            created_ms,
        )


def insert_rows(db_path: Path, rows: Iterable[Row]) -> dict[str, float]:
    """Queue rows from outside the bot; returns nonce -> due (unix seconds)."""
    conn = sqlite3.connect(db_path, timeout=30)
    due: dict[str, float] = {}
    created = round(time.time() * 1000)
    try:
        with conn:
            for row in rows:
                cursor = conn.execute(
                    "INSERT INTO outbox (kind, target_type, user_id, channel_id, payload, due_at_ms,"
                    " next_attempt_at_ms, dedupe_key, created_at_ms, updated_at_ms) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    row.values(created),
                )
                due[f"podium-{cursor.lastrowid}"] = row.due_at.timestamp()
    finally:
        conn.close()
    return due


@dataclass
class Bench:
    """A fake Discord (Discord's bucket naming, 50 requests/s) and one bot process."""

    fake: FakeDiscord
    bot: BotProcess
    delivered: set[str] = field(default_factory=set)

    @classmethod
    async def start(cls, fake: FakeDiscord, tmp: Path, bot_root: Path | None, **env: str) -> Bench:
        """Start the bot (it creates its database), logged in and ready."""
        bot_py = bot_py_of(bot_root) if bot_root else BOT_PY
        # Rows come from another process: a 1 s safety tick picks them up (the bot then sleeps until due).
        env = {"DISPATCH_TICK_SECONDS": "1", "LOG_LEVEL": "WARNING", **env}
        bot = BotProcess(fake, tmp, bot_py=bot_py, **env)
        await bot.start()
        return cls(fake, bot)

    def posted(self) -> dict[str, float]:
        """Nonce -> when the fake first received a POST of it (successful or not)."""
        first: dict[str, float] = {}
        for request in self.fake.requests:
            if request.route == MESSAGES_ROUTE and request.method == "POST" and isinstance(request.json, dict):
                first.setdefault(str(request.json.get("nonce")), request.at)
        return first

    def delivered_nonces(self) -> set[str]:
        """Nonces of the messages the fake created."""
        return {m.nonce for m in self.fake.messages if m.nonce}

    async def queue_and_wait(self, rows: list[Row], within: float) -> tuple[dict[str, float], bool]:
        """Queue rows, wait until each was delivered (or `within` s passed); nonce -> due."""
        due = insert_rows(self.bot.db_path, rows)
        done = await wait_until(lambda: set(due) <= self.delivered_nonces(), within, step=0.2)
        return due, done

    async def warm(self, user_ids: Iterable[int] = (), channel_ids: Iterable[int] = ()) -> float:
        """One message to every user and channel, then a quiet window; returns the seconds it took."""
        started = time.monotonic()
        at = now() + timedelta(seconds=2)
        rows = [Row(f"warm-dm-{u}", at, user_id=u) for u in user_ids]
        rows += [Row(f"warm-ch-{c}", at, channel_id=c) for c in channel_ids]
        _, done = await self.queue_and_wait(rows, within=len(rows) / 20 + 60)
        if not done:
            raise RuntimeError("warm-up messages were not all delivered")
        await asyncio.sleep(WINDOW_SECONDS)
        return time.monotonic() - started

    def requests_between(self, start: float, end: float) -> list[RecordedRequest]:
        """Proactive POSTs the fake received in [start, end] (unix seconds)."""
        return [
            r for r in self.fake.requests
            if r.method == "POST" and r.route in PROACTIVE_ROUTES and start <= r.at <= end
        ]


def busiest_second(times: list[float]) -> int:
    """The most requests in any 1 s window."""
    ordered, best, first = sorted(times), 0, 0
    for last, at in enumerate(ordered):
        while ordered[first] <= at - 1.0:
            first += 1
        best = max(best, last - first + 1)
    return best


def busiest_window(times: list[float], seconds: float) -> int:
    """The most events in any window of `seconds`."""
    ordered, best, first = sorted(times), 0, 0
    for last, at in enumerate(ordered):
        while ordered[first] <= at - seconds:
            first += 1
        best = max(best, last - first + 1)
    return best
