import json
from datetime import timedelta

import pytest

from podium.clock import from_ms, to_ms
from podium.delivery.outbox import Outbox
from podium.delivery.render import RenderContext, render
from podium.talk_model import TalkError
from podium.talks import Actor, TalkService, default_hooks, reminder_key
from tests import factories

GUILD, ANNOUNCE = 10, 20
ALICE, BOB, MOD = 1, 2, 3
alice, bob, mod = Actor(ALICE), Actor(BOB), Actor(MOD, is_moderator=True)


@pytest.fixture
def service(db, clock):
    outbox = Outbox(db)
    return TalkService(db, outbox, clock, default_hooks(outbox))


async def outbox_rows(db, **where):
    clauses = " AND ".join(f"{k} = ?" for k in where) or "1"
    return [
        dict(r) for r in await db.fetchall(f"SELECT * FROM outbox WHERE {clauses} ORDER BY id", tuple(where.values()))
    ]


async def add(service, clock, actor=alice, hours=48, minutes=30, speaker=None, topic="Intro to Rust"):
    return await service.add(
        guild_id=GUILD,
        actor=actor,
        speaker_id=speaker or actor.user_id,
        topic=topic,
        starts_at=clock.now() + timedelta(hours=hours),
        duration_minutes=minutes,
    )


async def test_add_stores_the_talk_and_plans_default_reminders(service, clock, db):
    talk = await add(service, clock)
    assert (talk.speaker_id, talk.topic, talk.state, talk.duration_minutes) == (ALICE, "Intro to Rust", "scheduled", 30)
    rows = await outbox_rows(db, talk_id=talk.id)
    assert [(r["kind"], r["state"], r["target_type"], r["user_id"]) for r in rows] == [
        ("talk_reminder", "pending", "dm", ALICE),
        ("talk_reminder", "pending", "dm", ALICE),
    ]
    assert [from_ms(r["due_at_ms"]) for r in rows] == [
        talk.starts_at - timedelta(hours=24),
        talk.starts_at - timedelta(hours=1),
    ]
    assert all(from_ms(r["expires_at_ms"]) == talk.starts_at for r in rows)


async def test_reminders_already_past_are_not_planned(service, clock, db):
    talk = await add(service, clock, hours=5)
    rows = await outbox_rows(db, talk_id=talk.id)
    assert [r["dedupe_key"] for r in rows] == [reminder_key(talk, 3600)]


async def test_personal_offsets_and_delivery_are_used(service, clock, db):
    await factories.add_user(db, ALICE, reminder_offsets=json.dumps([7200, 600]), reminder_via="thread")
    talk = await add(service, clock)
    rows = await outbox_rows(db, talk_id=talk.id)
    assert [(json.loads(r["payload"])["offset_s"], r["target_type"]) for r in rows] == [
        (7200, "thread"),
        (600, "thread"),
    ]


@pytest.mark.parametrize(
    ("other_start_h", "other_minutes", "overlaps"),
    [
        (48, 30, True),  # same slot
        (48.25, 30, True),  # starts inside
        (47.75, 30, True),  # ends inside
        (47.5, 30, False),  # ends exactly when ours starts
        (48.5, 30, False),  # starts exactly when ours ends
        (45, 240, True),  # long talk covering ours
        (44, 240, False),  # long talk ending at our start
    ],
)
async def test_overlap_rule(service, clock, other_start_h, other_minutes, overlaps):
    await add(service, clock, hours=48, minutes=30, topic="first")
    if overlaps:
        with pytest.raises(TalkError, match=r"overlaps with \*\*first\*\*"):
            await add(service, clock, actor=bob, hours=other_start_h, minutes=other_minutes)
    else:
        await add(service, clock, actor=bob, hours=other_start_h, minutes=other_minutes)


async def test_cancelled_talks_free_their_slot(service, clock):
    talk = await add(service, clock)
    await service.cancel(guild_id=GUILD, actor=alice, talk_id=talk.id)
    freed = await add(service, clock, actor=bob)
    assert freed.starts_at == talk.starts_at


async def test_at_most_five_upcoming_per_speaker_moderators_exempt(service, clock):
    for i in range(5):
        await add(service, clock, hours=48 + i)
    with pytest.raises(TalkError, match="5 upcoming talks"):
        await add(service, clock, hours=60)
    await add(service, clock, actor=mod, speaker=ALICE, hours=61)


