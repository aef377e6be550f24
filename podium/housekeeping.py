"""Hourly tidying that keeps one SQLite file small and truthful for months."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from db import Database
from podium.clock import to_ms
from podium.delivery.outbox import Outbox

log = logging.getLogger(__name__)

# Delivered (or given up) messages are kept this long for /schedule info, metrics and debugging.
KEEP_FINISHED_MESSAGES = timedelta(days=90)


async def tidy(db: Database, outbox: Outbox, now: datetime) -> tuple[int, int]:
    """Mark talks that are over as done and prune old finished messages; returns (talks, rows)."""
    async with db.transaction() as tx:
        # A sign-up still waiting for approval when its time passed never took place: it is not done (no feedback,
        # no archive entry); it stays undecided, and its review post's buttons answer that its time has passed.
        cursor = await tx.execute(
            "UPDATE talks SET state = 'done', updated_at_ms = ?"
            " WHERE state = 'scheduled' AND starts_at_ms + duration_minutes * 60000 <= ? AND approval = 'approved'",
            (to_ms(now), to_ms(now)),
        )
        done = cursor.rowcount
        pruned = await outbox.prune_finished(tx, before=now - KEEP_FINISHED_MESSAGES)
        # A forgotten member's hash goes once the talks it protected them from being re-added to are over.
        await tx.execute("DELETE FROM forgotten_members WHERE until_ms <= ?", (to_ms(now),))
    if done or pruned:
        log.info("housekeeping: %d talk(s) marked done, %d old message row(s) pruned", done, pruned)
    return done, pruned
