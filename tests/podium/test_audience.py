"""The audience: "🔔 Remind me", attendees' reminders and notices, the talk's thread; changes commit with their rows."""

import json
from datetime import timedelta

import pytest

from podium import audience
from podium.audience import ATTENDEE_NOTICE, ATTENDEE_REMINDER, Audience, AudienceError
from podium.clock import from_ms, to_ms
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox
from podium.delivery.pacing import Pacer
from podium.delivery.render import RenderContext, render
from podium.people import People
from podium.preferences import remember_guild_name
from podium.talk_model import TalkError
from podium.talks import Actor, TalkService, default_hooks
from tests import factories
from tests.doubles import ScriptedTransport
from tests.fake_discord import _validate_message_components

GUILD, ANNOUNCE = factories.GUILD, 555
SPEAKER, MOD, ANN, BEN, CAT = 1, 2, 11, 12, 13
speaker, mod = Actor(SPEAKER), Actor(MOD, is_moderator=True)


@pytest.fixture
def outbox(db):
    return Outbox(db)


@pytest.fixture
def talks(db, outbox, clock):
    return TalkService(db, outbox, clock, audience.subscribe(default_hooks(outbox), outbox))


@pytest.fixture
def members(db, outbox, clock):
    return Audience(db, outbox, clock)


@pytest.fixture
async def talk(db, talks, clock):
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE)
    return await talks.add(guild_id=GUILD, actor=speaker, speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(days=3))


async def rows(db, kind=None, **where):
    where = {"kind": kind, **where} if kind else where
    clauses = " AND ".join(f"{k} IS ?" for k in where) or "1"
    found = await db.fetchall(f"SELECT * FROM outbox WHERE {clauses} ORDER BY id", tuple(where.values()))
    return [dict(r) | {"payload": json.loads(r["payload"])} for r in found]


async def pending(db, kind, **where):
    return [r for r in await rows(db, kind, **where) if r["state"] == "pending"]


async def join(members, user, talk):
    return await members.join(talk_id=talk.id, user_id=user, guild_id=GUILD)


