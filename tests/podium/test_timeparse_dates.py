"""Numeric dates the way people write them (issue 15): a certain order is read, a truly ambiguous one follows the
member's Discord locale or is asked, and the label names the month in words so a misreading shows at once.

Expected instants are written by hand as UTC: Europe/Berlin is UTC+1 in winter and UTC+2 from 2026-03-29 03:00
to 2026-10-25 03:00, so a wrong day or a wrong order gives a different instant.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from podium.timeparse import AmbiguousTimeError, TimeInputError, parse_when, read_back

ZONE = "Europe/Berlin"
# Thursday 2026-01-15 10:00 in Berlin: March and April 2026 are ahead, so the "20.03.2026 17:00" is too.
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
# Saturday 2026-11-28 04:30 in Berlin: the first days of December are within the coming week.
LATE_NOW = datetime(2026, 11, 28, 3, 30, tzinfo=UTC)

MARCH_20 = datetime(2026, 3, 20, 16, 0, tzinfo=UTC)  # Fri 20 Mar 2026 17:00 CET
MARCH_4 = datetime(2026, 3, 4, 16, 0, tzinfo=UTC)  # Wed 4 Mar 2026 17:00 CET
APRIL_3 = datetime(2026, 4, 3, 15, 0, tzinfo=UTC)  # Fri 3 Apr 2026 17:00 CEST


def utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "now", "label"),
    [
        ("20.03.2026 17:00", NOW, "Fri 20 Mar 2026 17:00"),  # the example
        ("03.12.2026 17:00", LATE_NOW, "Thu 3 Dec 2026 17:00"),  # within the week: still the month, not "Thu 17:00"
        ("03.12. 17:00", LATE_NOW, "Thu 3 Dec 2026 17:00"),
        ("2026-12-03 17:00", LATE_NOW, "Thu 3 Dec 2026 17:00"),
        ("2026-12-03T17:00", LATE_NOW, "Thu 3 Dec 2026 17:00"),  # ISO 8601
        ("thursday 03/12 17:00", LATE_NOW, "Thu 3 Dec 2026 17:00"),  # the weekday settles the order
    ],
)
def test_a_date_typed_in_digits_is_labelled_with_the_month_in_words(text, now, label):
    assert parse_when(text, zone=ZONE, now=now, locale="de").label == label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("thursday 17:00", "Thu 17:00"),  # no digits for the day: nothing to misread, the short label stays
        ("dec 3 17:00", "Thu 17:00"),  # the month was typed as a word: nothing to misread either
        ("in 2 hours", "Sat 06:30"),
    ],
)
def test_other_labels_keep_their_short_form(text, label):
    assert parse_when(text, zone=ZONE, now=LATE_NOW).label == label


# Every Discord locale (https://discord.com/developers/docs/reference#locales) and how it writes a numeric date.
DAY_FIRST = ["id", "da", "de", "en-GB", "es-ES", "es-419", "fr", "hr", "it", "nl", "no", "pl", "pt-BR", "ro", "fi",
             "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th"]  # fmt: skip
MONTH_FIRST = ["en-US"]
YEAR_FIRST = ["ja", "ko", "zh-CN", "zh-TW", "hu", "lt"]  # 2026/03/04; their short forms are month/day


def test_the_tables_cover_every_discord_locale_once():
    assert len(DAY_FIRST + MONTH_FIRST + YEAR_FIRST) == len({*DAY_FIRST, *MONTH_FIRST, *YEAR_FIRST}) == 32


@pytest.mark.parametrize(
    ("locale", "expected"),
    [(locale, APRIL_3) for locale in DAY_FIRST]
    + [(locale, MARCH_4) for locale in MONTH_FIRST]
    + [(locale, None) for locale in YEAR_FIRST]  # day.month.year is not a form they write: asked
    + [("de-AT", APRIL_3), ("fr-CA", APRIL_3), ("en-us", MARCH_4), ("DE", APRIL_3)]  # by language; any case
    + [(None, None), ("", None), ("en", None), ("xx", None)],  # nothing settles it: asked
)
def test_a_truly_ambiguous_date_is_read_in_the_locales_order_or_asked(locale, expected):
    if expected is None:
        with pytest.raises(AmbiguousTimeError) as caught:
            parse_when("03.04.2026 17:00", zone=ZONE, now=NOW, locale=locale)
        assert [reading.when for reading in caught.value.readings] == [MARCH_4, APRIL_3]
        assert [reading.label for reading in caught.value.readings] == ["Wed 4 Mar 2026 17:00", "Fri 3 Apr 2026 17:00"]
    else:
        assert parse_when("03.04.2026 17:00", zone=ZONE, now=NOW, locale=locale).when == expected


CERTAIN = [
    # a part above 12 cannot be a month, whatever the separator
    ("20.03.2026 17:00", MARCH_20),
    ("20/03/2026 17:00", MARCH_20),
    ("20-03-2026 17:00", MARCH_20),
    ("03.20.2026 17:00", MARCH_20),
    ("03/20/2026 17:00", MARCH_20),
    ("03-20-2026 17:00", MARCH_20),
    ("20.3.2026 5pm", MARCH_20),
    ("20.03.26 17:00", MARCH_20),  # a two-digit year is 20xx
    ("20.03. 17:00", MARCH_20),
    ("20/03 17:00", MARCH_20),
    ("3/20 5pm", MARCH_20),
    ("am 20.03. um 17 Uhr", MARCH_20),
    # four digits first: year, month, day
    ("2026-03-04 17:00", MARCH_4),
    ("2026/03/04 17:00", MARCH_4),
    ("2026.03.04 17:00", MARCH_4),
    ("2026-3-4 17:00", MARCH_4),
    ("2026-04-03T17:00", APRIL_3),
]


@pytest.mark.parametrize("locale", [None, "de", "en-US", "ja"])
@pytest.mark.parametrize(("text", "expected"), CERTAIN)
def test_a_date_whose_order_is_certain_is_read_without_asking_in_every_locale(text, expected, locale):
    if text.startswith("am "):
        locale = "de"  # German words are read for a German member only
    assert parse_when(text, zone=ZONE, now=NOW, locale=locale).when == expected


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("friday 03.04.2026 17:00", None, APRIL_3),  # without a locale a weekday that fits one order settles it
        ("wednesday 03/04 17:00", None, MARCH_4),
        ("friday 03.04.2026 17:00", "de", APRIL_3),  # the locale and the weekday agree
        ("wednesday 03/04 17:00", "en-US", MARCH_4),
    ],
)
def test_a_weekday_that_fits_one_order_settles_it(text, locale, expected):
    assert parse_when(text, zone=ZONE, now=NOW, locale=locale).when == expected


@pytest.mark.parametrize(
    ("text", "locale", "message"),
    [
        ("friday 03.04.2026 17:00", "en-US", "March 4, 2026 is a Wednesday, not a Friday."),
        ("wednesday 03/04 17:00", "de", "April 3, 2026 is a Friday, not a Wednesday."),
    ],
)
def test_a_weekday_that_contradicts_the_locales_order_is_refused_not_guessed(text, locale, message):
    with pytest.raises(TimeInputError) as caught:
        parse_when(text, zone=ZONE, now=NOW, locale=locale)
    assert str(caught.value).startswith(message)


AMBIGUOUS = ["03.04.2026 17:00", "03/04/2026 17:00", "03-04-2026 17:00", "3.4.2026 17:00", "03.04.26 17:00",
             "03.04. 17:00", "03/04 17:00", "3/4 5pm", "3-4 17:00", "am 03.04. um 17 Uhr"]  # fmt: skip


BY_LOCALE = [("de", APRIL_3, "Fri 3 Apr 2026 17:00"), ("en-GB", APRIL_3, "Fri 3 Apr 2026 17:00"),
             ("fr", APRIL_3, "Fri 3 Apr 2026 17:00"), ("pt-BR", APRIL_3, "Fri 3 Apr 2026 17:00"),
             ("en-US", MARCH_4, "Wed 4 Mar 2026 17:00")]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "locale", "expected", "label"),
    [
        (text, *reading)
        for text in AMBIGUOUS
        for reading in BY_LOCALE
        if not text.startswith("am ") or reading[0] == "de"  # German words are read for a German member only
    ],
)
def test_a_truly_ambiguous_date_follows_the_locale_and_its_label_shows_which(text, locale, expected, label):
    parsed = parse_when(text, zone=ZONE, now=NOW, locale=locale)
    assert (parsed.when, parsed.label) == (expected, label)


@pytest.mark.parametrize("text", [t for t in AMBIGUOUS if not t.startswith("am ")])
def test_without_a_locale_a_truly_ambiguous_date_is_still_asked(text):
    with pytest.raises(AmbiguousTimeError) as caught:
        parse_when(text, zone=ZONE, now=NOW)
    readings = caught.value.readings
    assert [(r.when, r.label) for r in readings] == [
        (MARCH_4, "Wed 4 Mar 2026 17:00"),
        (APRIL_3, "Fri 3 Apr 2026 17:00"),
    ]
    assert "Wed 4 Mar 2026 17:00 or Fri 3 Apr 2026 17:00" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        # the locale's order is taken literally, even when the other one would be later or earlier
        ("01.10.2026 17:00", "de", utc("2026-10-01T15:00")),  # 1 October (CEST), not 10 January
        ("01/10/2026 17:00", "en-GB", utc("2026-10-01T15:00")),
        ("02/03/2026 17:00", "en-US", utc("2026-02-03T16:00")),  # 3 February, not 2 March
        ("02.03.2026 17:00", "de", utc("2026-03-02T16:00")),  # 2 March, not 3 February
        ("03.04.2026 17:00", "de", APRIL_3),
        ("03.04.2026 17:00", "en-US", MARCH_4),
        ("12.11.2026 17:00", "ru", utc("2026-11-12T16:00")),
        ("12/11/2026 17:00", "en-US", utc("2026-12-11T16:00")),
        ("12.12.2026 17:00", None, utc("2026-12-12T16:00")),  # both orders are the same day: nothing to ask
    ],
)
def test_nothing_stores_a_different_instant_than_meant(text, locale, expected):
    parsed = parse_when(text, zone=ZONE, now=NOW, locale=locale)
    assert parsed.when == expected
    assert parsed.when.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("01/10/2026 17:00", "en-US"),  # 10 January has passed: refused, never moved to 1 October
        ("10.01.2026 17:00", "de"),
        ("01/10/2026 17:00", None),  # no locale and one order has passed: refused rather than guessed
    ],
)
def test_the_locales_order_having_passed_is_refused_not_swapped(text, locale):
    with pytest.raises(TimeInputError) as caught:
        parse_when(text, zone=ZONE, now=NOW, locale=locale)
    assert not isinstance(caught.value, AmbiguousTimeError)
    assert "has already passed" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "locale", "line"),
    [
        ("20.03.2026 17:00", None, "Read “20.03.2026 17:00” in Europe/Berlin: Fri 20 Mar 2026 17:00."),
        ("03.04.2026 17:00", "de", "Read “03.04.2026 17:00” in Europe/Berlin: Fri 3 Apr 2026 17:00."),
        ("03.04.2026 17:00", "en-US", "Read “03.04.2026 17:00” in Europe/Berlin: Wed 4 Mar 2026 17:00."),
        ("3/4 5pm", "de", "Read “3/4 5pm” in Europe/Berlin: Fri 3 Apr 2026 17:00."),
        ("tomorrow 5pm", None, "Read “tomorrow 5pm” in Europe/Berlin: Fri 17:00."),
        ("03.04.2026 17:00 UTC", "de", "Read “03.04.2026 17:00 UTC” in UTC: Fri 3 Apr 2026 17:00."),  # its zone
    ],
)
def test_the_reply_reads_back_the_date_with_the_month_in_words(text, locale, line):
    assert read_back(parse_when(text, zone=ZONE, now=NOW, locale=locale)) == line


def test_the_read_back_line_escapes_what_was_typed():
    parsed = parse_when("20.03.2026 17:00", zone=ZONE, now=NOW)
    line = read_back(replace(parsed, text="*20.03.2026* 17:00"))
    assert line == "Read “\\*20.03.2026\\* 17:00” in Europe/Berlin: Fri 20 Mar 2026 17:00."


# Discord's locales by the clock their people write (Babel's short time pattern): the 12-hour ones are asked about
# "9:30" in the evening, every other one reads it as written.
TWELVE_HOUR = ["en-US", "es-419", "el", "hi", "ko", "zh-TW"]


def test_every_discord_locale_has_a_clock():
    assert set(TWELVE_HOUR) <= {*DAY_FIRST, *MONTH_FIRST, *YEAR_FIRST}


@pytest.mark.parametrize("locale", DAY_FIRST + MONTH_FIRST + YEAR_FIRST)
def test_a_time_with_minutes_is_read_as_written_in_24_hour_locales_and_asked_in_12_hour_ones(locale):
    evening = datetime(2026, 11, 28, 18, 30, tzinfo=UTC)  # ZONE's 18:30: "9:30" is tonight or tomorrow morning
    if locale in TWELVE_HOUR:
        with pytest.raises(AmbiguousTimeError):
            parse_when("9:30", zone="UTC", now=evening, locale=locale)
    else:
        assert parse_when("9:30", zone="UTC", now=evening, locale=locale).when == datetime(
            2026, 11, 29, 9, 30, tzinfo=UTC
        )
    # A bare hour says nothing about the clock it was meant on: asked everywhere.
    with pytest.raises(AmbiguousTimeError):
        parse_when("friday at 8", zone="UTC", now=evening, locale=locale)
