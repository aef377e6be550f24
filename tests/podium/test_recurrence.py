"""A series' `every`, read in English and German, and its evenings at local wall time across DST in several zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from podium.recurrence import RecurrenceError, Rule, local_instant, occurrences, parse_every

TODAY = date(2026, 12, 7)  # a Monday


@pytest.mark.parametrize(("text", "locale", "rule"), [
    ("thursday 19:00", None, Rule("weekly", 3, 19, 0)),
    ("every thursday 7pm", None, Rule("weekly", 3, 19, 0)),
    ("Thursdays at 7:30pm", None, Rule("weekly", 3, 19, 30)),
    ("every other tuesday 18:30", None, Rule("weekly", 1, 18, 30, interval=2, anchor="2026-12-08")),
    ("every second tuesday 18:30", None, Rule("weekly", 1, 18, 30, interval=2, anchor="2026-12-08")),
    ("first monday of the month 19:00", None, Rule("monthly", 0, 19, 0, nth=1)),
    ("the third wednesday of every month at 6pm", None, Rule("monthly", 2, 18, 0, nth=3)),
    ("last friday of the month 19:00", None, Rule("monthly", 4, 19, 0, nth=-1)),
    ("thursday 7 in the evening", None, Rule("weekly", 3, 19, 0)),
    ("donnerstags 19 Uhr", "de", Rule("weekly", 3, 19, 0)),
    ("jeden Donnerstag 19:00", "de", Rule("weekly", 3, 19, 0)),
    ("am Donnerstag um 19 Uhr", "de", Rule("weekly", 3, 19, 0)),
    ("jeden zweiten Dienstag 18:30", "de", Rule("weekly", 1, 18, 30, interval=2, anchor="2026-12-08")),
    ("jeden ersten Montag im Monat 19 Uhr", "de", Rule("monthly", 0, 19, 0, nth=1)),
    ("letzten Freitag des Monats 19 Uhr", "de", Rule("monthly", 4, 19, 0, nth=-1)),
    ("thursday 19:00", "de", Rule("weekly", 3, 19, 0)),  # English is understood in German too
    ("donnerstags 19 Uhr", "en-US", Rule("weekly", 3, 19, 0)),  # and a German server's rule by an English client
])
def test_every_is_read_in_english_and_german(text, locale, rule):
    assert parse_every(text, today=TODAY, locale=locale) == rule
    assert Rule.from_json(rule.to_json()) == rule


@pytest.mark.parametrize(("text", "locale", "example"), [
    ("whenever", None, "thursday 19:00"),
    ("thursday", None, "thursday 19:00"),  # no time
    ("19:00", None, "thursday 19:00"),  # no day
    ("fifth monday of the month 19:00", None, "first monday of the month 19:00"),
    ("every other monday of the month 19:00", None, "thursday 19:00"),
    ("monday tuesday 19:00", None, "thursday 19:00"),
    ("irgendwann", "de", "donnerstags 19 Uhr"),
    ("do 19 Uhr", None, "thursday 19:00"),  # "Do" is German: an English reader's "do" is no weekday
])
def test_unreadable_every_is_refused_with_examples_in_the_readers_language(text, locale, example):
    with pytest.raises(RecurrenceError) as refused:
        parse_every(text, today=TODAY, locale=locale)
    assert example in str(refused.value)


def local(instants, zone):
    return [instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %a %H:%M") for instant in instants]


@pytest.mark.parametrize(("zone", "spring", "autumn"), [
    # Europe/Berlin: summer time from 2027-03-28, back on 2027-10-31.
    ("Europe/Berlin", (date(2027, 3, 18), date(2027, 4, 8)), (date(2027, 10, 21), date(2027, 11, 11))),
    # America/Los_Angeles: from 2027-03-14, back on 2027-11-07.
    ("America/Los_Angeles", (date(2027, 3, 4), date(2027, 3, 25)), (date(2027, 10, 28), date(2027, 11, 18))),
    # Australia/Sydney (southern hemisphere): daylight time ends 2027-04-04, starts 2027-10-03.
    ("Australia/Sydney", (date(2027, 3, 25), date(2027, 4, 15)), (date(2027, 9, 23), date(2027, 10, 14))),
    # Asia/Tokyo has no DST: the UTC time never changes.
    ("Asia/Tokyo", (date(2027, 3, 18), date(2027, 4, 8)), (date(2027, 10, 21), date(2027, 11, 11))),
])
def test_an_evening_keeps_its_local_wall_time_across_dst(zone, spring, autumn):
    rule = parse_every("thursday 19:00", today=TODAY)
    tz = ZoneInfo(zone)
    for first, last in (spring, autumn):
        start = datetime.combine(first, datetime.min.time(), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(last, datetime.min.time(), tzinfo=tz).astimezone(UTC) + timedelta(days=1)
        found = occurrences(rule, zone, start, end)
        assert len(found) == 4
        assert {text[-5:] for text in local(found, zone)} == {"19:00"}
        assert {text[11:14] for text in local(found, zone)} == {"Thu"}
        offsets = {instant.astimezone(tz).utcoffset() for instant in found}
        assert len(offsets) == (1 if zone == "Asia/Tokyo" else 2)  # the UTC instant moves, the wall time does not


def test_every_other_week_keeps_its_fortnight_and_months_take_their_nth_weekday():
    start = datetime(2026, 12, 7, tzinfo=UTC)
    other = parse_every("every other tuesday 18:30", today=TODAY)
    assert local(occurrences(other, "Europe/Berlin", start, start + timedelta(weeks=8)), "Europe/Berlin") == [
        "2026-12-08 Tue 18:30", "2026-12-22 Tue 18:30", "2027-01-05 Tue 18:30", "2027-01-19 Tue 18:30"]
    # Read from later on, the same fortnight (the anchor), not the next Tuesday.
    later = datetime(2026, 12, 14, 12, tzinfo=UTC)
    assert local(occurrences(other, "Europe/Berlin", later, later + timedelta(weeks=2)), "Europe/Berlin") == [
        "2026-12-22 Tue 18:30"]
    first = parse_every("first monday of the month 19:00", today=TODAY)
    last = parse_every("last friday of the month 19:00", today=TODAY)
    end = start + timedelta(days=100)
    assert local(occurrences(first, "America/Los_Angeles", start, end), "America/Los_Angeles") == [
        "2026-12-07 Mon 19:00", "2027-01-04 Mon 19:00", "2027-02-01 Mon 19:00", "2027-03-01 Mon 19:00"]
    assert local(occurrences(last, "Australia/Sydney", start, end), "Australia/Sydney") == [
        "2026-12-25 Fri 19:00", "2027-01-29 Fri 19:00", "2027-02-26 Fri 19:00"]


def test_until_ends_the_evenings_and_the_window_is_half_open():
    rule = parse_every("thursday 19:00", today=TODAY)
    start = datetime(2026, 12, 7, tzinfo=UTC)
    until = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)  # exactly the third evening (19:00 Berlin)
    found = occurrences(rule, "Europe/Berlin", start, start + timedelta(weeks=8), until)
    assert local(found, "Europe/Berlin") == ["2026-12-10 Thu 19:00", "2026-12-17 Thu 19:00", "2026-12-24 Thu 19:00"]
    assert occurrences(rule, "Europe/Berlin", found[0], found[1]) == [found[0]]


def test_a_time_in_the_spring_forward_gap_is_the_first_moment_after_it_and_the_fall_back_hour_its_first():
    berlin = ZoneInfo("Europe/Berlin")
    gap = local_instant(date(2027, 3, 28), time(2, 30), berlin)
    assert gap.astimezone(berlin).strftime("%H:%M %Z") == "03:30 CEST"
    twice = local_instant(date(2027, 10, 31), time(2, 30), berlin)
    assert twice.astimezone(berlin).strftime("%H:%M %Z") == "02:30 CEST"  # the first of the two
    rule = parse_every("sunday 02:30", today=TODAY)
    start = datetime(2027, 3, 20, tzinfo=UTC)
    assert local(occurrences(rule, "Europe/Berlin", start, start + timedelta(weeks=2)), "Europe/Berlin") == [
        "2027-03-21 Sun 02:30", "2027-03-28 Sun 03:30"]
