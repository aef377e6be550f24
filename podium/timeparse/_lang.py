"""Language tables: English and German words mapped onto the one small vocabulary the grammar reads.

The grammar (_phrase, _clock, _dates, _relative) never sees a German word: "morgen" becomes "tomorrow", "um" becomes
"at", "Stunden" becomes "hours". Where the languages mean different things the canonical word differs too: German
"halb vier" is 3:30 and stays "halb", English "half four" (British) is 4:30 and stays "half".

Tokens the grammar reads:
- canonical words (`VOCABULARY`), e.g. "tomorrow", "friday", "december", "at", "oclock", "halb";
- numbers written as words, as "#7" (so "ten thirty" can be a time while the digits "10 30" are not);
- ordinals written as words, as "3." (German style: "am dritten" and "am 3." read alike);
- neutral tokens with digits, copied as typed: "17:30", "5pm", "20.03.", "2026-12-03", "3rd", "utc+2";
- zone names: an abbreviation ("bst"), an IANA name ("europe/london");
- words this language does not know, marked "?word": only a dateparser fallback for dates and the "<city> time" zone
  phrase may use them, so a German member's English words never get a German meaning (or the reverse).
"""

from __future__ import annotations

import re
import unicodedata

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")  # fmt: skip
PARTS_OF_DAY = ("morning", "afternoon", "evening", "night", "midday")

# Every canonical word the grammar knows; a language maps its words onto these.
VOCABULARY = frozenset(
    {
        *WEEKDAYS, *MONTHS, *PARTS_OF_DAY,
        "today", "tonight", "tomorrow", "overmorrow", "yesterday", "now", "noon", "midnight", "weekend",
        "am", "pm", "oclock",
        "next", "this", "coming", "last", "afternext", "week", "same", "time",
        "in", "at", "on", "for", "by", "around", "from", "until", "the", "of", "and", "a",
        "after", "before", "past", "to", "hence", "later", "ago",
        "half", "quarter", "halb", "viertel", "dreiviertel", "couple", "few",
        "second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "weeks", "fortnight", "fortnights",
        "month", "months", "year", "years",
        "filler",
    }
)  # fmt: skip

