"""Turn an outbox row into a Discord message body. One renderer per kind; pure functions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from podium.clock import from_ms

# Later than this, a message says it is late (the bot was down, or Discord was).
LATE_NOTE_AFTER = timedelta(seconds=60)


class RenderError(ValueError):
    """The row cannot be rendered (malformed payload, missing talk): it fails at once with this reason."""


@dataclass(frozen=True, slots=True)
class TalkInfo:
    """What a message needs to know about a talk."""

    id: int
    topic: str
    speaker_id: int
    starts_at: datetime
    duration_minutes: int
    state: str


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message with more than text: embeds, and users it may ping besides the recipient."""

    content: str
    embeds: tuple[dict[str, Any], ...] = ()
    pings: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class RenderContext:
    """Everything a renderer may use besides the payload."""

    kind: str
    payload: dict[str, Any]
    talk: TalkInfo | None
    due_at: datetime
    now: datetime


def discord_time(when: datetime, style: str = "F") -> str:
    """Discord's timestamp markup: every reader sees their own local time."""
    if when.tzinfo is None:
        raise ValueError("naive datetime")
    return f"<t:{int(when.timestamp())}:{style}>"


def both_times(when: datetime) -> str:
    """`<t:…:F> (<t:…:R>)`."""
    return f"{discord_time(when, 'F')} ({discord_time(when, 'R')})"


