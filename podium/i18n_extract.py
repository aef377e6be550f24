"""A Babel extractor for the cogs: their `_()` text, and their slash commands' names and descriptions.

Command and option names and descriptions are written once, in English, where nextcord declares them
(`slash_command`, `subcommand`, `SlashOption`); bot.py gives Discord their translations from the catalogue
(`name_localizations`, `description_localizations`). This extractor puts them in the catalogue without marking
each one in the cogs: names get the context `i18n.COMMAND_CONTEXT` (a translated name must stay a valid command
name), descriptions none. babel.cfg names it for cogs/**.py.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any, cast

from babel.messages.extract import extract_python

from podium.i18n import COMMAND_CONTEXT

# (line, function name, message(s), translator comments), as Babel's extractors yield them.
Extracted = tuple[Any, ...]
_DECLARATIONS = ("slash_command", "subcommand", "SlashOption")


def _called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _text(node: ast.Call, keyword: str) -> str | None:
    for item in node.keywords:
        if item.arg == keyword and isinstance(item.value, ast.Constant) and isinstance(item.value.value, str):
            return item.value.value
    return None


def command_texts(source: str) -> Iterator[Extracted]:
    """Names (with their context) and descriptions of every command and option declared in `source`."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called(node) in _DECLARATIONS:
            if (name := _text(node, "name")) is not None:
                yield node.lineno, "pgettext", (COMMAND_CONTEXT, name), []
            if (description := _text(node, "description")) is not None:
                yield node.lineno, "_", description, []
        elif isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef):
            # An option without `name=` is named after its parameter (nextcord's rule).
            arguments = node.args.args[len(node.args.args) - len(node.args.defaults):]
            for argument, default in zip(arguments, node.args.defaults, strict=True):
                if isinstance(default, ast.Call) and _called(default) == "SlashOption" and not _text(default, "name"):
                    yield default.lineno, "pgettext", (COMMAND_CONTEXT, argument.arg), []
            # A command or subcommand without `name=` is named after its function.
            for decorator in node.decorator_list:
                if not isinstance(decorator, ast.Call):
                    continue
                if _called(decorator) in _DECLARATIONS[:2] and _text(decorator, "name") is None:
                    yield decorator.lineno, "pgettext", (COMMAND_CONTEXT, node.name), []


def extract_cog(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str], options: dict[str, Any]
) -> Iterator[Extracted]:
    """Babel's Python extraction of the file, plus its command texts."""
    source = fileobj.read()
    fileobj.seek(0)
    yield from extract_python(fileobj, keywords, comment_tags, cast(Any, options))
    yield from command_texts(source.decode(options.get("encoding", "utf-8")))
