"""The engine's edge cases: what happens while a message is in flight, after downtime, and on Discord's odd answers."""

import asyncio
import sqlite3
from datetime import timedelta

import pytest

from podium.clock import from_ms, to_ms
from podium.delivery.dispatcher import NONCE_TRUST, SWEEP_STALE_AFTER, Dispatcher
from podium.delivery.outbox import Outbox
from podium.delivery.pacing import ChannelBusy, Pacer
from podium.delivery.transport import (
    RateLimitedError,
    RefusedError,
    TransientError,
    UnauthorizedError,
)
from podium.people import People
from podium.talks import Actor, TalkService, default_hooks
from tests import factories
from tests.doubles import ScriptedTransport
from tests.podium.delivering import ANNOUNCE, GUILD, SPEAKER, add_guild, add_talk, queue, run_due, stored


@pytest.fixture
def transport(clock):
    return ScriptedTransport(clock)


@pytest.fixture
def outbox(db):
    return Outbox(db)


class Monotonic:
    """The dispatcher's monotonic clock, moved by the test (the wall clock is `clock`, moved separately)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def mono():
    return Monotonic()


@pytest.fixture
def dispatcher(db, clock, transport, outbox, mono):
    return Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000), retry_base_seconds=10,
                      monotonic=mono)


@pytest.fixture
def talks(db, clock, outbox):
    return TalkService(db, outbox, clock, default_hooks(outbox))


async def speaker_talk(talks, clock, hours=2.0):
    """A talk by SPEAKER with the default reminders (24 h and 1 h before, by DM)."""
    return await talks.add(
        guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust", starts_at=clock.now() + timedelta(
            hours=hours)
    )


async def reminder_rows(db, talk_id):
    return await db.fetchall(
        "SELECT id, state, due_at_ms, last_error FROM outbox WHERE talk_id = ? AND kind = 'talk_reminder'"
        " ORDER BY due_at_ms",
        (talk_id,),
    )


# -- a talk moved while its reminder is in flight ------------------------------------------------------------


async def test_reminder_in_flight_when_its_talk_moves_is_not_sent(dispatcher, talks, clock, transport, db):
    talk = await speaker_talk(talks, clock, hours=0.5)  # the default offsets (24 h, 1 h) are already past
    # A 5-minute reminder, as the issue reproduced it.
    await queue(dispatcher, clock, "t5", kind="talk_reminder", talk_id=talk.id, payload={"offset_s": 300},
                talk_start=talk.starts_at, due_at=talk.starts_at - timedelta(minutes=5))
    clock.set(talk.starts_at - timedelta(minutes=5))
    [row] = await dispatcher.outbox.claim_due(clock.now(), 10)  # now 'sending'
    await talks.reschedule(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id,
                           starts_at=talk.starts_at + timedelta(hours=2))
    outcome = await dispatcher.deliver(row)
    assert outcome.state == "cancelled"
    assert "moved" in outcome.reason
    assert not [c for c in transport.posts() if "Reminder" in c[2]["content"]]


async def test_reminder_retried_after_its_talk_moved_is_not_sent(dispatcher, talks, clock, transport, db):
    """The issue's reproduction: moved while the reminder is in flight; that send fails (503) and is retried."""
    talk = await speaker_talk(talks, clock, hours=0.5)
    row_id = await queue(dispatcher, clock, "t5", kind="talk_reminder", talk_id=talk.id, payload={"offset_s": 300},
                         talk_start=talk.starts_at)
    original = transport.post_message

    async def moved_meanwhile_then_503(channel_id, body):
        await talks.reschedule(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id,
                               starts_at=talk.starts_at + timedelta(hours=2))
        transport.post_message = original
        raise TransientError("503", status=503)

    transport.post_message = moved_meanwhile_then_503
    rows = await dispatcher.outbox.claim_due(clock.now(), 10)
    [first] = [await dispatcher.deliver(r) for r in rows if r.id == row_id]
    assert first.state == "retry"  # the re-plan could not cancel a row in flight
    clock.advance(60)
    outcomes = await run_due(dispatcher, clock)
    assert [(o.row_id, o.state) for o in outcomes if o.row_id == row_id] == [(row_id, "cancelled")]
    assert not [c for c in transport.posts() if "Reminder" in c[2]["content"]]


