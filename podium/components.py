"""Domain side of components (Discord side: cogs/_components.py): buttons and selects as JSON, their custom ids.

Buttons and selects as Discord JSON, and the stateless custom ids they carry (no Discord objects here).

A custom id says everything needed to answer a click ("podium:att:join:12" = remind me of talk 12), so a button
keeps working after a restart and on a message sent months ago (FIELD-NOTES: such views are sent with
`prevent_update=False` and answered by a listener). Each id's prefix is declared once (`declare`), by the module
that renders it, with its handler when the domain can answer it (a `Reply`); one router on the Discord side
(cogs/_components.py, `ComponentRouter`) dispatches every click by its declared prefix, to that handler or to the
cog method marked `@handles(prefix)`. A new button is a declaration, not an edit of a parser or a cog.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from podium.i18n import ENGLISH, Translator

# Discord's component limits (components/reference): 5 rows of 5 buttons, or one select of 25 options a row.
ROWS, BUTTONS_PER_ROW, SELECT_OPTIONS = 5, 5, 25
LABEL_MAX, OPTION_LABEL_MAX, CUSTOM_ID_MAX = 80, 100, 100
PRIMARY, SECONDARY, SUCCESS, DANGER, LINK = 1, 2, 3, 4, 5



@dataclass(frozen=True, slots=True)
class CustomId:
    """A parsed custom id: what it does and its numbers."""

    action: str
    numbers: tuple[int, ...]
    # What follows the numbers, for a prefix declared with a `tail` ("Europe/Berlin|UTC" of a zone button).
    tail: str = ""


@dataclass(frozen=True, slots=True)
class Click:
    """A click on one of Podium's components (or a form sent from one), as the domain sees it."""

    id: CustomId
    user_id: int
    guild_id: int | None  # None in a DM
    locale: str | None
    values: tuple[str, ...]  # what a select's member picked
    # The running `podium.services.Services` (Any: that module imports the features that declare handlers).
    services: Any


@dataclass(frozen=True, slots=True)
class Reply:
    """A domain handler's private answer to the member who clicked."""

    text: str
    rows: tuple[dict[str, Any], ...] = ()


