"""The message catalogue: complete in every language, in step with the code, and chosen by the reader's locale."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from podium import i18n
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox
from podium.delivery.pacing import Pacer
from podium.delivery.render import same_message
from podium.errors import UserError
from podium.guild_settings import GuildSettingsService
from podium.people import People
from podium.preferences import load_user
from tests import factories
from tests.doubles import ScriptedTransport
from tests.podium.delivering import ANNOUNCE, GUILD, SPEAKER, add_guild, add_talk, queue, run_due

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATE = i18n.LOCALES_DIR / "podium.pot"
UPDATE = (
    "run `pybabel extract -F babel.cfg --no-location --omit-header -o podium/locales/podium.pot .` and "
    "`pybabel update -i podium/locales/podium.pot -d podium/locales -D podium --ignore-obsolete`, "
    "then translate (docs/i18n.md)"
)


def _read(path: Path, locale: str | None = None):
    with path.open("rb") as file:
        return read_po(file, locale=locale)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _key(message) -> tuple[object, str | None]:
    return (message.id, message.context)


def _extracted() -> set[tuple[object, str | None]]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: set[tuple[object, str | None]] = set()
    for _file, _line, message, _comments, context in extract_from_dir(ROOT, method_map, options_map):
        found.add((message if isinstance(message, str) else tuple(message), context))
    return found


def test_the_template_is_up_to_date_with_the_code():
    in_code = _extracted()
    in_template = {_key(m) for m in _read(TEMPLATE) if m.id}
    assert in_code, "nothing extracted: is babel.cfg right?"
    assert not in_code - in_template, f"text in the code but not in the template: {UPDATE}"
    assert not in_template - in_code, f"text in the template but no longer in the code: {UPDATE}"


@pytest.mark.parametrize("language", i18n.languages()[1:])
def test_every_entry_of_every_language_is_translated_with_the_same_placeholders(language):
    catalog = _read(i18n.LOCALES_DIR / language / "LC_MESSAGES" / "podium.po", language)
    template = {_key(m) for m in _read(TEMPLATE) if m.id}
    entries = {_key(m): m for m in catalog if m.id}
    assert not template - set(entries), f"{language}: entries missing: {UPDATE}"
    assert not set(entries) - template, f"{language}: obsolete entries: {UPDATE}"
    problems = []
    for key, message in entries.items():
        if message.fuzzy:
            problems.append(f"fuzzy (check and remove the flag): {key}")
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.pluralizable and len(strings) != catalog.num_plurals:
            problems.append(f"{len(strings)} plural forms, {language} has {catalog.num_plurals}: {key}")
        wanted = set().union(*(_fields(i) for i in ids))
        for text in strings:
            if not text.strip():
                problems.append(f"not translated: {key}")
            elif _fields(text) - wanted or (not message.pluralizable and _fields(text) != wanted):
                problems.append(f"placeholders {sorted(_fields(text))} instead of {sorted(wanted)}: {key}")
    assert not problems, "\n".join(problems)


def test_the_german_catalogue_compiles_and_is_chosen_for_german_locales():
    assert "de" in i18n.languages()
    assert i18n.language_of("de") == "de"
    assert i18n.language_of("en-US") == "en"
    assert i18n.language_of("en-GB") == "en"
    assert i18n.language_of("fr") == "en"  # no French catalogue yet: English
    assert i18n.language_of(None) == "en"


def test_plural_forms_and_formatting_follow_the_locale():
    german, english = i18n.translator("de"), i18n.translator("en-US")
    days = ("🎤 No talk is scheduled for the next {n} day. Anyone want to share something? Sign up with {command}.",
            "🎤 No talk is scheduled for the next {n} days. Anyone want to share something? Sign up with {command}.")
    assert english.ngettext(*days, 1, command="/x").startswith("🎤 No talk is scheduled for the next 1 day.")
    assert german.ngettext(*days, 1, command="/x").startswith("🎤 Für den nächsten 1 Tag ist")
    assert german.ngettext(*days, 14, command="/x").startswith("🎤 Für die nächsten 14 Tage ist")
    assert english.ngettext("🔔 {n} going", "🔔 {n} going", 1000) == "🔔 1,000 going"
    assert german.ngettext("🔔 {n} going", "🔔 {n} going", 1000) == "🔔 1.000 dabei"
    assert german.weekday(0) == "Montag"
    assert english.weekday(0) == "Monday"
    assert german.join(["a", "b", "c"]) == "a, b und c"


def test_a_user_error_reads_in_the_readers_language_and_in_english_as_a_string():
    error = UserError(i18n.N_("That time is in the past. Example: `tomorrow 18:00`"))
    assert str(error) == "That time is in the past. Example: `tomorrow 18:00`"
    assert error.text_for(i18n.translator("de")).startswith("Diese Zeit liegt in der Vergangenheit")
    # Text that is not in the catalogue (user text with braces, say) is shown as it was written.
    assert UserError("{not a field}").text_for(i18n.translator("de")) == "{not a field}"


# -- who reads which language: the dispatcher picks it when the message goes out ------------------------------


@pytest.fixture
def transport():
    return ScriptedTransport()


@pytest.fixture
def dispatcher(db, clock, transport):
    return Dispatcher(db, Outbox(db), transport, clock, pacer=Pacer(1000, channel_limit=1000), retry_base_seconds=10,
                      rng=random.Random(1))


async def test_a_german_member_gets_german_dms_and_an_english_one_english(dispatcher, clock, transport, db):
    await add_guild(db)
    talk_id = await add_talk(db, clock)
    await factories.add_user(db, SPEAKER, locale="de")
    # The server's Discord locale is English: a DM follows its reader, not the server.
    await GuildSettingsService(db, Outbox(db), clock).remember_name(GUILD, "Rustaceans", "en-US")
    await queue(dispatcher, clock, kind="talk_reminder", talk_id=talk_id, payload={})
    await run_due(dispatcher, clock)
    german = transport.posts()[-1][2]
    assert german["content"].startswith(
        "⏰ Erinnerung: Dein Vortrag **\\@everyone rust** auf dem Server **Rustaceans** beginnt am <t:"
    )
    labels = [c["label"] for c in german["components"][0]["components"]]
    assert labels == ["Verschieben …", "Absagen …", "📅 In den Kalender"]

    # A message queued while they used German reads in the language they use when it goes out.
    await queue(dispatcher, clock, "again", kind="personal_reminder", payload={"text": "stretch"})
    await People(db, Outbox(db), clock).remember_locale(SPEAKER, "en-GB")
    await run_due(dispatcher, clock)
    assert transport.posts()[-1][2]["content"].startswith("🔔 You asked me to remind you: **stretch**")


async def test_channel_posts_follow_the_servers_setting_else_its_discord_locale(dispatcher, clock, transport, db):
    await add_guild(db)
    notice = {"topic": "Rust", "start_ms": 1795900000000, "speaker_id": SPEAKER, "audience": "channel",
              "by_user_id": SPEAKER}
    fields = {"kind": "cancel_notice", "target_type": "channel", "user_id": None, "channel_id": ANNOUNCE,
              "payload": notice}
    # A member's own language never decides a post everyone reads.
    await factories.add_user(db, SPEAKER, locale="de")
    await queue(dispatcher, clock, "unknown", **fields)
    await run_due(dispatcher, clock)
    assert transport.posts()[-1][2]["content"].startswith("🚫 The talk **Rust** by")

    settings = GuildSettingsService(db, Outbox(db), clock)
    await settings.remember_name(GUILD, "Rustaceans", "de")
    await queue(dispatcher, clock, "discord-says-german", **fields)
    await run_due(dispatcher, clock)
    assert transport.posts()[-1][2]["content"].startswith(f"🚫 Der Vortrag **Rust** von <@{SPEAKER}> am ~~<t:")

    await settings.set_language(GUILD, "en")
    await queue(dispatcher, clock, "chosen-english", **fields)
    await run_due(dispatcher, clock)
    assert transport.posts()[-1][2]["content"].startswith("🚫 The talk **Rust** by")

    await settings.set_language(GUILD, None)
    assert await settings.post_locale(GUILD) == "de"


async def test_a_late_note_in_german_is_still_recognised_as_the_same_message():
    german = "Hallo\n-# (" + i18n.translator("de")._("delayed: this was due {when}", when="<t:1:R>") + ")"
    assert same_message(german, (), {"content": "Hallo"})


async def test_a_members_locale_is_written_only_when_it_changed(db, clock):
    people = People(db, Outbox(db), clock)
    writes = []
    real = db.transaction

    def counting():
        writes.append(1)
        return real()

    db.transaction = counting
    await people.remember_locale(SPEAKER, "de")
    await people.remember_locale(SPEAKER, "de")
    assert (await load_user(db, SPEAKER)).locale == "de"
    assert len(writes) == 1
    await people.remember_locale(SPEAKER, "en-US")
    assert (await load_user(db, SPEAKER)).locale == "en-US"
    assert len(writes) == 2
    # A fresh process reads before it writes: nothing to write when the stored one is already right.
    await People(db, Outbox(db), clock).remember_locale(SPEAKER, "en-US")
    assert len(writes) == 2


def test_a_time_that_cannot_be_read_is_refused_in_the_readers_language(clock):
    from podium import timeparse

    with pytest.raises(timeparse.TimeInputError) as caught:
        timeparse.parse_when("blorp", zone="Europe/Berlin", now=clock.now(), locale="de")
    english, german = str(caught.value), caught.value.text_for(i18n.translator("de"))
    assert english.startswith("I can't read “blorp” as a time. Try `")
    assert " or `" in english
    # The typed text is quoted as it was, in German quotation marks; the sentence and its examples are German.
    assert german == ("Ich kann „blorp“ nicht als Zeit lesen. Versuch es z. B. mit `morgen 17 Uhr`, `Freitag 18:30` "
                      "oder `in 2 Stunden`.")


def test_a_readings_label_is_written_in_the_readers_language(clock):
    from podium import timeparse

    parsed = timeparse.parse_when("03.12.2026 17:00", zone="Europe/Berlin", now=clock.now(), locale="de")
    assert parsed.label == "Thu 3 Dec 2026 17:00"
    assert parsed.label_in(i18n.ENGLISH) == parsed.label
    assert parsed.label_in(i18n.translator("de")) == "Do. 3. Dez. 2026 17:00"
    assert timeparse.read_back(parsed, i18n.translator("de")).endswith(": Do. 3. Dez. 2026 17:00.")


def test_a_zone_note_and_the_local_time_are_in_the_readers_language(clock):
    from podium import timeparse

    zone, note = timeparse.resolve_timezone("Asia/Calcutta", i18n.translator("de"))
    assert (zone, note) == ("Asia/Kolkata", "Asia/Calcutta ist ein alter Name; ich nehme Asia/Kolkata.")
    assert timeparse.resolve_timezone("Asia/Calcutta")[1] == "Asia/Calcutta is an old name; using Asia/Kolkata."
    assert timeparse.local_now_text("UTC", clock.now(), i18n.translator("de")).startswith("Samstag 23:30")
    assert timeparse.local_now_text("UTC", clock.now()).startswith("Saturday 23:30")
