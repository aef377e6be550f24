"""Series and their evenings: made 8 weeks ahead idempotently, future-only re-plans, skip, end, and the post."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from podium.clock import from_ms, to_ms
from podium.errors import UserError
from podium.planner import Planner
from podium.series import HORIZON, SERIES_POST, SERIES_POST_UPDATE, SeriesError, claimed_talks
from podium.talks import Actor
from tests import factories
from tests.podium.series_helpers import ANNOUNCE, GUILD, MODERATOR, SPEAKER, build, claim, evening_rows


def local(ms, zone="Europe/Berlin"):
    return from_ms(ms).astimezone(ZoneInfo(zone)).strftime("%a %H:%M")


async def test_create_plans_eight_weeks_of_evenings_at_local_time_and_queues_the_post(db, clock):
    _, _, service = await build(db, clock)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust Thursdays", every="thursday 19:00",
                                  slots=2, slot_minutes=30)
    rows = await evening_rows(db, series.id)
    assert len(rows) == 8
    assert {local(r["starts_at_ms"]) for r in rows} == {"Thu 19:00"}
    assert all(clock.now() < from_ms(r["starts_at_ms"]) <= clock.now() + HORIZON for r in rows)
    [post] = await db.fetchall("SELECT kind, target_type, guild_id, channel_id FROM outbox WHERE kind = ?",
                               (SERIES_POST.name,))
    assert (post["target_type"], post["guild_id"], post["channel_id"]) == ("channel", GUILD, None)
    assert series.timezone == "Europe/Berlin" and series.slots == 2


async def test_a_second_planner_pass_writes_nothing_and_a_later_one_adds_only_the_new_week(db, clock):
    outbox, _, service = await build(db, clock)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00")
    planner = Planner(db, outbox, clock, series=service)
    before = await evening_rows(db, series.id)
    changes = db_changes = await db.fetchval("SELECT total_changes()")
    assert await service.plan_all() == 0
    await planner.run_once()
    assert await evening_rows(db, series.id) == before
    assert await db.fetchval("SELECT total_changes()") == db_changes == changes
    clock.advance(timedelta(days=7))
    assert await service.plan_all() == 1
    after = await evening_rows(db, series.id)
    assert [r["id"] for r in after][:8] == [r["id"] for r in before]  # the past evening stays, ids kept
    assert len(after) == 9


async def test_only_moderators_manage_series_and_bad_input_stores_nothing(db, clock):
    _, _, service = await build(db, clock)
    with pytest.raises(SeriesError, match="Only moderators"):
        await service.create(guild_id=GUILD, actor=Actor(SPEAKER), name="Rust", every="thursday 19:00")
    with pytest.raises(UserError, match="thursday 19:00"):
        await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="sometimes")
    with pytest.raises(SeriesError, match="slot-minutes:30"):
        await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00", slot_minutes=500)
    with pytest.raises(SeriesError, match="until:2027-06-30"):
        await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00", until="soon")
    assert await db.fetchval("SELECT count(*) FROM series") == 0
    assert await db.fetchval("SELECT count(*) FROM series_evenings") == 0
    await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00")
    with pytest.raises(SeriesError, match="already exists"):
        await service.create(guild_id=GUILD, actor=MODERATOR, name="rust", every="friday 19:00")


async def test_until_bounds_the_evenings(db, clock):
    _, _, service = await build(db, clock)
    with pytest.raises(SeriesError, match="no evening before `until`"):
        await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00",
                             until="2026-11-30")
    assert await db.fetchval("SELECT count(*) FROM series") == 0
    # The clock is Sat 2026-11-28; Thursdays up to 2026-12-17 are three.
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00",
                                  until="2026-12-17")
    assert len(await evening_rows(db, series.id)) == 3


async def test_edit_replans_future_evenings_only_and_moves_claimed_talks_with_notices(db, clock):
    _, _, service = await build(db, clock)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00", slots=2,
                                  slot_minutes=30)
    rows = await evening_rows(db, series.id)
    first, second = rows[0], rows[1]
    talk_a = await claim(db, second["id"], 0, from_ms(second["starts_at_ms"]))
    talk_b = await claim(db, second["id"], 1, from_ms(second["starts_at_ms"]) + timedelta(minutes=30))
    clock.advance(from_ms(first["starts_at_ms"]) - clock.now() + timedelta(hours=1))  # the first evening is past
    edited = await service.edit(guild_id=GUILD, actor=MODERATOR, series_id=series.id, every="thursday 19:30")
    assert (edited.followed.moved, edited.followed.stuck) == (2, ())
    after = await evening_rows(db, series.id)
    assert after[0] == first  # the past evening is as it was
    assert after[1]["id"] == second["id"] and local(after[1]["starts_at_ms"]) == "Thu 19:30"  # claimed: moved
    assert {local(r["starts_at_ms"]) for r in after[1:]} == {"Thu 19:30"}
    talks = await claimed_talks(db, second["id"])
    assert [(t.id, local(to_ms(t.starts_at))) for t in talks] == [(talk_a, "Thu 19:30"), (talk_b, "Thu 20:00")]
    notices = await db.fetchall("SELECT talk_id FROM outbox WHERE kind = 'reschedule_notice'")
    assert {r["talk_id"] for r in notices} == {talk_a, talk_b}  # the usual notices to the speakers


async def test_slot_minutes_change_moves_later_slots(db, clock):
    _, _, service = await build(db, clock)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00", slots=2,
                                  slot_minutes=30)
    evening = (await evening_rows(db, series.id))[0]
    start = from_ms(evening["starts_at_ms"])
    await claim(db, evening["id"], 0, start)
    second = await claim(db, evening["id"], 1, start + timedelta(minutes=30))
    await service.edit(guild_id=GUILD, actor=MODERATOR, series_id=series.id, slot_minutes=45)
    assert [t.starts_at for t in await claimed_talks(db, evening["id"])] == [start, start + timedelta(minutes=45)]
    assert (await claimed_talks(db, evening["id"]))[1].id == second


async def test_skip_cancels_the_evenings_claimed_talks_with_the_reason(db, clock):
    _, _, service = await build(db, clock)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00")
    evening = (await evening_rows(db, series.id))[1]
    talk = await claim(db, evening["id"], 0, from_ms(evening["starts_at_ms"]))
    day = from_ms(evening["starts_at_ms"]).astimezone(ZoneInfo("Europe/Berlin")).date().isoformat()
    skipped = await service.skip(guild_id=GUILD, actor=MODERATOR, series_id=series.id, day=day, reason="Holiday")
    assert skipped.cancelled == 1
    [row] = [r for r in await evening_rows(db, series.id) if r["id"] == evening["id"]]
    assert (row["state"], row["skip_reason"]) == ("skipped", "Holiday")
    assert await db.fetchval("SELECT state FROM talks WHERE id = ?", (talk,)) == "cancelled"
    notice = await db.fetchone("SELECT payload FROM outbox WHERE kind = 'cancel_notice' AND talk_id = ?", (talk,))
    assert "Holiday" in notice["payload"]
    # A planner pass keeps it skipped (the rule still has that date).
    await service.plan_all()
    assert [r["state"] for r in await evening_rows(db, series.id) if r["id"] == evening["id"]] == ["skipped"]
    with pytest.raises(SeriesError, match="already skipped"):
        await service.skip(guild_id=GUILD, actor=MODERATOR, series_id=series.id, day=day)
    with pytest.raises(SeriesError, match="2027-01-14"):
        await service.skip(guild_id=GUILD, actor=MODERATOR, series_id=series.id, day="2026-12-01")


async def test_a_crash_between_skip_and_its_cancellations_is_finished_by_skipping_again(db, clock):
    outbox, _, service = await build(db, clock)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00")
    evening = (await evening_rows(db, series.id))[0]
    talk = await claim(db, evening["id"], 0, from_ms(evening["starts_at_ms"]))
    async with db.transaction() as tx:  # the skip's own transaction committed, then the process died
        await tx.execute("UPDATE series_evenings SET state = 'skipped', skip_reason = 'Ill' WHERE id = ?",
                         (evening["id"],))
    # The hourly planner changes no talk (it has nobody's rights): the moderator's command finishes it.
    await Planner(db, outbox, clock, series=service).run_once()
    assert await db.fetchval("SELECT state FROM talks WHERE id = ?", (talk,)) == "scheduled"
    skipped = await service.skip(guild_id=GUILD, actor=MODERATOR, series_id=series.id, day=str(evening["id"]))
    assert skipped.cancelled == 1
    assert await db.fetchval("SELECT state FROM talks WHERE id = ?", (talk,)) == "cancelled"


async def test_end_drops_unclaimed_future_evenings_keeps_claimed_talks_and_edits_the_post(db, clock):
    _, _, service = await build(db, clock)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00")
    evening = (await evening_rows(db, series.id))[2]
    talk = await claim(db, evening["id"], 0, from_ms(evening["starts_at_ms"]))
    async with db.transaction() as tx:  # the post went out
        await tx.execute("UPDATE outbox SET state = 'sent', message_id = 999, delivered_channel_id = ?"
                         " WHERE kind = ?", (ANNOUNCE, SERIES_POST.name))
    ended = await service.end(guild_id=GUILD, actor=MODERATOR, series_id=series.id)
    assert ended.state == "ended"
    assert [r["id"] for r in await evening_rows(db, series.id)] == [evening["id"]]
    assert await db.fetchval("SELECT state FROM talks WHERE id = ?", (talk,)) == "scheduled"
    [edit] = await db.fetchall("SELECT channel_id, payload FROM outbox WHERE kind = ?", (SERIES_POST_UPDATE.name,))
    assert edit["channel_id"] == ANNOUNCE and '"message_id":999' in edit["payload"]
    assert await service.plan_all() == 0  # an ended series plans nothing
    assert await service.overview(GUILD) == []
    # Its name is free again.
    await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="friday 19:00")


async def test_overview_counts_the_next_evenings_open_slots(db, clock):
    _, _, service = await build(db, clock)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00", slots=3)
    evening = (await evening_rows(db, series.id))[0]
    await claim(db, evening["id"], 1, from_ms(evening["starts_at_ms"]) + timedelta(minutes=30))
    [overview] = await service.overview(GUILD)
    assert overview.next_evening.id == evening["id"] and overview.open_slots == 2


async def test_two_talks_can_never_hold_one_slot(db, clock):
    _, _, service = await build(db, clock)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00")
    evening = (await evening_rows(db, series.id))[0]
    first = await claim(db, evening["id"], 0, from_ms(evening["starts_at_ms"]))
    with pytest.raises(Exception, match="UNIQUE"):
        await claim(db, evening["id"], 0, from_ms(evening["starts_at_ms"]), speaker=77)
    async with db.transaction() as tx:
        await tx.execute("UPDATE talks SET state = 'cancelled' WHERE id = ?", (first,))
    await claim(db, evening["id"], 0, from_ms(evening["starts_at_ms"]), speaker=77)  # released by the cancel


async def test_the_posts_next_evening_is_edited_when_that_evening_begins_once(db, clock):
    _, _, service = await build(db, clock)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00")
    await service.plan_all()
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE kind = ?", (SERIES_POST_UPDATE.name,)) == 0
    async with db.transaction() as tx:  # the post went out
        await tx.execute("UPDATE outbox SET state = 'sent', message_id = 999, delivered_channel_id = ?"
                         " WHERE kind = ?", (ANNOUNCE, SERIES_POST.name))
    first, second = (await evening_rows(db, series.id))[:2]
    await service.plan_all()
    changes = await db.fetchval("SELECT total_changes()")
    assert await service.plan_all() == 0 and await db.fetchval("SELECT total_changes()") == changes
    [edit] = await db.fetchall("SELECT due_at_ms, dedupe_key FROM outbox WHERE kind = ?", (SERIES_POST_UPDATE.name,))
    assert edit["due_at_ms"] == first["starts_at_ms"]
    clock.advance(from_ms(first["starts_at_ms"]) - clock.now() + timedelta(minutes=1))
    await service.plan_all()
    due = [r["due_at_ms"] for r in await db.fetchall(
        "SELECT due_at_ms FROM outbox WHERE kind = ? ORDER BY due_at_ms", (SERIES_POST_UPDATE.name,))]
    assert due == [first["starts_at_ms"], second["starts_at_ms"]]


async def test_a_claimed_evening_follows_a_new_weekday_and_one_with_no_evening_near_stays(db, clock):
    _, _, service = await build(db, clock)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00")
    rows = await evening_rows(db, series.id)
    near = await claim(db, rows[1]["id"], 0, from_ms(rows[1]["starts_at_ms"]))
    await service.edit(guild_id=GUILD, actor=MODERATOR, series_id=series.id, every="tuesday 19:00")
    [moved] = [r for r in await evening_rows(db, series.id) if r["id"] == rows[1]["id"]]
    assert local(moved["starts_at_ms"]) == "Tue 19:00"
    assert abs(moved["starts_at_ms"] - rows[1]["starts_at_ms"]) <= 3 * 86_400_000  # the nearest Tuesday
    [talk] = await claimed_talks(db, rows[1]["id"])
    assert talk.id == near and to_ms(talk.starts_at) == moved["starts_at_ms"]
    # Monthly: most Tuesdays have no evening within a week; a claimed one stays where it is, its talk too.
    # Tue 15 Dec: the first Mondays are 7 Dec (taken by the evening above) and 4 Jan, both over a week away.
    [kept] = [r for r in await evening_rows(db, series.id)
              if from_ms(r["starts_at_ms"]).astimezone(ZoneInfo("Europe/Berlin")).date().isoformat() == "2026-12-15"]
    other = await claim(db, kept["id"], 0, from_ms(kept["starts_at_ms"]))
    await service.edit(guild_id=GUILD, actor=MODERATOR, series_id=series.id, every="first monday of the month 19:00")
    after = await evening_rows(db, series.id)
    assert kept in after
    assert local(next(r for r in after if r["id"] == rows[1]["id"])["starts_at_ms"]) == "Mon 19:00"
    assert await db.fetchval("SELECT starts_at_ms FROM talks WHERE id = ?", (other,)) == kept["starts_at_ms"]


async def test_a_change_after_the_server_moved_zone_moves_the_series_to_its_zone(db, clock):
    _, _, service = await build(db, clock)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00")
    await factories.add_guild(db, GUILD, timezone="America/Los_Angeles")
    changed = (await service.edit(guild_id=GUILD, actor=MODERATOR, series_id=series.id, slots=2)).series
    assert changed.timezone == "America/Los_Angeles"
    assert {local(r["starts_at_ms"], "America/Los_Angeles") for r in await evening_rows(db, series.id)} == {
        "Thu 19:00"}


async def test_a_claimed_talk_that_cannot_follow_its_evening_stays_and_is_named(db, clock):
    _, _, service = await build(db, clock)
    series = await service.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00")
    evening = (await evening_rows(db, series.id))[0]
    start = from_ms(evening["starts_at_ms"])
    talk = await claim(db, evening["id"], 0, start)
    other = await factories.add_talk(db, starts_at=start + timedelta(hours=1), speaker_id=77, topic="Not a series")
    edited = await service.edit(guild_id=GUILD, actor=MODERATOR, series_id=series.id, every="thursday 20:00")
    assert [t.id for t in edited.followed.stuck] == [talk] and edited.followed.moved == 0
    assert await db.fetchval("SELECT starts_at_ms FROM talks WHERE id = ?", (talk,)) == to_ms(start)
    assert await db.fetchval("SELECT state FROM talks WHERE id = ?", (other,)) == "scheduled"
