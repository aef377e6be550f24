"""/schedule list shows a series evening's talks under its heading, with the evening's open slots."""

from __future__ import annotations

from types import SimpleNamespace

from cogs.schedule import Schedule
from podium import i18n, slots
from podium.audience import Audience
from tests.podium.series_world import GUILD, add_series, world


async def page_text(db, clock, service, locale="en-US"):
    services = SimpleNamespace(audience=Audience(db, service.outbox, clock), talks=service, db=db, clock=clock)
    schedule = Schedule.__new__(Schedule)  # without warming dateparser up again
    schedule.services, schedule.talks = services, service
    embed, _ = await schedule.list_page(GUILD, 30, 0, i18n.translator(locale))
    return embed.description


async def test_an_evenings_talks_are_listed_under_its_heading_with_its_open_slots(db, clock):
    _, service = await world(db, clock)
    _, [tonight, next_week, _] = await add_series(db, clock, slots_n=3)
    for user in (1, 2):
        await slots.claim(service, guild_id=GUILD, user_id=user, evening_id=tonight)
    await slots.claim(service, guild_id=GUILD, user_id=3, evening_id=next_week)
    text = await page_text(db, clock, service)
    lines = text.splitlines()
    headings = [i for i, line in enumerate(lines) if line.startswith("🎤 **Rust Thursdays** ·")]
    # The third evening, nobody's yet, shows too (review 23 §9): its heading alone, with its open slots.
    assert len(headings) == 3, text
    assert lines[headings[0]].endswith("· 1 open slot") and lines[headings[1]].endswith("· 2 open slots")
    assert lines[headings[2]].endswith("· 3 open slots") and headings[2] == len(lines) - 1
    # Each heading is followed by its evening's talks, in slot order.
    assert "Rust Thursdays · 1" in lines[headings[0] + 1] and "Rust Thursdays · 2" in lines[headings[0] + 2]
    assert "<@3>" in lines[headings[1] + 1]
    german = await page_text(db, clock, service, "de")
    assert "1 freier Slot" in german and "2 freie Slots" in german


async def test_evenings_nobody_claimed_show_once_across_pages_among_the_talks(db, clock):
    from datetime import timedelta

    from podium.talks import Actor

    _, service = await world(db, clock)
    await add_series(db, clock, slots_n=2, evenings=3)  # in 2, 9 and 16 days
    for day in range(1, 13):  # twelve talks, one a day: two pages
        await service.add(guild_id=GUILD, actor=Actor(99, is_moderator=True), speaker_id=day, topic=f"Talk {day}",
                          starts_at=clock.now() + timedelta(days=day, hours=1), duration_minutes=30)
    services = SimpleNamespace(audience=Audience(db, service.outbox, clock), talks=service, db=db, clock=clock)
    schedule = Schedule.__new__(Schedule)
    schedule.services, schedule.talks = services, service
    pages = [(await schedule.list_page(GUILD, 30, page, i18n.translator("en-US")))[0].description for page in (0, 1)]
    headings = [[line for line in text.splitlines() if line.startswith("🎤 **Rust Thursdays** ·")] for text in pages]
    assert [len(found) for found in headings] == [2, 1], pages
    # In time order: the evening in 2 days comes after the talk in 1 day and before the one in 2 days (1 h later).
    lines = pages[0].splitlines()
    assert "Talk 1**" in lines[0] and lines[1].startswith("🎤") and "Talk 2**" in lines[2], pages[0]
    assert pages[1].splitlines()[-1].endswith("· 2 open slots")