# Moves, cancellations and forget-me during a pacer wait and during a 429 wait, through the real transport:
# tests/cogs/test_last_look.py.


# -- forget-me while a message is in flight ------------------------------------------------------------------


async def test_forget_me_during_a_delivery_drops_it_and_writes_nothing_about_the_user(
    dispatcher, clock, transport, db, outbox, monkeypatch
):
    people = People(db, outbox, clock)
    await queue(dispatcher, clock, "p1")
    [row] = await outbox.claim_due(clock.now(), 10)
    original = transport.open_dm

    async def open_dm_while_forgotten(user_id):
        channel = await original(user_id)
        await people.forget(SPEAKER)  # the person runs /opt-out forget-me now
        return channel

    monkeypatch.setattr(transport, "open_dm", open_dm_while_forgotten)
    outcome = await dispatcher.deliver(row)
    assert outcome.state == "cancelled"
    assert transport.posts() == []
    assert await db.fetchone("SELECT * FROM users WHERE user_id = ?", (SPEAKER,)) is None
    assert await db.fetchone("SELECT * FROM outbox WHERE user_id = ?", (SPEAKER,)) is None


async def test_prefetch_after_forget_me_does_not_recreate_the_user(dispatcher, clock, transport, db, outbox):
    people = People(db, outbox, clock)
    await queue(dispatcher, clock, "p1", due_at=clock.now() + timedelta(seconds=30))
    original = transport.open_dm

    async def open_dm_while_forgotten(user_id):
        channel = await original(user_id)
        await people.forget(SPEAKER)
        return channel

    transport.open_dm = open_dm_while_forgotten
    await dispatcher.prefetch_dm_channels()
    assert await db.fetchone("SELECT * FROM users WHERE user_id = ?", (SPEAKER,)) is None


# -- one thread per talk ---------------------------------------------------------------------------------------


async def test_two_deliveries_of_one_talk_create_one_thread(dispatcher, clock, transport, db):
    await add_guild(db)
    talk_id = await add_talk(db, clock)
    for key in ("a", "b"):
        await queue(dispatcher, clock, key, kind="talk_reminder", talk_id=talk_id, payload={}, target_type="thread",
                    due_at=clock.now() - timedelta(seconds=1 if key == "a" else 0))
    # Let two "other" talk-bound rows not supersede each other: they are the same due instant pair... use
    # personal thread messages instead of reminders to keep both sendable.
    async with db.transaction() as tx:
        await tx.execute("UPDATE outbox SET kind = 'reschedule_notice', payload = ?",
                         ('{"topic":"x","old_start_ms":0,"new_start_ms":1}',))
    rows = await dispatcher.outbox.claim_due(clock.now(), 10)
    outcomes = await asyncio.gather(*(dispatcher.deliver(r) for r in rows))
    assert [o.state for o in outcomes] == ["sent", "sent"]
    assert len([c for c in transport.calls if c[0] == "create_thread"]) == 1
    assert len({o.channel_id for o in outcomes}) == 1