@pytest.mark.parametrize(
    ("topic", "problem"),
    [("", "can't be empty"), ("   ", "can't be empty"), ("x" * 201, "201 characters")],
)
async def test_bad_topic_is_refused_and_nothing_stored(service, clock, db, topic, problem):
    with pytest.raises(TalkError, match=problem):
        await add(service, clock, topic=topic)
    assert await db.fetchall("SELECT * FROM talks") == []
    assert await outbox_rows(db) == []


@pytest.mark.parametrize(
    ("hours", "minutes", "problem"),
    [
        (-1, 30, "in the past"),
        (0, 30, "in the past"),
        (24 * 366, 30, "365 days"),
        (48, 4, "5 to 240"),
        (48, 241, "5 to 240"),
    ],
)
async def test_bad_time_or_duration_is_refused(service, clock, db, hours, minutes, problem):
    with pytest.raises(TalkError, match=problem):
        await add(service, clock, hours=hours, minutes=minutes)
    assert await db.fetchall("SELECT * FROM talks") == []


async def test_topic_is_stored_as_typed(service, clock):
    talk = await add(service, clock, topic="  @everyone <@&5> **bold**  ")
    assert talk.topic == "@everyone <@&5> **bold**"


async def test_only_moderators_sign_up_someone_else(service, clock, db):
    with pytest.raises(TalkError, match="Only moderators"):
        await add(service, clock, actor=bob, speaker=ALICE)
    talk = await add(service, clock, actor=mod, speaker=ALICE)
    assert (talk.speaker_id, talk.created_by) == (ALICE, MOD)


@pytest.mark.parametrize("action", ["reschedule", "cancel"])
async def test_non_moderator_cannot_touch_someone_elses_talk(service, clock, db, action):
    talk = await add(service, clock)
    before = await outbox_rows(db)
    with pytest.raises(TalkError, match="Only the speaker or a moderator"):
        if action == "reschedule":
            await service.reschedule(
                guild_id=GUILD, actor=bob, talk_id=talk.id, starts_at=talk.starts_at + timedelta(hours=3)
            )
        else:
            await service.cancel(guild_id=GUILD, actor=bob, talk_id=talk.id)
    assert await service.get(GUILD, talk.id) == talk
    assert await outbox_rows(db) == before


async def test_talk_of_another_guild_is_not_found(service, clock):
    talk = await add(service, clock)
    with pytest.raises(TalkError, match="can't find"):
        await service.cancel(guild_id=GUILD + 1, actor=mod, talk_id=talk.id)


async def test_reschedule_replans_reminders_and_notifies_the_speaker(service, clock, db):
    talk = await add(service, clock)
    old_keys = {r["dedupe_key"] for r in await outbox_rows(db, talk_id=talk.id)}
    before, after = await service.reschedule(
        guild_id=GUILD, actor=mod, talk_id=talk.id, starts_at=talk.starts_at + timedelta(days=2)
    )
    assert (before.starts_at, after.starts_at) == (talk.starts_at, talk.starts_at + timedelta(days=2))
    assert after.updated_by == MOD
    rows = await outbox_rows(db, talk_id=talk.id)
    assert {r["dedupe_key"]: r["state"] for r in rows if r["dedupe_key"] in old_keys} == dict.fromkeys(
        old_keys, "cancelled"
    )
    pending = [r for r in rows if r["state"] == "pending"]
    reminders = sorted(from_ms(r["due_at_ms"]) for r in pending if r["kind"] == "talk_reminder")
    assert reminders == [after.starts_at - timedelta(hours=24), after.starts_at - timedelta(hours=1)]
    [notice] = [r for r in pending if r["kind"] == "reschedule_notice"]
    payload = json.loads(notice["payload"])
    assert (notice["target_type"], notice["user_id"], notice["due_at_ms"]) == ("dm", ALICE, to_ms(clock.now()))
    assert payload["by_user_id"] == MOD
    assert (payload["old_start_ms"], payload["new_start_ms"]) == (to_ms(before.starts_at), to_ms(after.starts_at))


async def test_announced_talk_change_is_also_told_to_the_channel(service, clock, db):
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE)
    quiet = await add(service, clock, topic="quiet")
    shown = await add(service, clock, hours=72, topic="shown")
    async with db.transaction() as tx:
        await tx.execute("UPDATE talks SET announced = 1 WHERE id = ?", (shown.id,))
    await service.cancel(guild_id=GUILD, actor=mod, talk_id=quiet.id, reason="ill")
    await service.cancel(guild_id=GUILD, actor=mod, talk_id=shown.id, reason="ill")
    notices = await outbox_rows(db, kind="cancel_notice")
    assert [(r["talk_id"], r["target_type"], r["channel_id"]) for r in notices] == [
        (quiet.id, "dm", None),
        (shown.id, "dm", None),
        (shown.id, "channel", ANNOUNCE),
    ]
    assert json.loads(notices[2]["payload"])["reason"] == "ill"
    assert notices[2]["user_id"] is None  # named in the text, never pinged in the channel


