"""Discord's `description_localizations` and `choice_localizations` for every slash command, from the catalogue.

Command and option NAMES stay English in every language, on purpose: a clickable mention `</schedule add:id>`
always renders with the default (English) name whatever the reader's language (discord-api-docs #5518, #7309), so
localized names made one reply show `/schedule add` as a mention and `/vorträge eintragen` as text. One name
everywhere is what a member can follow; what a command does is still told in their language.

The cogs declare their commands in English only; their descriptions and choice labels are catalogue entries
(descriptions extracted by podium/i18n_extract.py), so one walk over the command tree gives every command,
subcommand, option and choice its translations, and a new command gets them without touching this file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from podium import i18n


def _localize(item: Any) -> None:
    description = getattr(item, "description", None)
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
    """Give every command, subcommand, option and choice its translated description or label (before the sync)."""
    for command in commands:
        _localize(command)