async def test_deliveries_of_one_talk_after_a_failed_first_attempt_create_one_thread(dispatcher, clock, transport, db):
    """A fails inside the lock while B waits; C arrives while B creates: C must wait for B, not make a second."""
    await add_guild(db)
    talk_id = await add_talk(db, clock)
    for key in ("a", "b", "c"):
        await queue(dispatcher, clock, key, kind="reschedule_notice", talk_id=talk_id, target_type="thread",
                    payload={"topic": "x", "old_start_ms": 0, "new_start_ms": 1})
    rows = {r.dedupe_key: r for r in await dispatcher.outbox.claim_due(clock.now(), 10)}
    assert sorted(rows) == ["a", "b", "c"]

    entered = {key: asyncio.Event() for key in rows}
    inside = [asyncio.Event(), asyncio.Event()]  # the first two create_thread calls have begun
    go = [asyncio.Event(), asyncio.Event()]
    made = []
    original_create, original_talk_thread = transport.create_thread, dispatcher._talk_thread
    task_key: dict[asyncio.Task, str] = {}

    async def gated_create(channel_id, name):
        n = len([c for c in transport.calls if c[0] == "create_thread"])
        if n < 2:
            inside[n].set()
            await go[n].wait()
            if n == 0:
                transport.calls.append(("create_thread", channel_id, name))
                raise TransientError("503", status=503)  # the first attempt fails inside the lock
        thread_id = await original_create(channel_id, name)
        made.append(thread_id)
        return thread_id

    async def spy_talk_thread(talk, parent, guild_id):
        # Set before the call: the call's first step (up to the lock's wait) runs before the test resumes.
        entered[task_key[asyncio.current_task()]].set()
        return await original_talk_thread(talk, parent, guild_id)

    transport.create_thread = gated_create
    dispatcher._talk_thread = spy_talk_thread

    def start(key):
        task = asyncio.create_task(dispatcher.deliver(rows[key]))
        task_key[task] = key
        return task

    a = start("a")
    await inside[0].wait()  # A holds the talk's lock, inside create_thread
    b = start("b")
    await entered["b"].wait()  # B waits for the lock
    go[0].set()
    first = await a
    assert first.state != "sent"
    await inside[1].wait()  # B holds the lock now, inside create_thread
    c = start("c")
    await entered["c"].wait()  # C: waiting for the lock (or, on the old pattern, already beside B)
    go[1].set()
    outcomes = await asyncio.gather(b, c)
    assert [o.state for o in outcomes] == ["sent", "sent"]
    assert len(made) == 1, f"threads made: {made}"
    assert {o.channel_id for o in outcomes} == {made[0]}
    assert (await db.fetchone("SELECT thread_id FROM talks WHERE id = ?", (talk_id,)))["thread_id"] == made[0]


async def test_a_thread_left_by_a_crash_is_found_and_reused(dispatcher, clock, transport, db):
    await add_guild(db)
    talk_id = await add_talk(db, clock)
    transport.orphan_threads[(ANNOUNCE, f"Talk {talk_id}: @everyone rust")] = 777
    await queue(dispatcher, clock, kind="talk_reminder", talk_id=talk_id, payload={}, target_type="thread")
    [outcome] = await run_due(dispatcher, clock)
    assert (outcome.state, outcome.channel_id) == ("sent", 777)
    assert not [c for c in transport.calls if c[0] == "create_thread"]
    assert (await db.fetchone("SELECT thread_id FROM talks WHERE id = ?", (talk_id,)))["thread_id"] == 777


# -- rows stuck in 'sending' ---------------------------------------------------------------------------------


async def test_sweep_returns_rows_whose_delivery_bookkeeping_failed(dispatcher, clock, transport, db, outbox):
    row_id = await queue(dispatcher, clock)
    await outbox.claim_due(clock.now(), 10)  # claimed, then its task died without marking anything
    assert await dispatcher.sweep_stale() == 0  # too recent: may still be working
    clock.advance(SWEEP_STALE_AFTER + timedelta(seconds=1))
    assert await dispatcher.sweep_stale() == 1
    row = await stored(db, row_id)
    assert (row["state"], row["maybe_sent"]) == ("pending", 1)
    [outcome] = await run_due(dispatcher, clock)
    assert outcome.state == "sent"


