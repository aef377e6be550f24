"""Review of issue 23 §1 (series): skips, "every other" and `until` through /series edit."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest

from podium.clock import from_ms
from podium.errors import UserError
from podium.series import SeriesError
from tests.podium.series_helpers import (
    GUILD,
    MOD,
    MODERATOR,
    build,
    claim,
    evening_rows,
    local_date,
    sent_open_slots_post,
)


async def test_a_skipped_holiday_stays_skipped_when_the_series_time_changes(db, clock):
    """/series skip 24 Dec, then /series edit every:thursday 19:30: the holiday must not come back as open."""
    _, _, service = await build(db, clock)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00")
    holiday = (await evening_rows(db, series.id))[2]
    day = local_date(holiday["starts_at_ms"])
    await service.skip(guild_id=GUILD, actor=MODERATOR, series_id=series.id, day=day.isoformat(), reason="Holiday")
    await service.edit(guild_id=GUILD, actor=MODERATOR, series_id=series.id, every="thursday 19:30")
    on_that_day = [r for r in await evening_rows(db, series.id) if local_date(r["starts_at_ms"]) == day]
    # Defect: the skipped, unclaimed evening is deleted as "stale" and a fresh open 19:30 evening is made on the
    # holiday, claimable and announced again.
    assert on_that_day and all(r["state"] == "skipped" for r in on_that_day), on_that_day


async def test_a_skipped_evening_with_a_cancelled_claim_gets_no_open_twin_when_the_time_changes(db, clock):
    _, _, service = await build(db, clock)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00")
    holiday = (await evening_rows(db, series.id))[2]
    day = local_date(holiday["starts_at_ms"])
    await claim(db, holiday["id"], 0, from_ms(holiday["starts_at_ms"]))
    skipped = await service.skip(guild_id=GUILD, actor=MODERATOR, series_id=series.id, day=day.isoformat())
    assert skipped.cancelled == 1
    await service.edit(guild_id=GUILD, actor=MODERATOR, series_id=series.id, every="thursday 19:30")
    states = [r["state"] for r in await evening_rows(db, series.id) if local_date(r["starts_at_ms"]) == day]
    # Defect: the skipped row is kept (a cancelled talk references it) AND an open 19:30 evening is added that day.
    assert states == ["skipped"], states


async def test_changing_the_time_of_an_every_other_series_keeps_its_fortnight_and_its_claimed_talk(db, clock):
    """"every other tuesday 18:30" → "every other tuesday 19:00", edited in the off week.

    The evenings must stay on their Tuesdays (at 19:00); the re-parse anchors the rule at the edit's week instead,
    so every evening flips by a week and a claimed talk is moved a WEEK EARLIER (with a reschedule notice).
    """
    _, _, service = await build(db, clock)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Go", every="every other tuesday 18:30")
    rows = await evening_rows(db, series.id)
    first, second = rows[0], rows[1]
    assert (from_ms(second["starts_at_ms"]) - from_ms(first["starts_at_ms"])).days == 14
    talk = await claim(db, second["id"], 0, from_ms(second["starts_at_ms"]))
    # The day after the first evening: an off week.
    clock.advance(from_ms(first["starts_at_ms"]) - clock.now() + timedelta(days=1))
    dates_before = {local_date(r["starts_at_ms"]) for r in await evening_rows(db, series.id)
                    if from_ms(r["starts_at_ms"]) > clock.now()}
    await service.edit(guild_id=GUILD, actor=MODERATOR, series_id=series.id, every="every other tuesday 19:00")
    talk_start = await db.fetchval("SELECT starts_at_ms FROM talks WHERE id = ?", (talk,))
    assert local_date(talk_start) == local_date(second["starts_at_ms"]), (
        f"claimed talk moved from {local_date(second['starts_at_ms'])} to {local_date(talk_start)}")
    dates_after = {local_date(r["starts_at_ms"]) for r in await evening_rows(db, series.id)
                   if from_ms(r["starts_at_ms"]) > clock.now()}
    assert min(dates_after) == min(dates_before)


async def test_edit_refuses_an_until_that_leaves_no_evening_as_create_does(db, clock):
    """Bad input changes nothing stored: create refuses an `until` before every evening; edit must too."""
    _, _, service = await build(db, clock)
    with pytest.raises(SeriesError, match="until"):
        await service.create(guild_id=GUILD, actor=MODERATOR, name="Old", every="thursday 19:00", until="2020-01-01")
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00")
    before = await evening_rows(db, series.id)
    with pytest.raises(SeriesError):
        await service.edit(guild_id=GUILD, actor=MODERATOR, series_id=series.id, until="2020-01-01")
    assert await evening_rows(db, series.id) == before


# -- claiming (issue 23 §2, §3, §6) ------------------------------------------------------------------------------


async def test_a_claim_pending_approval_is_not_mirrored_to_the_evenings_discord_event(db, clock):
    """§3: "nothing is announced, mirrored or reminded before approval". The evening's Discord event is made from
    every held slot, pending ones too: a pending sign-up's topic goes public in Discord's Events list.
    """
    from podium import slots
    from podium.delivery.dispatcher import Dispatcher
    from podium.delivery.pacing import Pacer
    from podium.workflow import Workflow
    from tests import factories
    from tests.doubles import EventsTransport
    from tests.podium.series_world import ANNOUNCE, add_series, world

    outbox, service = await world(db, clock)
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, log_channel_id=556, events_enabled=1,
                              events_location="#talks")
    await Workflow(db, outbox, clock, service.hooks).configure(GUILD, approval=True)
    transport = EventsTransport(clock)
    dispatcher = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000))
    _, [tonight, *_] = await add_series(db, clock, slots_n=2)
    claimed = await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=tonight, topic="Secret signup")
    assert claimed.talk.approval == "pending"
    # A moderator signs up for the evening's other slot (approved at once): the evening now gets its event.
    evening = await slots.load_evening(db, tonight)
    mod = await service.add(guild_id=GUILD, actor=MODERATOR, speaker_id=MOD, topic="Approved talk",
                            starts_at=evening.slot_start(1), duration_minutes=evening.slot_minutes,
                            evening_id=tonight, slot=1)
    assert mod.approval == "approved"
    for _ in range(3):
        for row in await outbox.claim_due(clock.now(), 100):
            await dispatcher.deliver(row)
        clock.advance(10)
    [event] = transport.events.values()
    assert "Approved talk" in event["description"]
    assert "Secret signup" not in event["description"], event["description"]


async def _edits_of_555(db):
    from podium import slots
    rows = await db.fetchall("SELECT payload FROM outbox WHERE kind = ? AND state = 'pending'",
                             (slots.OPEN_SLOTS_UPDATE.name,))
    # The outbox stores compact JSON ('"message_id":555'): read it, rather than match one spacing of it.
    import json
    return [r for r in rows if json.loads(r["payload"]).get("message_id") == 555]


async def test_ending_a_series_edits_its_sent_open_slots_post(db, clock):
    """/series end deletes the unclaimed coming evenings; their sent "who wants to speak?" post keeps an active
    🎤 Claim button (answering "I can't find that evening") and is never edited: a public post left untrue.
    """
    from podium import slots
    outbox, _talks, service = await build(db, clock)
    series, _ = await sent_open_slots_post(db, outbox, service, clock)
    await service.end(guild_id=GUILD, actor=MODERATOR, series_id=series.id)
    async with db.transaction() as tx:
        await slots.plan_open_slots(tx, outbox, GUILD, clock.now())
    assert await _edits_of_555(db), "the open-slots post of an ended series is never edited"


async def test_changing_a_series_time_edits_its_sent_open_slots_post(db, clock):
    """/series edit every:thursday 19:30: the unclaimed evening is deleted and made again (a new id); the sent
    open-slots post still shows 19:00 and its Claim button points at the deleted evening.
    """
    from podium import slots
    outbox, _talks, service = await build(db, clock)
    series, post = await sent_open_slots_post(db, outbox, service, clock)
    await service.edit(guild_id=GUILD, actor=MODERATOR, series_id=series.id, every="thursday 19:30")
    async with db.transaction() as tx:
        await slots.plan_open_slots(tx, outbox, GUILD, clock.now())
    import json
    old_evening = json.loads(post["payload"])["evening_id"]
    still_there = await db.fetchval("SELECT count(*) FROM series_evenings WHERE id = ?", (old_evening,))
    assert still_there or await _edits_of_555(db), "the post's evening is gone and the post is never edited"


async def test_the_per_member_limit_holds_when_approval_is_on(db, clock):
    """§2: "The speaker limit per member (one slot per evening) is enforced at the claim". The limit is a talk
    subscriber that does not hear of pending sign-ups, so with approval on one member claims every slot of an
    evening (and the moderator can then approve none of them: the limit fires at the approval).
    """
    from podium import slots
    from podium.talk_model import TalkError
    from podium.workflow import Workflow
    from tests import factories
    from tests.podium.series_world import ANNOUNCE, add_series, world

    outbox, service = await world(db, clock)
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, log_channel_id=556)
    await Workflow(db, outbox, clock, service.hooks).configure(GUILD, approval=True)
    _, [tonight, *_] = await add_series(db, clock, slots_n=3)
    first = await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=tonight)
    assert first.talk.approval == "pending"
    with pytest.raises(TalkError, match="already hold"):
        await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=tonight)
    assert await db.fetchval("SELECT count(*) FROM talks WHERE evening_id = ? AND state = 'scheduled'",
                             (tonight,)) == 1


async def test_fewer_slots_never_leaves_an_evening_holding_more_talks_than_it_has_slots(db, clock):
    """/series edit slots:1 while slot 2 is claimed and slot 1 free: the evening is "1 slot" but a member still
    claims slot 1 — two talks on a one-slot evening (and /series list says 0 of 1 open while the Claim works).
    """
    from podium import slots
    from tests.podium.series_world import world

    outbox, talks = await world(db, clock)
    from podium.series import SeriesService
    service = SeriesService(db, outbox, clock, talks)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00", slots=2,
                                  slot_minutes=30)
    evening_id = (await evening_rows(db, series.id))[1]["id"]
    evening = await slots.load_evening(db, evening_id)
    await slots.claim(talks, guild_id=GUILD, user_id=1, evening_id=evening_id, slot=1)
    await service.edit(guild_id=GUILD, actor=MODERATOR, series_id=series.id, slots=1)
    with contextlib.suppress(UserError):  # a refusal is a fine answer
        await slots.claim(talks, guild_id=GUILD, user_id=2, evening_id=evening_id)
    held = await db.fetchval("SELECT count(*) FROM talks WHERE evening_id = ? AND state = 'scheduled'", (evening_id,))
    assert held <= 1, f"{held} talks hold slots of a 1-slot evening ({evening.starts_at})"


async def test_renaming_a_series_renames_its_evenings_discord_event(db, clock):
    """/series edit name: the evening's Discord event (named after the series) must follow, as the series post and
    the feeds do; only a change of who holds a slot syncs it, so the public event keeps the old name.
    """
    from podium import slots
    from podium.delivery.dispatcher import Dispatcher
    from podium.delivery.pacing import Pacer
    from podium.series import SeriesService
    from tests import factories
    from tests.doubles import EventsTransport
    from tests.podium.series_world import ANNOUNCE, world

    outbox, talks = await world(db, clock)
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, events_enabled=1, events_location="#talks")
    service = SeriesService(db, outbox, clock, talks)
    transport = EventsTransport(clock)
    dispatcher = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000))

    async def run_due():
        for _ in range(3):
            for row in await outbox.claim_due(clock.now(), 100):
                await dispatcher.deliver(row)
            clock.advance(10)

    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust Thursdays", every="thursday 19:00")
    evening_id = (await evening_rows(db, series.id))[1]["id"]
    await slots.claim(talks, guild_id=GUILD, user_id=1, evening_id=evening_id)
    await run_due()
    [event] = [e for e in transport.events.values() if str(e.get("description", "")).endswith(f"#{evening_id}")]
    assert event["name"] == "Rust Thursdays"
    await service.edit(guild_id=GUILD, actor=MODERATOR, series_id=series.id, name="Rust Evenings")
    await run_due()
    [event] = [e for e in transport.events.values() if str(e.get("description", "")).endswith(f"#{evening_id}")]
    assert event["name"] == "Rust Evenings"


async def test_a_pending_claim_keeps_the_sent_open_slots_post_true(db, clock):
    """§3: "a slot held by a pending sign-up shows as pending". With approval on, a claim holds the slot (no one
    else can take it) but the sent open-slots post is never edited: it still offers the slot as open.
    """
    from podium import slots
    from podium.workflow import Workflow
    from tests import factories
    from tests.podium.series_world import ANNOUNCE, SERIES_CHANNEL, add_series, world

    outbox, service = await world(db, clock)
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, log_channel_id=556)
    await Workflow(db, outbox, clock, service.hooks).configure(GUILD, approval=True)
    _, [evening_id, *_] = await add_series(db, clock, slots_n=1, first_in=timedelta(days=1))
    async with db.transaction() as tx:
        await slots.plan_open_slots(tx, outbox, GUILD, clock.now())
        await tx.execute(
            "UPDATE outbox SET state = 'sent', message_id = 555, delivered_channel_id = ? WHERE kind = ?",
            (SERIES_CHANNEL, slots.OPEN_SLOTS.name),
        )
    claimed = await slots.claim(service, guild_id=GUILD, user_id=1, evening_id=evening_id)
    assert claimed.talk.approval == "pending"
    assert isinstance(await slots.claim(service, guild_id=GUILD, user_id=2, evening_id=evening_id), slots.Full)
    assert await _edits_of_555(db), "the post still says the held slot is open"


async def test_an_evening_after_a_new_until_takes_no_more_claims(db, clock):
    """/series edit until: an evening after the new last date is no longer the series'. One with a claim is kept
    (its talk stays), but its other slots stay open: still claimable, offered and announced beyond `until`.
    """
    from podium import slots
    from tests.podium.series_world import world

    outbox, talks = await world(db, clock)
    from podium.series import SeriesService

    service = SeriesService(db, outbox, clock, talks)
    series = await service.create(
        guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00", slots=2, slot_minutes=30
    )
    rows = await evening_rows(db, series.id)
    late = rows[3]
    await slots.claim(talks, guild_id=GUILD, user_id=1, evening_id=late["id"])
    until = local_date(rows[1]["starts_at_ms"]).isoformat()
    await service.edit(guild_id=GUILD, actor=MODERATOR, series_id=series.id, until=until)
    offered = await slots.evenings_with_open_slots(db, GUILD, clock.now(), series_id=series.id, limit=10)
    assert late["id"] not in [evening.id for evening, _ in offered], "an evening after `until` is still offered"
