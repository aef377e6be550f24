"""What a kind or a feature declares is all the rest of Podium needs: labels, buttons, subscribers, settings."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cogs._components import ComponentRouter, handles
from cogs.schedule import kind_label
from podium import components, i18n, talks
from podium.delivery import kinds
from podium.delivery.render import RenderContext, render
from tests import factories

ROOT = Path(__file__).resolve().parent.parent.parent
SPECS = kinds.all_specs()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_every_kind_has_a_label_in_every_language(spec):
    assert spec.label, f"give {spec.name!r} a label=N_(...) on its KindSpec"
    assert kind_label(spec.name) == spec.label
    for language in i18n.languages():
        translated = kind_label(spec.name, i18n.translator(language))
        assert translated and (language == "en" or translated != spec.label), (spec.name, language)


def test_a_kind_no_longer_registered_is_shown_by_its_name():
    assert kind_label("old_kind_of_a_past_release") == "old kind of a past release"


# -- buttons: one declaration per custom id prefix, one router -------------------------------------------------

LARGEST_ID = 2**63 - 1  # Discord snowflakes and SQLite row ids both fit in a signed 64-bit integer
# Custom ids of the stateful views (a yes/no or a time question for one member, alive while its command waits),
# answered by their own views: every stateless id is a declared control, routed by the one router.
OTHER_PREFIXES = ("podium:confirm:", "podium:when:")
# The longest tail each prefix declared with one carries (what follows its numbers).
TAILS = {"podium:tz:set": "America/Argentina/Buenos_Aires|America/Argentina/Buenos_Aires|talk", "podium:list": "◀",
         "podium:past": "N" + "x" * 45}  # /schedule past's page button: its mark, then the search (at most 45)


def test_every_declared_prefix_is_unique_and_fits_discord_with_its_largest_numbers():
    controls = components.controls()
    prefixes = [control.prefix for control in controls]
    assert len(prefixes) == len(set(prefixes))
    for control in controls:
        largest = components.custom_id(control.prefix, *[LARGEST_ID] * control.numbers)
        tail = TAILS[control.prefix] if control.tail is not None else ""
        if tail:
            largest += ":" + tail  # a zone's id is cut at Discord's 100 by its renderer (cogs/_zone.py)
        assert len(largest) <= components.CUSTOM_ID_MAX, largest
        assert components.parse(largest) == components.CustomId(control.prefix, (LARGEST_ID,) * control.numbers, tail)
        # No other listener's ids can be read as this one's, nor the other way round.
        for other in OTHER_PREFIXES:
            assert not other.startswith(control.prefix + ":") and not control.prefix.startswith(other)


def test_a_prefix_is_declared_once():
    with pytest.raises(ValueError, match="declared twice"):
        components.declare(components.JOIN, numbers=3)
    assert components.declare(components.JOIN) == components.JOIN  # the same declaration again is harmless


@pytest.mark.parametrize("value", ["podium:att:join", "podium:att:join:1:2", "podium:snooze:5", "podium:att:join:x",
                                   "podium:att:joinx:1", "other:bot:1", "podium:list:1:2:x"])
def test_an_id_that_does_not_match_its_declaration_is_not_ours(value):
    assert components.parse(value) is None


@pytest.fixture
def bot(built_bot):
    return built_bot


async def test_every_declared_prefix_is_routed_to_one_handler_in_the_running_bot(bot):
    router = bot.components
    for control in components.controls():
        answered_by = [router.domain_handlers.get(control.prefix), router.cog_handlers.get(control.prefix)]
        assert len([h for h in answered_by if h is not None]) == 1, control.prefix


def answering(*prefixes: str) -> object:
    """A cog that answers these prefixes."""
    class Cog:
        @handles(*prefixes)
        async def anything(self, interaction: Any, clicked: Any) -> None:
            """Answers them all."""

    return Cog()


def test_a_declared_prefix_nobody_answers_stops_the_bot_at_start(monkeypatch):
    others = [c.prefix for c in components.controls() if c.handler is None]
    monkeypatch.setitem(components._controls, "podium:nobody", components.Control("podium:nobody", 1))
    with pytest.raises(ValueError, match="nothing answers clicks on 'podium:nobody'"):
        ComponentRouter(None, [answering(*others)])


def test_a_cog_answering_an_undeclared_prefix_stops_the_bot_at_start():
    others = [c.prefix for c in components.controls() if c.handler is None]
    with pytest.raises(ValueError, match="podium:stray"):
        ComponentRouter(None, [answering(*others, "podium:stray")])


def _custom_ids(rows: Any) -> Iterator[str]:
    for row in rows:
        for item in row["components"]:
            if "custom_id" in item:
                yield item["custom_id"]


@pytest.mark.parametrize("spec", [s for s in SPECS if s.act is None], ids=lambda s: s.name)
async def test_every_button_a_kind_renders_is_routed(spec, clock, bot):
    talk = factories.talk(starts_at=clock.now() + timedelta(hours=1), thread_id=10**18)
    ids: set[str] = set()
    for language in i18n.languages():
        for via in ("dm", "thread", None):
            ctx = RenderContext(spec.name, dict(spec.example), talk, clock.now(), clock.now(), via=via,
                                locale=language)
            ids |= set(_custom_ids(render(ctx, mention_user_id=factories.SPEAKER).get("components", [])))
    for value in ids:
        parsed = components.parse(value)
        assert parsed is not None, f"{spec.name} renders {value!r}, which no declaration parses"
        assert parsed.action in bot.components.domain_handlers or parsed.action in bot.components.cog_handlers


# -- talk-lifecycle subscribers: registered by their module, composed without an edit of bot.py ---------------

def _modules_adding_subscribers() -> set[str]:
    """Every podium module with a function that adds subscribers to the talk hooks (`hooks.subscribe(...)`)."""
    found = set()
    for path in sorted((ROOT / "podium").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "subscribe"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "hooks"):
                found.add(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return found


def test_every_module_that_adds_talk_subscribers_registers_them():
    registered = {add.__module__ for add in talks.features()}
    # talks.py's own are the built-in ones (`default_hooks`), which `composed_hooks` starts from.
    assert _modules_adding_subscribers() - {"podium.talks"} == registered
    assert registered >= {"podium.audience", "podium.scheduled_events", "podium.posts"}


def _subscribers(hooks: talks.TalkHooks) -> dict[str, list[Any]]:
    # Each subscriber is kept with whether it hears of sign-ups waiting for approval (issue 23 §3).
    return {name: [fn for fn, _ in subscribers] for name, subscribers in hooks._subscribers.items()}


async def test_the_running_bot_has_every_features_subscribers(bot):
    running = _subscribers(bot.services.talks.hooks)
    composed = talks.composed_hooks(bot.services.outbox)
    assert {name: [fn.__qualname__ for fn in fns] for name, fns in running.items()} == {
        name: [fn.__qualname__ for fn in fns] for name, fns in _subscribers(composed).items()}
    every = {fn.__module__ for fns in running.values() for fn in fns}
    assert every == {"podium.talks"} | {add.__module__ for add in talks.features()}


# -- guild switches: one declaration each, offered, stored and shown without an edit of the settings files -----

async def test_every_switch_has_its_column_off_by_default_and_is_stored_and_read(db, clock):
    from podium.preferences import load_guild, switches, update_guild

    columns = {row["name"]: row for row in await db.fetchall("PRAGMA table_info(guild_settings)")}
    for setting in switches():
        assert setting.column in columns, f"add {setting.column} to guild_settings (a migration and schema.sql)"
        assert not (await load_guild(db, 1)).is_on(setting) and not setting.default
        async with db.transaction() as tx:
            assert (await update_guild(tx, 2, clock.now(), **{setting.column: 1})).is_on(setting)
        assert (await load_guild(db, 2)).is_on(setting)
        after = await load_guild(db, 2)
        assert all(not after.is_on(other) for other in switches() if other != setting)
        async with db.transaction() as tx:
            await update_guild(tx, 2, clock.now(), **{setting.column: 0})


def test_announce_settings_offers_and_shows_every_switch():
    from cogs.announce_settings import SWITCH_CHOICES, describe
    from podium.preferences import GuildSettings, switches

    assert {setting.label: setting.name for setting in switches()} == SWITCH_CHOICES
    assert len(SWITCH_CHOICES) <= 25  # Discord's most choices for one option
    shown = describe(GuildSettings(1, switches=frozenset(s.column for s in switches())))
    for setting in switches():
        assert f"{setting.label}: yes" in shown
        for text in (setting.label, setting.on, setting.off):
            for language in i18n.languages():
                assert language == "en" or i18n.translator(language)._(text) != text, (setting.name, language)


async def test_posts_command_lists_every_switch_as_a_choice(bot):
    [settings] = [c for c in bot.get_all_application_commands() if c.name == "announce-settings"]
    post = settings.children["posts"].options["post"]
    from podium.preferences import switches
    assert set(post.choices.values()) == {s.name for s in switches()}


def _calls_in_podium(name: str, *folders: str) -> list[tuple[str, ast.Call]]:
    """Every call of a function called `name` (plain or as an attribute) in podium/ (or `folders`), with its module."""
    found = []
    for path in sorted(p for folder in folders or ("podium",) for p in (ROOT / folder).rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and (
                    (isinstance(node.func, ast.Name) and node.func.id == name)
                    or (isinstance(node.func, ast.Attribute) and node.func.attr == name)):
                found.append((module, node))
    return found


def test_every_declared_switch_and_button_is_loaded_with_the_built_in_kinds():
    from podium.preferences import switches

    # A module that declares one but is not loaded with the kinds would leave its button unanswered, its switch
    # missing from /announce-settings: the declarations below are all in the registries.
    declared_switches = {kw.value.value for _, call in _calls_in_podium("Switch") for kw in call.keywords
                         if kw.arg == "name" and isinstance(kw.value, ast.Constant)}
    assert declared_switches == {s.name for s in switches()}
    # The cogs declare the buttons they render themselves (a zone's, the list's pages): the bot imports them all.
    declared_prefixes = {call.args[0].value for _, call in _calls_in_podium("declare", "podium", "cogs")
                         if call.args and isinstance(call.args[0], ast.Constant)}
    assert declared_prefixes == {c.prefix for c in components.controls()}


def test_a_switch_whose_column_is_not_a_column_name_is_refused_when_declared():
    # Its column is written into the dispatcher's last look: checked once here, not on every delivery.
    from podium.preferences import Switch, switch

    with pytest.raises(ValueError, match="not a column name"):
        switch(Switch(name="bad", column="x; DROP TABLE talks", label="l", on="on", off="off"))