async def test_remind_me_plans_the_members_own_reminders_with_a_key_per_person_offset_and_start(
    members, talk, db, clock
):
    await factories.add_user(db, BEN, reminder_offsets=json.dumps([7200, 600]))
    ann = await join(members, ANN, talk)
    await join(members, BEN, talk)
    assert (ann.changed, ann.attending, ann.via, ann.attendees) == (True, True, "dm", 1)
    assert ann.next_reminder == talk.starts_at - timedelta(hours=24)
    planned = await pending(db, ATTENDEE_REMINDER.name)
    # The guild's defaults for Ann, Ben's own offsets for Ben; one DM row each.
    assert sorted((r["user_id"], (to_ms(talk.starts_at) - r["due_at_ms"]) // 1000) for r in planned) == [
        (ANN, 3600), (ANN, 86400), (BEN, 600), (BEN, 7200)]
    assert {r["target_type"] for r in planned} == {"dm"}
    assert {r["dedupe_key"] for r in planned} == {
        audience.attendee_key(talk, user, offset) for user, offset in ((ANN, 3600), (ANN, 86400), (BEN, 600),
                                                                       (BEN, 7200))}
    assert all(from_ms(r["expires_at_ms"]) == talk.starts_at for r in planned)
    # ...and each is added to the talk's thread.
    assert [r["user_id"] for r in await pending(db, "thread_member")] == [ANN, BEN]


async def test_clicking_twice_changes_nothing(members, talk, db):
    await join(members, ANN, talk)
    before = await rows(db)
    again = await join(members, ANN, talk)
    assert (again.changed, again.attending, again.attendees) == (False, True, 1)
    assert await rows(db) == before


async def test_the_click_and_its_reminders_commit_together(members, talk, db, outbox, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(outbox, "enqueue_many", broken)
    monkeypatch.setattr(outbox, "enqueue_query", broken)  # the reminders are planned in SQL (issue 19 §6)
    with pytest.raises(RuntimeError):
        await join(members, ANN, talk)
    assert await db.fetchall("SELECT * FROM attendees") == []
    assert await pending(db, ATTENDEE_REMINDER.name) == []


@pytest.mark.parametrize(
    ("setup", "user", "says"),
    [
        ("cancelled", ANN, "was cancelled"),
        ("started", ANN, "already started"),
        ("finished", ANN, "already taken place"),
        ("speaker", SPEAKER, "You're the speaker"),
        ("opted-out", ANN, "stopped reminders before talks"),
        ("opted-out-everything", ANN, "stopped every message"),
        ("other-guild", ANN, "can't find that talk"),
    ],
)
async def test_a_refused_click_says_why_and_changes_nothing(setup, user, says, members, talks, talk, db, clock):
    guild = GUILD
    if setup == "cancelled":
        await talks.cancel(guild_id=GUILD, actor=speaker, talk_id=talk.id)
    elif setup == "started":
        clock.set(talk.starts_at + timedelta(minutes=1))
    elif setup == "finished":
        clock.set(talk.ends_at + timedelta(minutes=1))
    elif setup == "opted-out":
        await factories.add_user(db, ANN, opt_out_talk_reminders=1)
    elif setup == "opted-out-everything":
        await factories.add_user(db, ANN, opt_out_everything=1)
    elif setup == "other-guild":
        guild = GUILD + 1
    before = await rows(db)
    with pytest.raises(AudienceError, match=says) as refused:
        await members.join(talk_id=talk.id, user_id=user, guild_id=guild)
    if setup.startswith("opted-out"):
        assert "/opt-out allow" in str(refused.value)  # the command that allows them again
    assert await rows(db) == before
    assert await db.fetchall("SELECT * FROM attendees") == []


async def test_leaving_cancels_the_members_reminders_only(members, talk, db):
    await join(members, ANN, talk)
    await join(members, BEN, talk)
    left = await members.leave(talk_id=talk.id, user_id=ANN, guild_id=GUILD)
    assert (left.changed, left.attending, left.attendees) == (True, False, 1)
    assert {r["user_id"] for r in await pending(db, ATTENDEE_REMINDER.name)} == {BEN}
    assert [r["user_id"] for r in await pending(db, "thread_member")] == [BEN]
    again = await members.leave(talk_id=talk.id, user_id=ANN, guild_id=GUILD)
    assert again.changed is False


async def test_members_reminded_in_the_thread_share_one_post_per_offset(members, talk, db, outbox, clock):
    for user in (ANN, BEN, CAT):
        await factories.add_user(db, user, reminder_via="thread")
    await factories.add_user(db, CAT, reminder_offsets=json.dumps([600]))
    for user in (ANN, BEN, CAT):
        await join(members, user, talk)
    shared = await pending(db, ATTENDEE_REMINDER.name)
    assert sorted(((to_ms(talk.starts_at) - r["due_at_ms"]) // 1000, r["user_id"], r["target_type"])
                  for r in shared) == [(600, None, "thread"), (3600, None, "thread"), (86400, None, "thread")]
    # Whom it mentions is read when it goes out: Ben stopped talk reminders meanwhile; Cat did not ask for 1 h.
    await factories.add_user(db, BEN, opt_out_talk_reminders=1)
    transport = ScriptedTransport()
    dispatcher = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000))
    clock.set(talk.starts_at - timedelta(hours=1))
    due = [r for r in await outbox.claim_due(clock.now(), 100) if r.kind == ATTENDEE_REMINDER.name]
    outcomes = [await dispatcher.deliver(r) for r in due]
    assert [o.state for o in outcomes if o.state == "sent"] == ["sent"]  # the 24 h one was superseded
    [post] = [c for c in transport.posts() if "starts" in c[2]["content"]]
    assert post[2]["content"].startswith(f"⏰ <@{ANN}> **Rust**")
    assert post[2]["allowed_mentions"]["users"] == [str(ANN)]


async def test_a_dm_reminder_names_the_server_links_the_thread_and_offers_to_leave(members, talk, db, outbox, clock):
    async with db.transaction() as tx:
        await remember_guild_name(tx, GUILD, "Rustaceans", clock.now())
        await tx.execute("UPDATE talks SET thread_id = 999 WHERE id = ?", (talk.id,))
    await join(members, ANN, talk)
    transport = ScriptedTransport()
    dispatcher = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000))
    clock.set(talk.starts_at - timedelta(hours=1))
    for row in await outbox.claim_due(clock.now(), 100):
        await dispatcher.deliver(row)
    [dm] = [c[2] for c in transport.posts() if c[1] == 5000 + ANN]
    assert "on **Rustaceans**" in dm["content"] and "<#999>" in dm["content"]
    [buttons] = dm["components"]
    assert buttons["components"][0]["custom_id"] == f"podium:att:leave:{talk.id}"
    assert buttons["components"][1]["url"] == f"https://discord.com/channels/{GUILD}/999"
    assert dm["allowed_mentions"]["users"] == []


