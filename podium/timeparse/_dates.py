"""Days: "tomorrow", "next friday", "dec 3", "3. Dezember", "20.03.", "03/04/2027", "the 15th", "a week from friday".

- A weekday is the next such day ("friday", "this friday", "on friday" include today while the time is ahead);
  "next friday" is never today; "friday next week" / "next week friday" is the Friday of next week (Monday to
  Sunday); "friday week" and "a week from friday" are a week after the coming Friday. "next week" alone is a week
  from today; "this weekend" is the coming Saturday and Sunday (asked), "next weekend" the one after.
- A month and day without a year is the next such date; a weekday given with a date must match it.
- "the 15th" is the next 15th of a month.
- A numeric date is read when its order is certain (a part above 12, "20.03.", or the year first, "2027/03/20") or
  the two orders give the same day ("12/12"). Otherwise the member's Discord locale decides: month first for en-US,
  year-month-day locales (ja, ko, zh-CN, zh-TW, hu, lt) write day and month as month/day, every other locale day
  first; without a locale (or with plain "en") both readings are asked. A weekday given with it settles it too.
- Other date phrasings ("3-dec-2026", "dec-3") go to dateparser, trusted only when it found a day and a month and
  no time (it reads "20.03." as 20:03 and "the 3rd" as March).
"""

from __future__ import annotations

import calendar
import functools
import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import babel
from babel import Locale
from dateparser.date import DateDataParser

from podium.timeparse._lang import MONTHS, PARTS_OF_DAY, WEEKDAYS
from podium.timeparse._messages import Shown, Typed, echo, fail, iso_example
from podium.timeparse._relative import amount_at

log = logging.getLogger(__name__)

_WEEKDAY_NUMBERS = {name: number for number, name in enumerate(WEEKDAYS)}
_MONTH_NUMBERS = {name: number for number, name in enumerate(MONTHS, 1)}
_ORDINAL_RE = re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th|\.)")
_DAY_NUMBER_RE = re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th|\.)?")
_YEAR_RE = re.compile(r"(?:19[7-9]\d|20\d\d|2100)")
_YMD_RE = re.compile(r"(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})\.?")
_THREE_PART_RE = re.compile(r"(?P<a>\d{1,2})(?P<s>[./-])(?P<b>\d{1,2})(?P=s)(?P<y>\d{2}|\d{4})")
_TWO_PART_RE = re.compile(r"(?P<a>\d{1,2})(?P<s>[/-])(?P<b>\d{1,2})|(?P<da>\d{1,2})\.(?P<db>\d{1,2})\.")
_DOTTED_PAIR_RE = re.compile(r"(?P<a>\d{1,2})\.(?P<b>\d{1,2})")

# Discord locales and the order of a short numeric date (https://discord.com/developers/docs/reference#locales).
_MONTH_FIRST = frozenset({"en-US"})
_YEAR_FIRST = frozenset({"ja", "ko", "zh-CN", "zh-TW", "hu", "lt"})
_DAY_FIRST = frozenset({"id", "da", "de", "en-GB", "es-ES", "es-419", "fr", "hr", "it", "nl", "no", "pl", "pt-BR",
                        "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th"})  # fmt: skip


def date_order(locale: str | None) -> str | None:
    """The date order ("DMY", "MDY", "YMD") of a Discord locale ("de", "en-US"); None when unknown (then asked)."""
    if not locale:
        return None
    for orders, name in ((_MONTH_FIRST, "MDY"), (_YEAR_FIRST, "YMD"), (_DAY_FIRST, "DMY")):
        if any(known.lower() == locale.lower() for known in orders):  # "en-us" stored by hand is en-US
            return name
    language = locale.split("-")[0].lower()
    if language == "en":
        return None  # en-US and en-GB disagree: a bare "en" settles nothing
    for orders, name in ((_YEAR_FIRST, "YMD"), (_DAY_FIRST, "DMY")):
        if any(known.split("-")[0].lower() == language for known in orders):
            return name
    return None


@functools.cache
def twenty_four_hour(locale: str | None) -> bool:
    """Whether a Discord locale writes clock times on the 24-hour clock (de, en-GB, fr …; not en-US, hi, ko).

    Taken from Babel's short time pattern ("HH:mm" against "h:mm a"), so every locale Babel knows is covered
    without a hand-kept list. No locale, or one Babel does not know, is False: then "9:30" may be asked.
    """
    if not locale:
        return False
    try:
        pattern = Locale.parse(locale.replace("-", "_")).time_formats["short"].pattern
    except (ValueError, babel.UnknownLocaleError):
        return False
    unquoted = re.sub(r"'[^']*'", "", pattern)  # quoted literals are text, not fields
    return "H" in unquoted or "k" in unquoted