async def test_cancel_drops_pending_reminders(service, clock, db):
    talk = await add(service, clock)
    await service.cancel(guild_id=GUILD, actor=alice, talk_id=talk.id, reason="  ")
    states = {(r["kind"], r["state"]) for r in await outbox_rows(db, talk_id=talk.id)}
    # The speaker cancelled it themselves: told in their reply, so no DM about it.
    assert states == {("talk_reminder", "cancelled")}
    with pytest.raises(TalkError, match="cancelled"):
        await service.cancel(guild_id=GUILD, actor=alice, talk_id=talk.id)


async def test_a_failing_subscriber_leaves_neither_the_change_nor_its_messages(service, clock, db):
    talk = await add(service, clock)
    rows_before = await outbox_rows(db)

    @service.hooks.subscribe("talk_rescheduled")
    async def broken(tx, event):
        raise RuntimeError("calendar sync is down")

    with pytest.raises(RuntimeError):
        await service.reschedule(
            guild_id=GUILD, actor=alice, talk_id=talk.id, starts_at=talk.starts_at + timedelta(days=1)
        )
    assert await service.get(GUILD, talk.id) == talk
    assert await outbox_rows(db) == rows_before


async def test_upcoming_pages_and_filters(service, clock):
    talks = [await add(service, clock, actor=mod, speaker=ALICE if i % 2 else BOB, hours=10 + i) for i in range(12)]
    page, total = await service.upcoming(GUILD, limit=10)
    assert total == 12
    assert [t.id for t in page] == [t.id for t in talks[:10]]
    page2, _ = await service.upcoming(GUILD, limit=10, offset=10)
    assert [t.id for t in page2] == [t.id for t in talks[10:]]
    mine, n = await service.upcoming(GUILD, speaker_id=ALICE)
    assert n == 6 and all(t.speaker_id == ALICE for t in mine)
    _, n = await service.upcoming(GUILD, within=timedelta(hours=12))
    assert n == 3
    assert [t.id for t in await service.search(GUILD, "RUST", speaker_id=BOB)] == [
        t.id for t in talks if t.speaker_id == BOB
    ]


@pytest.mark.parametrize(
    ("role", "says"),
    [("new", "🎤 <@3> made you the speaker of **Rust** on <t:"), ("old", "to <@2>: you no longer speak at it")],
)
def test_a_speaker_change_reads_right_to_each_speaker(role, says, clock):
    payload = {"topic": "Rust", "start_ms": to_ms(clock.now()), "old_speaker_id": 1, "new_speaker_id": 2,
               "by_user_id": 3, "role": role}
    body = render(RenderContext("speaker_notice", payload, None, clock.now(), clock.now()), mention_user_id=None)
    assert says in body["content"]
    assert body["allowed_mentions"]["users"] == []  # a DM pings nobody, not even the moderator named


@pytest.mark.parametrize("change", ["reschedule", "cancel"])
async def test_who_made_a_change_is_not_told_again_by_dm_but_everyone_else_is(change, service, clock, db):
    # Issue 21 §1: a speaker moving or cancelling their own talk read it in their reply; a DM saying it again
    # ("Your talk … was moved by you") is noise. The channel is still told; the speaker is when a moderator acts.
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE)
    for actor in (alice, mod):
        talk = await add(service, clock, hours=48 if actor is alice else 96, topic=f"by {actor.user_id}")
        async with db.transaction() as tx:
            await tx.execute("UPDATE talks SET announced = 1 WHERE id = ?", (talk.id,))
        if change == "reschedule":
            await service.reschedule(guild_id=GUILD, actor=actor, talk_id=talk.id,
                                     starts_at=talk.starts_at + timedelta(hours=2))
        else:
            await service.cancel(guild_id=GUILD, actor=actor, talk_id=talk.id, reason="ill")
        kind = f"{change}_notice"
        told = {(r["target_type"], r["user_id"]) for r in await outbox_rows(db, talk_id=talk.id, kind=kind)}
        if actor is alice:
            assert told == {("channel", None)}
        else:
            assert told == {("channel", None), ("dm", ALICE)}