_EN_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
}  # fmt: skip
_EN_ORDINALS = {
    "first": 1, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
    "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip

_EN_WORDS: dict[str, str] = {
    **{word: word for word in VOCABULARY},
    **{name[:3]: name for name in WEEKDAYS},
    "tues": "tuesday", "weds": "wednesday", "thur": "thursday", "thurs": "thursday",
    **{name[:3]: name for name in MONTHS},
    "sept": "september",
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmw": "tomorrow", "tmrow": "tomorrow", "tomorow": "tomorrow",
    "tommorow": "tomorrow", "tommorrow": "tomorrow", "tomorrrow": "tomorrow", "tonite": "tonight", "nite": "night",
    "midday": "noon", "mins": "minutes", "min": "minutes", "sec": "seconds", "secs": "seconds", "hr": "hours",
    "hrs": "hours", "wk": "weeks", "wks": "weeks", "yr": "years", "yrs": "years", "mo": "months", "mos": "months",
    "an": "a", "of": "of", "til": "until", "till": "until", "after": "after", "hence": "hence",
    "about": "around", "approximately": "around", "approx": "around", "circa": "around", "ca": "around",
    "roughly": "around", "sharp": "filler", "please": "filler", "remind": "filler", "me": "filler", "us": "filler",
    "o'clock": "oclock",
}  # fmt: skip

_DE_NUMBERS = {
    "null": 0, "eins": 1, "ein": 1, "eine": 1, "einer": 1, "einem": 1, "einen": 1, "zwei": 2, "zwo": 2, "drei": 3,
    "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12,
    "dreizehn": 13, "vierzehn": 14, "fünfzehn": 15, "sechzehn": 16, "siebzehn": 17, "achtzehn": 18,
    "neunzehn": 19, "zwanzig": 20, "dreißig": 30, "vierzig": 40, "fünfzig": 50,
}  # fmt: skip
_DE_ORDINAL_STEMS = {
    1: "erst", 2: "zweit", 3: "dritt", 4: "viert", 5: "fünft", 6: "sechst", 7: "siebt", 8: "acht", 9: "neunt",
    10: "zehnt", 11: "elft", 12: "zwölft", 13: "dreizehnt", 14: "vierzehnt", 15: "fünfzehnt", 16: "sechzehnt",
    17: "siebzehnt", 18: "achtzehnt", 19: "neunzehnt",
}  # fmt: skip
_DE_WEEKDAYS = {
    "montag": "monday", "dienstag": "tuesday", "mittwoch": "wednesday", "donnerstag": "thursday",
    "freitag": "friday", "samstag": "saturday", "sonnabend": "saturday", "sonntag": "sunday",
    "mo": "monday", "di": "tuesday", "mi": "wednesday", "do": "thursday", "fr": "friday", "sa": "saturday",
}  # fmt: skip
_DE_MONTHS = {
    "januar": 1, "jänner": 1, "jan": 1, "februar": 2, "feber": 2, "feb": 2, "märz": 3, "mär": 3, "mrz": 3,
    "april": 4, "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11, "dezember": 12,
    "dez": 12,
}  # fmt: skip
_DE_WORDS: dict[str, str] = {
    **_DE_WEEKDAYS,
    **{word: MONTHS[number - 1] for word, number in _DE_MONTHS.items()},
    "heute": "today", "heut": "today", "übermorgen": "overmorrow", "gestern": "yesterday", "vorgestern": "yesterday",
    "jetzt": "now", "sofort": "now",
    "früh": "morning", "morgens": "morning", "vormittag": "morning", "vormittags": "morning",
    "mittag": "midday", "mittags": "midday", "nachmittag": "afternoon", "nachmittags": "afternoon",
    "abend": "evening", "abends": "evening", "nacht": "night", "nachts": "night", "mitternacht": "midnight",
    "wochenende": "weekend",
    "uhr": "oclock", "h": "oclock",
    "nächste": "next", "nächsten": "next", "nächster": "next", "nächstes": "next", "kommende": "next",
    "kommenden": "next", "kommender": "next", "diese": "this", "diesen": "this", "dieser": "this", "dieses": "this",
    "letzte": "last", "letzten": "last", "woche": "week", "übernächste": "afternext", "übernächsten": "afternext",
    "übernächster": "afternext", "übernächstes": "afternext",
    "in": "in", "um": "at", "gegen": "around", "so": "around", "etwa": "around", "ca": "around", "circa": "around",
    "ungefähr": "around", "zirka": "around", "pünktlich": "filler", "genau": "filler", "ab": "from",
    "bis": "by", "spätestens": "by", "den": "the", "der": "the", "die": "the",
    "dem": "the", "im": "in", "und": "and", "nach": "after", "vor": "to", "später": "later", "danach": "later",
    "halb": "halb", "viertel": "viertel", "dreiviertel": "dreiviertel", "paar": "few",
    "sekunde": "seconds", "sekunden": "seconds", "sek": "seconds", "minute": "minutes", "minuten": "minutes",
    "min": "minutes", "stunde": "hours", "stunden": "hours", "std": "hours", "tag": "days", "tage": "days",
    "tagen": "days", "wochen": "weeks", "monat": "months", "monate": "months", "monaten": "months",
    "jahr": "years", "jahre": "years", "jahren": "years", "bitte": "filler", "erinnere": "filler", "mich": "filler",
}  # fmt: skip
# Words after which German "morgen" is the morning, not tomorrow: "heute morgen", "morgen morgen", "am Morgen".
_DE_MORNING_AFTER = frozenset({"today", "tomorrow", "on", "this", *WEEKDAYS})
# "am" is "on the" before a day ("am Freitag", "am 3.", "am Abend"); elsewhere a German text has no "am".
_DE_DAY_WORDS = frozenset({*_DE_WEEKDAYS, "morgen", "abend", "nachmittag", "vormittag", "mittag", "wochenende",
                           "nächsten", "kommenden", "selben", "gleichen", "ersten"})  # fmt: skip

_DATE_TOKEN_RE = re.compile(r"\d{1,2}\.(?:\d{1,2}\.(?:\d{2,4})?)?")


def _en_number(word: str) -> int | None:
    return _EN_NUMBERS.get(word)


def _de_number(word: str) -> int | None:
    """German number words, compounds included: "fünfundzwanzig" is 25."""
    if word in _DE_NUMBERS:
        return _DE_NUMBERS[word]
    unit, sep, tens = word.partition("und")
    if sep and unit in _DE_NUMBERS and tens in _DE_NUMBERS and _DE_NUMBERS[tens] >= 20 and _DE_NUMBERS[unit] < 10:
        return _DE_NUMBERS[tens] + _DE_NUMBERS[unit]
    return None


def _de_ordinal(word: str) -> int | None:
    """German ordinal words in any ending: "dritten" is 3, "einundzwanzigsten" is 21."""
    stem = re.sub(r"(?:e|en|er|es|em)$", "", word)
    for number, text in _DE_ORDINAL_STEMS.items():
        if stem == text:
            return number
    if stem.endswith("st"):
        base = _de_number(stem[:-2])
        if base is not None and base >= 20:
            return base
    return None


# -- normalising what was typed ---------------------------------------------------------------------------------

_COMMON_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"[()\[\]{}\"“”„«»!?;#]", " "),  # "9 am (BST)" is "9 am BST"; "?" and "#" mark tokens below
        (r"(\d),(\d)(?=\s*[a-zäöü])", r"\1.\2"),  # German decimal comma: "1,5 Stunden"
        (r",", " "),
        (r"@", " at "),
        (r"\b(utc|gmt)\s*([+-])\s*(?=\d)", r"\1\2"),  # utc +2
        (r"\b(\d{1,2})(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mär|mai|okt|dez)", r"\1 \2"),  # 14april
        (r"(\d)\s*([ap])\.\s?m\b\.?", r"\1\2m"),  # 3 p.m., 3p.m, 3 P.M.
        (r"(\d)\s*([ap])\s+m\b", r"\1\2m"),  # 3:30 p m
        (r"(?<![a-z])([ap])\.\s?m\.?(?![a-z])", r" \1m "),  # seven thirty p.m.
        (r"(\d)([ap])(?![a-z])", r"\1\2m"),  # 7a, 7p, 3:15p
        (r"(?<=\s)([ap])\s+m(?=\s|$)", r"\1m"),  # nine fifty nine a m
        (r"(?:(?<=\d)|(?<=am)|(?<=pm)|(?<=noon))-?ish\b", ""),  # 5pm-ish, noonish
        (r"\bo\s?'?\s?clock\b", " oclock "),
        (r"(?<=[a-zäöüß])-(?=[a-zäöüß])", " "),  # twenty-five, forty-five
        (r"(?<=[a-zäöüß])\.", " "),  # abbreviations: dec., min., Fr.
        (r"(?<=\d)uhr\b", " uhr"),  # 17Uhr
        (r"(?:^|\s)[-–—]+(?=\s|$)", " "),  # a dash between words: "tomorrow - 5pm"
        (r"(?<=:\d\d)\.(?=\s|$)", ""),  # a full stop after a time
    )
)
# Phrases rewritten before words are looked up; their results are canonical English.
_EN_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"(\d)\s+(am|pm)\b", r"\1\2"),  # 5 pm is one token
        (r"\b(\d{1,2})\.(\d{2})(am|pm)\b", r"\1:\2\3"),  # 5.30pm is a time, not a date
        (r"\bright now\b", "now"),
        (r"\b(\d+|an?|one|two|three|few|couple) more\b", r"\1"),  # in 2 more minutes
        (r"\b1/4 ?h(?:ours?|rs?)?\b", "15 minutes"),
        (r"\b1/2 ?h(?:ours?|rs?)?\b", "30 minutes"),
        (r"\b3/4 ?h(?:ours?|rs?)?\b", "45 minutes"),
        (r"\b2mor+ow\b|\b2moro\b", "tomorrow"),
        (r"\b2nite\b|\b2night\b", "tonight"),
        (r"\b(?:an|one) hour and a half\b", "90 minutes"),
        (r"\b(?:an|one) hour and a quarter\b", "75 minutes"),
        (r"\b(?:a )?half (?:an )?hour\b", "30 minutes"),
        (r"\bthree quarters? of an hour\b", "45 minutes"),
        (r"\b(?:a )?quarter (?:of an )?hour\b", "15 minutes"),
        (r"\b(?:a|one) day and a half\b", "1.5 days"),
        (r"\b(\d+) and a half (hours?|days?|weeks?|minutes?)\b", r"\1.5 \2"),
        (r"\b12 noon\b", "noon"),
        (r"\b12 midnight\b", "midnight"),
        (r"\bnoonish\b", "noon"),
    )
)
_DE_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"(\d)\s+pm\b", r"\1pm"),
        # "3 am" is 3 a.m. unless a day follows: "um 3 am Nachmittag", "um 9 am Freitag".
        (r"(\d)\s+am\b(?!\s+(?:\d|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|mo|di|mi|do|fr|sa|"
         r"morgen|vormittag|mittag|nachmittag|abend|wochenende|nächsten|kommenden|ersten))", r"\1am"),
        (r"\b(\d{1,2})\.(\d{2})(am|pm)\b", r"\1:\2\3"),
        (r"\b(?:einer |eine )?viertelstunde\b", "15 minuten"),
        (r"\b(?:einer |eine )?halben? stunde\b", "30 minuten"),
        (r"\b(?:einer |eine )?dreiviertelstunde\b", "45 minuten"),
        (r"\b(?:anderthalb|eineinhalb) stunden\b", "90 minuten"),
        (r"\b(?:anderthalb|eineinhalb) tage\b", "1.5 tage"),
        (r"\bein paar\b", "paar"),
        (r"\bheute nacht\b", "tonight"),
        (r"\b(montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)"
         r"(morgen|vormittag|mittag|nachmittag|abend|nacht)\b", r"\1 \2"),
        (r"\b(\d{1,2})\.(\d{2})(?= ?uhr\b)", r"\1:\2"),  # 17.30 Uhr is a time
        (r"\bdeutscher? zeit\b", "europe/berlin"),
        (r"\b(mesz|mez)\b", "cet"),
    )
)  # fmt: skip


