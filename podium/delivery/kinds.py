"""One spec per kind of proactive message: everything the engine needs to know about it, in one registry.

A feature owns its kinds (RoboDanny's timers name an event and the owning cog listens): the module that plans a
message also registers its spec — renderer, consent topic, whether it is bound to a talk, send-time preparer and
on-sent step, expiry rule. The outbox validates against the registry, the renderer, the consent check, the talk
hooks (cancel with the talk, re-plan on a move) and the dispatcher all read it. Adding a kind touches the
feature module that registers it (see docs/architecture.md, "Adding a new kind of proactive message").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from podium.consent import ConsentTopic

if TYPE_CHECKING:
    from db import Database, Transaction
    from podium.delivery.outbox import Outbox, OutboxMessage, OutboxRow, PlanQuery
    from podium.delivery.render import RenderContext, Rendered
    from podium.delivery.transport import Transport
    from podium.preferences import GuildSettings
    from podium.talk_model import Talk

Renderer = Callable[["RenderContext"], "str | Rendered"]
# Adds to the payload what must be read when the message goes out (a summary lists the talks of that moment).
Preparer = Callable[["Database", "OutboxRow", datetime], Awaitable[dict[str, Any]]]
# Runs in the transaction that marks the row sent (a summary marks the talks it showed as announced).
OnSent = Callable[["SentContext"], Awaitable[None]]
# The earliest moment a due row may go (None: now); a later one puts it back to wait, no attempt used.
NotBefore = Callable[["Database", "OutboxRow", datetime], Awaitable[datetime | None]]
# A talk-bound kind's messages for a talk as it is now (re-planned whenever the talk changes): a list, or a
# PlanQuery when there may be thousands (SQLite builds them, not the event loop).
TalkPlanner = Callable[["Transaction", "Talk", datetime], Awaitable["Sequence[OutboxMessage] | PlanQuery"]]
# Runs in the transaction that records the row skipped or failed for good: its person could not be reached (DMs
# closed, consent withdrawn, Discord refused), and what waited on them must not (a seat offer passes the seat on).
OnUndelivered = Callable[["UndeliveredContext"], Awaitable[None]]
# When a message becomes pointless, from the message itself (None: never).
Expiry = Callable[["OutboxMessage"], datetime | None]
# A Discord action other than posting a message (publish a post, mirror a talk as a scheduled event): it
# returns the id of what it made or changed, stored like a message id; it raises the transport's errors.
Action = Callable[["ActionContext"], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class SentContext:
    """What an on-sent step may use: the open transaction, the row, its payload, where it went, the outbox."""

    tx: Transaction
    row: OutboxRow
    payload: dict[str, Any]
    channel_id: int
    message_id: int | None  # None: an action that made nothing to point at
    outbox: Outbox
    now: datetime
    # The language the message was written in (a summary counts the talks that fitted in that language's text).
    locale: str | None = None


@dataclass(frozen=True, slots=True)
class UndeliveredContext:
    """What an undelivered step may use: the open transaction, the row, why, the outbox, the time."""

    tx: Transaction
    row: OutboxRow
    state: str  # 'skipped' or 'failed'
    reason: str
    outbox: Outbox
    now: datetime


@dataclass(frozen=True, slots=True)
class ActionContext:
    """What an action may use: the row, its (prepared) payload, its guild and talk, and the transport."""

    row: OutboxRow
    payload: dict[str, Any]
    transport: Transport
    db: Database
    guild: GuildSettings | None
    talk: Talk | None
    now: datetime
    # The talk's thread under `parent`: stored, else one a crash left behind, else a new one (None: no parent).
    # The dispatcher's own, so actions and thread posts share its one-thread-per-talk lock.
    talk_thread: Callable[[Talk, int | None], Awaitable[int | None]]


class ActionSkipped(Exception):
    """Raised by an action with nothing (left) to do: the row is recorded skipped, with this reason."""

@dataclass(frozen=True, slots=True)
class KindSpec:
    """What one kind of proactive message is and how the engine treats it."""

    name: str
    render: Renderer
    # Who may refuse it with /opt-out; None for broadcasts to a channel and messages to the operator.
    consent: ConsentTopic | None
    # Bound to its talk: planned by `plan` whenever the talk is added or moved, cancelled with it, sent only while
    # the talk still starts when it was planned for, and after downtime only the latest due one is sent.
    talk_bound: bool = False
    plan: TalkPlanner | None = None
    prepare: Preparer | None = None
    # Asked when a due row is claimed, before it is prepared: what it waits for has not happened yet (a line about
    # a question that has not reached its reader yet, after downtime). Back to the queue until then, no attempt used.
    not_before: NotBefore | None = None
    on_sent: OnSent | None = None
    on_undelivered: OnUndelivered | None = None
    expiry: Expiry | None = None
    # Instead of posting a message: one Discord action, durable and retried like a post (no fallback targets).
    act: Action | None = None
    # About a talk that must still be on: not sent (nor acted) once the talk is cancelled or over, even if it was
    # already waiting to go (the last look checks it before each request). Talk-bound kinds always are.
    about_a_scheduled_talk: bool = False
    # About a talk that has taken place (feedback, "how did it go"): its talk may be over (housekeeping marks it
    # `done`) when it is sent, and it still goes; a cancelled talk still stops it, as it stops every talk's kind.
    after_the_talk: bool = False
    # Who a row with a person is for, checked before each request: "speaker" (still the talk's speaker: a talk
    # given to someone else stops the old speaker's reminder), "attendee" (still going: Can't make it stops it).
    recipient: Literal["speaker", "attendee"] | None = None
    # How /schedule info shows the talk's pending rows of this kind to its speaker and moderators: each row, a count
    # (the audience's rows: a talk may have thousands), or not at all (an action that is no message to anyone).
    in_talk_info: Literal["listed", "counted", "hidden"] = "listed"
    # When a DM (or thread) is refused: False keeps the message out of the guild's announcement channel and out of
    # its talk's thread; it may go only to the row's own channel (personal reminders: where the member could post),
    # else it is skipped (the speaker's feedback summary: theirs alone).
    announce_fallback: bool = True
    # What a member calls it ("talk reminder"), marked with N_ and translated where it is shown (/schedule info).
    label: str = ""
    # A post that shows its talk (a broadcast with the talk's buttons) is kept true: when the talk is moved, edited or
    # cancelled after it was posted, podium/posts.py edits it to what this renders from the talk as it is then (the
    # kind's own renderer if it shows a cancelled talk as cancelled). Every public post with a talk's buttons has one
    # (tests/podium/test_review22_r22a.py): a stale time with a working button is a promise the talk no longer keeps.
    kept_true: Renderer | None = None
    # A payload as the planner writes it, at its largest: the test over all kinds renders it (with a talk).
    example: Mapping[str, Any] = field(default_factory=dict)

    @property
    def only_while_scheduled(self) -> bool:
        """Sent only while its talk is on (talk-bound kinds, and kinds about a talk that must still be on)."""
        return self.talk_bound or self.about_a_scheduled_talk or self.after_the_talk

    @property
    def talk_states(self) -> frozenset[str]:
        """The states its talk may be in when it is sent (checked before each request): over is fine after it."""
        return frozenset({"scheduled", "done"}) if self.after_the_talk else frozenset({"scheduled"})

    def __post_init__(self) -> None:
        if self.talk_bound != (self.plan is not None):
            raise ValueError(f"kind {self.name!r}: a talk-bound kind needs a planner, and only it has one")


# Run in the transaction that marks a kept-true post sent (after its kind's own on-sent step): podium/posts.py adds
# the step that edits into it a change committed while its request was in flight. Registered, not imported: the
# engine imports no feature.
_kept_true_sent: list[OnSent] = []


def after_kept_true_post_sent(step: OnSent) -> None:
    """Run `step` whenever a post of a kind with `kept_true` is marked sent."""
    if step not in _kept_true_sent:
        _kept_true_sent.append(step)


def kept_true_post_sent_steps() -> tuple[OnSent, ...]:
    """The steps run when a kept-true post is marked sent."""
    return tuple(_kept_true_sent)


def describes(text: str) -> Renderer:
    """The renderer of a kind that acts instead of posting: it still describes itself (logs, the test over kinds)."""

    def render(ctx: RenderContext) -> str:
        return text

    return render


# Filled by the feature modules as they are imported (podium/features.py loads them): the engine imports none.
_registry: dict[str, KindSpec] = {}


def register(spec: KindSpec) -> KindSpec:
    """Add a kind (at import of the module that owns it); registering one name twice is a mistake."""
    if spec.name in _registry and _registry[spec.name] is not spec:
        raise ValueError(f"kind {spec.name!r} is registered twice")
    _registry[spec.name] = spec
    return spec


def get(name: str) -> KindSpec:
    """The spec of a kind; ValueError for an unknown one."""
    try:
        return _registry[name]
    except KeyError:
        # Registered by the module that owns it, once imported: podium.features.load() imports them all.
        raise ValueError(f"unknown outbox kind {name!r} (is its feature in podium/features.py, and loaded?)") from None


def find(name: str) -> KindSpec | None:
    """The spec of a kind, or None for one not registered (a row of a kind since removed)."""
    return _registry.get(name)


def all_specs() -> tuple[KindSpec, ...]:
    """Every registered kind, by name."""
    return tuple(_registry[name] for name in sorted(_registry))


def names() -> frozenset[str]:
    """Every registered kind's name."""
    return frozenset(spec.name for spec in all_specs())


def talk_bound() -> tuple[KindSpec, ...]:
    """The kinds that live and die with their talk."""
    return tuple(spec for spec in all_specs() if spec.talk_bound)