async def test_moving_a_talk_replans_attendees_and_tells_each_once(members, talks, talk, db, clock):
    await factories.add_user(db, CAT, reminder_via="thread")
    for user in (ANN, BEN, CAT):
        await join(members, user, talk)
    new_start = talk.starts_at + timedelta(days=1)
    await talks.reschedule(guild_id=GUILD, actor=speaker, talk_id=talk.id, starts_at=new_start)
    planned = await pending(db, ATTENDEE_REMINDER.name)
    assert {r["talk_start_ms"] for r in planned} == {to_ms(new_start)}
    assert len(planned) == 2 * 2 + 2  # Ann's and Ben's DMs, the thread's two posts
    notices = await pending(db, ATTENDEE_NOTICE.name)
    assert sorted((n["user_id"] or 0, n["target_type"]) for n in notices) == [(0, "thread"), (ANN, "dm"), (BEN, "dm")]
    assert {(n["payload"]["old_start_ms"], n["payload"]["new_start_ms"]) for n in notices} == {
        (to_ms(talk.starts_at), to_ms(new_start))}


async def test_notices_not_yet_sent_are_merged_into_the_next_change(members, talks, talk, db, clock):
    await join(members, ANN, talk)
    first, second = talk.starts_at + timedelta(days=1), talk.starts_at + timedelta(days=2)
    await talks.reschedule(guild_id=GUILD, actor=speaker, talk_id=talk.id, starts_at=first)
    clock.advance(60)
    await talks.reschedule(guild_id=GUILD, actor=speaker, talk_id=talk.id, starts_at=second)
    [notice] = await pending(db, ATTENDEE_NOTICE.name)
    assert (notice["payload"]["old_start_ms"], notice["payload"]["new_start_ms"]) == (
        to_ms(talk.starts_at), to_ms(second))
    # Moved back before anyone was told: nothing to tell.
    clock.advance(60)
    await talks.reschedule(guild_id=GUILD, actor=speaker, talk_id=talk.id, starts_at=talk.starts_at)
    assert await pending(db, ATTENDEE_NOTICE.name) == []


async def test_thirty_moves_in_three_minutes_reach_an_attendee_as_two_notices_of_the_net_change(
    members, talks, talk, db, clock
):
    await factories.add_user(db, BEN, reminder_via="thread")
    await join(members, ANN, talk)
    await join(members, BEN, talk)
    transport = ScriptedTransport()
    dispatcher = Dispatcher(db, Outbox(db), transport, clock, pacer=Pacer(1000, channel_limit=1000))
    start = talk.starts_at
    for i in range(1, 31):  # a move every 6 s, each sent out as soon as it is due
        await talks.reschedule(guild_id=GUILD, actor=speaker, talk_id=talk.id,
                               starts_at=start + timedelta(hours=i))
        clock.advance(6)
        for row in await dispatcher.outbox.claim_due(clock.now(), 100):
            await dispatcher.deliver(row)
    clock.advance(timedelta(minutes=15))
    for row in await dispatcher.outbox.claim_due(clock.now(), 100):
        await dispatcher.deliver(row)
    sent = [r for r in await rows(db, ATTENDEE_NOTICE.name) if r["state"] == "sent"]
    dms = [r for r in sent if r["user_id"] == ANN]
    posts = [r for r in sent if r["user_id"] is None]  # the one post in the thread for BEN
    assert len(dms) == 2 and len(posts) == 2
    # The second tells the net change since the first: from where they were last told to the final time.
    assert (dms[1]["payload"]["old_start_ms"], dms[1]["payload"]["new_start_ms"]) == (
        dms[0]["payload"]["new_start_ms"], to_ms(start + timedelta(hours=30)))


