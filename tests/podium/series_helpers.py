"""A world for the tests of series through their service: a guild, the talk and series services, evening rows,
claimed slots, and an open-slots post already sent (as message 555), for tests that watch it being edited.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from podium import slots
from podium.clock import from_ms
from podium.delivery.outbox import Outbox
from podium.series import SeriesService
from podium.talks import Actor, TalkService, default_hooks
from tests import factories

GUILD, MOD, SPEAKER, ANNOUNCE = factories.GUILD, 5, factories.SPEAKER, 200
MODERATOR = Actor(MOD, is_moderator=True)
BERLIN = ZoneInfo("Europe/Berlin")


async def build(db, clock, zone="Europe/Berlin"):
    outbox = Outbox(db)
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, timezone=zone)
    talks = TalkService(db, outbox, clock, default_hooks(outbox))
    return outbox, talks, SeriesService(db, outbox, clock, talks)


async def evening_rows(db, series_id):
    return [dict(r) for r in await db.fetchall(
        "SELECT id, starts_at_ms, state, skip_reason FROM series_evenings WHERE series_id = ? ORDER BY starts_at_ms",
        (series_id,))]


async def claim(db, evening_id, slot, start, minutes=30, speaker=SPEAKER):
    """A claimed slot, as podium/slots.py stores one: a talk with its evening and slot."""
    return await factories.add_talk(db, evening_id=evening_id, slot=slot, starts_at=start, duration_minutes=minutes,
                                    speaker_id=speaker)


def local_date(ms):
    return from_ms(ms).astimezone(BERLIN).date()


async def sent_open_slots_post(db, outbox, service_series, clock):
    """A new weekly series whose open-slots post the hourly pass planned and that was sent as message 555."""
    assert isinstance(service_series, SeriesService)
    series = await service_series.create(guild_id=GUILD, actor=MODERATOR, name="Rust", every="thursday 19:00",
                                         slots=2)
    async with db.transaction() as tx:  # the hourly pass: the first evening is within 5 days
        await slots.plan_open_slots(tx, outbox, GUILD, clock.now())
        await tx.execute("UPDATE outbox SET state = 'sent', message_id = 555, delivered_channel_id = 200"
                         " WHERE kind = ?", (slots.OPEN_SLOTS.name,))
    [row] = await db.fetchall("SELECT payload FROM outbox WHERE kind = ?", (slots.OPEN_SLOTS.name,))
    return series, row