def normalize(text: str) -> str:
    """Lower case, one spelling of am/pm, punctuation that carries no meaning removed."""
    s = unicodedata.normalize("NFC", text).lower().replace("\u00a0", " ")
    s = re.sub(r"[’‘`´]", "'", s)
    for pattern, replacement in _COMMON_RULES:
        s = pattern.sub(replacement, s)
    s = re.sub(r"\s+", " ", s).strip()
    # A full stop ends the sentence, except the one that belongs to a German date ("am 20.03.").
    return s if re.search(r"(?<![\d.])\d{1,2}\.\d{1,2}\.$", s) else s.rstrip(" .")


def _apply(rules: tuple[tuple[re.Pattern[str], str], ...], text: str) -> str:
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s+", " ", text).strip()


def _neutral(token: str) -> bool:
    """Digits, zones and the like mean the same in every language."""
    return any(ch.isdigit() for ch in token) or "/" in token


def tokens(text: str, lang: str, zone_words: frozenset[str]) -> list[str]:
    """The canonical tokens of a normalised text in one language ("en" or "de"); unknown words as "?word"."""
    if lang == "de":
        return _german(_apply(_DE_RULES, text).split(), zone_words)
    return _english(_apply(_EN_RULES, text).split(), zone_words)


def _english(words: list[str], zone_words: frozenset[str]) -> list[str]:
    out: list[str] = []
    for i, word in enumerate(words):
        if _neutral(word):
            out.append(word)
        elif (number := _en_number(word)) is not None:
            # "twenty five" is 25; "seven oh five" is 7:05.
            if out and out[-1].startswith("#") and int(out[-1][1:]) in (20, 30, 40, 50) and 1 <= number <= 9:
                out[-1] = f"#{int(out[-1][1:]) + number}"
            else:
                out.append(f"#{number}")
        elif word == "oh" and out and out[-1].startswith("#") and i + 1 < len(words) and _en_number(words[i + 1]):
            continue
        elif word in _EN_ORDINALS:
            if out and out[-1] in ("#20", "#30"):  # twenty first
                out[-1] = f"{int(out[-1][1:]) + _EN_ORDINALS[word]}."
            else:
                out.append(f"{_EN_ORDINALS[word]}.")
        elif word in _EN_WORDS:
            out.append(_EN_WORDS[word])
        elif word in zone_words:
            out.append(word)
        else:
            out.append(f"?{word}")
    return out


