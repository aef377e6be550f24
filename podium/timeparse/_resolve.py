"""From a phrase to the instant meant: the 12/24-hour rule, DST, past and future, and when to ask instead.

Every combination of the day's candidate dates and the clock's options is a reading. Readings already past are
dropped (a member never means a past instant: "today 3:30" at 04:30 is 15:30), except that a numeric date whose
order is unknown is refused when only one order is still ahead ("11/12/2026" on 28 Nov: was 12 Nov meant?).
One reading left is the answer; two to four are asked (AmbiguousTimeError); none is refused as past.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from podium.i18n import N_
from podium.timeparse._base import EXAMPLES, MAX_INPUT_CHARS, ParsedTime, TimeInputError
from podium.timeparse._clock import Clock, Option, options
from podium.timeparse._dates import Day, date_order, twenty_four_hour, warm_up_dateparser
from podium.timeparse._lang import MONTHS, WEEKDAYS, normalize, tokens
from podium.timeparse._messages import Shown, Typed, ask, echo, fail, iso_example, labels, reading, show
from podium.timeparse._phrase import Phrase, read
from podium.timeparse._relative import Amount
from podium.timeparse._zones import ZONE_WORDS, listed_zones, zone_info

log = logging.getLogger(__name__)

# "tonight" alone: dateparser's choice, kept from before.
TONIGHT_HOUR = 20
# Most readings one question offers: "03/04 3:30" has four.
MAX_READINGS = 4
# Without a day, an hour from 7 to 12 typed without am/pm is read when its 24-hour reading is the next one.
_MORNING_HOURS = range(7, 13)
_PART_EXAMPLES = {"morning": ("9:30", "10am"), "afternoon": ("15:00", "3pm"), "evening": ("19:00", "7pm"),
                  "night": ("21:00", "9pm")}  # fmt: skip
_ISO_RE = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})(?:[t ](?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?))?"
    r"\s?(?P<offset>z|[+-]\d{2}(?::?\d{2})?)?"
)


@dataclass(frozen=True, slots=True)
class _Context:
    """One call's inputs, in the zone the text is read in."""

    typed: str
    zone_name: str
    zone: ZoneInfo
    now: datetime
    max_ahead: timedelta
    user_zone: str  # the member's own zone: examples for another zone name theirs
    numeric: bool = False  # the day was typed in digits ("03.04.2027"): labels name the month in words, and the year
    lang: str = "en"  # the language the text was read in: examples to type are given in it
    twenty_four: bool = False  # the member's locale writes the 24-hour clock: "9:30" is 09:30, never asked
    zone_typed: bool = False  # the zone was written in the text ("3pm PST"), not the member's or the server's

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()


@dataclass(frozen=True, slots=True)
class _Reading:
    when: datetime
    naive: datetime
    first: date  # the day candidate it came from


