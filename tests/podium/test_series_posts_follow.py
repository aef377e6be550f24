"""A series change reaches its evenings' public posts, and what follows from review 23 (r23a)'s fixes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from podium import slots
from podium.clock import from_ms, to_ms
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.pacing import Pacer
from podium.delivery.render import RenderContext, render
from podium.talk_model import TalkError
from tests.doubles import ScriptedTransport
from tests.podium.series_helpers import (
    BERLIN,
    GUILD,
    MODERATOR,
    build,
    claim,
    evening_rows,
    local_date,
    sent_open_slots_post,
)


async def _deliver(db, outbox, clock, transport):
    dispatcher = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000))
    clock.advance(slots.EDIT_HOLD + timedelta(seconds=1))
    for row in await outbox.claim_due(clock.now(), 100):
        await dispatcher.deliver(row)
    return [call for call in transport.calls if call[0] == "edit" and call[2] == 555]


async def test_ending_a_series_edits_its_open_slots_post_to_say_the_evening_is_no_longer_planned(db, clock):
    outbox, _talks, service = await build(db, clock)
    series, _ = await sent_open_slots_post(db, outbox, service, clock)
    await service.end(guild_id=GUILD, actor=MODERATOR, series_id=series.id)
    [edit] = await _deliver(db, outbox, clock, ScriptedTransport(clock))
    body = edit[3]
    assert "is no longer planned" in body["content"], body
    assert body["components"][0]["components"][0]["disabled"] is True


async def test_a_time_change_moves_the_unclaimed_evening_and_its_post_shows_the_new_time(db, clock):
    outbox, _talks, service = await build(db, clock)
    series, _ = await sent_open_slots_post(db, outbox, service, clock)
    first = (await evening_rows(db, series.id))[0]
    await service.edit(guild_id=GUILD, actor=MODERATOR, series_id=series.id, every="thursday 19:30")
    moved = await db.fetchval("SELECT starts_at_ms FROM series_evenings WHERE id = ?", (first["id"],))
    assert from_ms(moved).astimezone(BERLIN).strftime("%H:%M") == "19:30"
    [edit] = await _deliver(db, outbox, clock, ScriptedTransport(clock))
    assert f"<t:{moved // 1000}" in edit[3]["content"] and "2 open slots" in edit[3]["content"]


async def test_an_evening_after_a_new_until_keeps_its_talk_and_its_post_stops_offering_slots(db, clock):
    _, talks, service = await build(db, clock)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00", slots=2)
    rows = await evening_rows(db, series.id)
    talk = await claim(db, rows[3]["id"], 0, from_ms(rows[3]["starts_at_ms"]))
    await service.edit(guild_id=GUILD, actor=MODERATOR, series_id=series.id,
                       until=local_date(rows[1]["starts_at_ms"]).isoformat())
    assert await db.fetchval("SELECT state FROM talks WHERE id = ?", (talk,)) == "scheduled"
    payload = await slots.open_slots_payload(db, rows[3]["id"], clock.now())
    assert payload["closed"] and payload["open"] == []
    for locale, words in (("en-US", "can't be claimed any more"), ("de", "nicht mehr übernommen")):
        body = render(RenderContext(slots.OPEN_SLOTS.name, payload, None, clock.now(), clock.now(), via="channel",
                                    locale=locale), mention_user_id=None)
        assert words in body["content"] and body["components"][0]["components"][0]["disabled"] is True
    with pytest.raises(TalkError) as refused:
        await slots.claim(talks, guild_id=GUILD, user_id=7, evening_id=rows[3]["id"])
    assert "ends before that evening" in refused.value.message
    # Once the series' last evening is past, the one kept for its talk is not named its next.
    clock.advance(from_ms(rows[1]["starts_at_ms"]) - clock.now() + timedelta(hours=3))
    [overview] = await service.overview(GUILD)
    assert overview.next_evening is None, overview


async def test_an_every_other_series_moved_to_another_weekday_stays_in_its_weeks(db, clock):
    _, _, service = await build(db, clock)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Go", every="every other tuesday 18:30")
    tuesdays = [local_date(r["starts_at_ms"]) for r in await evening_rows(db, series.id)]
    clock.advance(timedelta(days=8))  # an off week
    await service.edit(guild_id=GUILD, actor=MODERATOR, series_id=series.id, every="every other wednesday 18:30")
    wednesdays = [local_date(r["starts_at_ms"]) for r in await evening_rows(db, series.id)
                  if from_ms(r["starts_at_ms"]) > clock.now()]
    # Each Wednesday is the day after one of the old Tuesdays, not the week between them.
    assert all(day - timedelta(days=1) in tuesdays for day in wednesdays[:3]), (tuesdays, wednesdays)


async def test_an_evening_only_a_cancelled_talk_references_is_not_offered_once_the_rule_leaves_it(db, clock):
    """Thursday → Friday: a Thursday a cancelled talk still references cannot be deleted, but takes no claims."""
    _, talks, service = await build(db, clock)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00")
    thursday = (await evening_rows(db, series.id))[1]
    talk = await claim(db, thursday["id"], 0, from_ms(thursday["starts_at_ms"]))
    async with db.transaction() as tx:  # cancelled as /schedule cancel leaves it: the row keeps its evening
        await tx.execute("UPDATE talks SET state = 'cancelled' WHERE id = ?", (talk,))
    await service.edit(guild_id=GUILD, actor=MODERATOR, series_id=series.id, every="friday 19:00")
    assert await db.fetchval("SELECT state FROM series_evenings WHERE id = ?", (thursday["id"],)) == "skipped"
    offered = await slots.evenings_with_open_slots(db, GUILD, clock.now(), series_id=series.id, limit=20)
    assert all(local_date(to_ms(evening.starts_at)).weekday() == 4 for evening, _ in offered)
    with pytest.raises(TalkError):
        await slots.claim(talks, guild_id=GUILD, user_id=7, evening_id=thursday["id"])
