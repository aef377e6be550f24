"""Confirm / keep buttons that end well: only their owner may press them, they expire visibly, late clicks are answered.

nextcord forgets a view when it times out (or when the bot restarts); a click on it afterwards is never answered,
and Discord shows the presser "This interaction failed". So each ConfirmView's buttons carry custom ids with
CONFIRM_PREFIX and the command they belong to; on timeout the question is edited to say so, with its buttons
disabled; and `answer_late_click`, called for every component interaction, answers a click on buttons no live
view owns any more.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time

import nextcord

from cogs._components import custom_id_of
from cogs._replies import NO_MENTIONS, PodiumView, reply_ephemeral
from podium import i18n
from podium.i18n import N_
from podium.markup import command

log = logging.getLogger(__name__)

CONFIRM_PREFIX = "podium:confirm:"
CONFIRM_SECONDS = 300.0
EXPIRED_NOTE = N_("-# ⌛ These buttons expired after 5 minutes; nothing was changed.")
# Token -> when its buttons expire (monotonic). Kept after a click too: the view's own task and the late-click
# listener run concurrently, and the view may have stopped before the listener looks.
_live: dict[str, float] = {}


class ConfirmView(PodiumView):
    """Buttons for one person's yes/no question (subclasses add the buttons and `stop()` when answered)."""

    def __init__(self, *, owner_id: int, command_name: str, timeout: float = CONFIRM_SECONDS) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.token = secrets.token_urlsafe(9)
        self.origin: nextcord.Interaction | None = None
        self.content = ""
        self.t = i18n.ENGLISH
        now = time.monotonic()
        for expired in [t for t, deadline in _live.items() if deadline < now]:
            del _live[expired]
        _live[self.token] = now + timeout
        # nextcord's own custom ids are random: a click after a restart could not be told from another bot's.
        for index, item in enumerate(self.children):
            if isinstance(item, nextcord.ui.Button):
                item.custom_id = f"{CONFIRM_PREFIX}{self.token}:{index}:{command_name}"[:100]

    async def ask(self, interaction: nextcord.Interaction, content: str) -> None:
        """Send the question privately; remembered so that its expiry can be shown on it."""
        self.origin, self.content = interaction, content
        self.t = i18n.translator(interaction.locale)
        # Subclasses give their buttons' labels as catalogue entries (N_): shown in the asker's language.
        for item in self.children:
            if isinstance(item, nextcord.ui.Button) and item.label:
                item.label = self.t._(item.label)
        await interaction.response.send_message(content, view=self, ephemeral=True, allowed_mentions=NO_MENTIONS)

    async def interaction_check(self, interaction: nextcord.Interaction) -> bool:
        """Only the person who asked; anyone else is told so (nextcord would leave their click unanswered)."""
        if interaction.user is not None and interaction.user.id == self.owner_id:
            return True
        t = i18n.translator(interaction.locale)
        await reply_ephemeral(interaction, t._("Only the person who ran the command can answer this."))
        return False

    async def on_timeout(self) -> None:
        """Disable the buttons and say that they expired, on the question itself."""
        _live.pop(self.token, None)
        if self.origin is None:
            return
        for item in self.children:
            if isinstance(item, nextcord.ui.Button):
                item.disabled = True
        # The interaction's token lasts 15 minutes, longer than any question waits.
        with contextlib.suppress(nextcord.HTTPException):
            await self.origin.edit_original_message(content=f"{self.content}\n{self.t._(EXPIRED_NOTE)}", view=self)


async def answer_late_click(interaction: nextcord.Interaction) -> bool:
    """Answer a click on a confirm button whose view is gone (expired, or from before a restart); False if not one."""
    if interaction.type != nextcord.InteractionType.component:
        return False
    custom_id = custom_id_of(interaction)
    if not custom_id.startswith(CONFIRM_PREFIX):
        return False
    token, _, rest = custom_id[len(CONFIRM_PREFIX) :].partition(":")
    deadline = _live.get(token)
    if deadline is not None and time.monotonic() < deadline:
        return False  # its view answers it (or already did)
    command_name = rest.partition(":")[2] or "the command"
    log.info("late click on an expired confirm button of /%s", command_name)
    with contextlib.suppress(nextcord.HTTPException):
        t = i18n.translator(interaction.locale)
        await reply_ephemeral(
            interaction,
            t._("These buttons have expired (they last 5 minutes, and not across a restart of the bot). Nothing was "
                "changed: run {command} again.", command=command(command_name)),
        )
    return True