async def test_a_quick_correction_reaches_the_audience_as_one_notice(members, talks, talk, db, clock):
    await join(members, ANN, talk)
    typo, meant = talk.starts_at + timedelta(days=10), talk.starts_at + timedelta(hours=1)
    await talks.reschedule(guild_id=GUILD, actor=speaker, talk_id=talk.id, starts_at=typo)
    [first] = await pending(db, ATTENDEE_NOTICE.name)
    assert first["due_at_ms"] == to_ms(clock.now() + audience.NOTICE_HOLD)  # held a minute
    clock.advance(40)
    await talks.reschedule(guild_id=GUILD, actor=speaker, talk_id=talk.id, starts_at=meant)
    [notice] = await pending(db, ATTENDEE_NOTICE.name)
    assert notice["due_at_ms"] == first["due_at_ms"]
    assert (notice["payload"]["old_start_ms"], notice["payload"]["new_start_ms"]) == (
        to_ms(talk.starts_at), to_ms(meant))


async def test_a_remind_me_click_without_a_server_is_refused_and_changes_nothing(members, talk, db):
    # A forged custom id in a DM would otherwise join any talk of any server by its number.
    with pytest.raises(AudienceError):
        await members.join(talk_id=talk.id, user_id=ANN, guild_id=None)
    with pytest.raises(AudienceError):
        await members.join(talk_id=talk.id, user_id=ANN, guild_id=GUILD + 1)
    assert await db.fetchall("SELECT * FROM attendees") == []
    assert await rows(db, ATTENDEE_REMINDER.name) == []


async def test_a_cancellation_is_told_at_once(members, talks, talk, db, clock):
    await join(members, ANN, talk)
    await talks.cancel(guild_id=GUILD, actor=speaker, talk_id=talk.id, reason="ill")
    [notice] = await pending(db, ATTENDEE_NOTICE.name)
    assert notice["due_at_ms"] == to_ms(clock.now())


async def test_cancelling_tells_attendees_and_drops_their_reminders(members, talks, talk, db, clock):
    await join(members, ANN, talk)
    await talks.cancel(guild_id=GUILD, actor=speaker, talk_id=talk.id, reason="ill")
    assert await pending(db, ATTENDEE_REMINDER.name) == []
    assert await pending(db, "thread_member") == []
    [notice] = await pending(db, ATTENDEE_NOTICE.name)
    assert (notice["user_id"], notice["payload"]["cancelled"], notice["payload"]["reason"]) == (ANN, True, "ill")
    [archive] = await pending(db, "thread_archive")
    assert from_ms(archive["due_at_ms"]) == clock.now() + audience.ARCHIVE_AFTER_CANCEL


async def test_the_person_who_made_the_change_is_not_told_about_it(members, talks, talk, db):
    await join(members, MOD, talk)
    await join(members, ANN, talk)
    await talks.reschedule(guild_id=GUILD, actor=mod, talk_id=talk.id, starts_at=talk.starts_at + timedelta(hours=2))
    assert [n["user_id"] for n in await pending(db, ATTENDEE_NOTICE.name)] == [ANN]


async def test_editing_the_topic_is_quiet_a_new_speaker_is_announced(members, talks, talk, db):
    await join(members, ANN, talk)
    await join(members, BEN, talk)
    await talks.edit(guild_id=GUILD, actor=speaker, talk_id=talk.id, topic="Rust 2", description="All about it")
    assert await pending(db, ATTENDEE_NOTICE.name) == []
    _, after = await talks.edit(guild_id=GUILD, actor=mod, talk_id=talk.id, speaker_id=BEN)
    assert (after.topic, after.description, after.speaker_id) == ("Rust 2", "All about it", BEN)
    [notice] = await pending(db, ATTENDEE_NOTICE.name)
    assert (notice["user_id"], notice["payload"]["old_speaker_id"], notice["payload"]["new_speaker_id"]) == (
        ANN, SPEAKER, BEN)
    # Ben is reminded as the speaker now, not also as an attendee; the speaker's reminders moved to him.
    assert await members.is_attending(talk.id, BEN) is False
    assert {r["user_id"] for r in await pending(db, ATTENDEE_REMINDER.name)} == {ANN}
    assert {r["user_id"] for r in await pending(db, "talk_reminder")} == {BEN}
    # The old and the new speaker are told (the moderator who did it saw it in their reply).
    told = {n["user_id"]: n["payload"]["role"] for n in await pending(db, "speaker_notice")}
    assert told == {SPEAKER: "old", BEN: "new"}


