"""Every sentence podium.timeparse says to a user, in one place (English for now; a catalogue can replace TEXTS).

A refusal is a problem, then inputs that would work ("Try `x` or `y`."); a question names its readings. User text
is quoted with `echo`, which escapes markdown and mentions. Texts are str.format templates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from podium.errors import Text
from podium.i18n import ENGLISH, N_
from podium.timeparse._base import EXAMPLES, AmbiguousTimeError, ParsedTime, TimeInputError

if TYPE_CHECKING:
    from podium.i18n import Translator

TEXTS: dict[str, str] = {
    "try": N_("Try {examples}."),
    # what was typed
    "empty": N_("Give a time, in your own timezone."),
    "too_long": N_("That's too long for a time ({count} characters; {limit} at most)."),
    "unreadable": N_("I can't read {text} as a time."),
    "two_times": N_("{text} has more than one time of day in it; give the one you mean."),
    "two_days": N_("{text} has more than one day in it; give the one you mean."),
    "hints_clash": N_("{a} and {b} don't go together."),
    "not_a_time": N_("{text} isn't a time of day."),
    "colon": N_("Write times with a colon: {text} isn't one I can read."),
    "date_or_time": N_("{text} could be a date or a time: write times with a colon, dates with a month name."),
    "needs_time": N_("{text} needs a time of day."),
    "needs_time_order": N_("{text} needs a time of day, and it means different days in different countries."),
    "needs_day_and_time": N_("{text} needs a day and a time."),
    "no_such_day": N_("{month} has no day {day}."),
    "not_a_date": N_("{text} isn't a real date."),
    "not_a_date_time": N_("{text} isn't a real date and time."),
    "weekday_mismatch": N_("{date} is a {actual}, not a {typed}."),
    "uncounted_months": N_("I count seconds, minutes, hours, days and weeks, not months."),
    "uncounted_years": N_("I count seconds, minutes, hours, days and weeks, not years."),
    "mixes": N_("{text} mixes hours and a clock time."),
    "too_far_overflow": N_("{text} is too far ahead."),
    # the instant it would be
    "past": N_("{when} ({zone}) has already passed."),
    "too_far": N_("{when} is more than {days} ahead."),
    "gap": N_("{time} doesn't exist on {date} in {zone}: the clocks jump forward for daylight saving."),
    "tonight_past": N_("It's already past {hour}:00 tonight."),
    "order_past": N_("{text} means different days in different countries: {readings}. {passed} has already passed."),
    "ambiguous_far": N_("{text} could be {readings}, and {far} is more than {days} ahead."),
    "too_many_readings": N_("{text} could mean too many different times."),
    # questions: two or more readings are plausible
    "ask_clock": N_("{text} could be {readings}."),
    "ask_order": N_("{text} means different days in different countries: {readings}?"),
    "ask_midnight": N_("{text} could be the start or the end of the day: {readings}?"),
    "ask_noon_or_midnight": N_("{text} could be noon or midnight: {readings}?"),
    "ask_weekend": N_("{text} could be {readings}."),
    # what was read, under a reply: the label names the month in words, so a swapped day and month shows at once
    "read_back": N_("Read {text} in {zone}: {label}."),
    # zones
    "zone_needed": N_("Give a timezone name."),
    "zone_unknown": N_("{zone} isn't a timezone I know."),
    "zone_unknown_hint": N_("{zone} isn't a timezone I know. Use a region/city name (start typing a city to see "
                            "suggestions)."),
    "zone_offset_not_whole": N_("{text} isn't a whole-hour offset I can use as a zone; pick a city zone instead."),
    "zone_note_abbreviation": N_("{abbreviation} is not a timezone; using {zone}{place}, which {dst}."),
    "zone_note_other": N_(" For {place} pick {zone}."),
    "zone_note_renamed": N_("{old} is an old name; using {new}."),
    "zone_note_offset": N_("{text} is a fixed offset: {zone} never changes for daylight saving; a city zone does."),
    "zone_dst": N_("follows daylight saving"),
    "zone_no_dst": N_("has no daylight saving"),
    # reminder offsets
    "offsets_empty": N_("Give 1 to 5 reminder times before the talk."),
    "offsets_too_long": N_("That's too long; give at most {count} reminder times."),
    "offset_needs_unit": N_("{part} needs a unit: m, h or d."),
    "offset_unreadable": N_("I don't understand {part} as a time before the talk."),
    "offset_too_close": N_("{part} is too close to the talk: reminders start at 5 minutes before."),
    "offset_too_early": N_("{part} is too early: reminders go out at most 30 days before."),
    "offsets_too_many": N_("That's {count} reminder times; {limit} at most."),
}


def say(key: str, **fields: object) -> str:
    """One sentence of the catalogue, filled in."""
    return TEXTS[key].format(**fields)


def _or(items: Sequence[str | Text]) -> str | Text:
    """"a, b or c", with "or" in the reader's language."""
    if len(items) == 1:
        return items[0]
    # The commas are no catalogue entry: Text renders an unknown template as it is.
    first = Text(", ".join(f"{{i{index}}}" for index in range(len(items) - 1)),
                 {f"i{index}": item for index, item in enumerate(items[:-1])})
    return Text(N_("{first} or {last}"), {"first": first, "last": items[-1]})


