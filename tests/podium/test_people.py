import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from podium.clock import from_ms
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox
from podium.delivery.pacing import Pacer
from podium.people import MAX_PENDING_PERSONAL, People, PeopleError
from podium.talks import Actor, TalkService, default_hooks

GUILD, ALICE = 10, 1


@pytest.fixture
def outbox(db):
    return Outbox(db)


@pytest.fixture
def people(db, outbox, clock):
    return People(db, outbox, clock)


@pytest.fixture
def talks(db, outbox, clock):
    return TalkService(db, outbox, clock, default_hooks(outbox))


async def reminder_offsets(db, talk_id):
    rows = await db.fetchall(
        "SELECT t.starts_at_ms - o.due_at_ms AS before_ms, o.target_type FROM outbox o JOIN talks t ON t.id = o.talk_id"
        " WHERE o.talk_id = ? AND o.kind = 'talk_reminder' AND o.state = 'pending' ORDER BY o.due_at_ms",
        (talk_id,),
    )
    return [(r["before_ms"] // 1000, r["target_type"]) for r in rows]


async def test_changing_offsets_replans_upcoming_talks_in_one_go(people, talks, clock, db):
    talk = await talks.add(
        guild_id=GUILD, actor=Actor(ALICE), speaker_id=ALICE, topic="t", starts_at=clock.now() + timedelta(days=3)
    )
    assert await reminder_offsets(db, talk.id) == [(86400, "dm"), (3600, "dm")]
    replanned = await people.set_talk_reminders(ALICE, (timedelta(days=2), timedelta(minutes=30)), "thread")
    assert replanned == 1
    assert await reminder_offsets(db, talk.id) == [(172800, "thread"), (1800, "thread")]


async def test_replanning_across_a_dst_change_keeps_exact_offsets(db, outbox):
    # The talk is on the Sunday Europe changes to summer time; offsets are exact durations, not wall times.
    clock_start = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    from podium.clock import ManualClock

    clock = ManualClock(clock_start)
    talks = TalkService(db, outbox, clock, default_hooks(outbox))
    people = People(db, outbox, clock)
    starts = datetime(2026, 3, 29, 10, 0, tzinfo=UTC)  # 12:00 CEST, the day after the change
    talk = await talks.add(guild_id=GUILD, actor=Actor(ALICE), speaker_id=ALICE, topic="t", starts_at=starts)
    await people.set_timezone(ALICE, "Europe/Berlin")
    await people.set_talk_reminders(ALICE, (timedelta(hours=24),), None)
    [row] = await db.fetchall("SELECT due_at_ms FROM outbox WHERE talk_id = ? AND state = 'pending'", (talk.id,))
    assert from_ms(row["due_at_ms"]) == starts - timedelta(hours=24)


async def test_personal_reminder_is_queued_and_listed_and_deletable(people, clock):
    reminder = await people.add_personal_reminder(
        user_id=ALICE, guild_id=GUILD, channel_id=5, when=clock.now() + timedelta(minutes=30), text=" stretch "
    )
    assert reminder.text == "stretch"
    assert await people.personal_reminders(ALICE) == [reminder]
    assert not await people.delete_personal_reminder(ALICE + 1, reminder.id)  # not theirs
    assert await people.delete_personal_reminder(ALICE, reminder.id)
    assert await people.personal_reminders(ALICE) == []


@pytest.mark.parametrize(
    ("text", "minutes", "problem"), [("", 5, "1 to 500"), ("x" * 501, 5, "1 to 500"), ("x", -1, "past")]
)
async def test_bad_personal_reminder_is_refused(people, clock, db, text, minutes, problem):
    with pytest.raises(PeopleError, match=problem):
        await people.add_personal_reminder(
            user_id=ALICE, guild_id=GUILD, channel_id=None, when=clock.now() + timedelta(minutes=minutes), text=text
        )
    assert await db.fetchall("SELECT * FROM outbox") == []


async def test_at_most_25_pending_personal_reminders(people, clock):
    for i in range(MAX_PENDING_PERSONAL):
        await people.add_personal_reminder(
            user_id=ALICE, guild_id=None, channel_id=None, when=clock.now() + timedelta(hours=i + 1), text="x"
        )
    with pytest.raises(PeopleError, match="25 pending"):
        await people.add_personal_reminder(
            user_id=ALICE, guild_id=None, channel_id=None, when=clock.now() + timedelta(days=2), text="x"
        )


class RecordingTransport:
    def __init__(self):
        self.posts = []

    async def open_dm(self, user_id):
        return 9000 + user_id

    async def create_thread(self, channel_id, name):
        return 8000

    async def post_message(self, channel_id, body):
        self.posts.append((channel_id, body))
        return len(self.posts)


async def deliver_due(db, outbox, clock, transport):
    dispatcher = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000))
    return [await dispatcher.deliver(row) for row in await outbox.claim_due(clock.now(), 100)]