async def test_sweep_leaves_rows_a_live_delivery_is_working_on(dispatcher, clock, transport, db):
    row_id = await queue(dispatcher, clock)
    gate = asyncio.Event()
    original = transport.open_dm

    async def slow_open_dm(user_id):
        await gate.wait()
        return await original(user_id)

    transport.open_dm = slow_open_dm
    assert await dispatcher.dispatch_due() == 1
    await asyncio.sleep(0)
    clock.advance(SWEEP_STALE_AFTER + timedelta(seconds=1))
    assert await dispatcher.sweep_stale() == 0
    gate.set()
    await asyncio.gather(*dispatcher.in_flight)
    assert (await stored(db, row_id))["state"] == "sent"


# -- resends past Discord's nonce window -----------------------------------------------------------------------


async def test_a_resend_past_the_nonce_window_finds_the_earlier_message(dispatcher, clock, transport, db, mono):
    row_id = await queue(dispatcher, clock)
    # The first attempt posted, but the answer was lost (502): Discord has the message, we do not know.
    original = transport.post_message

    async def post_then_lose_the_answer(channel_id, body):
        await original(channel_id, body)
        raise TransientError("502 Bad Gateway", status=502, maybe_sent=True)

    transport.post_message = post_then_lose_the_answer
    [first] = await run_due(dispatcher, clock)
    assert first.state == "retry"
    assert (await stored(db, row_id))["maybe_sent"] == 1
    transport.post_message = original
    clock.advance(NONCE_TRUST + timedelta(minutes=5))
    mono.now += (NONCE_TRUST + timedelta(minutes=5)).total_seconds()
    [second] = await run_due(dispatcher, clock)
    assert second.state == "sent"
    assert len(transport.posts()) == 1  # only the first attempt's
    assert (await stored(db, row_id))["message_id"] == transport.history[5000 + SPEAKER][0].id


async def test_a_failure_after_the_post_returned_keeps_maybe_sent(dispatcher, clock, transport, db, monkeypatch,
                                                                   mono):
    row_id = await queue(dispatcher, clock)
    original = dispatcher.outbox.mark_sent

    async def locked_once(*args, **kwargs):
        monkeypatch.setattr(dispatcher.outbox, "mark_sent", original)
        raise sqlite3.OperationalError("database is locked")

    # Discord took the message; recording it failed. The retry must not post blind.
    monkeypatch.setattr(dispatcher.outbox, "mark_sent", locked_once)
    [first] = await run_due(dispatcher, clock)
    assert first.state == "retry"
    assert len(transport.posts()) == 1
    assert (await stored(db, row_id))["maybe_sent"] == 1
    clock.advance(NONCE_TRUST + timedelta(minutes=5))
    mono.now += (NONCE_TRUST + timedelta(minutes=5)).total_seconds()
    [second] = await run_due(dispatcher, clock)
    assert second.state == "sent"
    assert len(transport.posts()) == 1  # found in the channel, not posted again


async def test_a_resend_inside_the_nonce_window_relies_on_the_nonce(dispatcher, clock, transport, db):
    await queue(dispatcher, clock)
    transport.fail("post", 5000 + SPEAKER, TransientError("504", status=504, maybe_sent=True))
    await run_due(dispatcher, clock)
    clock.advance(20)
    [second] = await run_due(dispatcher, clock)
    assert second.state == "sent"
    assert not [c for c in transport.calls if c[0] == "history"]


async def test_a_resend_after_a_crash_looks_first_when_it_is_late(dispatcher, clock, transport, db, outbox):
    row_id = await queue(dispatcher, clock)
    await outbox.claim_due(clock.now(), 10)
    await transport.open_dm(SPEAKER)
    await factories.add_user(db, SPEAKER, dm_channel_id=5000 + SPEAKER)
    # Crashed right after Discord took it: the message exists, the row is still 'sending'.
    posted = transport.add_history(5000 + SPEAKER, "🔔 You asked me to remind you: **stretch**")
    clock.advance(timedelta(hours=1))
    assert await outbox.recover_in_flight(clock.now()) == 1
    [outcome] = await run_due(dispatcher, clock)
    assert (outcome.state, outcome.message_id) == ("sent", posted.id)
    assert transport.posts() == []
    assert (await stored(db, row_id))["message_id"] == posted.id


