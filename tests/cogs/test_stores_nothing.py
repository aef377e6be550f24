"""A command after which nothing new is stored about its caller says so itself; bot.py names no command."""

from __future__ import annotations

import ast
from types import SimpleNamespace

import nextcord
import pytest

from bot import PodiumBot
from cogs._replies import stores_nothing
from tests.botprocess import BOT_PY

MEMBER = 4242


@pytest.fixture
def bot(built_bot):
    return built_bot


def commands_of(bot: PodiumBot) -> dict[str, object]:
    found: dict[str, object] = {}
    for command in bot.get_all_application_commands():
        if isinstance(command, nextcord.SlashApplicationCommand) and command.name:
            found[command.name] = command
            for sub in command.children.values():
                found[sub.qualified_name] = sub
    return found


async def test_only_forget_me_is_declared_to_store_nothing(bot):
    declared = sorted(name for name, command in commands_of(bot).items() if stores_nothing(command))
    assert declared == ["opt-out forget-me"]


@pytest.mark.parametrize(("name", "stored"), [("opt-out forget-me", 0), ("opt-out status", 1)])
async def test_after_a_command_the_callers_language_is_kept_unless_it_says_not_to(bot, name, stored):
    interaction = SimpleNamespace(application_command=commands_of(bot)[name], user=SimpleNamespace(id=MEMBER),
                                  locale="de", guild_id=None, guild_locale=None)
    await bot._remember_locales(interaction)  # type: ignore[arg-type]
    assert await bot.services.db.fetchval("SELECT count(*) FROM users WHERE user_id = ?", (MEMBER,)) == stored


def test_bot_py_compares_no_command_name_with_a_string():
    # Which command does what is declared on the command (cogs/), not special-cased by name in the composition root.
    compared = [ast.unparse(node) for node in ast.walk(ast.parse(BOT_PY.read_text(encoding="utf-8")))
                if isinstance(node, ast.Compare) and "command_name(" in ast.unparse(node)
                and any(isinstance(side, ast.Constant) and isinstance(side.value, str)
                        for side in (node.left, *node.comparators))]
    assert compared == []
