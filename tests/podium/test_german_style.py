"""German that reads as German (docs/i18n.md, "German style"): a lint over the catalogue, and German input read.

Each rule below was a sentence a German member saw and stumbled over; the lint keeps new text from bringing it back.
"""

from __future__ import annotations

import ast
import importlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from podium import i18n, timeparse

ROOT = Path(__file__).resolve().parents[2]
with (ROOT / "podium/locales/de/LC_MESSAGES/podium.po").open("rb") as _file:
    CATALOGUE = read_po(_file)
# Every German text a member reads (command and option names follow Discord's naming rules instead).
GERMAN = [
    (message.id if isinstance(message.id, str) else message.id[0], text)
    for message in CATALOGUE
    if message.id and message.context != "command name"
    for text in (message.string if isinstance(message.string, tuple) else (message.string,))
]
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)

# Word-for-word English, and wordings replaced by what a German writer would say.
BAD_PHRASES = {
    "Ich kann nicht /": "reads as \"I can't remember\": \"Bin nicht dabei / nicht mehr erinnern\"",
    "Vortragende Person": "a label: \"Vortrag von {speaker}\"",
    "Gelesen:": "\"Verstanden: …\"",
    "Sein Thread": "\"Zum Thread: …\"",
    "Was davon?": "\"Welche Zeit meinst du?\"",
    "bevor du wählst": "\"Gespeichert wird erst nach deiner Auswahl.\"",
    "Alles unten antwortet": "the note on who sees what says it, with the commands that post for everyone",
    # /schedule list 📢 posts for everyone: the /help intro must not say every answer is private.
    "Die Antworten siehst nur du": "the note on who sees what says it, with the commands that post for everyone",
    "Mir fehlt dort": "the permissions are often several: \"Dazu brauche ich dort …\"",
    "über DM": "\"per DM\"",
    "über {via}": "\"per {via}\"",
    ", und seine Befehle": "no comma before \"und\" joining two nouns",
    "Moderator": "one gender style: \"die Moderation\", \"jemand aus der Moderation\"",
}


@pytest.mark.parametrize("phrase", BAD_PHRASES)
def test_the_german_catalogue_has_none_of_the_phrases_that_read_as_english(phrase):
    found = [msgid for msgid, text in GERMAN if phrase in text]
    assert not found, f"{phrase!r}: {BAD_PHRASES[phrase]} — in {found}"


def test_german_text_uses_only_german_quotation_marks():
    for msgid, text in GERMAN:
        # „…“ only: no ”, no straight or single quotes around words (an apostrophe as in "geht's" is fine).
        assert "”" not in text and "‘" not in text and "’" not in text and '"' not in text, msgid
        assert not re.search(r"(?<!\w)'[^']+'(?!\w)", text), msgid
        # Every “ closes a „ (an English opening “ reads as a stray closing mark in German).
        assert re.sub(r"„[^„“]*“", "", text).count("“") == 0, msgid


def _choice_labels() -> list[tuple[str, str]]:
    """(module, label) of every fixed choice of every slash command option, found in cogs/."""
    labels = []
    for path in sorted((ROOT / "cogs").glob("*.py")):
        module = importlib.import_module(f"cogs.{path.stem}")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "choices" and isinstance(node.value, ast.Name):
                labels += [(path.stem, label) for label in getattr(module, node.value.id)]
    return labels


@pytest.mark.parametrize(("module", "label"), _choice_labels())
def test_choice_labels_have_no_article(module, label):
    german = i18n.translator("de")._(label)
    assert not re.match(r"(der|die|das|den|dem|des|ein|eine|einen) ", german), f"{module}: {german}"


def test_echoed_text_keeps_its_capitals_and_german_quotation_marks():
    with pytest.raises(timeparse.TimeInputError) as caught:
        timeparse.parse_when("Freitag", zone="Europe/Berlin", now=NOW, locale="de")
    german = caught.value.text_for(i18n.translator("de"))
    assert german.startswith("„Freitag“ braucht eine Uhrzeit."), german
    assert "`Freitag 18:00`" in german and "`Freitag 18 Uhr`" in german
    english = str(caught.value)
    assert english.startswith("“Freitag” needs a time of day.")


@pytest.mark.parametrize(("typed", "offsets"), [
    ("1 Tag, 1 Stunde", (timedelta(days=1), timedelta(hours=1))),
    ("1 Tag und 1 Stunde vorher", (timedelta(days=1), timedelta(hours=1))),
    ("2 Std.", (timedelta(hours=2),)),
    ("30 Min.", (timedelta(minutes=30),)),
    ("2 Tage, 90 Minuten", (timedelta(days=2), timedelta(minutes=90))),
    ("1 Woche", (timedelta(weeks=1),)),
    ("24h, 1h", (timedelta(days=1), timedelta(hours=1))),  # the short forms stay readable in every language
])
def test_german_reminder_offsets_are_read(typed, offsets):
    assert timeparse.parse_offsets(typed) == offsets


def test_a_bad_offset_is_echoed_as_typed():
    with pytest.raises(timeparse.TimeInputError) as caught:
        timeparse.parse_offsets("1 Tag, 2 Monate")
    assert caught.value.text_for(i18n.translator("de")).startswith("Ich verstehe „2 Monate“ nicht")


@pytest.mark.parametrize(("language", "expected"), [
    ("de", "1 Tag und 1 Stunde"), ("en-US", "1 day and 1 hour"), ("en-GB", "1 day and 1 hour"),
])
def test_reminder_offsets_are_written_out(language, expected):
    t = i18n.translator(language)
    assert t.durations([timedelta(days=1), timedelta(hours=1)]) == expected
    assert t.durations([timedelta(minutes=90)]) == ("1 Stunde 30 Minuten" if language == "de"
                                                     else "1 hour 30 minutes")


@pytest.mark.parametrize("locale", [i18n.discord_locale(language) for language in i18n.languages()])
def test_every_example_in_a_refusal_is_read_in_its_readers_language(locale):
    t = i18n.translator(locale)
    for example in timeparse.EXAMPLES:
        timeparse.parse_when(t._(example), zone="Europe/Berlin", now=NOW, locale=locale)  # no error, no question
    for example in timeparse.OFFSET_EXAMPLES:
        assert timeparse.parse_offsets(t._(example))


def test_a_german_question_suggests_german_inputs():
    with pytest.raises(timeparse.AmbiguousTimeError) as caught:
        timeparse.parse_when("Freitag um 10", zone="Europe/Berlin", now=NOW, locale="de")
    german = caught.value.text_for(i18n.translator("de"))
    assert german.startswith("„Freitag um 10“ kann Fr. 10:00 oder Fr. 22:00 sein."), german  # German day names
    examples = re.findall(r"`([^`]+)`", german)
    assert examples == ["Freitag 10:00 vormittags", "Freitag 22:00"], german
    readings = [timeparse.parse_when(e, zone="Europe/Berlin", now=NOW, locale="de").when for e in examples]
    assert readings == [r.when for r in caught.value.readings]
