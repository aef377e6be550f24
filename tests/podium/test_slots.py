"""🎤 Claiming a series' slots (issue 23 §2): the earliest open slot, the race for the last one, the limit per
evening, "Pick another", and the open-slots post planned, dropped and edited as slots fill and free up.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import timedelta

import pytest

from podium import slots, talks, weekly
from podium.clock import to_ms
from podium.i18n import ENGLISH
from podium.preferences import load_guild
from podium.talk_model import TalkError
from podium.talks import Actor
from tests import factories
from tests.podium.series_world import ANNOUNCE, GUILD, SERIES_CHANNEL, add_series, world


async def test_a_click_claims_the_earliest_open_slot_as_a_talk_of_the_evenings_time_and_length(db, clock):
    _, service = await world(db, clock)
    _, [evening_id, *_] = await add_series(db, clock, minutes=45, seat_limit=20)
    evening = await slots.load_evening(db, evening_id)
    first = await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=evening_id)
    second = await slots.claim(service, guild_id=GUILD, user_id=2, evening_id=evening_id)
    assert isinstance(first, slots.Claimed) and isinstance(second, slots.Claimed)
    assert (first.talk.slot, second.talk.slot) == (0, 1)
    assert first.talk.starts_at == evening.starts_at
    assert second.talk.starts_at == evening.starts_at + timedelta(minutes=45)
    assert (second.talk.duration_minutes, second.talk.seat_limit, second.talk.evening_id) == (45, 20, evening_id)
    assert second.talk.topic == "Rust Thursdays · 2" and second.talk.speaker_id == 2
    # A talk like any other: its speaker's reminders were planned with it.
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE talk_id = ? AND kind = 'talk_reminder'",
                             (first.talk.id,)) == 2


async def test_a_full_evening_offers_the_next_evening_with_an_open_slot(db, clock):
    _, service = await world(db, clock)
    _, [tonight, next_week, _] = await add_series(db, clock, slots_n=1)
    assert isinstance(await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=tonight), slots.Claimed)
    outcome = await slots.claim(service, guild_id=GUILD, user_id=2, evening_id=tonight)
    assert isinstance(outcome, slots.Full)
    assert next(e.id for e, _ in outcome.others) == next_week
    reply = slots.full_reply(outcome, ENGLISH)
    assert "taken" in reply.text
    [button] = reply.rows[0]["components"]
    assert button["custom_id"] == f"{slots.CLAIM}:{next_week}"


@pytest.mark.parametrize("clickers", [2, 60])
async def test_many_members_clicking_the_last_slot_at_once_exactly_one_holds_it(db, clock, clickers):
    _, service = await world(db, clock)
    _, [evening_id, next_week, _] = await add_series(db, clock, slots_n=1)
    outcomes = await asyncio.gather(*(slots.claim(service, guild_id=GUILD, user_id=100 + i, evening_id=evening_id)
                                      for i in range(clickers)))
    won = [o for o in outcomes if isinstance(o, slots.Claimed)]
    lost = [o for o in outcomes if isinstance(o, slots.Full)]
    assert len(won) == 1 and len(lost) == clickers - 1
    assert all(o.others and o.others[0][0].id == next_week for o in lost)
    assert await db.fetchval("SELECT count(*) FROM talks WHERE evening_id = ?", (evening_id,)) == 1


async def test_the_unique_index_alone_decides_the_race_without_the_friendly_check(db, clock, monkeypatch):
    # Two claims that both read the slot as free (a second process, a check made before the other's commit): the
    # talk's own write is refused by talks_by_slot, not by any check.
    async def nothing(tx, evening_id, slot):
        return None

    monkeypatch.setattr(talks, "_slot_free", nothing)
    _, service = await world(db, clock)
    _, [evening_id, *_] = await add_series(db, clock, slots_n=1)
    outcomes = await asyncio.gather(*(slots.claim(service, guild_id=GUILD, user_id=100 + i, evening_id=evening_id)
                                      for i in range(20)))
    assert sum(isinstance(o, slots.Claimed) for o in outcomes) == 1
    assert await db.fetchval("SELECT count(*) FROM talks") == 1  # the losers' talks rolled back whole
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await factories.add_talk(tx, evening_id=evening_id, slot=0)


async def test_a_cancelled_claim_frees_its_slot(db, clock):
    _, service = await world(db, clock)
    _, [evening_id, *_] = await add_series(db, clock, slots_n=1)
    first = await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=evening_id)
    assert isinstance(first, slots.Claimed)
    await service.cancel(guild_id=GUILD, actor=Actor(1), talk_id=first.talk.id)
    again = await slots.claim(service, guild_id=GUILD, user_id=2, evening_id=evening_id)
    assert isinstance(again, slots.Claimed) and again.talk.slot == 0


async def test_a_member_holds_one_slot_of_an_evening_unless_the_server_allows_more(db, clock):
    outbox, service = await world(db, clock)
    _, [evening_id, next_week, _] = await add_series(db, clock, slots_n=3)
    await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=evening_id)
    with pytest.raises(TalkError, match="already hold as many slots"):
        await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=evening_id)
    assert await db.fetchval("SELECT count(*) FROM talks WHERE speaker_id = 1") == 1  # nothing stored
    # Another evening is fine; and a server that allows two.
    assert isinstance(await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=next_week), slots.Claimed)
    await slots.save_settings(db, outbox, GUILD, clock.now(), per_member=2, days_before=None)
    assert isinstance(await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=evening_id), slots.Claimed)


async def test_settings_out_of_range_are_refused_with_an_example(db, clock):
    outbox, _ = await world(db, clock)
    with pytest.raises(TalkError, match="per-member:1"):
        await slots.save_settings(db, outbox, GUILD, clock.now(), per_member=0, days_before=None)
    with pytest.raises(TalkError, match="days-before:5"):
        await slots.save_settings(db, outbox, GUILD, clock.now(), per_member=None, days_before=40)
    assert await db.fetchval("SELECT count(*) FROM slot_settings") == 0


async def test_pick_another_moves_the_claim_without_releasing_it_first(db, clock):
    _, service = await world(db, clock)
    _, [evening_id, next_week, _] = await add_series(db, clock, slots_n=2)
    first = await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=evening_id)
    other = await slots.claim(service, guild_id=GUILD, user_id=2, evening_id=evening_id)
    assert isinstance(first, slots.Claimed) and isinstance(other, slots.Claimed)
    # The other slot of the evening is held: nothing changes, and the next evening is offered.
    taken = await slots.move_claim(service, guild_id=GUILD, user_id=1, talk_id=first.talk.id, evening_id=evening_id,
                                   slot=1)
    assert isinstance(taken, slots.Full) and taken.others[0][0].id == next_week
    # Told at once, and offered slots to move the same claim to (never a second claim).
    reply = slots.full_reply(taken, ENGLISH)
    assert reply.text.startswith("😕 That slot of **Rust Thursdays** was just taken")
    [row] = reply.rows
    assert row["components"][0]["custom_id"] == f"{slots.PICK}:{first.talk.id}"
    moved = await slots.move_claim(service, guild_id=GUILD, user_id=1, talk_id=first.talk.id, evening_id=next_week,
                                   slot=1)
    assert isinstance(moved, slots.Claimed)
    assert (moved.talk.id, moved.talk.evening_id, moved.talk.slot) == (first.talk.id, next_week, 1)
    evening = await slots.load_evening(db, next_week)
    assert moved.talk.starts_at == evening.slot_start(1)
    assert await slots.open_slots(db, await slots.load_evening(db, evening_id)) == [0]
    # Only the speaker (or a moderator) moves a claim: the one authorization rule.
    with pytest.raises(TalkError, match="Only the speaker"):
        await slots.move_claim(service, guild_id=GUILD, user_id=2, talk_id=first.talk.id, evening_id=evening_id,
                               slot=0)


async def test_skipped_evenings_and_ended_series_cannot_be_claimed(db, clock):
    _, service = await world(db, clock)
    series_id, [evening_id, next_week, _] = await add_series(db, clock)
    async with db.transaction() as tx:
        await tx.execute("UPDATE series_evenings SET state = 'skipped' WHERE id = ?", (evening_id,))
    with pytest.raises(TalkError, match="skipped"):
        await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=evening_id)
    async with db.transaction() as tx:
        await tx.execute("UPDATE series SET state = 'ended' WHERE id = ?", (series_id,))
    with pytest.raises(TalkError, match="ended"):
        await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=next_week)
    with pytest.raises(TalkError, match="can't find"):
        await slots.claim(service, guild_id=GUILD + 1, user_id=1, evening_id=next_week)
    assert await db.fetchval("SELECT count(*) FROM talks") == 0


async def open_slot_rows(db):
    return [dict(r) for r in await db.fetchall(
        "SELECT dedupe_key, state, due_at_ms, channel_id, payload FROM outbox WHERE kind = ? ORDER BY id",
        (slots.OPEN_SLOTS.name,))]


async def test_open_slots_are_announced_five_days_before_and_dropped_when_every_slot_is_taken(db, clock):
    outbox, service = await world(db, clock)
    _, [evening_id, *_] = await add_series(db, clock, slots_n=1, first_in=timedelta(days=5, hours=1))
    async with db.transaction() as tx:
        await slots.plan_open_slots(tx, outbox, GUILD, clock.now())
    [row] = await open_slot_rows(db)
    evening = await slots.load_evening(db, evening_id)
    assert (row["state"], row["channel_id"]) == ("pending", SERIES_CHANNEL)
    assert row["due_at_ms"] == to_ms(evening.starts_at - timedelta(days=5))
    claimed = await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=evening_id)
    assert [r["state"] for r in await open_slot_rows(db)] == ["cancelled"]  # no post when every slot is taken
    await service.cancel(guild_id=GUILD, actor=Actor(1), talk_id=claimed.talk.id)
    assert [r["state"] for r in await open_slot_rows(db)] == ["pending"]  # open again: announced again
    async with db.transaction() as tx:  # the hourly pass plans it once, whatever how often it runs
        await slots.plan_open_slots(tx, outbox, GUILD, clock.now())
        await slots.plan_open_slots(tx, outbox, GUILD, clock.now())
    assert len(await open_slot_rows(db)) == 1


async def test_days_before_is_a_setting(db, clock):
    outbox, _ = await world(db, clock)
    _, [evening_id, *_] = await add_series(db, clock, first_in=timedelta(days=2))
    await slots.save_settings(db, outbox, GUILD, clock.now(), per_member=None, days_before=1)
    evening = await slots.load_evening(db, evening_id)
    async with db.transaction() as tx:  # a day ahead of its post: the hourly pass plans it later
        await slots.plan_open_slots(tx, outbox, GUILD, clock.now())
    assert await open_slot_rows(db) == []
    clock.set(evening.starts_at - timedelta(days=1, minutes=30))
    async with db.transaction() as tx:
        await slots.plan_open_slots(tx, outbox, GUILD, clock.now())
    [row] = await open_slot_rows(db)
    assert row["due_at_ms"] == to_ms(evening.starts_at - timedelta(days=1))


async def test_the_open_slots_post_lists_open_slots_with_the_claim_button_and_greys_it_out_once_full(db, clock):
    _outbox, service = await world(db, clock)
    _, [evening_id, *_] = await add_series(db, clock, slots_n=2)
    from podium.delivery.render import RenderContext, render
    payload = await slots.open_slots_payload(db, evening_id, clock.now())
    body = render(RenderContext(slots.OPEN_SLOTS.name, payload, None, clock.now(), clock.now(), via="channel"),
                  mention_user_id=None)
    assert "2 open slots of 2" in body["content"] and "you" not in body["content"].lower().split()
    [button] = body["components"][0]["components"]
    assert button["custom_id"] == f"{slots.CLAIM}:{evening_id}" and not button.get("disabled")
    for user in (1, 2):
        await slots.claim(service, guild_id=GUILD, user_id=user, evening_id=evening_id)
    payload = await slots.open_slots_payload(db, evening_id, clock.now())
    body = render(RenderContext(slots.OPEN_SLOTS.name, payload, None, clock.now(), clock.now(), via="channel"),
                  mention_user_id=None)
    assert "every slot is taken" in body["content"]
    assert body["components"][0]["components"][0]["disabled"] is True


async def test_a_sent_open_slots_post_is_edited_when_a_slot_is_claimed(db, clock):
    outbox, service = await world(db, clock)
    _, [evening_id, *_] = await add_series(db, clock, slots_n=2, first_in=timedelta(days=1))
    async with db.transaction() as tx:
        await slots.plan_open_slots(tx, outbox, GUILD, clock.now())
        await tx.execute("UPDATE outbox SET state = 'sent', message_id = 555, delivered_channel_id = ?"
                         " WHERE kind = ?", (SERIES_CHANNEL, slots.OPEN_SLOTS.name))
    for user in (1, 2):  # two claims in a row: one edit, showing both
        await slots.claim(service, guild_id=GUILD, user_id=user, evening_id=evening_id)
    [edit] = await db.fetchall("SELECT state, channel_id, payload FROM outbox WHERE kind = ?",
                               (slots.OPEN_SLOTS_UPDATE.name,))
    assert (edit["state"], edit["channel_id"]) == ("pending", SERIES_CHANNEL)
    assert json.loads(edit["payload"]) == {"evening_id": evening_id, "message_id": 555}


async def test_a_server_with_series_gets_open_slots_posts_instead_of_the_generic_call_for_speakers(db, clock):
    outbox, _ = await world(db, clock)
    async with db.transaction() as tx:
        guild = await load_guild(tx, GUILD)
        assert await slots.has_series(tx, GUILD, clock.now()) is False
    await add_series(db, clock)
    async with db.transaction() as tx:
        assert await weekly.check_engagement(tx, outbox, guild, clock.now() + weekly.FIRST_CALL_WAIT) is None
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE kind = 'engagement_prompt'") == 0


async def test_the_weekly_summary_lists_the_weeks_evenings_with_open_slots_and_their_claim_buttons(db, clock):
    from podium.delivery.render import RenderContext, render

    _, service = await world(db, clock)
    _, [tonight, next_week, _] = await add_series(db, clock, slots_n=2, first_in=timedelta(days=2))
    await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=tonight)
    payload = await weekly.summary_payload(db, GUILD, clock.now())
    # Only this week's evenings (next week's is 9 days away), with what is still open.
    assert payload["open_evenings"] == [{"evening_id": tonight, "series": "Rust Thursdays",
                                         "start_ms": to_ms(clock.now() + timedelta(days=2)), "open": 1}]
    for locale, words in (("en-US", "1 open slot"), ("de", "1 freier Slot")):
        body = render(RenderContext(weekly.WEEKLY_SUMMARY.name, payload, None, clock.now(), clock.now(),
                                    via="channel", locale=locale), mention_user_id=None)
        assert words in body["embeds"][-1]["description"]
        assert f"{slots.CLAIM}:{tonight}" in [c.get("custom_id") for row in body["components"]
                                              for c in row["components"]]
    await slots.claim(service, guild_id=GUILD, user_id=2, evening_id=tonight)
    assert (await weekly.summary_payload(db, GUILD, clock.now()))["open_evenings"] == []
    assert next_week


async def test_a_servers_feed_shows_each_evening_beside_its_talks_and_a_skipped_one_as_cancelled(db, clock):
    from ical.calendar_stream import IcsCalendarStream
    from icalendar import Calendar

    from podium.calendar_feed import Calendars

    _, service = await world(db, clock)
    _, [tonight, next_week, _] = await add_series(db, clock, slots_n=2, minutes=30)
    claimed = await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=tonight)
    calendars = Calendars(db, clock)
    feed = await calendars.feed(await calendars.token(GUILD))

    def events(body):
        IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))  # the strict RFC 5545 parser accepts it too
        return {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}

    first = await calendars.body(feed, name="Talks")
    found = events(first.body)
    evening = found[f"evening-{tonight}-{GUILD}@podium"]
    assert (str(evening["SUMMARY"]), str(evening["STATUS"])) == ("Rust Thursdays", "CONFIRMED")
    assert evening["DTEND"].dt - evening["DTSTART"].dt == timedelta(minutes=60)  # both slots
    assert f"talk-{claimed.talk.id}-{GUILD}@podium" in found  # the evening's talk, as any talk
    async with db.transaction() as tx:  # series-core's /series skip marks it so
        await tx.execute("UPDATE series_evenings SET state = 'skipped', skip_reason = 'Holiday' WHERE id = ?",
                         (next_week,))
    second = await calendars.body(feed, name="Talks")
    assert second.etag != first.etag
    skipped = events(second.body)[f"evening-{next_week}-{GUILD}@podium"]
    assert str(skipped["STATUS"]) == "CANCELLED" and "Holiday" in str(skipped["DESCRIPTION"])
    assert int(skipped["SEQUENCE"]) > int(events(first.body)[f"evening-{next_week}-{GUILD}@podium"]["SEQUENCE"])
    # A member's own feed holds their talks only.
    mine = await calendars.feed(await calendars.token(GUILD, 1))
    assert [uid for uid in events((await calendars.body(mine, name="Mine")).body) if uid.startswith("evening-")] == []


async def test_one_discord_event_per_evening_with_a_claimed_slot_kept_in_step_with_its_slots(db, clock):
    from podium.delivery.dispatcher import Dispatcher
    from podium.delivery.pacing import Pacer
    from tests.doubles import EventsTransport

    outbox, service = await world(db, clock)
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, events_enabled=1, events_location="#talks")
    transport = EventsTransport(clock)
    dispatcher = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000))

    async def run_due():
        for _ in range(3):
            for row in await outbox.claim_due(clock.now(), 100):
                await dispatcher.deliver(row)
            clock.advance(10)

    _, [tonight, next_week, _] = await add_series(db, clock, slots_n=2)
    await run_due()
    assert transport.events == {}  # no evening has a claimed slot: no event
    first = await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=tonight)
    await run_due()
    second = await slots.claim(service, guild_id=GUILD, user_id=2, evening_id=tonight)
    await run_due()
    [event] = transport.events.values()  # one for the evening, none for either slot's talk
    evening = await slots.load_evening(db, tonight)
    assert event["name"] == "Rust Thursdays" and event["status"] == 1
    assert event["scheduled_start_time"] == evening.starts_at.isoformat()
    assert event["scheduled_end_time"] == evening.ends_at.isoformat()
    assert "Rust Thursdays · 1" in event["description"] and "Rust Thursdays · 2" in event["description"]
    assert event["description"].endswith(f"Podium evening #{tonight}")
    assert await db.fetchval("SELECT event_id FROM series_evenings WHERE id = ?", (tonight,)) == int(event["id"])
    assert await db.fetchval("SELECT count(*) FROM talks WHERE event_id IS NOT NULL") == 0
    # Both released: the evening no longer has a talk, so its event is cancelled.
    for claimed, user in ((first, 1), (second, 2)):
        await service.cancel(guild_id=GUILD, actor=Actor(user), talk_id=claimed.talk.id)
    await run_due()
    assert event["id"] and transport.events[int(event["id"])]["status"] == 4
    assert await db.fetchval("SELECT event_id FROM series_evenings WHERE id = ?", (tonight,)) is None
    assert next_week


async def test_an_open_slots_post_of_an_evening_skipped_later_is_edited_to_say_so_once(db, clock):
    from podium.delivery.render import RenderContext, render

    outbox, _ = await world(db, clock)
    _, [evening_id, *_] = await add_series(db, clock, slots_n=2, first_in=timedelta(days=1))
    async with db.transaction() as tx:
        await slots.plan_open_slots(tx, outbox, GUILD, clock.now())
        await tx.execute("UPDATE outbox SET state = 'sent', message_id = 555, delivered_channel_id = ?"
                         " WHERE kind = ?", (SERIES_CHANNEL, slots.OPEN_SLOTS.name))
        await tx.execute("UPDATE series_evenings SET state = 'skipped' WHERE id = ?", (evening_id,))
    for _ in range(2):  # the hourly pass, twice: one edit
        async with db.transaction() as tx:
            await slots.plan_open_slots(tx, outbox, GUILD, clock.now())
    [edit] = await db.fetchall("SELECT payload FROM outbox WHERE kind = ?", (slots.OPEN_SLOTS_UPDATE.name,))
    assert json.loads(edit["payload"]) == {"evening_id": evening_id, "message_id": 555}
    payload = await slots.open_slots_payload(db, evening_id, clock.now())
    body = render(RenderContext(slots.OPEN_SLOTS.name, payload, None, clock.now(), clock.now(), via="channel"),
                  mention_user_id=None)
    assert "is skipped" in body["content"] and body["components"][0]["components"][0]["disabled"] is True


async def test_an_open_slots_post_still_waiting_for_an_evening_skipped_meanwhile_is_dropped(db, clock):
    outbox, _ = await world(db, clock)
    _, [evening_id, *_] = await add_series(db, clock, slots_n=2, first_in=timedelta(days=5, hours=1))
    async with db.transaction() as tx:
        await slots.plan_open_slots(tx, outbox, GUILD, clock.now())
        await tx.execute("UPDATE series_evenings SET state = 'skipped' WHERE id = ?", (evening_id,))
    async with db.transaction() as tx:
        await slots.plan_open_slots(tx, outbox, GUILD, clock.now())
    assert [r["state"] for r in await open_slot_rows(db)] == ["cancelled"]


async def test_moving_a_claim_to_an_evening_where_the_member_holds_a_slot_is_refused(db, clock):
    _, service = await world(db, clock)
    _, [tonight, next_week, _] = await add_series(db, clock, slots_n=2)
    first = await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=tonight)
    await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=next_week)
    with pytest.raises(TalkError, match="already hold as many slots"):
        await slots.move_claim(service, guild_id=GUILD, user_id=1, talk_id=first.talk.id, evening_id=next_week,
                               slot=1)
    assert (await service.find(first.talk.id)).evening_id == tonight  # nothing changed


async def test_a_free_talk_inside_an_evening_is_refused_and_one_from_before_it_leaves_the_next_slot_claimable(
        db, clock):
    # Review r23e: the evening's time is the series'; a talk there made every Claim fail "That overlaps with…".
    _, service = await world(db, clock)
    start = clock.now() + timedelta(days=2)
    # Scheduled before the series had this evening: it stays, and the claim takes the slot after it.
    early = await service.add(guild_id=GUILD, actor=Actor(9), speaker_id=9, topic="Free", starts_at=start,
                              duration_minutes=30)
    _, [evening_id, *_] = await add_series(db, clock, slots_n=2, minutes=30, first_in=timedelta(days=2))
    with pytest.raises(TalkError, match="is an evening of"):
        await service.add(guild_id=GUILD, actor=Actor(8), speaker_id=8, topic="Later",
                          starts_at=start + timedelta(minutes=30), duration_minutes=15)
    outcome = await slots.claim(service, guild_id=GUILD, user_id=7, evening_id=evening_id)
    assert isinstance(outcome, slots.Claimed) and outcome.talk.slot == 1
    assert early.evening_id is None
