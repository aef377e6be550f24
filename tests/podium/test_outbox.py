import json
from datetime import timedelta

import pytest

from podium.delivery.outbox import Outbox, OutboxMessage
from tests import factories


def message(key="k1", due=None, **overrides):
    fields = {
        "kind": "personal_reminder",
        "dedupe_key": key,
        "due_at": due,
        "target_type": "dm",
        "user_id": 42,
        "payload": {"text": "hi"},
    }
    fields.update(overrides)
    return OutboxMessage(**fields)


async def enqueue(outbox, msg, now):
    async with outbox.db.transaction() as tx:
        return await outbox.enqueue(tx, msg, now=now)


async def states(db):
    return {r["dedupe_key"]: r["state"] for r in await db.fetchall("SELECT dedupe_key, state FROM outbox")}


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"kind": "nope"}, "unknown outbox kind"),
        ({"target_type": "dm", "user_id": None}, "needs a user_id"),
        ({"target_type": "channel", "user_id": None}, "channel_id or a guild_id"),
        ({"dedupe_key": ""}, "dedupe_key"),
    ],
)
def test_invalid_messages_are_refused(clock, fields, problem):
    with pytest.raises(ValueError, match=problem):
        message(due=clock.now(), **fields)


async def test_row_is_claimed_only_once_due(db, clock):
    outbox = Outbox(db)
    await enqueue(outbox, message(due=clock.now() + timedelta(seconds=10)), clock.now())
    assert await outbox.claim_due(clock.now(), 10) == []
    assert await outbox.next_due() == clock.now() + timedelta(seconds=10)
    clock.advance(10)
    [row] = await outbox.claim_due(clock.now(), 10)
    assert (row.state, row.attempts, row.payload, row.nonce) == ("sending", 1, {"text": "hi"}, f"podium-{row.id}")
    assert len(row.nonce) <= 25
    assert await outbox.claim_due(clock.now(), 10) == []
    assert await outbox.next_due() is None


async def test_claim_takes_earliest_first_up_to_the_limit(db, clock):
    outbox = Outbox(db)
    for i in (3, 1, 2):
        await enqueue(outbox, message(key=f"k{i}", due=clock.now() - timedelta(seconds=i)), clock.now())
    rows = await outbox.claim_due(clock.now(), 2)
    assert [r.dedupe_key for r in rows] == ["k3", "k2"]


async def test_same_dedupe_key_replans_a_pending_row(db, clock):
    outbox = Outbox(db)
    first = await enqueue(outbox, message(due=clock.now() + timedelta(hours=1)), clock.now())
    second = await enqueue(outbox, message(due=clock.now() + timedelta(hours=2), payload={"text": "new"}), clock.now())
    assert first == second
    row = await db.fetchone("SELECT count(*) AS n, max(due_at_ms) AS due, max(payload) AS p FROM outbox")
    assert row["n"] == 1
    assert row["p"] == '{"text":"new"}'
    assert await outbox.next_due() == clock.now() + timedelta(hours=2)


async def test_same_dedupe_key_never_resends_a_sent_row(db, clock):
    outbox = Outbox(db)
    await enqueue(outbox, message(due=clock.now()), clock.now())
    [row] = await outbox.claim_due(clock.now(), 1)
    async with db.transaction() as tx:
        await outbox.mark_sent(tx, row.id, now=clock.now(), message_id=9, via="dm", channel_id=8)
    assert await enqueue(outbox, message(due=clock.now()), clock.now()) is None
    assert await states(db) == {"k1": "sent"}


async def test_wake_is_set_after_commit_only(db, clock):
    outbox = Outbox(db)
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await outbox.enqueue(tx, message(due=clock.now()), now=clock.now())
            assert not outbox.wake.is_set()
            raise RuntimeError("the change failed")
    assert not outbox.wake.is_set()
    assert await states(db) == {}
    await enqueue(outbox, message(due=clock.now()), clock.now())
    assert outbox.wake.is_set()