def _examples(examples: Iterable[str | Text]) -> str | Text:
    """Inputs that would work, in backticks; a catalogue example reads in the reader's language."""
    return _or([Text("`{example}`", {"example": example if isinstance(example, Text) else Text(example)})
                for example in examples])


@dataclass(frozen=True, slots=True)
class Typed(Text):
    """An input to type, written for the reader's parser: the English one, or the German one for a German reader.

    For examples built from what was typed ("31.12. 18:00" / "dec 31 18:00"), which no catalogue can hold; the
    reader is the member who typed, and a German member's text is read in German first.
    """

    german: str = ""

    def render(self, t: Translator | None = None) -> str:
        return self.german if t is not None and t.language == "de" and self.german else self.message


# Translators: a date and time inside a refusal ("Tue 01 Dec 2026 18:00 has already passed"); Babel pattern
# (https://babel.pocoo.org/en/latest/dates.html#pattern-syntax): keep every letter, change order and dots.
MOMENT_FORM = N_("EEE dd MMM y HH:mm")
# Translators: a date in words inside a refusal ("Sunday 28 March 2027"); see "EEE dd MMM y HH:mm".
DAY_FORM = N_("EEEE dd MMMM y")
# Translators: a day of a month inside a refusal ("December 3"); see "EEE dd MMM y HH:mm".
MONTH_DAY_FORM = N_("MMMM d")


@dataclass(frozen=True, slots=True)
class Shown(Text):
    """A date, a month or a number of days inside a sentence, written where it is shown, in the reader's language.

    `message` is how it is written: "moment" (a wall time, in its own zone), "day", "date" ("December 3, 2026"),
    "month day" ("December 3"), "month" (1-12), "weekday" (0 = Monday), "days".
    """

    value: object = None

    def render(self, t: Translator | None = None) -> str:
        reader = t if t is not None else ENGLISH
        value = self.value
        if self.message == "moment" and isinstance(value, datetime):
            return reader.moment(value, MOMENT_FORM)
        if self.message == "day" and isinstance(value, date):
            return reader.date(value, reader._(DAY_FORM))
        if self.message == "date" and isinstance(value, date):
            return reader.date(value)
        if self.message == "month day" and isinstance(value, date):
            return reader.date(value, reader._(MONTH_DAY_FORM))
        if self.message == "weekday" and isinstance(value, int):
            return reader.weekday(value)
        if self.message == "month" and isinstance(value, int):
            return reader.date(date(2000, value, 1), "LLLL")
        if self.message == "days" and isinstance(value, timedelta):
            return reader.duration(timedelta(days=value.days))
        return str(value)


def fail(key: str, examples: Iterable[str | Text] = EXAMPLES[:3], **fields: object) -> TimeInputError:
    """A refusal: the problem, then inputs that would work (sentences translated for whoever reads them)."""
    error = TimeInputError(TEXTS[key], **fields)
    return error.then(TEXTS["try"], examples=_examples(examples))