# A click answered in the domain; a UserError it raises is the member's mistake, told privately.
Handler = Callable[[Click], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Control:
    """A custom id prefix Podium answers, and how many numbers follow it."""

    prefix: str
    numbers: int  # a select carries none: what was picked arrives as its values
    # Answered in the domain; None: a cog answers it, with a method marked `@handles(prefix)` (it needs Discord's
    # own responses: a form, a file).
    handler: Handler | None = None
    # A regular expression the rest of the id must match after the numbers (None: nothing may follow them). For ids
    # that carry a word or a name, not only numbers: a zone offered, the page button's mark.
    tail: str | None = None


_controls: dict[str, Control] = {}


def declare(prefix: str, *, numbers: int = 1, handler: Handler | None = None, tail: str | None = None) -> str:
    """Declare a custom id prefix (at import of the module that renders it); returns the prefix."""
    if not prefix.startswith("podium:") or prefix.endswith(":"):
        raise ValueError(f"a custom id prefix starts with 'podium:' and ends with a word, not {prefix!r}")
    control = Control(prefix, numbers, handler, tail)
    if _controls.get(prefix, control) != control:
        raise ValueError(f"custom id prefix {prefix!r} is declared twice")
    _controls[prefix] = control
    return prefix


def controls() -> tuple[Control, ...]:
    """Every declared prefix, longest first (so "podium:talk:move-modal" is tried before "podium:talk:move").

    Declared at import of the modules that render them: podium.features.load(), and the cogs.
    """
    return tuple(sorted(_controls.values(), key=lambda c: (-len(c.prefix), c.prefix)))


def custom_id(action: str, *numbers: int) -> str:
    """`podium:att:join:12`."""
    return ":".join([action, *(str(n) for n in numbers)])


def parse(value: str) -> CustomId | None:
    """The action and numbers of one of Podium's custom ids; None for anything else (another bot's, malformed)."""
    for control in controls():
        if value == control.prefix:
            parts: list[str] = []
        elif value.startswith(control.prefix + ":"):
            parts = value[len(control.prefix) + 1 :].split(":", control.numbers if control.tail is not None else -1)
        else:
            continue
        tail = parts.pop() if control.tail is not None and len(parts) > control.numbers else ""
        if len(parts) != control.numbers or not all(p.isdigit() for p in parts):
            return None
        if control.tail is not None and not re.fullmatch(control.tail, tail):
            return None
        return CustomId(control.prefix, tuple(int(p) for p in parts), tail)
    return None


JOIN = declare("podium:att:join")  # :talk id — "🔔 Remind me"
LEAVE = declare("podium:att:leave")  # :talk id — "Can't make it"
PICK = declare("podium:att:pick", numbers=0)  # a select whose values are talk ids
UNPICK = declare("podium:att:unpick", numbers=0)  # the same to stop being reminded
SNOOZE = declare("podium:snooze", numbers=2)  # :outbox row id:minutes — a personal reminder again later
MOVE = declare("podium:talk:move")  # :talk id — the speaker's "Reschedule…" (opens MOVE_MODAL)
CANCEL = declare("podium:talk:cancel")  # :talk id — the speaker's "Cancel…" (opens CANCEL_MODAL)
MOVE_MODAL = declare("podium:talk:move-modal")  # :talk id
CANCEL_MODAL = declare("podium:talk:cancel-modal")  # :talk id
# :talk id — "📅 Add to calendar" (a private answer with the .ics and a Google link)
CALENDAR = declare("podium:talk:ics")
SNOOZE_MINUTES = (10, 60)


def button(label: str, action: str, *numbers: int, style: int = SECONDARY) -> dict[str, Any]:
    """A button that sends an interaction with this custom id."""
    return {"type": 2, "style": style, "label": label[:LABEL_MAX], "custom_id": custom_id(action, *numbers)}


def link(label: str, url: str) -> dict[str, Any]:
    """A button that opens a URL (no interaction)."""
    return {"type": 2, "style": LINK, "label": label[:LABEL_MAX], "url": url}


def row(*items: dict[str, Any]) -> dict[str, Any]:
    """An action row (at most 5 buttons, or one select)."""
    if not 1 <= len(items) <= BUTTONS_PER_ROW:
        raise ValueError(f"an action row holds 1 to {BUTTONS_PER_ROW} items, not {len(items)}")
    return {"type": 1, "components": list(items)}


def jump_url(guild_id: int, channel_id: int) -> str:
    """A link that opens a channel or thread in Discord's client."""
    return f"https://discord.com/channels/{guild_id}/{channel_id}"


def calendar_button(talk_id: int, t: Translator = ENGLISH) -> dict[str, Any]:
    """"📅 Add to calendar": answered privately with the talk's .ics and a Google Calendar link.

    A button, not a link: the answer is built at the click, so it shows the talk as it is then (a post's link
    would keep the time it was posted with), and it needs no calendar feed set up by the operator.
    """
    return button(t._("📅 Add to calendar"), CALENDAR, talk_id)


@dataclass(frozen=True, slots=True)
class Seats:
    """A talk's seats as its Join button shows them: taken, the limit, and how many wait (offered ones included)."""

    taken: int
    limit: int
    waiting: int

    @property
    def full(self) -> bool:
        """No seat for a newcomer: all taken, or held for those waiting (who come first)."""
        return self.taken + self.waiting >= self.limit


def join_label(t: Translator, seats: Seats) -> str:
    """With a seat limit "🎟️ Join (12/20)", or when full "⏳ Join the waitlist (3 waiting)"."""
    if seats.full:
        return t.ngettext("⏳ Join the waitlist ({n} waiting)", "⏳ Join the waitlist ({n} waiting)", seats.waiting)
    # Assigned to `label`: the label scan of tests/cogs/test_forms_every_language.py checks it in every language.
    # Up to 10,000 seats: written as the reader's language writes numbers ("1,500/2,000" / "1.500/2.000").
    label = t._("🎟️ Join ({taken}/{limit})", taken=t.number(seats.taken), limit=t.number(seats.limit))
    return label


def remind_buttons(
    talk_id: int, t: Translator = ENGLISH, *, disabled: bool = False, seats: Seats | None = None
) -> dict[str, Any]:
    """"🔔 Remind me", "Can't make it" and "Add to calendar" for one talk (greyed out on a cancelled talk's post).

    A talk with a seat limit (`seats`) shows its seats on the first button instead (podium/seats.py).
    """
    label = t._("🔔 Remind me") if seats is None else join_label(t, seats)
    buttons = (button(label, JOIN, talk_id, style=PRIMARY),
               button(t._("Can't make it / stop reminding me"), LEAVE, talk_id),
               calendar_button(talk_id, t))
    return row(*({**b, "disabled": True} for b in buttons)) if disabled else row(*buttons)


def talk_picker(
    talks: Sequence[tuple[int, str]], *, action: str = PICK, placeholder: str | None = None,
    t: Translator = ENGLISH,
) -> dict[str, Any]:
    """One select of up to 25 talks (id, label); any number may be picked at once."""
    if placeholder is None:
        placeholder = t._("🔔 Remind me of…")
    options = [{"label": label[:OPTION_LABEL_MAX] or t._("Talk {id}", id=talk_id), "value": str(talk_id)}
               for talk_id, label in talks[:SELECT_OPTIONS]]
    if not options:
        raise ValueError("a talk picker needs at least one talk")
    return row({
        "type": 3, "custom_id": action, "placeholder": placeholder, "min_values": 1, "max_values": len(options),
        "options": options,
    })


def stop_picker(talks: Sequence[tuple[int, str]], t: Translator = ENGLISH) -> dict[str, Any]:
    """"Can't make it / stop reminding me" for a list of talks: a select of them."""
    return talk_picker(talks, action=UNPICK, placeholder=t._("🔕 Can't make it / stop reminding me of…"), t=t)


def remind_choices(talks: Sequence[tuple[int, str]], t: Translator = ENGLISH) -> tuple[dict[str, Any], ...]:
    """"Remind me" for a list of talks (one button each for a few, a select for many), and a select to stop."""
    if not talks:
        return ()
    if len(talks) <= BUTTONS_PER_ROW:
        remind = row(*(button(f"🔔 {label}", JOIN, talk_id) for talk_id, label in talks))
    else:
        remind = talk_picker(talks, t=t)
    return (remind, stop_picker(talks, t))


def thread_link(guild_id: int | None, thread_id: int | None, t: Translator = ENGLISH) -> tuple[dict[str, Any], ...]:
    """A "Jump to the talk's thread" link button, if the talk has a thread."""
    if guild_id is None or thread_id is None:
        return ()
    return (link(t._("💬 Jump to the talk's thread"), jump_url(guild_id, thread_id)),)
