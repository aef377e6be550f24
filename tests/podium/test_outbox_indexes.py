"""Issue 19 §7: the failure report's previous-outcome lookup and the DM prefetch read an index, not the outbox."""

from datetime import timedelta

import pytest

from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox, OutboxMessage, OutboxRow
from podium.delivery.pacing import Pacer
from tests import factories
from tests.doubles import ScriptedTransport

GUILD, LOG_CHANNEL = factories.GUILD, 990


@pytest.fixture
def outbox(db):
    return Outbox(db)


@pytest.fixture
def transport():
    return ScriptedTransport()


@pytest.fixture
def dispatcher(db, outbox, transport, clock):
    return Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000))


async def plan_of(db, sql, params):
    return [r["detail"] for r in await db.fetchall("EXPLAIN QUERY PLAN " + sql, params)]


def scans_the_outbox(plan):
    """A full pass over the outbox table (or one of its indexes) rather than a search in an index."""
    return [step for step in plan if step.startswith("SCAN") and ("outbox" in step or step.split()[1] == "o")]


class RecordingTransaction:
    """The transaction `_report_failure` is given, recording the queries it reads with."""

    def __init__(self, tx):
        self.tx, self.queries = tx, []

    async def fetchone(self, sql, params=()):
        self.queries.append((sql, params))
        return await self.tx.fetchone(sql, params)

    def __getattr__(self, name):
        return getattr(self.tx, name)


async def test_the_previous_outcome_of_a_failure_is_one_search_of_an_index(db, outbox, dispatcher, clock):
    await factories.add_guild(db, GUILD, log_channel_id=LOG_CHANNEL)
    async with db.transaction() as tx:
        for i in range(30):  # sent and failed rows of the guild and kind, to several people
            message = OutboxMessage(kind="personal_reminder", dedupe_key=f"r{i}", due_at=clock.now(),
                                    target_type="dm", guild_id=GUILD, user_id=100 + i % 3)
            await outbox.enqueue(tx, message, now=clock.now())
        await tx.execute("UPDATE outbox SET state = CASE WHEN id % 2 THEN 'sent' ELSE 'failed' END")
    failing = OutboxRow.from_db(await db.fetchrow("SELECT * FROM outbox ORDER BY id DESC LIMIT 1"))
    async with db.transaction() as tx:
        recording = RecordingTransaction(tx)
        await dispatcher._report_failure(recording, failing, "gone", clock.now())
    [(sql, params)] = [(s, p) for s, p in recording.queries if "FROM outbox" in s]
    plan = await plan_of(db, sql, params)
    assert any("USING INDEX outbox_last_outcome" in step or "USING COVERING INDEX outbox_last_outcome" in step
               for step in plan), plan
    assert not scans_the_outbox(plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan  # newest first straight from the index


async def test_the_prefetch_reads_only_the_next_due_dms_from_an_index(db, outbox, dispatcher, transport, clock):
    async with db.transaction() as tx:
        for i in range(5):
            await outbox.enqueue(tx, OutboxMessage(kind="personal_reminder", dedupe_key=f"d{i}",
                                                   due_at=clock.now() + timedelta(seconds=10 + i), target_type="dm",
                                                   user_id=200 + i), now=clock.now())
    queries = []
    real = db.fetchall

    async def recording(sql, params=()):
        queries.append((sql, params))
        return await real(sql, params)

    db.fetchall = recording
    assert await dispatcher.prefetch_dm_channels() == 5  # every cold DM channel still opened ahead of time
    db.fetchall = real
    sql, params = next((s, p) for s, p in queries if "FROM outbox" in s)
    plan = await plan_of(db, sql, params)
    assert any("outbox_due_dm" in step for step in plan), plan
    assert not scans_the_outbox(plan), plan