@dataclass(frozen=True, slots=True)
class Day:
    """The date part of what was typed: first candidate dates, and how a candidate moves on once its time passed."""

    dates: tuple[date, ...]  # several when a numeric date's order is unknown, or for a weekend
    step: str | None  # "day", "week", "month", "year"; None: that date only (a passed time is refused)
    part: str | None = None  # a part of the day said with it ("tonight": night, "this morning": morning)
    kind: str = "date"  # "tonight", "numeric" (a numeric date: its messages name both orders) or "date"
    reason: str | None = None  # why there are several dates: "order", "weekend"
    text: str = ""
    weekday: int | None = None  # a weekday alone ("friday"): a date given too must fall on it ("Dec 4, Fri")

    def candidates(self, first: date) -> Iterator[date]:
        """`first`, then the dates it moves on to when its time has passed."""
        yield first
        if self.step == "day":
            yield first + timedelta(days=1)
        elif self.step == "week":
            yield first + timedelta(weeks=1)
        elif self.step == "month":
            year, month = first.year, first.month
            for _ in range(12):
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
                if first.day <= calendar.monthrange(year, month)[1]:
                    yield date(year, month, first.day)
        elif self.step == "year":
            for year in range(first.year + 1, first.year + 9):
                try:
                    yield first.replace(year=year)
                except ValueError:
                    continue


def _shifted(day: Day, days: int, typed: str) -> Day:
    return Day(tuple(d + timedelta(days=days) for d in day.dates), None, day.part, "date", day.reason, typed)


def day_at(tokens: list[str], i: int, today: date, order: str | None, *, dotted: bool) -> tuple[int, Day] | None:
    """A day starting at tokens[i]; (tokens used, Day). `dotted`: "12.05" is a date here (a time is given too)."""
    found = _counted_at(tokens, i, today, order, dotted)
    if found is not None:
        return found
    found = _base_at(tokens, i, today, order, dotted)
    if found is None:
        return None
    used, day = found
    rest = tokens[i + used :]
    if rest[:1] == ["in"] and len(day.dates) == 1:  # "heute in einer Woche", "morgen in einer Woche"
        amount = amount_at(tokens, i + used + 1)
        if amount is not None and amount[1].calendar_only and amount[1].days > 0:
            end = i + used + 1 + amount[0]
            return end - i, _shifted(day, amount[1].days, _typed(tokens, i, end))
    if rest[:1] == ["week"] and day.text in ("today", "tomorrow"):  # "tomorrow week"
        return used + 1, _shifted(day, 7, _typed(tokens, i, i + used + 1))
    return found


def _typed(tokens: list[str], start: int, end: int) -> str:
    return " ".join(token.lstrip("?#") for token in tokens[start:end])


def _counted_at(tokens: list[str], i: int, today: date, order: str | None, dotted: bool) -> tuple[int, Day] | None:
    """Days counted from a day: "a week from friday", "3 days after tomorrow", "2 weeks from monday"."""
    amount = amount_at(tokens, i)
    if amount is None:
        return None
    used, value = amount
    if not value.calendar_only or value.days <= 0 or tokens[i + used : i + used + 1] not in (["from"], ["after"]):
        return None
    base = _base_at(tokens, i + used + 1, today, order, dotted)
    if base is None or len(base[1].dates) != 1:
        return None
    end = i + used + 1 + base[0]
    return end - i, _shifted(base[1], value.days, _typed(tokens, i, end))


def _base_at(tokens: list[str], i: int, today: date, order: str | None, dotted: bool) -> tuple[int, Day] | None:
    if i >= len(tokens):
        return None
    for reader in (_word_at, _dated_at, _weekday_at):
        found = reader(tokens, i, today, order, dotted)
        if found is not None:
            return found
    return None


def _dated_at(tokens: list[str], i: int, today: date, order: str | None, dotted: bool) -> tuple[int, Day] | None:
    """A date, after an optional weekday that must agree with it: "thursday dec 3", "Donnerstag, den 3.12."."""
    weekday = _WEEKDAY_NUMBERS.get(tokens[i])
    start = i if weekday is None else i + 1
    if start >= len(tokens):
        return None
    for reader in (_month_date_at, _numeric_at, _ordinal_at):
        # "the" belongs to the date ("the 3rd of december"); after a weekday it may stand alone ("friday the 4th").
        for skip in (0, 1) if weekday is not None and tokens[start] == "the" else (0,):
            if start + skip >= len(tokens):
                continue
            found = reader(tokens, start + skip, today, order, dotted)
            if found is not None:
                used, day = found
                if weekday is not None:
                    day = with_weekday(day, weekday, today)
                return start + skip + used - i, day
    return None