@pytest.mark.parametrize(
    ("actor", "changes", "says"),
    [
        (speaker, {}, "Give what to change"),
        (speaker, {"speaker_id": ANN}, "Only moderators"),
        (speaker, {"topic": " "}, "can't be empty"),
        (speaker, {"description": "x" * 1001}, "the most is 1000"),
        (speaker, {"duration_minutes": 4}, "5 to 240 minutes"),
        (speaker, {"topic": "Rust"}, "nothing changed"),
        (Actor(ANN), {"topic": "Mine now"}, "Only the speaker or a moderator"),
    ],
)
async def test_a_refused_edit_says_why_and_changes_nothing(actor, changes, says, talks, talk, db):
    before = await rows(db)
    with pytest.raises(TalkError, match=says):
        await talks.edit(guild_id=GUILD, actor=actor, talk_id=talk.id, **changes)
    assert await rows(db) == before
    assert (await talks.get(GUILD, talk.id)) == talk


async def test_a_longer_talk_must_not_overlap_the_next(talks, talk, clock):
    await talks.add(guild_id=GUILD, actor=speaker, speaker_id=SPEAKER, topic="Next",
                    starts_at=talk.starts_at + timedelta(minutes=45))
    with pytest.raises(TalkError, match="overlaps"):
        await talks.edit(guild_id=GUILD, actor=speaker, talk_id=talk.id, duration_minutes=60)


async def test_changing_ones_reminder_preferences_replans_the_talks_one_attends(members, talk, db, outbox, clock):
    await join(members, ANN, talk)
    people = People(db, outbox, clock)
    replanned = await people.set_talk_reminders(ANN, (timedelta(minutes=30),), "thread")
    assert replanned == 1
    # Now reminded in the thread: no DM rows of hers, one shared thread post at 30 min.
    planned = await pending(db, ATTENDEE_REMINDER.name)
    assert [(r["user_id"], r["target_type"], (to_ms(talk.starts_at) - r["due_at_ms"]) // 1000) for r in planned] == [
        (None, "thread", 1800)]


async def test_forget_me_removes_the_person_from_every_audience(members, talk, db, outbox, clock):
    await join(members, ANN, talk)
    await join(members, BEN, talk)
    await People(db, outbox, clock).forget(ANN)
    assert [r["user_id"] for r in await db.fetchall("SELECT user_id FROM attendees")] == [BEN]
    assert await rows(db, user_id=ANN) == []


async def test_the_talks_thread_is_made_at_the_first_click_and_archived_after_the_talk(
    members, talk, db, outbox, clock
):
    transport = ScriptedTransport()
    dispatcher = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000))
    await join(members, ANN, talk)
    await join(members, BEN, talk)
    for row in await outbox.claim_due(clock.now(), 100):
        assert (await dispatcher.deliver(row)).state == "sent"
    [create] = [c for c in transport.calls if c[0] == "create_thread"]
    thread_id = (await db.fetchone("SELECT thread_id FROM talks WHERE id = ?", (talk.id,)))["thread_id"]
    assert create[1] == ANNOUNCE and thread_id is not None
    assert [c for c in transport.calls if c[0] == "add_thread_member"] == [
        ("add_thread_member", thread_id, ANN), ("add_thread_member", thread_id, BEN)]
    [archive] = await pending(db, "thread_archive")
    assert from_ms(archive["due_at_ms"]) == talk.ends_at + audience.ARCHIVE_AFTER_END
    clock.set(from_ms(archive["due_at_ms"]))
    [row] = [r for r in await outbox.claim_due(clock.now(), 100) if r.kind == "thread_archive"]
    assert (await dispatcher.deliver(row)).state == "sent"
    assert transport.calls[-1] == ("archive_thread", thread_id)


async def test_a_talk_without_a_thread_has_nothing_to_archive(talks, talk, db, outbox, clock):
    transport = ScriptedTransport()
    dispatcher = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000))
    clock.set(talk.ends_at + audience.ARCHIVE_AFTER_END)
    [row] = [r for r in await outbox.claim_due(clock.now(), 100) if r.kind == "thread_archive"]
    outcome = await dispatcher.deliver(row)
    assert (outcome.state, outcome.reason) == ("skipped", "the talk has no thread")
    assert transport.calls == []