async def test_replace_for_talk_keeps_exactly_the_new_plan(db, clock):
    outbox = Outbox(db)
    start = clock.now() + timedelta(days=2)
    await factories.add_talk(db, id=1, starts_at=start)
    later = clock.now() + timedelta(days=1)
    reminder = {"kind": "talk_reminder", "talk_id": 1, "talk_start": start}
    old = [message(key=k, due=later, **reminder) for k in ("t1:24h", "t1:1h")]
    async with db.transaction() as tx:
        await outbox.replace_for_talk(tx, 1, ["talk_reminder"], old, now=clock.now())
        await outbox.enqueue(tx, message(key="t1:notice", due=later, kind="cancel_notice", talk_id=1), now=clock.now())
    new = [message(key=k, due=later, **reminder) for k in ("t1:1h", "t1:10m")]
    async with db.transaction() as tx:
        await outbox.replace_for_talk(tx, 1, ["talk_reminder"], new, now=clock.now())
    assert await states(db) == {"t1:24h": "cancelled", "t1:1h": "pending", "t1:10m": "pending", "t1:notice": "pending"}
    # Planning the old offset again brings its row back.
    async with db.transaction() as tx:
        await outbox.replace_for_talk(tx, 1, ["talk_reminder"], old, now=clock.now())
    assert (await states(db))["t1:24h"] == "pending"
    assert (await states(db))["t1:10m"] == "cancelled"


async def test_cancel_pending_by_user_and_kind(db, clock):
    outbox = Outbox(db)
    await enqueue(outbox, message(key="a", due=clock.now()), clock.now())
    await enqueue(
        outbox, message(key="b", due=clock.now(), kind="log", target_type="channel", channel_id=5), clock.now()
    )
    await enqueue(outbox, message(key="c", due=clock.now(), user_id=7), clock.now())
    async with db.transaction() as tx:
        n = await outbox.cancel_pending(
            tx, now=clock.now(), reason="forget me", user_id=42, kinds=["personal_reminder"]
        )
    assert n == 1
    assert await states(db) == {"a": "cancelled", "b": "pending", "c": "pending"}
    with pytest.raises(ValueError, match="talk_id, a user_id or a guild_id"):
        async with db.transaction() as tx:
            await outbox.cancel_pending(tx, now=clock.now(), reason="x")


async def test_recover_puts_half_sent_rows_back(db, clock):
    outbox = Outbox(db)
    await enqueue(outbox, message(due=clock.now()), clock.now())
    await outbox.claim_due(clock.now(), 1)
    clock.advance(60)
    assert await outbox.recover_in_flight(clock.now()) == 1
    [row] = await outbox.claim_due(clock.now(), 1)
    assert row.attempts == 2


async def test_retry_and_final_transitions(db, clock):
    outbox = Outbox(db)
    await enqueue(outbox, message(due=clock.now()), clock.now())
    [row] = await outbox.claim_due(clock.now(), 1)
    async with db.transaction() as tx:
        await outbox.mark_retry(tx, row.id, now=clock.now(), retry_at=clock.now() + timedelta(seconds=30), error="503")
    assert await outbox.claim_due(clock.now(), 1) == []
    clock.advance(30)
    [row] = await outbox.claim_due(clock.now(), 1)
    async with db.transaction() as tx:
        await outbox.mark_final(tx, row.id, "failed", now=clock.now(), reason="gone")
        with pytest.raises(ValueError, match="not a final state"):
            await outbox.mark_final(tx, row.id, "sent", now=clock.now(), reason="x")
    stored = await db.fetchone("SELECT state, attempts, last_error FROM outbox")
    assert dict(stored) == {"state": "failed", "attempts": 2, "last_error": "gone"}
    assert await outbox.counts_by_state() == {"failed": 1}


async def test_finding_due_rows_uses_the_partial_index(db):
    plan = await db.fetchall(
        "EXPLAIN QUERY PLAN SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at_ms <= 5"
        " ORDER BY next_attempt_at_ms LIMIT 50"
    )
    assert any("USING INDEX outbox_due" in r["detail"] for r in plan), [r["detail"] for r in plan]


