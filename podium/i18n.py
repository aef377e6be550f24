"""Podium's languages: a gettext catalogue per language, chosen by a Discord locale, and Babel's formatting.

English is the source language: the msgids in the code are the English text, so English needs no catalogue and
a string missing from another language's catalogue reads in English. Every other language is
`podium/locales/<lang>/LC_MESSAGES/podium.po` (docs/i18n.md says how to add one). The .po files are compiled in
memory when a language is first used, so no compiled .mo can ever be stale and the image needs no build step.

Text takes its values as named `{placeholders}` (str.format), never assembled around the translation, so a
translator can reorder a sentence. Instants stay Discord's `<t:unix:F>` markup, which every reader's client
shows in their own language and zone; what Podium formats itself (dates, weekdays, numbers, lists) goes through
Babel in the reader's locale.
"""

from __future__ import annotations

import gettext
import io
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

# Babel's formatting, its locale data and its .po reader are imported (and loaded) when first used: a process that
# only ever speaks English keeps them out of its memory (docs/performance.md, "Idle memory").
from babel import Locale, UnknownLocaleError

from podium.markup import command

log = logging.getLogger(__name__)

DOMAIN = "podium"
LOCALES_DIR = Path(__file__).resolve().parent / "locales"
SOURCE_LANGUAGE = "en"
# A catalogue's language and the Discord locale its command localizations are sent for, where they differ
# (Discord has "es-ES", "pt-BR", "sv-SE", "zh-CN"… but plain "de", "fr").
_DISCORD_LOCALE = {"es": "es-ES", "pt": "pt-BR", "sv": "sv-SE", "zh": "zh-CN"}


def N_(message: str) -> str:
    """Mark text for the catalogue where it is translated later (an error's message, a constant)."""
    return message


# Translators: a date-and-time pattern (https://babel.pocoo.org/en/latest/dates.html#pattern-syntax): EEE is the
# weekday, dd the day, MMM the month, both short, in your language; keep every letter, change order and dots.
SHORT_MOMENT = N_("EEE dd MMM HH:mm")


def languages() -> tuple[str, ...]:
    """The languages Podium speaks: English, then every language with a catalogue, by code."""
    found = sorted(p.parent.parent.name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE_LANGUAGE, *(lang for lang in found if lang != SOURCE_LANGUAGE))


def language_of(locale: str | None) -> str:
    """The catalogue for a Discord locale ("de" → "de", "pt-BR" → "pt_BR" or "pt"); English if none fits."""
    if not locale:
        return SOURCE_LANGUAGE
    spoken = languages()
    full = locale.replace("-", "_")
    if full in spoken:
        return full
    base = full.split("_")[0].lower()
    return base if base in spoken else SOURCE_LANGUAGE


def language_name(language: str) -> str:
    """A language's own name ("Deutsch", "English"), for choices and replies."""
    try:
        name = Locale.parse(language).get_display_name(language) or language
    except (ValueError, UnknownLocaleError):
        return language
    return name[:1].upper() + name[1:]


def discord_locale(language: str) -> str:
    """The Discord locale command localizations of a catalogue's language are sent for."""
    return _DISCORD_LOCALE.get(language, language.replace("_", "-"))


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as file:
        catalog = read_po(file, locale=language, domain=DOMAIN)
    # Compiled in memory (fuzzy entries left out, as msgfmt does): the .po is the only file to keep right.
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@cache
def _babel_locale(locale: str | None, language: str) -> Locale:
    """The locale Babel formats in: the member's own ("en-GB" writes dates the British way), else the language's."""
    for candidate in (locale, language):
        if candidate:
            try:
                return Locale.parse(candidate.replace("-", "_"))
            except (ValueError, UnknownLocaleError):
                continue
    return Locale.parse(SOURCE_LANGUAGE)


# A command named inside a sentence of the catalogue, as `/schedule add` (no options: an example with options
# stays code, since a mention cannot carry them).
_COMMAND_IN_TEXT = re.compile(r"`/([a-z-]+(?: [a-z-]+)?)`")


def _mentions(text: str) -> str:
    """Commands named in catalogue text become clickable mentions, like those passed in as `{command}`.

    Applied to the catalogue's text before its values are filled in, so member text is never touched. One scheme in
    every reply: a mention where Discord gave the command its id, else the English name in backticks
    (docs/i18n.md, "Naming commands in text").
    """
    if "`/" not in text:
        return text
    return _COMMAND_IN_TEXT.sub(lambda match: command(match[1]), text)