async def test_new_talks_are_announced_with_buttons_and_a_thread_when_the_guild_wants_it(talks, db, outbox, clock):
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, announce_new_talks=1)
    talk = await talks.add(guild_id=GUILD, actor=speaker, speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(days=3))
    transport = ScriptedTransport()
    dispatcher = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000))
    for row in await outbox.claim_due(clock.now(), 100):
        assert (await dispatcher.deliver(row)).state == "sent"
    posts = {c[1]: c[2] for c in transport.posts()}
    announcement = posts[ANNOUNCE]
    assert announcement["content"].startswith("📣 **New talk**: **Rust**")
    assert announcement["embeds"][0]["footer"]["text"].startswith("🔔 0 going")
    assert [b["custom_id"] for b in announcement["components"][0]["components"]] == [
        f"podium:att:join:{talk.id}", f"podium:att:leave:{talk.id}", f"podium:talk:ics:{talk.id}"]
    thread_id = (await db.fetchone("SELECT thread_id, announced FROM talks"))["thread_id"]
    assert posts[thread_id]["content"].startswith("🧵 The thread of **Rust**")
    assert (await db.fetchone("SELECT announced FROM talks"))["announced"] == 1


async def test_new_talks_are_not_announced_by_default(talks, talk, db):
    assert await rows(db, "talk_announcement") == []
    assert await rows(db, "talk_thread_open") == []


async def test_two_thousand_attendees_with_five_offsets_plan_ten_thousand_rows_in_one_transaction(
    talks, talk, db, clock
):
    offsets = json.dumps([86400, 43200, 7200, 3600, 600])
    async with db.transaction() as tx:
        await tx.executemany("INSERT INTO users (user_id, reminder_offsets, created_at_ms, updated_at_ms)"
                             " VALUES (?, ?, 0, 0)", [(10_000 + i, offsets) for i in range(2000)])
        await tx.executemany("INSERT INTO attendees (talk_id, user_id, created_at_ms) VALUES (?, ?, 0)",
                             [(talk.id, 10_000 + i) for i in range(2000)])
    later = talk.starts_at + timedelta(hours=1)
    await talks.reschedule(guild_id=GUILD, actor=speaker, talk_id=talk.id, starts_at=later)
    assert len(await pending(db, ATTENDEE_REMINDER.name)) == 10_000
    assert len(await pending(db, ATTENDEE_NOTICE.name)) == 2000


@pytest.mark.parametrize(("talks", "shapes"), [(1, [[2], [3]]), (5, [[2] * 5, [3]]), (6, [[3], [3]]), (25, [[3], [3]])])
async def test_the_weekly_summary_offers_remind_me_for_each_talk(talks, shapes, clock):
    payload = {"talks": [{"id": i, "speaker_id": 100 + i, "topic": f"Talk {i}", "start_ms": to_ms(clock.now()) + i,
                          "going": i} for i in range(talks)]}
    body = render(RenderContext("weekly_summary", payload, None, clock.now(), clock.now()), mention_user_id=None)
    assert [[c["type"] for c in row["components"]] for row in body["components"]] == shapes
    _validate_message_components(body["components"], ["components"], 0)  # Discord's form rules, as the fake has them
    assert ("🔔 1 going" in body["embeds"][0]["description"]) == (talks > 1)  # 0 going is not shown


# -- every query on the audience is answered from an index ----------------------------------------------------


def plan_of(rows_):
    return " / ".join(r["detail"] for r in rows_)