def _german(words: list[str], zone_words: frozenset[str]) -> list[str]:
    out: list[str] = []
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        if word == "tonight" or _neutral(word):  # "tonight" comes from "heute Nacht"
            out.append(word)
        elif word == "morgen":
            out.append("morning" if out and out[-1] in _DE_MORNING_AFTER else "tomorrow")
        elif word == "am":
            # "am Freitag", "am 20.03.", "am Abend": on. Otherwise not German (a German member typing "9 am").
            on = following in _DE_DAY_WORDS or _DATE_TOKEN_RE.fullmatch(following) or _de_ordinal(following)
            out.append("on" if on else "?am")
        elif word in zone_words:
            out.append(word)
        else:
            out.append(_german_word(word) or _german_word(_umlauts(word)) or f"?{word}")
    return out


def _german_word(word: str) -> str | None:
    if (number := _de_number(word)) is not None:
        return f"#{number}"
    if word in _DE_WORDS:
        return _DE_WORDS[word]
    if (ordinal := _de_ordinal(word)) is not None:
        return f"{ordinal}."
    return None


def _umlauts(word: str) -> str:
    """Umlauts typed on a keyboard without them: "naechsten", "uebermorgen", "fuenf", "dreissig"."""
    return word.replace("ae", "ä").replace("oe", "ö").replace("ue", "ü").replace("ss", "ß")
