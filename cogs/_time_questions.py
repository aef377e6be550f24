"""Asking instead of guessing: a typed time with two readings gets them as buttons; the click runs the command.

Nothing is stored until a reading is certain. When nextcord converts a command's options and a time has two
plausible readings (`AmbiguousTimeError`), PodiumBot hands the interaction here: the member gets the readings as
buttons, privately. The click converts the same options again from the original interaction (so members, roles and
channels given in it still resolve), with the chosen reading for that text, and runs the command as if the member
had typed it unambiguously; its answer goes to the click. Questions live a few minutes, in memory: a click after
that (or after a restart) is answered politely and does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import nextcord

from cogs._components import custom_id_of
from cogs._replies import NO_MENTIONS, reply_ephemeral
from podium import i18n
from podium.i18n import N_
from podium.timeparse import AmbiguousTimeError, ParsedTime

if TYPE_CHECKING:
    from nextcord.application_command import SlashApplicationCommand, SlashApplicationSubcommand
    from nextcord.state import ConnectionState

log = logging.getLogger(__name__)

PREFIX = "podium:when:"
QUESTION_SECONDS = 300.0
EXPIRED = N_("That question has expired (or Podium restarted since); nothing was stored. Please run the command again.")
EXPIRED_NOTE = N_(
    "⏳ This question expired after 5 minutes; nothing was stored. Run the command again when you're ready."
)

# While a chosen reading is applied: typed text -> the reading the member picked for it.
_chosen: contextvars.ContextVar[Mapping[str, ParsedTime] | None] = contextvars.ContextVar(
    "podium_chosen_times", default=None
)


def chosen_reading(text: str) -> ParsedTime | None:
    """The reading the member picked for this typed text, while their choice is being applied."""
    choices = _chosen.get()
    return choices.get(text.strip()) if choices else None


@contextlib.contextmanager
def _choosing(choices: Mapping[str, ParsedTime]) -> Iterator[None]:
    token = _chosen.set(choices)
    try:
        yield
    finally:
        _chosen.reset(token)


@dataclass
class _Question:
    """One pending question: where it came from and what was already chosen."""

    original: nextcord.Interaction
    command: SlashApplicationCommand | SlashApplicationSubcommand
    options: list[dict[str, Any]]
    readings: tuple[ParsedTime, ...]
    chosen: dict[str, ParsedTime] = field(default_factory=dict)
    # Looked up at each call (not bound once), so a test can move the monotonic clock.
    asked_at: float = field(default_factory=lambda: time.monotonic())  # noqa: PLW0108


class TimeQuestions:
    """The pending questions of one bot, and the two steps: ask, then apply the click."""

    def __init__(self, state: ConnectionState) -> None:
        self.state = state
        self._pending: dict[str, _Question] = {}
        self._timers: set[asyncio.Task[None]] = set()

    async def ask(
        self,
        interaction: nextcord.Interaction,
        exc: AmbiguousTimeError,
        *,
        command: SlashApplicationCommand | SlashApplicationSubcommand,
        options: list[dict[str, Any]],
        chosen: Mapping[str, ParsedTime] | None = None,
    ) -> None:
        """Show the readings as buttons, privately; the click is handled by `on_click`."""
        self._forget_expired()
        token = secrets.token_urlsafe(9)
        self._pending[token] = _Question(interaction, command, options, exc.readings, dict(chosen or {}))
        view = nextcord.ui.View(timeout=None, prevent_update=False)  # answered by on_click, not tracked
        t = i18n.translator(interaction.locale)
        for index, reading in enumerate(exc.readings):
            view.add_item(nextcord.ui.Button(label=reading.label_in(t)[:80], custom_id=f"{PREFIX}{token}:{index}"))
        typed = exc.readings[0].text if exc.readings else ""
        labels = [f"**{r.label_in(t)}**" for r in exc.readings]
        either = labels[0] if len(labels) == 1 else t._("{first} or {last}", first=", ".join(labels[:-1]),
                                                         last=labels[-1])
        content = t._(
            "“{typed}” could mean {readings} ({zone}). Which one? Nothing is stored until you pick.",
            typed=nextcord.utils.escape_markdown(typed)[:80], readings=either, zone=exc.readings[0].zone,
        )
        if interaction.response.is_done():
            await interaction.followup.send(content, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(content, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS)
        # Unanswered, the question says so itself when it expires (its buttons would only answer "expired").
        task = asyncio.get_running_loop().create_task(self._expire(token), name=f"time-question-{token}")
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)

    async def _expire(self, token: str) -> None:
        await asyncio.sleep(QUESTION_SECONDS)
        question = self._pending.pop(token, None)
        if question is not None:
            with contextlib.suppress(nextcord.HTTPException):
                t = i18n.translator(question.original.locale)
                await question.original.edit_original_message(content=t._(EXPIRED_NOTE), view=None)

    async def on_click(self, interaction: nextcord.Interaction) -> bool:
        """Handle a click on a reading; False if the interaction is not one of ours."""
        custom_id = custom_id_of(interaction)
        if not custom_id.startswith(PREFIX):
            return False
        token, _, index_text = custom_id[len(PREFIX) :].rpartition(":")
        self._forget_expired()
        question = self._pending.pop(token, None)
        if question is None or not index_text.isdigit() or int(index_text) >= len(question.readings):
            await reply_ephemeral(interaction, i18n.translator(interaction.locale)._(EXPIRED))
            return True
        asker = question.original.user
        if interaction.user is None or asker is None or interaction.user.id != asker.id:
            self._pending[token] = question  # not theirs: the asker may still choose
            only_asker = i18n.translator(interaction.locale)._("Only the person who asked can choose.")
            await reply_ephemeral(interaction, only_asker)
            return True
        reading = question.readings[int(index_text)]
        choices = {**question.chosen, reading.text.strip(): reading}
        await self._run(interaction, question, choices)
        with contextlib.suppress(nextcord.HTTPException):
            # The question is answered: its buttons go, so a second click cannot run the command twice.
            t = i18n.translator(interaction.locale)
            picked = t._("You picked {reading}.", reading=f"**{reading.label_in(t)}**")
            await question.original.edit_original_message(content=picked, view=None)
        return True

    async def _run(self, click: nextcord.Interaction, question: _Question, choices: dict[str, ParsedTime]) -> None:
        with _choosing(choices):
            try:
                # Converted from the original interaction: its members, roles and channels still resolve.
                kwargs = await question.command.get_slash_kwargs(
                    self.state, question.original, cast(Any, question.options)
                )
            except AmbiguousTimeError as again:  # a second time option of the same command
                await self.ask(click, again, command=question.command, options=question.options, chosen=choices)
                return
        log.info("running /%s with the reading %s chose", question.command.qualified_name, click.user)
        await question.command.invoke_callback_with_hooks(self.state, click, kwargs=kwargs)

    def _forget_expired(self) -> None:
        now = time.monotonic()
        for token in [t for t, q in self._pending.items() if now - q.asked_at > QUESTION_SECONDS]:
            del self._pending[token]


def leaf_command(
    command: SlashApplicationCommand, data: Mapping[str, Any]
) -> tuple[SlashApplicationCommand | SlashApplicationSubcommand, list[dict[str, Any]]]:
    """The (sub)command an interaction runs and its own options, walking subcommand groups."""
    leaf: SlashApplicationCommand | SlashApplicationSubcommand = command
    options = list(data.get("options") or [])
    while leaf.children and options and options[0].get("type") in (1, 2):
        leaf = leaf.children[options[0]["name"]]
        options = list(options[0].get("options") or [])
    return leaf, options
