"""A Babel extractor for the cogs: their `_()` text, and their slash commands' descriptions.

Command and option descriptions are written once, in English, where nextcord declares them (`slash_command`,
`subcommand`, `SlashOption`); bot.py gives Discord their translations from the catalogue
(`description_localizations`). This extractor puts them in the catalogue without marking each one in the cogs.
Names are left out: they stay English in every language (cogs/_localizations.py). babel.cfg names it for cogs/**.py.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any, cast

from babel.messages.extract import extract_python

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
    """The description of every command and option declared in `source`.

    Their names are not extracted: they stay English in every language (cogs/_localizations.py says why).
    """
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and _called(node) in _DECLARATIONS
            and (description := _text(node, "description")) is not None
        ):
            yield node.lineno, "_", description, []


def extract_cog(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str], options: dict[str, Any]
) -> Iterator[Extracted]:
    """Babel's Python extraction of the file, plus its command texts."""
    source = fileobj.read()
    fileobj.seek(0)
    yield from extract_python(fileobj, keywords, comment_tags, cast(Any, options))
    yield from command_texts(source.decode(options.get("encoding", "utf-8")))
