"""Review of issue 23 §1 (series): skips, "every other" and `until` through /series edit."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from podium.clock import from_ms
from podium.series import SeriesError
from tests.podium.test_series import GUILD, MODERATOR, build, claim, evening_rows

BERLIN = ZoneInfo("Europe/Berlin")


def local_date(ms):
    return from_ms(ms).astimezone(BERLIN).date()


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