@pytest.mark.parametrize(
    ("sql", "params", "uses"),
    [
        ("SELECT count(*) FROM attendees WHERE talk_id = ?", (1,), "PRIMARY KEY"),
        ("SELECT 1 FROM attendees WHERE talk_id = ? AND user_id = ?", (1, 2), "PRIMARY KEY"),
        # Who is going (/schedule info): read in the key's order, no sort over thousands.
        ("SELECT user_id FROM attendees WHERE talk_id = ? ORDER BY user_id LIMIT ?", (1, 10),
         "SEARCH attendees USING PRIMARY KEY (talk_id=?)"),
        ("SELECT talk_id, count(*) FROM attendees WHERE talk_id IN (1, 2, 3) GROUP BY talk_id", (), "PRIMARY KEY"),
        ("DELETE FROM attendees WHERE user_id = ?", (2,), "attendees_by_user"),
        ("SELECT t.* FROM attendees AS a JOIN talks AS t ON t.id = a.talk_id WHERE a.user_id = ?"
         " AND t.state = 'scheduled' AND t.starts_at_ms > ?", (2, 0), "attendees_by_user"),
        ("SELECT a.user_id, u.reminder_offsets FROM attendees AS a LEFT JOIN users AS u ON u.user_id = a.user_id"
         " WHERE a.talk_id = ?", (1,), "PRIMARY KEY"),
        ("UPDATE outbox SET state = 'cancelled' WHERE talk_id = ? AND user_id IS ? AND state = 'pending'"
         " AND kind IN ('attendee_reminder')", (1, 2), "outbox_by_talk_user (talk_id=? AND user_id=? AND kind=?)"),
        ("SELECT id FROM outbox WHERE talk_id = ? AND kind = ? AND user_id IS ? AND id != ? AND due_at_ms > ?"
         " AND due_at_ms <= ? AND state IN ('pending', 'sending', 'sent') LIMIT 1",
         (1, "attendee_reminder", 2, 3, 0, 9),
         "outbox_by_talk_user (talk_id=? AND user_id=? AND kind=? AND due_at_ms>?"),
    ],
)
async def test_audience_queries_use_an_index_never_a_scan(sql, params, uses, db):
    plan = plan_of(await db.fetchall(f"EXPLAIN QUERY PLAN {sql}", params))
    assert uses in plan, plan
    assert "SCAN attendees" not in plan and "SCAN outbox" not in plan and "SCAN a" not in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # no sort of a talk's thousands of attendees either


# -- attendee reminders planned in SQL (issue 19 §6) -----------------------------------------------------------


def reference_plan(talk, guild_offsets, guild_via, people, now):
    """The planning rules in plain Python (as the planner applied them before it moved to SQL): the expected rows."""
    expected, thread_offsets = {}, set()
    start_ms = to_ms(talk.starts_at)
    for user_id, stored, via, no_dms in people:
        try:
            offsets = tuple(int(v) for v in json.loads(stored)) if stored is not None else ()
        except (TypeError, ValueError):
            offsets = ()
        offsets = offsets or guild_offsets
        if (via or guild_via) == "dm" and not no_dms:
            for offset in set(offsets):
                if talk.starts_at - timedelta(seconds=offset) > now:
                    expected[audience.attendee_key(talk, user_id, offset)] = ("dm", user_id, offset)
        else:
            thread_offsets |= set(offsets)
    for offset in thread_offsets:
        if talk.starts_at - timedelta(seconds=offset) > now:
            expected[audience.thread_key(talk, offset)] = ("thread", None, offset)
    return {key: (*value, start_ms - value[2] * 1000) for key, value in expected.items()}