_DAY_WORDS = {"today": 0, "tomorrow": 1, "overmorrow": 2, "yesterday": -1}


def _word_at(tokens: list[str], i: int, today: date, order: str | None, dotted: bool) -> tuple[int, Day] | None:
    """Day words: "today", "tomorrow", "the day after tomorrow", "tonight", "this morning"."""
    token = tokens[i]
    if token in _DAY_WORDS:
        return 1, Day((today + timedelta(days=_DAY_WORDS[token]),), None, text=token)
    if token == "tonight":
        return 1, Day((today,), None, "night", "tonight", text=token)
    for phrase in (["day", "after", "tomorrow"], ["the", "day", "after", "tomorrow"]):
        if tokens[i : i + len(phrase)] == phrase:
            return len(phrase), Day((today + timedelta(days=2),), None, text=" ".join(phrase))
    if token == "this" and tokens[i + 1 : i + 2] and tokens[i + 1] in PARTS_OF_DAY:
        return 2, Day((today,), None, tokens[i + 1], text=f"this {tokens[i + 1]}")
    return None


def _weekday_at(tokens: list[str], i: int, today: date, order: str | None, dotted: bool) -> tuple[int, Day] | None:
    """Weekdays: "friday", "next friday", "friday next week", "next week friday", "friday week", "this weekend"."""
    j = i
    modifier = tokens[j] if tokens[j] in ("next", "this", "coming", "last", "afternext") else None
    if modifier is not None:
        j += 1
    week: str | None = None
    if modifier in ("next", "this") and tokens[j : j + 1] == ["week"]:
        week, j = modifier, j + 1
        if j >= len(tokens) or tokens[j] not in _WEEKDAY_NUMBERS:
            if week == "next":  # "next week": a week from today, as dateparser reads it
                return j - i, Day((today + timedelta(weeks=1),), None, text="next week")
            return None
    if tokens[j : j + 1] == ["weekend"]:
        saturday = today - timedelta(days=1) if today.weekday() == 6 else today + timedelta((5 - today.weekday()) % 7)
        if modifier == "next":
            saturday += timedelta(weeks=1)
        dates = (saturday, saturday + timedelta(days=1))
        return j + 1 - i, Day(dates, None, reason="weekend", text=_typed(tokens, i, j + 1))
    if j >= len(tokens) or tokens[j] not in _WEEKDAY_NUMBERS:
        return None
    weekday = _WEEKDAY_NUMBERS[tokens[j]]
    j += 1
    if tokens[j : j + 2] == ["after", "next"]:  # "friday after next"
        modifier, j = "afternext", j + 2
    skip = 1 if tokens[j : j + 1] in (["of"], ["the"]) else 0  # "wednesday of next week"
    if week is None and tokens[j + skip : j + skip + 2] in (["next", "week"], ["this", "week"]):
        week, j = tokens[j + skip], j + skip + 2
    monday = today - timedelta(days=today.weekday())
    typed = _typed(tokens, i, j)
    if week == "next":
        return j - i, Day((monday + timedelta(days=7 + weekday),), None, text=typed)
    if week == "this":
        return j - i, Day((monday + timedelta(days=weekday),), None, text=typed)
    if modifier == "last":
        return j - i, Day((today - timedelta(days=(today.weekday() - weekday) % 7 or 7),), None, text=typed)
    ahead = (weekday - today.weekday()) % 7
    if modifier in ("next", "afternext") and ahead == 0:
        ahead = 7  # "next friday" said on a Friday is never today
    if modifier == "afternext":  # the one after next Friday
        return j - i, Day((today + timedelta(days=ahead + 7),), None, text=typed)
    first = today + timedelta(days=ahead)
    if tokens[j : j + 1] == ["week"] and modifier is None:  # British "friday week": a week on Friday
        return j + 1 - i, Day((first + timedelta(weeks=1),), None, text=f"{typed} week")
    return j - i, Day((first,), "week", text=typed, weekday=weekday if modifier is None else None)


def _day_number(token: str, ordinal_word_ok: bool) -> int | None:
    if ordinal_word_ok and token == "second":  # "the second of december"
        return 2
    match = _DAY_NUMBER_RE.fullmatch(token)
    return int(match["d"]) if match else None