def parse_when(
    text: str, *, zone: str, now: datetime, max_ahead: timedelta = timedelta(days=365), locale: str | None = None
) -> ParsedTime:
    """Read a user's time in their IANA zone relative to aware `now`: future only, at most `max_ahead` ahead."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    now = now.astimezone(UTC)
    typed = text.strip()
    if not typed:
        raise fail("empty")
    if len(typed) > MAX_INPUT_CHARS:
        raise fail("too_long", count=len(typed), limit=MAX_INPUT_CHARS)
    tz = zone_info(zone)
    cleaned = normalize(typed)
    if not cleaned:
        raise fail("empty")
    user = _Context(typed, zone, tz, now, max_ahead, zone, twenty_four=twenty_four_hour(locale))
    iso = _parse_iso(cleaned, user)
    if iso is not None:
        return _one(iso, replace(user, numeric=True))
    order = date_order(locale)
    # German words when the member's Discord locale is German; English always, as the fallback.
    languages = ("de", "en") if locale and locale.lower().startswith("de") else ("en",)
    for lang in languages:
        with reading(typed, lang):
            words = tokens(cleaned, lang, ZONE_WORDS)
            phrase = read(words, text=typed, lang=lang, today=user.today, order=order)
            if phrase is None:
                continue
            ctx = user
            if phrase.zone is not None:
                ctx = replace(user, zone_name=phrase.zone, zone=zone_info(phrase.zone), zone_typed=True)
                if ctx.today != user.today:  # "tomorrow" is tomorrow over there
                    phrase = read(words, text=typed, lang=lang, today=ctx.today, order=order) or phrase
            return _resolve(phrase, ctx, lang)
    raise fail("unreadable", text=echo(typed))


def _resolve(phrase: Phrase, ctx: _Context, lang: str) -> ParsedTime:
    ctx = replace(ctx, lang=lang)
    day, clock, part = phrase.day, phrase.clock, phrase.part
    if phrase.offset is not None:
        offset = phrase.offset
        if offset.exact and (clock or day or phrase.same_time):
            raise fail("mixes", (Typed("in 3 days at 18:00", {}, "in 3 Tagen um 18 Uhr"),
                                 Typed("in 90 minutes", {}, "in 90 Minuten")), text=echo(ctx.typed))
        if day is not None:
            raise fail("two_days", text=echo(ctx.typed))
        if clock is None and not phrase.same_time:
            return _one(_elapsed(offset, ctx), ctx)
        day = Day((ctx.today + timedelta(days=offset.days),), None)
    if phrase.same_time:
        if day is None or clock is not None:
            raise fail("unreadable", text=echo(ctx.typed))
        local = ctx.now.astimezone(ctx.zone).replace(tzinfo=None).time()
        readings = [_reading(datetime.combine(first, local), first, ctx) for first in day.dates]
        return _choose(readings, day, None, ctx)
    if day is not None and day.kind == "numeric":
        ctx = replace(ctx, numeric=True)  # "03.12.2026 17:00" is labelled "Thu 3 Dec 2026 17:00", not "Thu 17:00"
    if clock is None and part == "midday":
        clock = Clock(12, 0, "noon", None, "midday")  # "morgen Mittag"
    if clock is None:
        if day is not None and day.kind == "tonight":
            return _one(_tonight(ctx), ctx)
        raise _needs_time(day, part, ctx.typed, lang, ctx.today)
    found, reason = options(clock, part, dated=day is not None, twenty_four=ctx.twenty_four)
    if day is None:
        day = Day((ctx.today,), "day")
    readings = [_roll(first, day, option, ctx) for first in day.dates for option in found]
    if reason == "open":
        # The 12/24-hour rule without a day: the 24-hour reading when it is also the next one on the clock face
        # and a morning hour or noon; otherwise both are plausible ("3:30" at 04:30: 15:30 today or 03:30 tomorrow).
        literal, other = readings
        reason = None if clock.hour in _MORNING_HOURS and literal.when < other.when else "clock"
        readings = [literal] if reason is None else readings
    return _choose(readings, day, reason, ctx)


def _roll(first: date, day: Day, option: Option, ctx: _Context) -> _Reading:
    """The first candidate day on which the option's wall time is still ahead (or the last candidate)."""
    chosen = None
    for candidate in day.candidates(first):
        naive = datetime.combine(candidate + timedelta(days=option.days), clock_time(option.hour, option.minute))
        if option.roll and _instant(naive, ctx.zone, ctx.now) <= ctx.now:
            naive += timedelta(days=1)  # "this morning at 12" said at 04:30: midnight is the coming one
        chosen = naive
        if _instant(naive, ctx.zone, ctx.now) > ctx.now:
            break
    assert chosen is not None
    return _reading(chosen, first, ctx)


def _reading(naive: datetime, first: date, ctx: _Context) -> _Reading:
    """A wall time as a reading; a wall time the clocks skip is refused, naming a time that exists."""
    if not _exists(naive, ctx.zone):
        later = naive.replace(tzinfo=ctx.zone, fold=0).astimezone(UTC).astimezone(ctx.zone)  # moved forward
        raise fail(
            "gap",
            (f"{later:%Y-%m-%d %H:%M}", f"{naive - timedelta(hours=1):%Y-%m-%d %H:%M}"),
            time=f"{naive:%H:%M}",
            date=Shown("day", {}, naive.date()),
            zone=ctx.zone_name,
        )
    return _Reading(_instant(naive, ctx.zone, ctx.now), naive, first)


def _choose(readings: list[_Reading], day: Day, reason: str | None, ctx: _Context) -> ParsedTime:
    """One reading is the answer; several are asked; none ahead is refused."""
    ahead = [reading for reading in readings if reading.when > ctx.now]
    if not ahead:
        return _one(max(reading.when for reading in readings), ctx)  # refused as past
    if day.reason == "order" and {r.first for r in ahead} != set(day.dates):
        passed = min(r.naive for r in readings if r.first not in {a.first for a in ahead})
        days = [Shown("month day", {}, d) for d in day.dates]
        examples = [_example(r.when.astimezone(ctx.zone), ctx) for r in ahead]
        examples += [f"{r.naive:%Y-%m-%d %H:%M}" for r in ahead]
        raise fail(
            "order_past",
            examples,
            text=echo(ctx.typed),
            readings=labels(days),
            passed=Shown("month day", {}, passed.date()),
        )
    unique = sorted({reading.when for reading in ahead})
    if len(unique) == 1:
        return _one(unique[0], ctx)
    if len(unique) > MAX_READINGS:
        raise fail("too_many_readings", text=echo(ctx.typed))
    far = [when for when in unique if when - ctx.now > ctx.max_ahead]
    if far:
        if len(far) == len(unique):
            return _one(far[0], ctx)  # refused as too far
        raise fail(
            "ambiguous_far",
            [_example(when.astimezone(ctx.zone), ctx) for when in unique if when not in far],
            text=echo(ctx.typed),
            readings=labels(_readings(unique, ctx)),
            far=show(far[0].astimezone(ctx.zone)),
            days=_days(ctx.max_ahead),
        )
    parsed = _readings(unique, ctx)
    examples = [_example(when.astimezone(ctx.zone), ctx) for when in unique]
    why = day.reason if day.reason == "order" else reason
    key = {"order": "ask_order", "midnight": "ask_midnight", "noon_or_midnight": "ask_noon_or_midnight"}.get(
        why or "", "ask_clock"
    )
    raise ask(key, parsed, examples, text=echo(ctx.typed))


