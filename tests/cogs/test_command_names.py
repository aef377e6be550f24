"""Commands named the same way everywhere, in every language, and /help over every registered command.

One scheme: command and option names are English in every language (a clickable mention `</schedule add:id>` always
shows the default name, so a translated name in text next to a mention made one reply name a command two ways);
descriptions and choices are translated. These tests build the real bot (every cog, as `--check` does) and read
its command tree.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import nextcord
import pytest
from babel.messages.pofile import read_po

from bot import create_bot
from cogs import help as help_cog
from db import Database
from podium import i18n, markup
from podium.clock import ManualClock
from podium.config import Settings
from tests.factories import DEFAULT_START

# `/schedule add`, `/remind-me edit reminder:… when:in 2 hours`: a command reference inside backticks.
REFERENCE = re.compile(r"`/(?P<body>[^`]+)`")
# `name:` at the start of a backticked example, or inside a command reference.
OPTION = re.compile(r"(?:^|\s)(?P<name>[a-z][a-z-]*):")
# A command named in plain text ("Stopped with /opt-out …"), not in backticks or a mention: "Europe/Berlin" is none.
PLAIN_COMMAND = re.compile(r"(?:^|[\s(„“\"])/(?P<name>[^\s`/:.,)]+)")
# A backticked option name on its own: `when`, `topic` (lowercase words and hyphens only).
BARE_NAME = re.compile(r"`(?P<name>[a-zäöüß][a-zäöüß-]*)`")


@pytest.fixture
async def tree(tmp_path) -> AsyncIterator[dict[str, dict[str, set[str]]]]:
    """{command: {subcommand ("" for none): {option names}}} of the bot as built for a start."""
    db = await Database.open(tmp_path / "podium.db")
    bot = create_bot(Settings(token="x"), db, ManualClock(DEFAULT_START), background=False)
    try:
        found: dict[str, dict[str, set[str]]] = {}
        for command in bot.get_all_application_commands():
            if isinstance(command, nextcord.SlashApplicationCommand) and command.name:
                subs = {name: set(sub.options) for name, sub in command.children.items()}
                found[command.name] = subs or {"": set(command.options)}
        yield found
    finally:
        markup.set_command_lookup(None)
        await bot.http.close()
        await db.close()


def catalogue_texts() -> Iterator[tuple[str, str, str]]:
    """(language, msgid, text) of every entry, English (its msgid) and every translation."""
    for language in i18n.languages():
        if language == i18n.SOURCE_LANGUAGE:
            continue
        with open(i18n.LOCALES_DIR / language / "LC_MESSAGES" / "podium.po", "rb") as file:
            for message in read_po(file):
                if not message.id:
                    continue
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                for text in ids:
                    yield i18n.SOURCE_LANGUAGE, ids[0], text
                for text in strings:
                    yield language, ids[0], text


def test_commands_are_registered_without_localized_names(tree, tmp_path):
    # The catalogue has no command names to translate, and no command, option or choice is given one.
    for language, msgid, _ in catalogue_texts():
        assert "command name" not in msgid, (language, msgid)
    assert tree["schedule"]["add"] >= {"when", "topic"}


async def test_no_command_is_sent_with_a_localized_name(tmp_path):
    db = await Database.open(tmp_path / "podium.db")
    bot = create_bot(Settings(token="x"), db, ManualClock(DEFAULT_START), background=False)
    try:
        def walk(item: object) -> Iterator[object]:
            yield item
            for child in [*getattr(item, "children", {}).values(), *getattr(item, "options", {}).values()]:
                yield from walk(child)

        items = [item for command in bot.get_all_application_commands() for item in walk(command)]
        assert not [getattr(i, "name", i) for i in items if getattr(i, "name_localizations", None)]
        # Descriptions are still translated.
        assert any(getattr(i, "description_localizations", None) for i in items)
    finally:
        markup.set_command_lookup(None)
        await bot.http.close()
        await db.close()


def test_every_command_reference_in_every_language_names_a_real_command_and_its_options(tree):
    """A reply names commands and options as Discord shows them (English), and every example can be typed."""
    problems = []
    for language, msgid, text in catalogue_texts():
        for match in REFERENCE.finditer(text):
            words = match["body"].split()
            command, rest = words[0], words[1:]
            if command not in tree:
                problems.append(f"{language}: no command /{command}: {text!r}")
                continue
            sub = rest[0] if rest and ":" not in rest[0] and rest[0] in tree[command] else ""
            if sub not in tree[command]:
                problems.append(f"{language}: /{command} needs a subcommand, not {rest[:1]}: {text!r}")
                continue
            body = " ".join(rest[1:] if sub else rest)
            for option in OPTION.finditer(body):
                if option["name"] not in tree[command][sub]:
                    problems.append(f"{language}: /{command} {sub} has no option {option['name']}: {text!r}")
        for plain in PLAIN_COMMAND.finditer(REFERENCE.sub("", text)):
            if plain["name"] not in tree:
                problems.append(f"{language}: no command /{plain['name']}: {text!r}")
        # Option names in backticks stay as the msgid has them (English), never translated.
        if language != i18n.SOURCE_LANGUAGE:
            english = {m["name"] for m in BARE_NAME.finditer(msgid)}
            if any(_is_option_anywhere(tree, name) for name in english):
                for bare in BARE_NAME.finditer(text):
                    if bare["name"] not in english:
                        problems.append(f"{language}: option `{bare['name']}` is translated: {text!r}")
    assert not problems, "\n".join(problems)


def _is_option_anywhere(tree: dict[str, dict[str, set[str]]], name: str) -> bool:
    return any(name in options for subs in tree.values() for options in subs.values())


def test_option_examples_outside_a_command_reference_are_real_options(tree):
    # "Example: `message:Slides`", "`day:Monday time:09:00`": options of one command, by their English names.
    leaves = [options for subs in tree.values() for options in subs.values()]
    problems = []
    for language, _, text in catalogue_texts():
        for code in re.finditer(r"`([^`/][^`]*)`", text):
            named = {m["name"] for m in OPTION.finditer(code[1])}
            if named and not any(named <= options for options in leaves):
                problems.append(f"{language}: no command has all of {sorted(named)}: {text!r}")
    assert not problems, "\n".join(problems)


@pytest.fixture
async def slash_commands(tmp_path) -> AsyncIterator[list[nextcord.BaseApplicationCommand]]:
    db = await Database.open(tmp_path / "podium.db")
    bot = create_bot(Settings(token="x"), db, ManualClock(DEFAULT_START), background=False)
    try:
        yield list(bot.get_all_application_commands())
    finally:
        markup.set_command_lookup(None)
        await bot.http.close()
        await db.close()


def sections(embeds: list[nextcord.Embed]) -> str:
    """The command sections of the help (the first embed is the introduction with its three first steps)."""
    return "\n".join(e.description or "" for e in embeds[1:])


@pytest.mark.parametrize("language", i18n.languages())
def test_help_for_a_member_lists_no_moderator_command(slash_commands, language):
    t = i18n.translator(language)
    embeds = help_cog.help_embeds(slash_commands, t)
    text = sections(embeds)
    assert len(embeds) == 2
    assert "`/announce-settings" not in text and "`/schedule import`" not in text
    assert "`/schedule add`" in text and "`/remind-me list`" in text
    # The three first steps, in order, and which answers are public.
    intro = embeds[0].description or ""
    steps = [intro.index(f"`/{name}`") for name in help_cog.FIRST_COMMANDS]
    assert steps == sorted(steps)
    assert "`/schedule list` 📢 — " in text and t._(help_cog.WHO_SEES, mark="📢") in intro


@pytest.mark.parametrize("language", i18n.languages())
def test_help_for_a_moderator_lists_every_command_exactly_once(slash_commands, language):
    everything = frozenset({help_cog.MANAGE_SERVER, help_cog.MODERATOR})
    text = sections(help_cog.help_embeds(slash_commands, i18n.translator(language), rights=everything))
    names = [name for name, _ in help_cog.qualified_names(slash_commands)]
    assert len(names) > 30
    for name in names:
        assert text.count(f"`/{name}`") == 1, name


def test_help_shows_each_moderator_command_only_to_who_may_run_it(slash_commands):
    events_moderator = sections(help_cog.help_embeds(slash_commands, rights=frozenset({help_cog.MODERATOR})))
    assert "`/schedule import`" in events_moderator and "`/announce-settings" not in events_moderator


def test_every_command_hidden_by_default_is_a_moderator_command_in_help(slash_commands):
    # Discord hides commands with default_member_permissions from members: /help must not offer them to members.
    for command in slash_commands:
        if isinstance(command, nextcord.SlashApplicationCommand) and command.default_member_permissions:
            assert help_cog.rule_of(command.name) == help_cog.MANAGE_SERVER, command.name
    names = {name for name, _ in help_cog.qualified_names(slash_commands)}
    assert names >= help_cog.PUBLIC_COMMANDS
    assert set(help_cog.FIRST_COMMANDS) <= names
    assert {n for n in help_cog.MODERATOR_COMMANDS if " " in n} <= names


def examples(text: str) -> Iterator[tuple[str, str]]:
    """(option, value) of every `option:value` written in backticks; a value runs to the next ` option:`."""
    for code in re.finditer(r"`([^`]+)`", text):
        body = code[1]
        if body.startswith("/"):
            body = " ".join(body.split()[1:])
        marks = list(OPTION.finditer(body))
        for index, mark in enumerate(marks):
            end = marks[index + 1].start() if index + 1 < len(marks) else len(body)
            yield mark["name"], body[mark.end():end].strip()


def test_every_example_value_is_accepted_by_its_options_reader():
    """An example a refusal gives is read by the same code as the option it fills, in the language it is shown in."""
    from podium import timeparse

    now = DEFAULT_START
    readers = {
        "when": lambda value, locale: timeparse.parse_when(value, zone="Europe/Berlin", now=now, locale=locale),
        "time": lambda value, locale: timeparse.parse_time_of_day(value, locale=locale),
        "before": lambda value, locale: timeparse.parse_offsets(value),
        "duration": lambda value, locale: 5 <= int(value) <= 240 or pytest.fail(value),
        "days": lambda value, locale: 3 <= int(value) <= 60 or pytest.fail(value),
        "slot-minutes": lambda value, locale: 5 <= int(value) <= 240 or pytest.fail(value),
        "rotate": lambda value, locale: value in ("True", "False") or pytest.fail(value),
        "publish": lambda value, locale: value in ("True", "False") or pytest.fail(value),
        "enabled": lambda value, locale: value in ("True", "False") or pytest.fail(value),
    }
    tried = set()
    for language, _, text in catalogue_texts():
        for option, value in examples(text):
            if option in readers and "{" not in value and "…" not in value:
                readers[option](value, language)
                tried.add(option)
    assert {"when", "before", "duration", "days"} <= tried


@pytest.mark.parametrize("language", i18n.languages())
def test_the_whole_help_fits_discords_limits_with_real_mentions(slash_commands, language):
    # Synced ids are 19 digits: every mention is that much longer than `/name`.
    markup.set_command_lookup(lambda name: 1_300_000_000_000_000_000)
    everything = frozenset({help_cog.MANAGE_SERVER, help_cog.MODERATOR})
    embeds = help_cog.help_embeds(slash_commands, i18n.translator(language), rights=everything)
    assert sum(len(e.title or "") + len(e.description or "") for e in embeds) <= 6000
    assert all(len(e.description or "") <= 4096 for e in embeds)
    text = sections(embeds)
    for name, _ in help_cog.qualified_names(slash_commands):
        assert f"</{name}:1300000000000000000>" in text, name  # nothing cut for lack of room


@pytest.mark.parametrize("language", i18n.languages())
def test_a_command_named_in_a_sentence_is_a_mention_like_a_command_passed_in(language):
    t = i18n.translator(language)
    markup.set_command_lookup(lambda name: 42 if name in ("announce-settings", "schedule") else None)
    try:
        text = t._("Set the channel with `/announce-settings channel` first.")
        assert "</announce-settings channel:42>" in text and "`/" not in text
        assert t._("… and {n} more: see `/schedule list`", n=3).endswith("</schedule list:42>")
        # An example with options stays code (a mention cannot carry them), and member text is never touched.
        example = t._("The topic can't be empty. Example: `/schedule add when:friday 18:00 topic:Intro to Rust`")
        assert "`/schedule add when:" in example
        assert t._("{text}", text="`/schedule add`") == "`/schedule add`"
    finally:
        markup.set_command_lookup(None)
    # Before the commands are synced (no ids yet): the English name in backticks.
    assert "`/announce-settings channel`" in t._("Set the channel with `/announce-settings channel` first.")