async def test_claim_takes_one_message_per_target_per_round(db, clock):
    """A burst to one channel, queued first, does not go ahead of DMs due at the same instant."""
    from datetime import timedelta

    from podium.delivery.outbox import OutboxMessage

    outbox = Outbox(db)
    due = clock.now() - timedelta(seconds=1)
    async with db.transaction() as tx:
        for i in range(6):
            await outbox.enqueue(tx, OutboxMessage(kind="test", dedupe_key=f"ch-{i}", due_at=due,
                                                   target_type="channel", channel_id=77, payload={"text": "x"}),
                                 now=clock.now())
        for user in (1, 2, 3):
            await outbox.enqueue(tx, OutboxMessage(kind="personal_reminder", dedupe_key=f"dm-{user}", due_at=due,
                                                   target_type="dm", user_id=user, payload={"text": "x"}),
                                 now=clock.now())
    rows = await outbox.claim_due(clock.now(), 5)
    assert [(r.target_type, r.channel_id or r.user_id) for r in rows] == [
        ("channel", 77), ("dm", 1), ("dm", 2), ("dm", 3), ("channel", 77)
    ]
    rest = await outbox.claim_due(clock.now(), 10)
    assert [r.channel_id for r in rest] == [77] * 4


# -- PlanQuery: rows planned by a SELECT (issue 19 §6) ---------------------------------------------------------


def plan_of(rows, kind="personal_reminder"):
    """A PlanQuery whose SELECT yields these rows (dicts of PLAN_COLUMNS), from a JSON parameter."""
    from podium.delivery.outbox import PLAN_COLUMNS, PlanQuery

    columns = ", ".join(f"json_extract(value, '$.{c}') AS {c}" for c in PLAN_COLUMNS)
    return PlanQuery(kind=kind, sql=f"SELECT {columns} FROM json_each(:rows) ORDER BY key",
                     params={"rows": json.dumps(rows)})


def planned_row(key="q1", **overrides):
    row = {"guild_id": None, "target_type": "dm", "user_id": 42, "channel_id": None, "talk_id": None,
           "payload": '{"text":"hi"}', "due_at_ms": 1_800_000_000_000, "expires_at_ms": None, "dedupe_key": key,
           "talk_start_ms": None}
    return row | overrides


async def enqueue_plan(outbox, plan, now, **scope):
    async with outbox.db.transaction() as tx:
        return await outbox.enqueue_query(tx, plan, now=now, **scope)


@pytest.mark.parametrize(
    ("overrides", "kind"),
    [
        ({"user_id": None}, "personal_reminder"),                        # a DM needs a user_id
        ({"target_type": "channel", "user_id": None}, "personal_reminder"),  # a channel_id or a guild_id
        ({"target_type": "pigeon"}, "personal_reminder"),
        ({"dedupe_key": ""}, "personal_reminder"),
        ({"dedupe_key": "k" * 201}, "personal_reminder"),
        ({"payload": "[1]"}, "personal_reminder"),
        ({"payload": "{oops"}, "personal_reminder"),
        ({"due_at_ms": None}, "personal_reminder"),
        ({"talk_id": 7}, "attendee_reminder"),                           # talk-bound: needs its talk's start
        ({"talk_id": 7, "talk_start_ms": 1_800_000_900_000}, "attendee_reminder"),  # and its expiry
    ],
)
async def test_a_planned_row_is_validated_like_a_message(db, clock, overrides, kind):
    outbox = Outbox(db)
    good = planned_row("fine")
    with pytest.raises(ValueError, match="not a valid message"):
        await enqueue_plan(outbox, plan_of([good, planned_row(**overrides)], kind), clock.now())
    assert await states(db) == {}  # nothing of the plan was written


async def test_an_unknown_kind_of_plan_is_refused(db, clock):
    with pytest.raises(ValueError, match="unknown outbox kind"):
        await enqueue_plan(Outbox(db), plan_of([planned_row()], "nope"), clock.now())


async def test_a_plan_for_one_talk_and_person_may_hold_only_theirs(db, clock):
    outbox = Outbox(db)
    talk_id = await factories.add_talk(db)
    rows = [planned_row("mine", talk_id=talk_id), planned_row("other", talk_id=talk_id, user_id=43)]
    with pytest.raises(ValueError, match="'other'"):
        await enqueue_plan(outbox, plan_of(rows), clock.now(), talk_id=talk_id, user_id=42)
    with pytest.raises(ValueError, match="'mine'"):
        await enqueue_plan(outbox, plan_of(rows), clock.now(), talk_id=talk_id + 1)
    assert await enqueue_plan(outbox, plan_of(rows[:1]), clock.now(), talk_id=talk_id, user_id=42) == 1