def escape_bold(text: str) -> str:
    """User text made safe inside bold markdown."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("`", "\\`")


def quote(text: str) -> str:
    """User text shown inline in bold; markdown that would break out of it is escaped."""
    return f"**{escape_bold(text)}**"


def _need(payload: dict[str, Any], key: str, kind: type) -> Any:
    value = payload.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise RenderError(f"payload.{key} missing or not {kind.__name__}")
    return value


def _talk(ctx: RenderContext) -> TalkInfo:
    if ctx.talk is None:
        raise RenderError("the talk no longer exists")
    return ctx.talk


def _talk_reminder(ctx: RenderContext) -> str:
    talk = _talk(ctx)
    return f"⏰ Reminder: your talk {quote(talk.topic)} starts {both_times(talk.starts_at)}."


def _changed_by(payload: dict[str, Any]) -> str:
    by, speaker = payload.get("by_user_id"), payload.get("speaker_id")
    if not isinstance(by, int):
        return ""
    return " by you" if by == speaker else f" by <@{by}>"


def _whose(payload: dict[str, Any], topic: str) -> str:
    """'Your talk X' to the speaker; 'The talk X by @speaker' (named, not pinged) to a channel."""
    speaker = payload.get("speaker_id")
    if payload.get("audience") == "channel" and isinstance(speaker, int):
        return f"The talk {quote(topic)} by <@{speaker}>"
    return f"Your talk {quote(topic)}"


def _reschedule_notice(ctx: RenderContext) -> str:
    topic = _need(ctx.payload, "topic", str)
    new = from_ms(_need(ctx.payload, "new_start_ms", int))
    old = from_ms(_need(ctx.payload, "old_start_ms", int))
    return (
        f"📅 {_whose(ctx.payload, topic)} was moved{_changed_by(ctx.payload)} "
        f"from {discord_time(old)} to {both_times(new)}."
    )


def _cancel_notice(ctx: RenderContext) -> str:
    topic = _need(ctx.payload, "topic", str)
    start = from_ms(_need(ctx.payload, "start_ms", int))
    reason = ctx.payload.get("reason")
    because = f" Reason: {quote(reason)}" if isinstance(reason, str) and reason else ""
    return f"🚫 {_whose(ctx.payload, topic)} on {discord_time(start)} was cancelled{_changed_by(ctx.payload)}.{because}"


def _personal_reminder(ctx: RenderContext) -> str:
    text = _need(ctx.payload, "text", str)
    return f"🔔 You asked me to remind you: {quote(text)}"


def _engagement_prompt(ctx: RenderContext) -> str:
    days = _need(ctx.payload, "days", int)
    return f"🎤 No talk is scheduled for the next {days} days. Want to share something? Sign up with `/schedule add`."


def _plain_text(ctx: RenderContext) -> str:
    return _need(ctx.payload, "text", str)


def _weekly_summary(ctx: RenderContext) -> Rendered:
    talks = _need(ctx.payload, "talks", list)
    if not talks:
        return Rendered("📣 **This week**: no talks yet — sign up with `/schedule add`!")
    lines = []
    for talk in talks:
        if not isinstance(talk, dict):
            raise RenderError("payload.talks holds a non-object")
        start = from_ms(_need(talk, "start_ms", int))
        lines.append(
            f"{both_times(start)}\n**{escape_bold(_need(talk, 'topic', str))}** — <@{_need(talk, 'speaker_id', int)}>"
        )
    embed = {
        "title": "This week's talks",
        "description": "\n\n".join(lines)[:4000],
        "color": 0x5865F2,
        "footer": {"text": "Sign up with /schedule add · times are shown in your own time zone"},
    }
    if not ctx.payload.get("ping_speakers"):
        return Rendered("📣 **Coming up this week**", (embed,))
    # Mentions inside embeds never ping: the guild asked for pings, so they go in the content, for the
    # speakers who have not opted out (payload.ping_ids, read at send time).
    chosen = ctx.payload.get("ping_ids")
    ids = chosen if isinstance(chosen, list) else [t["speaker_id"] for t in talks]
    pings = tuple(dict.fromkeys(s for s in ids if isinstance(s, int) and not isinstance(s, bool)))
    if not pings:
        return Rendered("📣 **Coming up this week**", (embed,))
    return Rendered("📣 **Coming up this week** — " + " ".join(f"<@{s}>" for s in pings), (embed,), pings)


RENDERERS: dict[str, Callable[[RenderContext], str | Rendered]] = {
    "talk_reminder": _talk_reminder,
    "reschedule_notice": _reschedule_notice,
    "cancel_notice": _cancel_notice,
    "personal_reminder": _personal_reminder,
    "engagement_prompt": _engagement_prompt,
    "weekly_summary": _weekly_summary,
    "log": _plain_text,
    "test": _plain_text,
}


_LATE_NOTE = "\n-# (delayed: "


def _without_late_note(content: str) -> str:
    cut = content.rfind(_LATE_NOTE)
    return content if cut < 0 else content[:cut]


def same_message(content: str, embeds: tuple[dict[str, Any], ...], body: dict[str, Any]) -> bool:
    """Whether a posted message is this body: same text (a late note aside) and same embed text."""
    if _without_late_note(content) != _without_late_note(str(body.get("content", ""))):
        return False

    def text_of(items: Any) -> list[tuple[Any, Any]]:
        return [(e.get("title"), e.get("description")) for e in items or () if isinstance(e, dict)]

    return text_of(embeds) == text_of(body.get("embeds"))


def render(ctx: RenderContext, *, mention_user_id: int | None) -> dict[str, Any]:
    """The JSON body (content + allowed_mentions) for a row; only `mention_user_id` can be pinged."""
    if "_malformed" in ctx.payload:
        raise RenderError("payload is not a JSON object")
    renderer = RENDERERS.get(ctx.kind)
    if renderer is None:
        raise RenderError(f"no renderer for kind {ctx.kind!r}")
    result = renderer(ctx)
    rendered = result if isinstance(result, Rendered) else Rendered(result)
    content = rendered.content
    if mention_user_id is not None:
        content = f"<@{mention_user_id}> {content}"
    if ctx.now - ctx.due_at > LATE_NOTE_AFTER:
        content += f"{_LATE_NOTE}this was due {discord_time(ctx.due_at, 'R')})"
    pinged = ([mention_user_id] if mention_user_id is not None else []) + list(rendered.pings)
    body: dict[str, Any] = {
        "content": content[:2000],
        "allowed_mentions": {
            "parse": [],
            "users": [str(u) for u in dict.fromkeys(pinged)][:100],
            "replied_user": False,
        },
    }
    if rendered.embeds:
        body["embeds"] = list(rendered.embeds)
    return body