@pytest.mark.parametrize(
    ("topic", "state"),
    [("personal-reminders", "skipped"), ("everything", "skipped"), ("notices", "sent"), ("talk-reminders", "sent")],
)
async def test_opt_out_applies_to_already_queued_messages(people, outbox, clock, db, topic, state):
    await people.add_personal_reminder(
        user_id=ALICE, guild_id=None, channel_id=None, when=clock.now() + timedelta(minutes=1), text="x"
    )
    await people.set_opt_out(ALICE, topic, True)
    clock.advance(60)
    transport = RecordingTransport()
    [outcome] = await deliver_due(db, outbox, clock, transport)
    assert outcome.state == state
    assert bool(transport.posts) == (state == "sent")


async def test_opt_out_undo(people, outbox, clock, db):
    await people.set_opt_out(ALICE, "personal-reminders", True)
    await people.set_opt_out(ALICE, "personal-reminders", False)
    await people.add_personal_reminder(
        user_id=ALICE, guild_id=None, channel_id=None, when=clock.now() + timedelta(minutes=1), text="x"
    )
    clock.advance(60)
    [outcome] = await deliver_due(db, outbox, clock, RecordingTransport())
    assert outcome.state == "sent"


async def test_dm_opt_out_moves_reminders_to_the_channel(people, outbox, clock, db):
    await people.add_personal_reminder(
        user_id=ALICE, guild_id=GUILD, channel_id=77, when=clock.now() + timedelta(minutes=1), text="x",
        can_post_there=True,
    )
    await people.set_opt_out(ALICE, "dms", True)
    clock.advance(60)
    transport = RecordingTransport()
    [outcome] = await deliver_due(db, outbox, clock, transport)
    assert (outcome.state, outcome.via, outcome.channel_id) == ("sent", "channel", 77)
    assert transport.posts[0][1]["allowed_mentions"]["users"] == [str(ALICE)]


async def test_unknown_opt_out_topic_is_refused(people):
    with pytest.raises(PeopleError, match="choose one of"):
        await people.set_opt_out(ALICE, "spam", True)


async def test_forget_me_deletes_preferences_reminders_and_queued_messages_but_keeps_talks(people, talks, clock, db):
    talk = await talks.add(
        guild_id=GUILD, actor=Actor(ALICE), speaker_id=ALICE, topic="t", starts_at=clock.now() + timedelta(days=3)
    )
    await people.set_timezone(ALICE, "Europe/Berlin")
    await people.add_personal_reminder(
        user_id=ALICE, guild_id=None, channel_id=None, when=clock.now() + timedelta(hours=1), text="private"
    )
    other = await people.add_personal_reminder(
        user_id=ALICE + 1, guild_id=None, channel_id=None, when=clock.now() + timedelta(hours=1), text="kept"
    )
    await people.forget(ALICE)
    assert await db.fetchall("SELECT * FROM users WHERE user_id = ?", (ALICE,)) == []
    assert await db.fetchall("SELECT * FROM outbox WHERE user_id = ?", (ALICE,)) == []
    assert [r["id"] for r in await db.fetchall("SELECT id FROM outbox")] == [other.id]
    assert (await talks.get(GUILD, talk.id)).state == "scheduled"
    assert json.loads((await db.fetchone("SELECT payload FROM outbox"))["payload"]) == {"text": "kept"}


async def test_the_channel_limit_sees_a_change_of_delivery_being_committed(people, db, clock):
    # Reads outside a transaction no longer wait for one (issue 19 §6): the check that decides the write must
    # read inside the transaction that writes, or a change of delivery being committed slips past it.
    from podium.people import MAX_CHANNEL_REMINDERS
    from podium.preferences import update_user

    began, release = asyncio.Event(), asyncio.Event()

    async def switch_to_channel():
        async with db.transaction() as tx:
            await update_user(tx, ALICE, clock.now(), reminder_via="channel")
            began.set()
            await release.wait()

    switching = asyncio.create_task(switch_to_channel())
    await began.wait()
    asked, real = asyncio.Event(), db.transaction

    def watched():
        asked.set()
        return real()

    db.transaction = watched
    too_many = tuple(timedelta(hours=h) for h in range(1, MAX_CHANNEL_REMINDERS + 2))
    setting = asyncio.create_task(people.set_talk_reminders(ALICE, too_many, None))
    await asked.wait()  # it now waits for the writer
    release.set()
    await switching
    with pytest.raises(PeopleError, match="at most"):
        await setting
