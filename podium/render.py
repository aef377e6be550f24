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


def quote(text: str) -> str:
    """User text shown inline in bold; markdown that would break out of it is escaped."""
    escaped = text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("`", "\\`")
    return f"**{escaped}**"


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


def _reschedule_notice(ctx: RenderContext) -> str:
    topic = _need(ctx.payload, "topic", str)
    new = from_ms(_need(ctx.payload, "new_start_ms", int))
    old = from_ms(_need(ctx.payload, "old_start_ms", int))
    by = ctx.payload.get("by_user_id")
    who = f" by <@{by}>" if isinstance(by, int) else ""
    return f"📅 Your talk {quote(topic)} was moved{who} from {discord_time(old)} to {both_times(new)}."


def _cancel_notice(ctx: RenderContext) -> str:
    topic = _need(ctx.payload, "topic", str)
    start = from_ms(_need(ctx.payload, "start_ms", int))
    reason = ctx.payload.get("reason")
    by = ctx.payload.get("by_user_id")
    who = f" by <@{by}>" if isinstance(by, int) else ""
    because = f" Reason: {quote(reason)}" if isinstance(reason, str) and reason else ""
    return f"🚫 Your talk {quote(topic)} on {discord_time(start)} was cancelled{who}.{because}"


def _personal_reminder(ctx: RenderContext) -> str:
    text = _need(ctx.payload, "text", str)
    return f"🔔 You asked me to remind you: {quote(text)}"


def _engagement_prompt(ctx: RenderContext) -> str:
    days = _need(ctx.payload, "days", int)
    return f"🎤 No talk is scheduled for the next {days} days. Want to share something? Sign up with `/schedule add`."


def _plain_text(ctx: RenderContext) -> str:
    return _need(ctx.payload, "text", str)


def _weekly_summary(ctx: RenderContext) -> str:
    lines = _need(ctx.payload, "lines", list)
    if not lines:
        return "📣 **This week**: no talks yet — sign up with `/schedule add`."
    return "📣 **This week's talks**\n" + "\n".join(str(line) for line in lines)


RENDERERS: dict[str, Callable[[RenderContext], str]] = {
    "talk_reminder": _talk_reminder,
    "reschedule_notice": _reschedule_notice,
    "cancel_notice": _cancel_notice,
    "personal_reminder": _personal_reminder,
    "engagement_prompt": _engagement_prompt,
    "weekly_summary": _weekly_summary,
    "log": _plain_text,
    "test": _plain_text,
}


def render(ctx: RenderContext, *, mention_user_id: int | None) -> dict[str, Any]:
    """The JSON body (content + allowed_mentions) for a row; only `mention_user_id` can be pinged."""
    if "_malformed" in ctx.payload:
        raise RenderError("payload is not a JSON object")
    renderer = RENDERERS.get(ctx.kind)
    if renderer is None:
        raise RenderError(f"no renderer for kind {ctx.kind!r}")
    content = renderer(ctx)
    if mention_user_id is not None:
        content = f"<@{mention_user_id}> {content}"
    if ctx.now - ctx.due_at > LATE_NOTE_AFTER:
        content += f"\n-# (delayed: this was due {discord_time(ctx.due_at, 'R')})"
    return {
        "content": content[:2000],
        "allowed_mentions": {
            "parse": [],
            "users": [str(mention_user_id)] if mention_user_id is not None else [],
            "replied_user": False,
        },
    }