def _month_date_at(tokens: list[str], i: int, today: date, order: str | None, dotted: bool) -> tuple[int, Day] | None:
    """Month dates: "dec 3", "december 3rd 2026", "3 dec", "the 3rd of december", "december the 3rd", "3. Dezember"."""
    month = day_number = None
    end = i
    k = i + 1 if tokens[i] == "the" else i
    if k < len(tokens) and tokens[k] in _MONTH_NUMBERS:  # december [the] 3rd
        month = _MONTH_NUMBERS[tokens[k]]
        n = k + 2 if tokens[k + 1 : k + 2] == ["the"] else k + 1
        day_number = _day_number(tokens[n], True) if n < len(tokens) else None
        end = n + 1
    elif k < len(tokens) and (day_number := _day_number(tokens[k], k > i)) is not None:  # [the] 3rd [of] december
        n = k + 2 if tokens[k + 1 : k + 2] == ["of"] else k + 1
        if n < len(tokens) and tokens[n] in _MONTH_NUMBERS:
            month = _MONTH_NUMBERS[tokens[n]]
        end = n + 1
    if month is None or day_number is None:
        return None
    year = None
    if end < len(tokens) and _YEAR_RE.fullmatch(tokens[end]):
        year, end = int(tokens[end]), end + 1
    first = _calendar_date(day_number, month, year, today)
    return end - i, Day((first,), "year" if year is None else None, text=_typed(tokens, i, end))


def _calendar_date(day: int, month: int, year: int | None, today: date) -> date:
    """The date, or the next such date without a year; refused with examples when the month has no such day."""
    last = 29 if month == 2 else calendar.monthrange(2026, month)[1]
    name = MONTHS[month - 1]
    if not 1 <= day <= last:
        # The month's last day in its next occurrence: "feb 29" would be a leap year years away (too far ahead).
        year_next = today.year if (month, calendar.monthrange(today.year, month)[1]) >= (today.month, today.day) \
            else today.year + 1
        end = calendar.monthrange(year_next, month)[1]
        examples = [Typed(f"{name[:3]} {n} 18:00", {}, f"{n}.{month}. 18:00") for n in (1, end)]
        raise fail("no_such_day", examples, month=Shown("month", {}, month), day=day)
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            raise fail("not_a_date", text=f"{name.capitalize()} {day}, {year}") from None
    # Feb 29 falls back to the next leap year: the max_ahead check then refuses it with a clear message.
    for candidate_year in range(today.year, today.year + 9):
        try:
            return date(candidate_year, month, day)
        except ValueError:
            continue
    raise AssertionError("every 8 years contain a leap year")  # pragma: no cover


_DE_WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def with_weekday(day: Day, weekday: int, today: date) -> Day:
    """A weekday given with a date must match it; with several readings ("thursday 03/12") it picks one."""
    firsts = []
    for first in day.dates:
        # Checked against the next such date: a weekday that fits only some later year is a typo, not a plan.
        target = next((c for c in day.candidates(first) if c >= today), first) if day.step else first
        firsts.append(target)
    matching = tuple(d for d in firsts if d.weekday() == weekday)
    if not matching:
        target = firsts[0]
        german = f"{target.day}.{target.month}. 18:00"
        examples = (Typed(f"{target:%b} {target.day} 18:00".lower(), {}, german),
                    Typed(f"{WEEKDAYS[target.weekday()]} {target:%b} {target.day} 18:00".lower(), {},
                          f"{_DE_WEEKDAYS[target.weekday()]} {german}"))
        raise fail(
            "weekday_mismatch",
            examples,
            date=Shown("date", {}, target),
            actual=Shown("weekday", {}, target.weekday()),
            typed=Shown("weekday", {}, weekday),
        )
    reason = day.reason if len(matching) > 1 else None
    return replace(day, dates=matching, step=None, reason=reason)


