from datetime import timedelta

from podium.clock import to_ms
from podium.delivery.outbox import Outbox, OutboxMessage
from podium.housekeeping import KEEP_FINISHED_MESSAGES, tidy
from tests import factories


async def add_talk(db, clock, starts_in, minutes=30):
    return await factories.add_talk(db, starts_at=clock.now() + starts_in, duration_minutes=minutes)


async def test_talks_that_are_over_become_done(db, clock):
    over = await add_talk(db, clock, -timedelta(minutes=31))
    running = await add_talk(db, clock, -timedelta(minutes=10))
    future = await add_talk(db, clock, timedelta(hours=1))
    assert await tidy(db, Outbox(db), clock.now()) == (1, 0)
    states = {r["id"]: r["state"] for r in await db.fetchall("SELECT id, state FROM talks")}
    assert states == {over: "done", running: "scheduled", future: "scheduled"}


async def test_only_old_finished_messages_are_pruned(db, clock):
    outbox = Outbox(db)
    for key in ("old-sent", "old-pending", "new-sent"):
        async with db.transaction() as tx:
            await outbox.enqueue(
                tx,
                OutboxMessage(
                    kind="test",
                    dedupe_key=key,
                    due_at=clock.now(),
                    target_type="channel",
                    channel_id=5,
                    payload={"text": "x"},
                ),
                now=clock.now(),
            )
    for key in ("old-sent", "new-sent"):
        async with db.transaction() as tx:
            await tx.execute("UPDATE outbox SET state = 'sent' WHERE dedupe_key = ?", (key,))
    old = to_ms(clock.now() - KEEP_FINISHED_MESSAGES - timedelta(days=1))
    async with db.transaction() as tx:
        await tx.execute("UPDATE outbox SET updated_at_ms = ? WHERE dedupe_key LIKE 'old-%'", (old,))
    assert await tidy(db, outbox, clock.now()) == (0, 1)
    keys = {r["dedupe_key"] for r in await db.fetchall("SELECT dedupe_key FROM outbox")}
    assert keys == {"old-pending", "new-sent"}
