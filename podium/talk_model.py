"""A talk as stored: the `Talk` record, `load_talk`, and the rules for each field a member types.

The model, apart from `podium/talks.py` (the service that changes talks and the hooks that plan their messages):
the delivery engine, renderers and features read talks through this module and so never import the service.
"""

from __future__ import annotations

import sqlite3
import unicodedata
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timedelta

from db import Database, Transaction
from podium.clock import from_ms
from podium.errors import Text, UserError
from podium.i18n import N_

TOPIC_MAX = 200
DESCRIPTION_MAX = 1000
DURATION_RANGE = (5, 240)
MAX_AHEAD = timedelta(days=365)
LINK_MAX = 512
# Text, translated where the refusal is shown: a German reader's example names the talk in German, as every other.
LINK_EXAMPLE = Text(N_("`/schedule links talk:Intro to Rust slides:https://example.org/slides.pdf`"))
# Characters a link never needs that would end Discord's <…> (no preview) early or start markup around it.
_NOT_IN_A_LINK = frozenset("<>\"`")
# Unicode categories no link needs, all invisible or unprintable where it is shown: control (Cc), format (Cf: zero
# width spaces and joiners, bidi marks and overrides that turn "…/gpj.exe" around, the byte order mark, the soft
# hyphen), surrogates (Cs), private use (Co) and unassigned (Cn).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
# Blank characters of other categories that show as nothing (fillers, blank patterns, a joiner mark, variation
# selectors): a link carrying one looks like another link.
_BLANKS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f\u2800\u3164\uffa0"
                    + "".join(map(chr, range(0xFE00, 0xFE10))) + "".join(map(chr, range(0xE0100, 0xE01F0))))


class TalkError(UserError):
    """A refused change; the message is shown to the user as it is."""


@dataclass(frozen=True, slots=True)
class Talk:
    """A talk as stored."""

    id: int
    guild_id: int
    speaker_id: int
    topic: str
    starts_at: datetime
    duration_minutes: int
    state: str
    announced: bool
    created_by: int
    updated_by: int
    updated_at: datetime
    sequence: int = 0
    speaker_name: str | None = None
    thread_id: int | None = None
    description: str | None = None
    event_id: int | None = None  # its Discord scheduled event (podium/scheduled_events.py)
    approval: str = "approved"  # 'pending' until a moderator approves a sign-up (approval on), or 'declined'
    seat_limit: int | None = None  # None: no limit
    slides_url: str | None = None
    recording_url: str | None = None
    evening_id: int | None = None  # a claimed slot of a series evening (podium/series.py)
    slot: int | None = None  # 0-based: starts at the evening's start + slot times the series' slot minutes

    @property
    def ends_at(self) -> datetime:
        """When the talk's slot ends."""
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @classmethod
    def from_db(cls, row: sqlite3.Row) -> Talk:
        """Build from a `SELECT * FROM talks` row."""
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            speaker_id=row["speaker_id"],
            topic=row["topic"],
            starts_at=from_ms(row["starts_at_ms"]),
            duration_minutes=row["duration_minutes"],
            state=row["state"],
            announced=bool(row["announced"]),
            created_by=row["created_by"],
            updated_by=row["updated_by"],
            updated_at=from_ms(row["updated_at_ms"]),
            sequence=row["sequence"],
            speaker_name=row["speaker_name"],
            thread_id=row["thread_id"],
            description=row["description"],
            event_id=row["event_id"],
            approval=row["approval"],
            seat_limit=row["seat_limit"],
            slides_url=row["slides_url"],
            recording_url=row["recording_url"],
            evening_id=row["evening_id"],
            slot=row["slot"],
        )


async def load_talk(source: Database | Transaction, talk_id: int) -> Talk | None:
    """One talk by id (any guild, any state)."""
    row = await source.fetchone("SELECT * FROM talks WHERE id = ?", (talk_id,))
    return Talk.from_db(row) if row is not None else None