@dataclass(frozen=True, slots=True)
class _Label(Text):
    """A reading's label, written in the reader's language where the question is shown ("Fr. 10:00")."""

    reading: ParsedTime | None = None

    def render(self, t: Translator | None = None) -> str:
        if self.reading is None:
            return self.message
        return self.reading.label_in(t) if t is not None else self.reading.label


def labels(readings: Sequence[ParsedTime | Text]) -> str | Text:
    """"Fri 10:00 or Fri 22:00", written where it is shown, in the reader's language ("Fr. 10:00 oder Fr. 22:00")."""
    return _or([r if isinstance(r, Text) else _Label(r.label, {}, r) for r in readings])


def ask(key: str, readings: tuple[ParsedTime, ...], examples: Sequence[str], **fields: object) -> AmbiguousTimeError:
    """A question: what was typed could be each of `readings`; `examples` type each one unambiguously."""
    error = AmbiguousTimeError(TEXTS[key], readings, readings=labels(readings), **fields)
    return error.then(TEXTS["try"], examples=_examples(examples))


def read_back(parsed: ParsedTime, t: Translator | None = None) -> str:
    """What a time was read as, for the line under a reply (in the reader's language, with `t`).

    "Read “03.04.2027 17:00” in Europe/Berlin: Sat 3 Apr 2027 17:00." The label is in `parsed.zone`, the zone the
    text was read in; the typed text is escaped like every echo of user text.
    """
    label = parsed.label_in(t) if t is not None else parsed.label
    fields = {"text": echo(parsed.text, limit=100).render(t), "zone": parsed.zone, "label": label}
    template = TEXTS["read_back"]
    return t._(template, **fields) if t is not None else template.format(**fields)


# What the member typed, while it is being read: `echo` quotes a piece of it as typed, not as the parser rewrote it.
_TYPED: ContextVar[tuple[str, str] | None] = ContextVar("podium_typed", default=None)


@contextmanager
def reading(typed: str, lang: str) -> Iterator[None]:
    """While `typed` is read in `lang`, echoes of a piece of it ("25 oclock") show it as typed ("25 Uhr")."""
    token = _TYPED.set((typed, lang))
    try:
        yield
    finally:
        _TYPED.reset(token)


def as_typed(piece: str) -> str:
    """The words of the text being read that the parser rewrote as `piece`; `piece` itself if none are found."""
    current = _TYPED.get()
    if current is None:
        return piece
    typed, lang = current
    if piece.lower() in typed.lower():
        start = typed.lower().index(piece.lower())
        return typed[start : start + len(piece)]
    from podium.timeparse._lang import normalize, tokens  # _lang imports nothing of timeparse; this keeps it so

    wanted = piece.lower().split()
    words = typed.split()
    for size in range(1, len(words) + 1):
        for start in range(len(words) - size + 1):
            span = " ".join(words[start : start + size])
            if tokens(normalize(span), lang, frozenset()) == wanted:
                return span
    return piece


def echo(typed: str, limit: int = 40) -> Text:
    """User text quoted inside a message: one line, shortened, markdown and mention syntax escaped.

    As typed (never the lower-cased text the parser reads: „Freitag“ stays capitalized, „25 Uhr“ is no
    „25 oclock“), in the reader's quotation marks.
    """
    cleaned = re.sub(r"[`\s]+", " ", as_typed(typed)).strip()
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    # Translators: typed text quoted in a reply; your language's quotation marks around {text}.
    return Text(N_("“{text}”"), {"text": re.sub(r"([\\*_~|<>])", r"\\\1", cleaned)})


def show(when: datetime) -> Shown:
    """A wall time inside a refusal ("Tue 01 Dec 2026 18:00"), in the reader's language."""
    return Shown("moment", {}, when)


def iso_example(today: date) -> str:
    """A year-month-day example that is still ahead (a fixed one would age into the past)."""
    return f"{today + timedelta(days=7):%Y-%m-%d} 19:00"
