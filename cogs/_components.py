"""Discord side of components (domain side: podium/components.py): nextcord views, and the one path of a click.

Podium's component JSON (podium/components.py) as nextcord views, and the one path for answering a click.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Sequence
from typing import Any, cast

import nextcord

from cogs._replies import reply_ephemeral
from podium import i18n
from podium.errors import UserError

log = logging.getLogger(__name__)

SORRY = i18n.N_("Sorry, something went wrong on our side; nothing was changed. Please try again.")


def view_of(rows: Sequence[dict[str, Any]]) -> nextcord.ui.View:
    """A view with these action rows, not tracked by nextcord (prevent_update=False).

    Its stateless custom ids are answered by a listener, also after a restart (FIELD-NOTES: a tracked view is
    auto-deferred).
    """
    view = nextcord.ui.View(timeout=None, prevent_update=False)
    for index, row in enumerate(rows):
        for item in row["components"]:
            if item["type"] == 2:
                view.add_item(nextcord.ui.Button(
                    style=nextcord.ButtonStyle(item["style"]), label=item.get("label"),
                    custom_id=item.get("custom_id"), url=item.get("url"), row=index,
                ))
            elif item["type"] == 3:
                options = [nextcord.SelectOption(label=o["label"], value=o["value"]) for o in item["options"]]
                view.add_item(nextcord.ui.StringSelect(
                    custom_id=item["custom_id"], placeholder=item.get("placeholder"),
                    min_values=item.get("min_values", 1), max_values=item.get("max_values", 1), options=options,
                    row=index,
                ))
    return view


def custom_id_of(interaction: nextcord.Interaction) -> str:
    """The custom id of a clicked component or a submitted modal ("" for anything else)."""
    return str(cast(dict[str, Any], interaction.data or {}).get("custom_id", ""))


def modal_values(interaction: nextcord.Interaction) -> dict[str, str]:
    """A submitted modal's text inputs by custom id (inside action rows, or labels)."""
    found: dict[str, str] = {}

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            if "custom_id" in item and "value" in item:
                found[str(item["custom_id"])] = str(item["value"] or "")
            walk(list(item.get("components") or []) + ([item["component"]] if "component" in item else []))

    walk(list(cast(dict[str, Any], interaction.data or {}).get("components") or []))
    return found


async def answer(interaction: nextcord.Interaction, handling: Awaitable[None]) -> None:
    """Run a click's handler: a UserError is the member's mistake (told privately), anything else is ours."""
    try:
        await handling
    except UserError as exc:
        with contextlib.suppress(nextcord.HTTPException):
            await reply_ephemeral(interaction, exc.text_for(i18n.translator(interaction.locale)))
    except nextcord.HTTPException:
        log.exception("answering %s failed", custom_id_of(interaction))
    except Exception:
        log.exception("a click on %s failed", custom_id_of(interaction))
        with contextlib.suppress(nextcord.HTTPException):
            await reply_ephemeral(interaction, i18n.translator(interaction.locale)._(SORRY))
