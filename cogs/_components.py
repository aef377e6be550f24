"""Discord side of components (domain side: podium/components.py): views, the one router of clicks, their answer.

The domain declares each custom id prefix (podium/components.py); `ComponentRouter` dispatches every click on one
to its domain handler or to the cog method marked `@handles(prefix)`, and `answer` is the one path a click's
`UserError` takes to a private reply.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar, cast

import nextcord

from cogs._replies import NO_MENTIONS, reply_ephemeral
from podium import components, i18n
from podium.components import Click, CustomId, Handler
from podium.errors import UserError

log = logging.getLogger(__name__)

_HANDLES = "__podium_handles__"
CogHandler = Callable[[nextcord.Interaction, CustomId], Awaitable[None]]
F = TypeVar("F", bound=Callable[..., Awaitable[None]])

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


def handles(*prefixes: str) -> Callable[[F], F]:
    """Mark a cog method `(self, interaction, custom_id)` as the answer to clicks on these declared prefixes."""

    def mark(method: F) -> F:
        setattr(method, _HANDLES, prefixes)
        return method

    return mark


def picked(interaction: nextcord.Interaction) -> list[int]:
    """The talk ids a select's member picked."""
    values = cast(dict[str, Any], interaction.data or {}).get("values") or []
    return [int(v) for v in values if str(v).isdigit()]


class ComponentRouter:
    """Every click on a declared custom id, to its one handler: the domain's, or a cog's `@handles` method.

    Built once the cogs are added; a declared prefix nobody answers, one answered twice, or a cog answering an
    undeclared one stops the bot at start rather than leaving a button that fails when clicked.
    """

    def __init__(self, services: Any, cogs: Iterable[object]) -> None:
        self.services = services
        self.cog_handlers: dict[str, CogHandler] = {}
        for cog in cogs:
            for name in dir(type(cog)):
                for prefix in getattr(getattr(type(cog), name, None), _HANDLES, ()):
                    if prefix in self.cog_handlers:
                        raise ValueError(f"clicks on {prefix!r} are answered twice")
                    self.cog_handlers[prefix] = getattr(cog, name)
        self.domain_handlers: dict[str, Handler] = {}
        declared = components.controls()
        for control in declared:
            if control.handler is not None:
                if control.prefix in self.cog_handlers:
                    raise ValueError(f"clicks on {control.prefix!r} are answered twice")
                self.domain_handlers[control.prefix] = control.handler
            elif control.prefix not in self.cog_handlers:
                raise ValueError(f"nothing answers clicks on {control.prefix!r}")
        if undeclared := set(self.cog_handlers) - {control.prefix for control in declared}:
            raise ValueError(f"undeclared custom id prefixes are answered: {sorted(undeclared)}")

    async def route(self, interaction: nextcord.Interaction) -> bool:
        """Answer a click or a form on one of Podium's declared ids; False for anything else."""
        if interaction.type not in (nextcord.InteractionType.component, nextcord.InteractionType.modal_submit):
            return False
        parsed = components.parse(custom_id_of(interaction))
        if parsed is None:
            return False
        domain = self.domain_handlers.get(parsed.action)
        if domain is not None:
            await answer(interaction, self._reply(interaction, parsed, domain))
        else:
            await answer(interaction, self.cog_handlers[parsed.action](interaction, parsed))
        return True

    async def _reply(self, interaction: nextcord.Interaction, parsed: CustomId, handler: Handler) -> None:
        user = interaction.user
        values = cast(dict[str, Any], interaction.data or {}).get("values") or []
        click = Click(parsed, user.id if user is not None else 0, interaction.guild_id, interaction.locale,
                      tuple(str(v) for v in values), self.services)
        reply = await handler(click)
        if reply.rows:
            await interaction.response.send_message(reply.text, view=view_of(reply.rows), ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)
        else:
            await reply_ephemeral(interaction, reply.text)
