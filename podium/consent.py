"""Consent in one table: what a person can stop with /opt-out, how it reads, and where it is stored.

Which messages a topic covers is said by each message kind (`KindSpec.consent` in podium/delivery/kinds.py); the
dispatcher checks it when a message is SENT, so an opt-out also stops messages already queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from podium.i18n import N_


@dataclass(frozen=True, slots=True)
class ConsentTopic:
    """One thing a person can stop: its /opt-out value, how it reads, its `users` column."""

    key: str
    label: str  # what it is, in a list ("/opt-out status")
    column: str
    choice: str = ""  # the short name offered in the `what` option
    stopped: str = ""  # the sentence answering `/opt-out stop`
    allowed: str = ""  # the sentence answering `/opt-out allow`


EVERYTHING = ConsentTopic(
    "everything",
    N_("every message Podium sends you on its own"),
    "opt_out_everything",
    choice=N_("Everything Podium sends on its own"),
    stopped=N_(
        "I won't send you anything on my own any more: no reminders, notices or DMs. "
        "Answers to your own commands still come."
    ),
    allowed=N_("I may send you messages on my own again. Anything you stopped one by one stays stopped."),
)
# "Talks" are the ones you speak at and the ones you clicked 🔔 Remind me on (podium/audience.py).
TALK_REMINDERS = ConsentTopic(
    "talk-reminders",
    N_("reminders before talks you speak at or asked to be reminded of"),
    "opt_out_talk_reminders",
    choice=N_("Reminders before talks"),
    stopped=N_("You won't be reminded before talks any more, neither yours nor the ones you clicked 🔔 Remind me on."),
    allowed=N_("You'll be reminded before your talks and the ones you clicked 🔔 Remind me on again."),
)
NOTICES = ConsentTopic(
    "notices",
    N_("notices when a talk you speak at or asked for is moved, cancelled or changes speaker"),
    "opt_out_notices",
    choice=N_("Notices when a talk changes"),
    stopped=N_(
        "You won't be told any more when a talk you speak at or asked for is moved, cancelled or changes "
        "speaker."
    ),
    allowed=N_("You'll be told again when a talk you speak at or asked for is moved, cancelled or changes speaker."),
)
PERSONAL_REMINDERS = ConsentTopic(
    "personal-reminders",
    N_("your /remind-me at reminders"),
    "opt_out_personal_reminders",
    choice=N_("My /remind-me at reminders"),
    stopped=N_("Your /remind-me at reminders won't be delivered any more (they stay in `/remind-me list`)."),
    allowed=N_("Your /remind-me at reminders will be delivered again."),
)
# Not a kind of message but a way of delivering: with DMs stopped, reminders come in the thread or the channel.
DMS = ConsentTopic(
    "dms",
    N_("direct messages (reminders then come in the talk's thread or the channel)"),
    "opt_out_dms",
    choice=N_("Direct messages"),
    stopped=N_(
        "I won't send you direct messages any more: reminders come in the talk's thread or the channel "
        "instead."
    ),
    allowed=N_("I'll send you direct messages again."),
)

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