def post_then_lose_the_answer(transport):
    """The POST reaches Discord, but its answer is lost (502): the message exists, the dispatcher does not know."""
    original = transport.post_message

    async def post(channel_id, body):
        await original(channel_id, body)
        raise TransientError("502 Bad Gateway", status=502, maybe_sent=True)

    transport.post_message = post
    return original


async def test_a_wall_clock_stepped_back_does_not_stretch_the_nonce_window(dispatcher, clock, transport, db, mono):
    """10 minutes passed (monotonic), the wall clock says 15 s: Discord's nonce has expired; look first."""
    row_id = await queue(dispatcher, clock)
    original = post_then_lose_the_answer(transport)
    [first] = await run_due(dispatcher, clock)
    assert first.state == "retry"
    transport.post_message = original
    mono.now += 615
    clock.advance(15)  # stepped back by 600 s on the way: the retry (due after 10 s ± 20 %) comes 615 s later
    [second] = await run_due(dispatcher, clock)
    assert second.state == "sent"
    assert len(transport.posts()) == 1  # not posted twice
    assert (await stored(db, row_id))["message_id"] == transport.history[5000 + SPEAKER][0].id


async def test_a_wall_clock_stepped_forward_still_trusts_the_nonce(dispatcher, clock, transport, db, mono):
    """20 s passed (monotonic), the wall clock says an hour: the nonce still covers it; no history read."""
    await queue(dispatcher, clock)
    transport.fail("post", 5000 + SPEAKER, TransientError("504", status=504, maybe_sent=True))
    await run_due(dispatcher, clock)
    mono.now += 20
    clock.advance(timedelta(hours=1))
    [second] = await run_due(dispatcher, clock)
    assert second.state == "sent"
    assert not [c for c in transport.calls if c[0] == "history"]


async def test_a_first_attempt_of_an_earlier_process_is_not_trusted_to_the_nonce(clock, transport, db, outbox, mono):
    """The wall clock says 15 s since the first attempt, but it was another process: how long ago is unknown."""
    before = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000), monotonic=mono)
    row_id = await queue(before, clock)
    original = post_then_lose_the_answer(transport)
    await run_due(before, clock)
    transport.post_message = original
    after_restart = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000), monotonic=mono)
    clock.advance(15)
    [outcome] = await run_due(after_restart, clock)
    assert outcome.state == "sent"
    assert len(transport.posts()) == 1
    assert (await stored(db, row_id))["message_id"] == transport.history[5000 + SPEAKER][0].id


async def crashed_mid_send(dispatcher, clock, transport, db, outbox, *, before, after):
    """A row whose post is message number `before` + 1 after its first attempt in a busy channel, then a crash."""
    row_id = await queue(dispatcher, clock)
    await factories.add_user(db, SPEAKER, dm_channel_id=5000 + SPEAKER)
    await outbox.claim_due(clock.now(), 10)
    start = clock.now()
    channel = 5000 + SPEAKER
    transport.add_history(channel, "older, someone else's", own=False, at=start - timedelta(minutes=5))
    for i in range(before):
        transport.add_history(channel, f"chat {i}", own=False, at=start + timedelta(seconds=1 + i))
    posted = transport.add_history(channel, "🔔 You asked me to remind you: **stretch**",
                                   at=start + timedelta(seconds=1 + before))
    for i in range(after):
        transport.add_history(channel, f"more chat {i}", own=False, at=start + timedelta(seconds=2 + before + i))
    clock.advance(timedelta(hours=1))
    assert await outbox.recover_in_flight(clock.now()) == 1
    return row_id, posted


