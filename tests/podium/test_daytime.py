"""A time of day on its own (the weekly summary's time): every clock time the rest of Podium reads."""

from datetime import time

import pytest

from podium import i18n
from podium.timeparse import DAYTIME_EXAMPLES, TimeInputError, parse_time_of_day

READ = [
    ("09:00", None, time(9, 0)),
    ("9am", None, time(9, 0)),
    ("9 am", None, time(9, 0)),
    ("9:30pm", None, time(21, 30)),
    ("21:30", None, time(21, 30)),
    ("at 8pm", None, time(20, 0)),
    ("noon", None, time(12, 0)),
    ("9 in the evening", None, time(21, 0)),
    ("half past 9", None, time(9, 30)),
    ("1700", None, time(17, 0)),
    # An hour without am/pm is read as written, on the 24-hour clock: the reply names the stored time.
    ("9", None, time(9, 0)),
    ("9 Uhr", "de", time(9, 0)),
    ("um 9 Uhr", "de", time(9, 0)),
    ("18.30", "de", time(18, 30)),
    ("halb zehn", "de", time(9, 30)),
    ("21 Uhr", "de", time(21, 0)),
    ("9am", "de", time(9, 0)),  # English is always understood
]


@pytest.mark.parametrize(("typed", "locale", "expected"), READ)
def test_every_clock_time_is_read(typed, locale, expected):
    assert parse_time_of_day(typed, locale=locale) == expected


@pytest.mark.parametrize("typed", ["banana", "25:00", "friday 9", "in 2 hours", "9pm tomorrow", "tonight 7am"])
def test_what_is_not_a_time_of_day_is_refused_with_examples_that_work(typed):
    with pytest.raises(TimeInputError) as refused:
        parse_time_of_day(typed)
    english = str(refused.value)
    assert "`" in english
    for language in i18n.languages():
        assert refused.value.text_for(i18n.translator(language))
    for example in DAYTIME_EXAMPLES:
        parse_time_of_day(example)
