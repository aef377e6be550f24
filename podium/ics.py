"""Calendar export: upcoming talks as an iCalendar (.ics) file."""

from __future__ import annotations

from collections.abc import Iterable

from icalendar import Calendar, Event

from podium.talks import Talk


def talks_to_ics(talks: Iterable[Talk], *, guild_name: str) -> bytes:
    """An .ics calendar with one event per talk; UIDs are stable so re-importing updates, not duplicates."""
    calendar = Calendar()
    calendar.add("prodid", "-//Podium//Discord talks//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{guild_name} talks")
    for talk in talks:
        event = Event()
        event.add("uid", f"talk-{talk.id}-{talk.guild_id}@podium")
        event.add("summary", talk.topic)
        event.add("dtstart", talk.starts_at)
        event.add("dtend", talk.ends_at)
        event.add("dtstamp", talk.updated_at)
        event.add("description", f"A talk on {guild_name} (Discord). Speaker id {talk.speaker_id}.")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