async def test_the_sql_plan_follows_every_rule_of_the_python_one(db, talk, talks, outbox, clock):
    from podium.preferences import update_guild, update_user

    guild_offsets, guild_via = (7200, 600), "dm"
    # (user, stored offsets, via, opted out of DMs); opted out of talk reminders: planned, skipped when sent.
    people = [
        (100, None, None, False),                   # no users row at all: the server's everything
        (101, "[86400, 3600, 3600]", "dm", False),  # their offsets, once each
        (102, "[]", None, False),                   # empty: the server's
        (103, "not json", "dm", False),             # malformed: the server's
        (104, '{"a": 1}', "dm", False),             # not a list: the server's
        (105, "[3600.0, 90]", "thread", False),     # the thread: shared posts
        (106, "[300]", "channel", False),           # the channel: the thread's shared posts too
        (107, "[1800]", "dm", True),                # stopped DMs: the thread
        (108, f"[{4 * 86400}, 60]", "dm", False),   # one offset already past
        (109, "[60]", None, False),                 # their offsets, the server's via
    ]
    async with db.transaction() as tx:
        await update_guild(tx, GUILD, clock.now(), reminder_offsets=json.dumps(guild_offsets), reminder_via=guild_via)
        for user_id, stored, via, no_dms in people:
            if user_id != 100:
                await update_user(tx, user_id, clock.now(), reminder_offsets=stored, reminder_via=via,
                                  opt_out_dms=int(no_dms), opt_out_talk_reminders=int(user_id == 109))
            await tx.execute("INSERT INTO attendees (talk_id, user_id, created_at_ms) VALUES (?, ?, 0)",
                             (talk.id, user_id))
    now = clock.now()
    async with db.transaction() as tx:
        plan = await audience.plan_attendee_reminders(tx, talk, now)
        await outbox.replace_for_talk(tx, talk.id, [ATTENDEE_REMINDER.name], plan, now=now)
    planned = await pending(db, ATTENDEE_REMINDER.name)
    got = {r["dedupe_key"]: (r["target_type"], r["user_id"], r["payload"]["offset_s"], r["due_at_ms"])
           for r in planned}
    assert got == reference_plan(talk, guild_offsets, guild_via, people, now)
    assert all(r["expires_at_ms"] == r["talk_start_ms"] == to_ms(talk.starts_at) for r in planned)
    assert all(r["next_attempt_at_ms"] == r["due_at_ms"] and r["guild_id"] == GUILD for r in planned)
    # The payload is stored as OutboxMessage stores it (compact JSON), and the rows in the order planned before.
    raw = await db.fetchall("SELECT payload FROM outbox WHERE kind = ? ORDER BY id", (ATTENDEE_REMINDER.name,))
    assert all(r["payload"] == json.dumps(json.loads(r["payload"]), separators=(",", ":"), sort_keys=True)
               for r in raw)
    order = [(r["target_type"], r["user_id"] or 0, r["due_at_ms"]) for r in planned]
    assert order == sorted(order)


async def test_replanning_keeps_the_rows_of_keys_planned_again_and_cancels_the_rest(db, talk, talks, members, clock):
    for user in (ANN, BEN):
        await join(members, user, talk)
    before = {r["dedupe_key"]: r["id"] for r in await pending(db, ATTENDEE_REMINDER.name)}
    await members.leave(talk_id=talk.id, user_id=BEN, guild_id=GUILD)
    await talks.edit(guild_id=GUILD, actor=speaker, talk_id=talk.id, topic="Rust, again")
    after = {r["dedupe_key"]: r["id"] for r in await pending(db, ATTENDEE_REMINDER.name)}
    assert after == {k: v for k, v in before.items() if f":attendee:{ANN}:" in k}
    # A move plans new keys (the start is in them): the old rows are cancelled, not left pending.
    later = talk.starts_at + timedelta(hours=2)
    await talks.reschedule(guild_id=GUILD, actor=speaker, talk_id=talk.id, starts_at=later)
    moved = await pending(db, ATTENDEE_REMINDER.name)
    assert {r["id"] for r in moved}.isdisjoint(after.values())
    assert all(r["talk_start_ms"] == to_ms(talk.starts_at + timedelta(hours=2)) for r in moved)
    assert len(moved) == len(after)


async def test_a_reschedule_builds_no_attendee_row_on_the_event_loop(db, talk, talks, monkeypatch):
    # Building thousands of rows in Python blocked the event loop for up to 76 ms (issue 19 §6): SQLite plans them.
    from podium.delivery import outbox as outbox_module

    async with db.transaction() as tx:
        await tx.executemany("INSERT INTO attendees (talk_id, user_id, created_at_ms) VALUES (?, ?, 0)",
                             [(talk.id, 1000 + i) for i in range(200)])
    built = []
    real = outbox_module._upsert_values

    def counting(message, now):
        built.append(message.kind)
        return real(message, now)

    monkeypatch.setattr(outbox_module, "_upsert_values", counting)
    later = talk.starts_at + timedelta(hours=1)
    await talks.reschedule(guild_id=GUILD, actor=speaker, talk_id=talk.id, starts_at=later)
    assert len(await pending(db, ATTENDEE_REMINDER.name)) == 400
    assert len(await pending(db, ATTENDEE_NOTICE.name)) == 200
    assert built.count(ATTENDEE_REMINDER.name) == built.count(ATTENDEE_NOTICE.name) == 0