def _numeric_at(tokens: list[str], i: int, today: date, order: str | None, dotted: bool) -> tuple[int, Day] | None:
    """Numeric dates: "2027/03/20", "20.03.2027", "20.03.", "03/04", "03/04/27" (and "12.05" when `dotted`)."""
    token = tokens[i]
    if match := _YMD_RE.fullmatch(token):
        try:
            return 1, Day((date(int(match["y"]), int(match["m"]), int(match["d"])),), None, "date", text=token)
        except ValueError:
            raise fail("not_a_date", (iso_example(today), "dec 3 7pm"), text=echo(token)) from None
    year: int | None = None
    if match := _THREE_PART_RE.fullmatch(token):
        a, b, year = int(match["a"]), int(match["b"]), int(match["y"])
        year += 2000 if year < 100 else 0
        three = True
    elif match := _TWO_PART_RE.fullmatch(token):
        a, b = int(match["a"] or match["da"]), int(match["b"] or match["db"])
        three = False
    elif dotted and (match := _DOTTED_PAIR_RE.fullmatch(token)):
        a, b, three = int(match["a"]), int(match["b"]), False
    else:
        return None
    readings = _orders(a, b, year, order, three)
    if not readings:
        months = [m for m in (b, a) if 1 <= m <= 12]
        if len(months) == 1:  # "30.02.": February has no day 30
            _calendar_date(a if months[0] == b else b, months[0], year, today)
        raise fail("not_a_date", (iso_example(today), "dec 3 7pm"), text=echo(token))
    dates = tuple(dict.fromkeys(_calendar_date(d, m, year, today) for d, m in readings))
    reason = "order" if len(dates) > 1 else None
    return 1, Day(dates, "year" if year is None else None, None, "numeric", reason, token)


def _orders(a: int, b: int, year: int | None, order: str | None, three: bool) -> list[tuple[int, int]]:
    """(day, month) readings of "a/b": both orders that make a date, unless the locale settles it."""
    valid = []
    for day, month in ((a, b), (b, a)):
        if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year or 2028, month)[1] and (day, month) not in valid:
            valid.append((day, month))
    if len(valid) < 2:
        return valid
    if order == "DMY":
        return valid[:1]
    if order == "MDY" or (order == "YMD" and not three):
        return valid[1:]
    return valid  # no locale, or a year-first locale's day/month/year that it does not write: ask


def _ordinal_at(tokens: list[str], i: int, today: date, order: str | None, dotted: bool) -> tuple[int, Day] | None:
    """Ordinal days: "the 15th", "the 3rd", German "am 3.": the next such day of a month."""
    j = i + 1 if tokens[i] == "the" else i
    if j >= len(tokens):
        return None
    match = _ORDINAL_RE.fullmatch(tokens[j])
    number = int(match["d"]) if match else (2 if tokens[j] == "second" and j > i else None)
    if number is None or not 1 <= number <= 31:
        return None
    year, month = today.year, today.month
    for _ in range(13):
        if number <= calendar.monthrange(year, month)[1] and date(year, month, number) >= today:
            return j + 1 - i, Day((date(year, month, number),), "month", text=_typed(tokens, i, j + 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None  # pragma: no cover - every 13 months contain each day up to 31


# -- dateparser, for the date phrasings the tables above do not know ------------------------------------------

_DATEPARSER_SETTINGS = {
    "PREFER_DATES_FROM": "future",
    "RETURN_AS_TIMEZONE_AWARE": False,
    # No unix timestamps ("1700000000") or digit runs read as times.
    "PARSERS": ["absolute-time"],
}
# One parser per language for the process: languages=[...] keeps failures cheap (~0.2 ms, not 12.7 ms with every
# language). RELATIVE_BASE changes per call, so each call swaps in settings derived from these under the lock.
_PARSERS = {lang: DateDataParser(languages=[lang], settings=_DATEPARSER_SETTINGS) for lang in ("en", "de")}
_BASE_SETTINGS = {lang: parser._settings for lang, parser in _PARSERS.items()}
_LOCK = threading.Lock()


def dateparser_day(words: str, lang: str, today: date) -> Day | None:
    """A date phrase only dateparser knows ("3-dec-2026"), when it finds a day and a month and no time in it."""
    if not re.search(r"[a-zäöüß]", words):
        return None  # digits alone are ours to read: dateparser takes "3-5" for March 5 and "20.03." for 20:03
    parser = _PARSERS[lang]
    settings = _BASE_SETTINGS[lang].replace(RELATIVE_BASE=datetime.combine(today, datetime.min.time()))
    try:
        with _LOCK:
            parser._settings = settings
            data = parser.get_date_data(words)
    except Exception:
        log.exception("dateparser failed on %r", words)
        return None
    parts = set(getattr(data, "parts", None) or ())  # DateData.parts: which parts were given (not in the stubs)
    if data.date_obj is None or not {"day", "month"} <= parts or "time" in parts:
        return None
    found = data.date_obj.date()
    return Day((found,), None if "year" in parts else "year", text=words)


def warm_up_dateparser() -> None:
    """Pay each language's first-call cost (~100-300 ms for the first) now."""
    today = date(2026, 1, 1)
    for lang, sample in (("en", "3-dec-2026"), ("de", "3. dezember 2026")):
        if dateparser_day(sample, lang, today) is None:  # pragma: no cover - the samples parse
            log.warning("dateparser warm-up did not parse %r", sample)
