"""Consent in one table: what a person can stop with /opt-out, how it reads, and where it is stored.

Which messages a topic covers is said by each message kind (`KindSpec.consent` in podium/kinds.py); the
dispatcher checks it when a message is SENT, so an opt-out also stops messages already queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ConsentTopic:
    """One thing a person can stop: its /opt-out value, how it reads in a sentence, its `users` column."""

    key: str
    label: str
    column: str


EVERYTHING = ConsentTopic("everything", "every message Podium sends you on its own", "opt_out_everything")
# "Talks" are the ones you speak at and the ones you clicked 🔔 Remind me on (podium/audience.py).
TALK_REMINDERS = ConsentTopic(
    "talk-reminders", "reminders before talks you speak at or asked to be reminded of", "opt_out_talk_reminders"
)
NOTICES = ConsentTopic(
    "notices", "notices when a talk you speak at or asked for is moved, cancelled or changes speaker", "opt_out_notices"
)
PERSONAL_REMINDERS = ConsentTopic("personal-reminders", "your /remind-me at reminders", "opt_out_personal_reminders")
# Not a kind of message but a way of delivering: with DMs stopped, reminders come in the thread or the channel.
DMS = ConsentTopic("dms", "direct messages (reminders then come in the talk's thread or the channel)", "opt_out_dms")

TOPICS: dict[str, ConsentTopic] = {t.key: t for t in (EVERYTHING, TALK_REMINDERS, NOTICES, PERSONAL_REMINDERS, DMS)}


class HasOptOuts(Protocol):
    """Anything with the opt-out flags of a person (UserPreferences)."""

    @property
    def opt_out_everything(self) -> bool:
        """Stopped every message."""
        ...

    @property
    def opt_out_dms(self) -> bool:
        """Stopped direct messages."""
        ...


def opted_out(person: HasOptOuts | None, topic: ConsentTopic) -> bool:
    """Whether this person stopped this topic (a person Podium knows nothing about stopped nothing)."""
    return person is not None and bool(getattr(person, topic.column))


def allows(person: HasOptOuts | None, topic: ConsentTopic | None) -> bool:
    """Whether a message of this topic may be sent to this person now (None: a broadcast, for nobody)."""
    if topic is None:
        return True
    return not (opted_out(person, EVERYTHING) or opted_out(person, topic))
