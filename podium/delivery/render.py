"""Turn an outbox row into a Discord message body: the kind's renderer (its KindSpec), then mentions and limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from podium import i18n
from podium.delivery import kinds
from podium.markup import discord_time

if TYPE_CHECKING:
    from podium.talk_model import Talk

# Later than this, a message says it is late (the bot was down, or Discord was).
LATE_NOTE_AFTER = timedelta(seconds=60)
CONTENT_LIMIT = 2000


class RenderError(ValueError):
    """The row cannot be rendered (malformed payload, missing talk): it fails at once with this reason."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message with more than text: embeds, users it may ping besides the recipient, buttons and selects."""

    content: str
    embeds: tuple[dict[str, Any], ...] = ()
    pings: tuple[int, ...] = ()
    # Action rows in Discord's JSON (podium/components.py builds them); stateless custom ids, so they keep
    # working after a restart: the cogs answer them by their id alone.
    components: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class RenderContext:
    """Everything a renderer may use besides the payload."""

    kind: str
    payload: dict[str, Any]
    talk: Talk | None
    due_at: datetime
    now: datetime
    # Where this attempt delivers it ("dm", "thread", "channel"; None outside the dispatcher, e.g. a preview):
    # a DM names the server and links the talk's thread, a post in the thread itself need not.
    via: str | None = None
    # The reader's Discord locale (the recipient's for a DM, the server's for a post), chosen by the dispatcher
    # when the message goes out: payloads hold no text, so a change of language applies to queued messages too.
    locale: str | None = None
    # The reader's zone for times written as plain text (button and select labels, where `<t:…>` cannot render):
    # a DM's recipient's own zone, else the server's; a post's, the server's.
    zone: str = "UTC"

    @property
    def t(self) -> i18n.Translator:
        """Text and formatting in the reader's language."""
        return i18n.translator(self.locale)


def need(payload: dict[str, Any], key: str, kind: type) -> Any:
    """A payload value of this type, or RenderError: a malformed row fails with a reason, never posts nonsense."""
    value = payload.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise RenderError(f"payload.{key} missing or not {kind.__name__}")
    return value


def talk_of(ctx: RenderContext) -> Talk:
    """The row's talk, or RenderError if it no longer exists."""
    if ctx.talk is None:
        raise RenderError("the talk no longer exists")
    return ctx.talk


def plain_text(ctx: RenderContext) -> str:
    """A renderer for messages whose payload holds their text."""
    return str(need(ctx.payload, "text", str))


_LATE_NOTE = i18n.N_("delayed: this was due {when}")


def _without_late_note(content: str) -> str:
    # The note is in the reader's language: a resend in another language must still match the first post.
    for language in i18n.languages():
        cut = content.rfind("\n-# (" + i18n.translator(language)._(_LATE_NOTE).split("{when}")[0])
        if cut >= 0:
            return content[:cut]
    return content


def same_message(content: str, embeds: tuple[dict[str, Any], ...], body: dict[str, Any]) -> bool:
    """Whether a posted message is this body: same text (a late note aside) and same embed text."""
    if _without_late_note(content) != _without_late_note(str(body.get("content", ""))):
        return False

    def text_of(items: Any) -> list[tuple[Any, Any]]:
        return [(e.get("title"), e.get("description")) for e in items or () if isinstance(e, dict)]

    return text_of(embeds) == text_of(body.get("embeds"))


def _cut(text: str, limit: int) -> str:
    """The last resort for a message over Discord's limit: cut, never inside an escape of member text."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    # An odd run of backslashes at the end is an escape cut in half: it would show a stray backslash.
    if (len(cut) - len(cut.rstrip("\\"))) % 2:
        cut = cut[:-1]
    return cut


def render(ctx: RenderContext, *, mention_user_id: int | None, kept_true: bool = False) -> dict[str, Any]:
    """The JSON body (content + allowed_mentions) for a row; only `mention_user_id` can be pinged.

    `kept_true`: the post as its kind's `kept_true` renderer shows it once its talk changed (an edit of the post).
    """
    if "_malformed" in ctx.payload:
        raise RenderError("payload is not a JSON object")
    try:
        spec = kinds.get(ctx.kind)
    except ValueError:
        raise RenderError(f"no renderer for kind {ctx.kind!r}") from None
    renderer = spec.kept_true if kept_true else spec.render
    if renderer is None:
        raise RenderError(f"kind {ctx.kind!r} is not kept true")
    result = renderer(ctx)
    rendered = result if isinstance(result, Rendered) else Rendered(result)
    content = rendered.content
    if mention_user_id is not None:
        content = f"<@{mention_user_id}> {content}"
    if ctx.now - ctx.due_at > LATE_NOTE_AFTER:
        content += f"\n-# ({ctx.t._(_LATE_NOTE, when=discord_time(ctx.due_at, 'R'))})"
    pinged = ([mention_user_id] if mention_user_id is not None else []) + list(rendered.pings)
    body: dict[str, Any] = {
        "content": _cut(content, CONTENT_LIMIT),
        "allowed_mentions": {
            "parse": [],
            "users": [str(u) for u in dict.fromkeys(pinged)][:100],
            "replied_user": False,
        },
    }
    if rendered.embeds:
        body["embeds"] = list(rendered.embeds)
    if rendered.components:
        body["components"] = list(rendered.components)
    return body