def has_control_character(text: str, allowed: str = "") -> bool:
    """Whether `text` holds a C0 control character or DEL not in `allowed`.

    RFC 5545 allows none in a calendar's text but the tab (and line breaks, escaped): one such character
    (pasted from a terminal or a PDF) makes Add to calendar, /schedule export and every feed of the server a file
    calendar apps refuse.
    """
    return any((ord(char) < 0x20 or char == "\x7f") and char not in allowed for char in text)


def has_invisible_character(text: str) -> bool:
    """Whether `text` holds a character that shows as nothing or is not printable (control, format, blank...)."""
    return any(char in _BLANKS or unicodedata.category(char) in _INVISIBLE_CATEGORIES for char in text)


def validate_topic(topic: str) -> str:
    """1-200 characters, surrounding space trimmed, no control characters."""
    topic = topic.strip()
    if not topic:
        raise TalkError(N_("The topic can't be empty. Example: `/schedule add when:friday 18:00 topic:Intro to Rust`"))
    if has_control_character(topic):
        raise TalkError(N_("The topic has an invisible control character (often pasted along with the text). "
                           "Please type it again. Example: `/schedule add when:friday 18:00 topic:Intro to Rust`"))
    if len(topic) > TOPIC_MAX:
        raise TalkError(N_("The topic is {length} characters; the most is {most}. Please shorten it."),
                        length=len(topic), most=TOPIC_MAX)
    return topic


def validate_description(text: str) -> str | None:
    """At most 1,000 characters, surrounding space trimmed, no control characters but line breaks and tabs.

    "-" (or nothing) removes it.
    """
    text = text.strip()
    if text in ("", "-"):
        return None
    if has_control_character(text, allowed="\n\r\t"):
        raise TalkError(N_("The description has an invisible control character (often pasted along with the "
                           "text). Please type it again; line breaks are fine. "
                           "Example: `description:Slides and code on GitHub`"))
    if len(text) > DESCRIPTION_MAX:
        raise TalkError(N_("The description is {length} characters; the most is {most}. Please shorten it."),
                        length=len(text), most=DESCRIPTION_MAX)
    return text


def validate_duration(minutes: int) -> None:
    """5-240 minutes."""
    low, high = DURATION_RANGE
    if not low <= minutes <= high:
        raise TalkError(N_("A talk lasts {low} to {high} minutes (you gave {minutes}). Example: `duration:45`"),
                        low=low, high=high, minutes=minutes)


def validate_start(starts_at: datetime, now: datetime) -> None:
    """In the future, at most a year ahead."""
    if starts_at <= now:
        raise TalkError(N_("That time is in the past. Example: `tomorrow 18:00`"))
    if starts_at - now > MAX_AHEAD:
        raise TalkError(N_("Talks can be scheduled at most 365 days ahead."))


def validate_link(value: str) -> str | None:
    """A slides or recording link: http(s), at most 512 characters, no spaces or invisible characters; "-" clears it.

    Shown as a link in Discord, in calendar files and on the web page: a space, an invisible character or another
    scheme (javascript:, file:) would be a broken or a harmful link there.
    """
    value = value.strip()
    if value == "-":
        return None
    if len(value) > LINK_MAX:
        raise TalkError(N_("That link is {length} characters; the most is {most}. Example: {example}"),
                        length=len(value), most=LINK_MAX, example=LINK_EXAMPLE)
    if not value or any(char.isspace() for char in value) or has_invisible_character(value) or (
            _NOT_IN_A_LINK & set(value)):
        raise TalkError(N_("A link can't contain spaces, quotes, angle brackets or invisible characters. "
                           "Example: {example}"), example=LINK_EXAMPLE)
    try:
        parts = urllib.parse.urlsplit(value)
        host = parts.hostname
    except ValueError:  # urllib's "Invalid IPv6 URL": a lone [ or ], or brackets around no IP address
        raise TalkError(N_("That link's website (after https://) isn't a valid address; check its [ and ] brackets. "
                           "Example: {example}"), example=LINK_EXAMPLE) from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise TalkError(N_("A link starts with https:// or http:// and names a website (`-` removes it). "
                           "Example: {example}"), example=LINK_EXAMPLE)
    return value