@dataclass(frozen=True, slots=True)
class Translator:
    """Text and formatting in one reader's language; get one with `translator(locale)`."""

    locale: str | None
    language: str
    _catalogue: gettext.NullTranslations

    @property
    def _babel(self) -> Locale:
        # Parsed (CLDR data read from disk) at the first date, number or list, then cached by _babel_locale.
        return _babel_locale(self.locale, self.language)

    def _(self, message: str, /, **params: object) -> str:
        """The message in this language, its `{placeholders}` filled in."""
        text = _mentions(self._catalogue.gettext(message))
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        """The singular or (one of the language's) plural forms for `n`; `{n}` is the number, formatted."""
        text = _mentions(self._catalogue.ngettext(singular, plural, n))
        return text.format(n=self.number(n), **params)

    def pgettext(self, context: str, message: str) -> str:
        """The message in this language where the same English has another meaning elsewhere."""
        return self._catalogue.pgettext(context, message)

    def number(self, value: float) -> str:
        """A number as this locale writes it (1,000 / 1.000)."""
        from babel.numbers import format_decimal

        return format_decimal(value, locale=self._babel)

    def date(self, value: date | datetime, form: str = "long") -> str:
        """A calendar date as this locale writes it, the month as a word by default ("20 March 2026")."""
        from babel.dates import format_date

        return format_date(value, form, locale=self._babel)

    def time(self, value: time, form: str = "short") -> str:
        """A wall-clock time as this locale writes it ("09:00", "9:00 AM")."""
        from babel.dates import format_time

        return format_time(value, form, locale=self._babel)

    def moment(self, value: datetime, form: str = SHORT_MOMENT) -> str:
        """A wall-clock date and time in value's own zone ("Sat 05 Dec 18:00", "Sa. 05. Dez. 18:00").

        `form` is a Babel (CLDR) pattern marked with N_: each language's catalogue may write it its own way.
        """
        from babel.dates import format_datetime

        return format_datetime(value, self._(form), tzinfo=value.tzinfo, locale=self._babel)

    def weekday(self, index: int) -> str:
        """A weekday's name, 0 = Monday."""
        from babel.dates import get_day_names

        return str(get_day_names("wide", locale=self._babel)[index])

    def join(self, items: Iterable[str]) -> str:
        """"a, b and c" in this language ("a, b und c")."""
        from babel.lists import format_list

        return format_list(list(items), locale=self._babel)

    def duration(self, delta: timedelta) -> str:
        """A duration in words, "1 day 2 hours" ("1 Tag 2 Stunden"): abbreviations such as "1 d" read as English."""
        from babel.units import format_unit

        minutes = round(abs(delta) / timedelta(minutes=1))
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        parts = [format_unit(value, unit, length="long", locale=self._babel)
                 for value, unit in ((days, "duration-day"), (hours, "duration-hour"), (minutes, "duration-minute"))
                 if value]
        return " ".join(parts) or format_unit(0, "duration-minute", length="long", locale=self._babel)

    def durations(self, deltas: Iterable[timedelta]) -> str:
        """Reminder offsets as one phrase: "1 day and 1 hour" ("1 Tag und 1 Stunde")."""
        return self.join(self.duration(delta) for delta in deltas)


def translator(locale: object) -> Translator:
    """The translator for a Discord locale ("de", "en-US"…); English for None or a language without a catalogue."""
    # Anything but a locale string (a missing one, a stand-in in a test) reads in English.
    return _translator(locale if isinstance(locale, str) else None)


@cache
def _translator(locale: str | None) -> Translator:
    language = language_of(locale)
    return Translator(locale, language, _catalogue(language))


ENGLISH = translator(None)


def localizations(message: str, *, context: str | None = None) -> dict[str, str]:
    """A command text in every other language, keyed by Discord locale (only where a translation exists)."""
    found: dict[str, str] = {}
    for language in languages()[1:]:
        catalogue = _catalogue(language)
        text = catalogue.pgettext(context, message) if context else catalogue.gettext(message)
        if text != message:
            found[discord_locale(language)] = text
    return found