async def test_a_plan_queues_like_enqueue_many_and_a_key_planned_again_is_the_same_row(db, clock):
    outbox = Outbox(db)
    rows = [planned_row("a"), planned_row("b", due_at_ms=1_800_000_060_000)]
    assert await enqueue_plan(outbox, plan_of(rows), clock.now()) == 2
    first = {r["dedupe_key"]: dict(r) for r in await db.fetchall("SELECT * FROM outbox")}
    assert first["a"]["next_attempt_at_ms"] == first["a"]["due_at_ms"] == 1_800_000_000_000
    assert first["a"]["created_at_ms"] == first["a"]["updated_at_ms"]
    by_message = OutboxMessage(kind="personal_reminder", dedupe_key="c", due_at=clock.now() + timedelta(hours=1),
                               target_type="dm", user_id=42, payload={"text": "hi"})
    await enqueue(outbox, by_message, clock.now())
    stored_c = await db.fetchone("SELECT payload FROM outbox WHERE dedupe_key = 'c'")
    assert stored_c["payload"] == first["a"]["payload"]  # same JSON either way
    # "a" was sent, "b" cancelled: planning both again re-sends nothing and brings "b" back as the same row.
    async with db.transaction() as tx:
        await tx.execute("UPDATE outbox SET state = 'sent' WHERE dedupe_key = 'a'")
        await tx.execute("UPDATE outbox SET state = 'cancelled' WHERE dedupe_key = 'b'")
    clock.advance(60)
    rows[1]["due_at_ms"] = 1_800_000_120_000
    assert await enqueue_plan(outbox, plan_of(rows), clock.now()) == 1
    again = {r["dedupe_key"]: dict(r) for r in await db.fetchall("SELECT * FROM outbox")}
    assert again["a"] == first["a"] | {"state": "sent"}
    assert again["b"]["id"] == first["b"]["id"]
    assert (again["b"]["state"], again["b"]["due_at_ms"]) == ("pending", 1_800_000_120_000)


async def test_dms_of_one_talk_are_claimed_by_recipient_not_grouped_by_talk(db, clock):
    """100 reminders of one talk go to 100 people: each is its own target, beside a channel's burst."""
    outbox = Outbox(db)
    await factories.add_guild(db, 100)
    talk = await factories.add_talk(db, guild_id=100, starts_at=clock.now() + timedelta(hours=1))
    due = clock.now() - timedelta(seconds=1)
    async with db.transaction() as tx:
        for i in range(5):
            await outbox.enqueue(tx, OutboxMessage(kind="test", dedupe_key=f"ch-{i}", due_at=due,
                                                   target_type="channel", channel_id=77, payload={"text": "x"}),
                                 now=clock.now())
        for user in range(1, 101):
            await outbox.enqueue(tx, OutboxMessage(kind="attendee_reminder", dedupe_key=f"dm-{user}", due_at=due,
                                                   target_type="dm", user_id=user, talk_id=talk, talk_start=due,
                                                   payload={"text": "x"}), now=clock.now())
    rows = await outbox.claim_due(clock.now(), 50)
    # One round: the channel's first post and one DM per recipient; the channel's other posts wait their turn.
    assert [r.channel_id for r in rows if r.target_type == "channel"] == [77]
    assert [r.user_id for r in rows if r.target_type == "dm"] == list(range(1, 50))


async def test_the_claim_reads_only_the_due_index(db):
    from podium.delivery.outbox import _CLAIM

    plan = [r["detail"] for r in await db.fetchall("EXPLAIN QUERY PLAN " + _CLAIM, (1, 1, 5, 500, 50))]
    assert any("USING INDEX outbox_due" in d for d in plan), plan
    assert not any(d.startswith("SCAN outbox") and "INDEX" not in d for d in plan), plan