def _one(when: datetime, ctx: _Context) -> ParsedTime:
    """The reading, if it is ahead and not too far ahead."""
    local = when.astimezone(ctx.zone)
    if when <= ctx.now:
        raise fail("past", when=show(local), zone=ctx.zone_name)
    if when - ctx.now > ctx.max_ahead:
        raise fail("too_far", when=show(local), days=_days(ctx.max_ahead))
    return _parsed(when, ctx)


def _parsed(when: datetime, ctx: _Context) -> ParsedTime:
    return _readings([when], ctx)[0]


def _readings(whens: list[datetime], ctx: _Context) -> tuple[ParsedTime, ...]:
    """ParsedTimes with their labels, in English and in the form any language writes them in (`label_in`)."""
    return tuple(
        ParsedTime(when=when, zone=ctx.zone_name, text=ctx.typed, label=label, local=when.astimezone(ctx.zone),
                   form=form, zone_typed=ctx.zone_typed)
        for when, label, form in zip(whens, _labels(whens, ctx), _forms(whens, ctx), strict=True)
    )


def _forms(whens: list[datetime], ctx: _Context, *, short: bool = True) -> list[str]:
    """The Babel patterns of `_labels` (in English they write the very same text)."""
    local = [when.astimezone(ctx.zone) for when in whens]
    if short and not ctx.numeric and all(0 <= (moment.date() - ctx.today).days <= 6 for moment in local):
        return [WEEKDAY_FORM for _ in local]
    return [DATE_YEAR_FORM if ctx.numeric or moment.year != ctx.today.year else DATE_FORM for moment in local]


# Translators: date-and-time patterns of time readings (https://babel.pocoo.org/en/latest/dates.html#pattern-syntax):
# EEE is the weekday, d the day, MMM the month, y the year; keep every letter, change order and dots.
WEEKDAY_FORM = N_("EEE HH:mm")
# Translators: see "EEE HH:mm".
DATE_FORM = N_("EEE d MMM HH:mm")
# Translators: see "EEE HH:mm".
DATE_YEAR_FORM = N_("EEE d MMM y HH:mm")


def _labels(whens: list[datetime], ctx: _Context, *, short: bool = True) -> list[str]:
    """Labels: "Sat 15:30" when all are within the coming week, else "Thu 3 Dec 18:00" (with a year not this one).

    A date typed in digits is always labelled with its month as a word and its year ("Thu 3 Dec 2026 18:00"), so a
    member who meant the other order sees the misreading at once.
    """
    local = [when.astimezone(ctx.zone) for when in whens]
    if short and not ctx.numeric and all(0 <= (moment.date() - ctx.today).days <= 6 for moment in local):
        return [f"{moment:%a %H:%M}" for moment in local]
    labels = []
    for moment in local:
        year = f" {moment.year}" if ctx.numeric or moment.year != ctx.today.year else ""
        labels.append(f"{moment:%a} {moment.day} {moment:%b}{year} {moment:%H:%M}")
    return labels


def _example(local: datetime, ctx: _Context) -> str:
    """An input that reads as exactly this instant, without a question: "sunday 03:30", "dec 5 18:00"."""
    if ctx.lang == "de":
        return _german_example(local, ctx)
    days = (local.date() - ctx.today).days
    # A leading zero or an hour past 12 is the 24-hour clock, never asked; 10 and 11 need am to say so.
    at = f"{local:%H:%M}"
    if local.hour in (10, 11):
        at = f"{local.hour}am" if local.minute == 0 else f"{local.hour}:{local:%M}am"
    if 0 <= days <= 6:
        text = f"{WEEKDAYS[local.weekday()]} {at}"
    elif days == 7:
        text = f"next {WEEKDAYS[local.weekday()]} {at}"
    elif days < 360:
        text = f"{MONTHS[local.month - 1][:3]} {local.day} {at}"
    else:
        text = f"{local:%Y-%m-%d} {at}"
    return text if ctx.zone_name == ctx.user_zone else f"{text} {ctx.zone_name}"