@pytest.mark.parametrize(("before", "after"), [(149, 300), (979, 20)])
async def test_the_history_check_finds_the_post_in_a_busy_channel(dispatcher, clock, transport, db, outbox,
                                                                    before, after):
    """The post is the 150th message after the first attempt (or the 980th of 1,000): found, not sent again."""
    _, posted = await crashed_mid_send(dispatcher, clock, transport, db, outbox, before=before, after=after)
    [outcome] = await run_due(dispatcher, clock)
    assert (outcome.state, outcome.message_id) == ("sent", posted.id)
    assert transport.posts() == []
    history = [c[2] for c in transport.calls if c[0] == "history"]
    assert len(history) <= 6 and all(len(anchors) <= 1 for anchors in history), history


async def test_the_history_check_is_bounded(dispatcher, clock, transport, db, outbox):
    """5,000 messages since the first attempt and the post is not among the ends read: 6 pages, then it is sent."""
    await crashed_mid_send(dispatcher, clock, transport, db, outbox, before=2500, after=2500)
    [outcome] = await run_due(dispatcher, clock)
    assert outcome.state == "sent"
    assert len([c for c in transport.calls if c[0] == "history"]) == 6
    assert len(transport.posts()) == 1


async def test_recovery_leaves_this_process_s_own_deliveries_alone(dispatcher, clock, transport, db):
    """recover() after a pass started (a trigger before the loop's recovery): the rows in flight stay 'sending'."""
    row_id = await queue(dispatcher, clock)
    gate = asyncio.Event()
    original = transport.open_dm

    async def held(user_id):
        await gate.wait()
        return await original(user_id)

    transport.open_dm = held
    assert await dispatcher.dispatch_due() == 1
    assert await dispatcher.recover() == 0
    assert (await stored(db, row_id))["state"] == "sending"
    gate.set()
    await asyncio.gather(*dispatcher.in_flight)
    assert (await stored(db, row_id))["state"] == "sent"
    assert await dispatcher.dispatch_due() == 0  # not queued again: sent once


# -- Discord's answers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [50083, 160005, 160006])
async def test_archived_locked_or_full_threads_move_on_to_the_channel(dispatcher, clock, transport, db, code):
    await add_guild(db)
    talk_id = await add_talk(db, clock)
    async with db.transaction() as tx:
        await tx.execute("UPDATE talks SET thread_id = 4242 WHERE id = ?", (talk_id,))
    error = RefusedError(f"400 (code {code})", status=400, code=code)
    transport.fail("post", 4242, error)
    await queue(dispatcher, clock, kind="talk_reminder", talk_id=talk_id, payload={}, target_type="thread")
    [outcome] = await run_due(dispatcher, clock)
    assert (outcome.state, outcome.via, outcome.channel_id) == ("sent", "channel", ANNOUNCE)


async def test_a_401_pauses_delivery_instead_of_failing_rows(dispatcher, clock, transport, db, caplog):
    first = await queue(dispatcher, clock, "a")
    second = await queue(dispatcher, clock, "b")
    transport.fail("open_dm", SPEAKER, UnauthorizedError("401: Unauthorized", status=401))
    rows = await dispatcher.outbox.claim_due(clock.now(), 1)
    [outcome] = [await dispatcher.deliver(r) for r in rows]
    assert outcome.state == "deferred"
    assert dispatcher.paused
    assert "401" in (dispatcher.pause_reason or "")
    assert any(r.levelname == "CRITICAL" and "DISCORD_TOKEN" in r.message for r in caplog.records)
    assert await dispatcher.dispatch_due() == 0  # nothing is tried while paused
    for row_id in (first, second):
        row = await stored(db, row_id)
        assert (row["state"], row["attempts"]) == ("pending", 0)


