"""How refusals are worded: a problem, then inputs that would work."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from podium.timeparse._base import EXAMPLES, TimeInputError


def or_list(examples: Iterable[str]) -> str:
    items = [f"`{example}`" for example in examples]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def fail(problem: str, examples: Iterable[str] = EXAMPLES[:3]) -> TimeInputError:
    return TimeInputError(f"{problem} Try {or_list(examples)}.")


def echo(text: str, limit: int = 40) -> str:
    """User text quoted inside a message: one line, shortened, markdown and mention syntax escaped."""
    cleaned = re.sub(r"[`\s]+", " ", text).strip()
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return "“" + re.sub(r"([\\*_~|<>])", r"\\\1", cleaned) + "”"


def show(when: datetime) -> str:
    return f"{when:%a %d %b %Y %H:%M}"


def iso_example(today: date) -> str:
    """A year-month-day example that is still ahead (a fixed one would age into the past)."""
    return f"{today + timedelta(days=7):%Y-%m-%d} 19:00"
