"""Forget-me forgets: after it, no cell of any table holds the member's id, except in the talks they give.

A member uses every feature (settings, opt-outs, personal reminders, a talk of their own, 🔔 Remind me on others'
talks and the thread that comes with it, a moderator's move of someone else's talk, a calendar feed, a failed
delivery reported in the log channel), Podium delivers what is due, then the member runs forget-me. Every column of
every table in the database (found from SQLite's own catalogue, so a new table is scanned too) is searched for
their id.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from db import Database
from podium import audience as audience_module
from podium import privacy, scheduled_events
from podium.audience import Audience
from podium.calendar_feed import Calendars
from podium.clock import ManualClock, to_ms
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox
from podium.delivery.pacing import Pacer
from podium.delivery.transport import GoneError, RefusedError, TransientError
from podium.feedback import Feedback
from podium.people import People
from podium.talks import Actor, TalkService, default_hooks
from tests import factories
from tests.doubles import ScriptedTransport

GUILD, ANNOUNCE, LOG_CHANNEL = factories.GUILD, 555, 556
MEMBER = 777_000_000_000_000_001  # a real-sized snowflake: its digits appear nowhere by chance
OTHER = 777_000_000_000_000_002
SPEAKER = 777_000_000_000_000_003


async def cells_holding(db: Database, user_id: int) -> list[tuple[str, str, object]]:
    """(table, column, row id or key) of every cell equal to the id or whose text contains it."""
    found = []
    tables = [r["name"] for r in await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    their_talks = {r["id"] for r in await db.fetchall("SELECT id FROM talks WHERE speaker_id = ?", (user_id,))}
    for table in tables:
        columns = [c["name"] for c in await db.fetchall(f"PRAGMA table_info({table})")]
        for row in await db.fetchall(f"SELECT * FROM {table}"):
            record = dict(zip(columns, tuple(row), strict=True))
            # The talks they give stay, and what is said about them (notices to their audience name the speaker).
            if table == "talks" and record["speaker_id"] == user_id:
                continue
            if table == "outbox" and record.get("talk_id") in their_talks and record.get("user_id") != user_id:
                continue
            for column, value in record.items():
                if value == user_id or (isinstance(value, str) and str(user_id) in value):
                    found.append((table, column, record.get("id", record.get("token", record.get("talk_id")))))
    return found


@pytest.fixture
def transport():
    return ScriptedTransport()


async def test_after_forget_me_no_table_holds_the_member_except_their_talks(db, clock, transport):
    outbox = Outbox(db)
    hooks = scheduled_events.subscribe(audience_module.subscribe(default_hooks(outbox), outbox), outbox)
    talks = TalkService(db, outbox, clock, hooks)
    calendars = Calendars(db, clock)
    people = People(db, outbox, clock, calendars=calendars)
    audience = Audience(db, outbox, clock)
    dispatcher = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000),
                            rng=random.Random(1))
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, log_channel_id=LOG_CHANNEL,
                              announce_new_talks=1)

    # Settings, opt-outs, a cached DM channel, a language.
    await people.set_timezone(MEMBER, "Europe/Berlin")
    await people.set_talk_reminders(MEMBER, (timedelta(hours=2), timedelta(minutes=10)), "dm")
    await people.set_opt_out(MEMBER, "notices", True)
    await people.remember_locale(MEMBER, "de")
    # Personal reminders: one due now (delivered below), one later.
    await people.add_personal_reminder(user_id=MEMBER, guild_id=GUILD, channel_id=ANNOUNCE,
                                       when=clock.now() + timedelta(seconds=1), text="stretch")
    await people.add_personal_reminder(user_id=MEMBER, guild_id=GUILD, channel_id=ANNOUNCE,
                                       when=clock.now() + timedelta(days=2), text="call mum")
    # A talk of their own (it stays), and someone else's talk they asked to be reminded of.
    own = await talks.add(guild_id=GUILD, actor=Actor(MEMBER), speaker_id=MEMBER, topic="Mine",
                          starts_at=clock.now() + timedelta(days=3), speaker_name="Mem")
    theirs = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Theirs",
                             starts_at=clock.now() + timedelta(hours=3), speaker_name="Spe")
    await audience.join(talk_id=theirs.id, user_id=MEMBER, guild_id=GUILD)
    await audience.join(talk_id=theirs.id, user_id=OTHER, guild_id=GUILD)
    # As a moderator, they add a talk for someone else and move it: created_by, updated_by, notices naming them.
    given = await talks.add(guild_id=GUILD, actor=Actor(MEMBER, is_moderator=True), speaker_id=OTHER,
                            topic="Given", starts_at=clock.now() + timedelta(days=4), speaker_name="Oth")
    await talks.reschedule(guild_id=GUILD, actor=Actor(MEMBER, is_moderator=True), talk_id=given.id,
                           starts_at=clock.now() + timedelta(days=5))
    await talks.cancel(guild_id=GUILD, actor=Actor(MEMBER, is_moderator=True), talk_id=given.id, reason="ill")
    # Their own calendar feed.
    await calendars.token(GUILD, MEMBER)
    # Deliver what is due: their DM channel is cached, the thread is made, some DMs fail and are reported.
    transport.fail("post", 5000 + OTHER, RefusedError("403 closed DMs", status=403, code=50007))
    for _ in range(3):
        clock.advance(timedelta(seconds=5))
        rows = await outbox.claim_due(clock.now(), 500)
        for row in rows:
            await dispatcher.deliver(row)
    # After the other talk: their vote and signed comment on it, and when they were in its voice channel.
    after = Feedback(db, outbox, ManualClock(theirs.ends_at))
    await after.vote(talk_id=theirs.id, user_id=MEMBER, guild_id=GUILD, stars=4)
    await after.comment(talk_id=theirs.id, user_id=MEMBER, guild_id=GUILD, text=f"great, from {MEMBER}")
    await after.sign(talk_id=theirs.id, user_id=MEMBER, guild_id=GUILD, signed=True)
    await after.vote(talk_id=theirs.id, user_id=OTHER, guild_id=GUILD, stars=2)
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO voice_presence (talk_id, user_id, joined_at_ms, left_at_ms) VALUES (?, ?, ?, ?)",
                         (theirs.id, MEMBER, to_ms(theirs.starts_at), to_ms(theirs.ends_at)))
    # Everything above is really there before forget-me.
    assert {"feedback_votes", "voice_presence"} <= {table for table, _, _ in await cells_holding(db, MEMBER)}
    assert len({table for table, _, _ in await cells_holding(db, MEMBER)}) >= 6

    thread = await db.fetchval("SELECT thread_id FROM talks WHERE id = ?", (theirs.id,))
    assert thread is not None

    forgotten = await people.forget(MEMBER)

    assert await cells_holding(db, MEMBER) == []
    # The thread they were put in is known after the fact only from what forget() returned.
    assert forgotten.thread_ids == (thread,)
    left = await people.leave_threads(transport, MEMBER, forgotten.thread_ids)
    assert (left.removed, left.refused, left.failed) == (1, 0, 0)
    assert ("remove_thread_member", thread, MEMBER) in transport.calls
    assert await cells_holding(db, MEMBER) == []  # nothing was queued for it
    # The talk they give stays, with them as its speaker; the one they moved for someone else stays too.
    assert (await db.fetchrow("SELECT speaker_id FROM talks WHERE id = ?", (own.id,)))["speaker_id"] == MEMBER
    moved = await db.fetchrow("SELECT speaker_id, created_by, updated_by FROM talks WHERE id = ?", (given.id,))
    assert tuple(moved) == (OTHER, privacy.FORGOTTEN_USER, privacy.FORGOTTEN_USER)
    # Other people's data is untouched.
    assert await db.fetchval("SELECT count(*) FROM attendees WHERE user_id = ?", (OTHER,)) == 1
    assert await db.fetchval("SELECT count(*) FROM feedback_votes WHERE user_id = ?", (OTHER,)) == 1


async def test_a_column_that_may_hold_member_ids_without_a_declaration_stops_forget_me(db, clock):
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE feedback (talk_id INTEGER, voter_id INTEGER, stars INTEGER)")
    people = People(db, Outbox(db), clock)
    with pytest.raises(privacy.UndeclaredUserData, match=r"feedback\.voter_id"):
        await people.forget(MEMBER)


async def test_every_column_of_every_table_is_declared_to_hold_member_ids_or_not(db):
    # Total, not by name: a column that is neither declared nor declared free of member ids stops forget-me.
    async with db.transaction() as tx:
        assert await privacy.undeclared_columns(tx) == []
    declared = [(column.table, column.column) for column in privacy.declared()] + list(privacy.not_user_ids())
    for table, name in declared:
        found = await db.fetchall(f"PRAGMA table_info({table})")
        assert name in {c["name"] for c in found}, f"{table}.{name} does not exist"


async def test_leaving_threads_counts_what_discord_refused_and_goes_on(db, clock, transport):
    people = People(db, Outbox(db), clock)
    transport.fail("remove_thread_member", 2, RefusedError("403 Missing Permissions", status=403, code=50013))
    transport.fail("remove_thread_member", 3, GoneError("404 Unknown Channel", status=404, code=10003))
    transport.fail("remove_thread_member", 4, TransientError("503", status=503))
    transport.fail("remove_thread_member", 5, RefusedError("403 Missing Permissions", status=403, code=50013))
    transport.fail("remove_thread_member", 6, OSError("a bug or a surprise"))
    left = await people.leave_threads(transport, MEMBER, (1, 2, 3, 4, 5, 6, 7))
    # Threads on another server may still allow it: a refusal does not stop the rest, nor does a surprise.
    assert (left.removed, left.refused, left.failed) == (2, 2, 2)
    assert [c[1] for c in transport.calls if c[0] == "remove_thread_member"] == [1, 2, 3, 4, 5, 6, 7]


def test_the_forgotten_members_key_lives_beside_the_database_private_and_stable(tmp_path):
    database = tmp_path / "data" / "podium.db"
    first = privacy.forget_key_file(database)
    key_file = tmp_path / "data" / "podium.db.forget-key"
    assert key_file.stat().st_mode & 0o777 == 0o600 and len(first) == 32
    assert privacy.forget_key_file(database) == first  # the same after a restart, whatever the token
    assert privacy.digest(1, first) != privacy.digest(1, privacy.forget_key_file(tmp_path / "other.db"))