async def test_a_full_channel_defers_the_row_without_using_an_attempt(db, clock, outbox):
    class BusyTransport(ScriptedTransport):
        async def post_message(self, channel_id, body):
            raise ChannelBusy(channel_id, 4.0)

    dispatcher = Dispatcher(db, outbox, BusyTransport(), clock, pacer=Pacer(1000))
    row_id = await queue(dispatcher, clock)
    [outcome] = await run_due(dispatcher, clock)
    assert outcome.state == "deferred"
    row = await stored(db, row_id)
    assert (row["state"], row["attempts"]) == ("pending", 0)
    assert row["next_attempt_at_ms"] == to_ms(clock.now() + timedelta(seconds=4))


async def test_a_429_beyond_patience_defers_without_using_an_attempt(dispatcher, clock, transport, db):
    row_id = await queue(dispatcher, clock)
    transport.fail("open_dm", SPEAKER, RateLimitedError("429", retry_after=45.0, scope="user"))
    [outcome] = await run_due(dispatcher, clock)
    assert outcome.state == "deferred"
    row = await stored(db, row_id)
    assert (row["state"], row["attempts"]) == ("pending", 0)
    assert from_ms(row["next_attempt_at_ms"]) == clock.now() + timedelta(seconds=45)


# -- after downtime -------------------------------------------------------------------------------------------


async def test_after_downtime_only_the_latest_due_reminder_of_a_talk_is_sent(dispatcher, talks, clock, transport, db):
    talk = await speaker_talk(talks, clock, hours=30)  # reminders at -24 h and -1 h
    clock.set(talk.starts_at - timedelta(minutes=30))  # the bot was down through both
    outcomes = await run_due(dispatcher, clock)
    states = sorted((o.state, o.reason or "") for o in outcomes)
    assert [s for s, _ in states] == ["cancelled", "sent"]
    assert "superseded" in states[0][1]
    [post] = transport.posts()
    assert "Reminder" in post[2]["content"]


# -- personal reminders never reach a channel the member could not post in (issue 12) -------------------------


@pytest.mark.parametrize("could_post", [True, False])
async def test_a_personal_reminder_falls_back_only_to_a_channel_the_member_could_post_in(
    dispatcher, clock, transport, db, could_post
):
    await add_guild(db)  # the guild has an announcement channel: a personal reminder must never go there
    people = People(db, dispatcher.outbox, clock)
    reminder = await people.add_personal_reminder(
        user_id=SPEAKER, guild_id=GUILD, channel_id=777, when=clock.now() + timedelta(minutes=1), text="@here buy",
        can_post_there=could_post,
    )
    transport.fail("post", 5000 + SPEAKER, RefusedError("403 (code 50007)", status=403, code=50007))
    clock.advance(120)
    [outcome] = await run_due(dispatcher, clock)
    if could_post:
        assert (outcome.state, outcome.channel_id) == ("sent", 777)
    else:
        assert outcome.state == "skipped"
        assert [c[1] for c in transport.posts()] == [5000 + SPEAKER]  # only the refused DM was tried
        [missed] = await people.undelivered_reminders(SPEAKER, since=clock.now() - timedelta(days=1))
        assert (missed.id, missed.state) == (reminder.id, "skipped")
    assert ANNOUNCE not in [c[1] for c in transport.posts()]


async def test_a_row_whose_content_keeps_changing_is_rebuilt_a_bounded_number_of_times(
    dispatcher, clock, transport, db, monkeypatch
):
    from dataclasses import replace

    from podium.delivery import kinds
    from podium.delivery.dispatcher import MAX_REBUILDS

    calls = 0

    async def ever_changing(db, row, now):  # e.g. a count that moves with every click
        nonlocal calls
        calls += 1
        return {"row_id": row.id, "tick": calls}

    spec = kinds.get("personal_reminder")
    monkeypatch.setitem(kinds._registry, "personal_reminder", replace(spec, prepare=ever_changing))
    await queue(dispatcher, clock)
    states = []
    for _ in range(MAX_REBUILDS + 1):
        [outcome] = await run_due(dispatcher, clock)
        states.append(outcome.state)
    assert states == ["deferred"] * MAX_REBUILDS + ["sent"]
    assert len(transport.posts()) == 1
