"""Discord's `name_localizations` / `description_localizations` for every slash command, from the catalogue.

The cogs declare their commands in English only; their names and descriptions are catalogue entries (extracted by
podium/i18n_extract.py), so one walk over the command tree gives every command, subcommand, option and choice its
translations, and a new command gets them without touching this file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from podium import i18n


def _localize(item: Any) -> None:
    name, description = getattr(item, "name", None), getattr(item, "description", None)
    if isinstance(name, str) and (names := i18n.localizations(name, context=i18n.COMMAND_CONTEXT)):
        item.name_localizations = names
    if isinstance(description, str) and (descriptions := i18n.localizations(description)):
        item.description_localizations = descriptions
    choices = getattr(item, "choices", None)
    if isinstance(choices, dict):
        labels = {label: found for label in choices if (found := i18n.localizations(str(label)))}
        if labels:
            item.choice_localizations = labels
    for child in getattr(item, "children", {}).values():
        _localize(child)
    for option in getattr(item, "options", {}).values():
        _localize(option)


def localize_commands(commands: Iterable[Any]) -> None:
    """Give every command, subcommand, option and choice its translations (before they are synced)."""
    for command in commands:
        _localize(command)