_DE_WEEKDAY_NAMES = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def _german_example(local: datetime, ctx: _Context) -> str:
    """The same for a German reader: "Freitag 18:30", "3.12. 09:00 vormittags"; read back without a question."""
    days = (local.date() - ctx.today).days
    at = f"{local:%H:%M}"
    if local.hour in (10, 11):
        at += " vormittags"  # 10:00 and 11:00 alone could be the evening's 22:00 and 23:00
    if 0 <= days <= 6:
        text = f"{_DE_WEEKDAY_NAMES[local.weekday()]} {at}"
    elif days == 7:
        text = f"nächsten {_DE_WEEKDAY_NAMES[local.weekday()]} {at}"
    elif days < 360:
        text = f"{local.day}.{local.month}. {at}"
    else:
        text = f"{local:%Y-%m-%d} {at}"
    return text if ctx.zone_name == ctx.user_zone else f"{text} {ctx.zone_name}"


def _elapsed(offset: Amount, ctx: _Context) -> datetime:
    """An offset's instant: "in 2 hours" is elapsed time; "in 3 days" moves the calendar, keeps the clock."""
    local = ctx.now.astimezone(ctx.zone).replace(tzinfo=None)
    try:
        # A wall time the clocks skip moves forward (fold=0 does).
        moved = _instant(local + timedelta(days=offset.days), ctx.zone, ctx.now) if offset.days else ctx.now
        # Exact: "in 30 seconds" is a personal reminder's whole point.
        return moved + offset.exact
    except OverflowError:
        raise fail("too_far_overflow", text=echo(ctx.typed)) from None


def _needs_time(day: Day | None, part: str | None, typed: str, lang: str = "en",
                today: date | None = None) -> TimeInputError:
    """A day without a time: refused with examples that add one, since a talk at midnight is never what was meant.

    The examples extend what was typed, as typed, in the language it was read in ("Freitag 18 Uhr"); a day already
    past ("gestern") has no time that would work, so the examples are the usual ones (in the reader's language).
    """
    if day is not None and day.reason == "order":
        if lang == "de":
            examples = [f"{d.day}.{d.month}. 18:00" for d in day.dates]
        else:
            examples = [f"{MONTHS[d.month - 1]} {d.day} 18:00" for d in day.dates]
        return fail("needs_time_order", examples, text=echo(typed))
    if day is not None and today is not None and all(d < today for d in day.dates):
        return fail("needs_time", EXAMPLES[:2], text=echo(typed))
    a, b = _PART_EXAMPLES.get(part or "", ("18:00", "7pm"))
    if lang == "de":
        b = f"{int(a.split(':')[0])} Uhr"
    return fail("needs_time", (f"{typed} {a}", f"{typed} {b}"), text=echo(typed))


def _tonight(ctx: _Context) -> datetime:
    naive = datetime.combine(ctx.today, clock_time(TONIGHT_HOUR))
    when = _reading(naive, ctx.today, ctx).when
    if when <= ctx.now:
        raise fail("tonight_past", ("tonight 22:30", "tomorrow 20:00"), hour=TONIGHT_HOUR)
    return when


def _parse_iso(text: str, ctx: _Context) -> datetime | None:
    """ISO 8601: with an offset it is that instant; without, a wall time in the user's zone."""
    match = _ISO_RE.fullmatch(text)
    if match is None:
        return None
    if match["time"] is None:
        raise _needs_time(None, None, match["date"])
    offset = (match["offset"] or "").upper()
    try:
        parsed = datetime.fromisoformat(f"{match['date']}T{match['time']}{offset}")
    except ValueError:
        example = iso_example(ctx.today)
        raise fail("not_a_date_time", (example, example.replace(" ", "T") + "+01:00"), text=echo(text)) from None
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return _reading(parsed, parsed.date(), ctx).when


def _exists(naive: datetime, zone: ZoneInfo) -> bool:
    """False for a wall time in a spring-forward gap."""
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive


def _instant(naive: datetime, zone: ZoneInfo, now: datetime) -> datetime:
    """A local wall time as a UTC instant: the first occurrence, or the second if only that is still ahead."""
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first <= now < second and _exists(naive, zone):
        return second
    return first


def _days(delta: timedelta) -> Shown:
    """"365 days", in the reader's language ("365 Tage")."""
    return Shown("days", {}, delta)


def warm_up() -> float:
    """Pay dateparser's first-call cost (~100-300 ms) at start, not in a command; returns the seconds it took."""
    start = time.perf_counter()
    warm_up_dateparser()
    listed_zones()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for sample, locale in (("tomorrow 5pm", None), ("morgen um 17 Uhr", "de")):
        parse_when(sample, zone="Europe/Berlin", now=now, locale=locale)
    return time.perf_counter() - start
