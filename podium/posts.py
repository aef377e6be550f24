"""Podium's own posts about a talk stay true: when the talk changes, they are edited (issue 21 §1).

A new-talk post, the first post of the talk's thread and a weekly summary listing it all show the talk's time and
buttons; a move or a cancellation left them showing the old time with a working 🔔 button. Owns the kind
`post_update`: one Discord edit of one such post, queued in the transaction of the talk's change like every other
delivery (durable across crashes, retried, paced per channel, reported when it fails for good).

- **Idempotent.** The edit does not carry the change: it shows the talk as it is when the edit runs (rendered by the
  post's own renderer), so running it twice, or late, or after a later change, is harmless.
- **Merged.** One edit waits per post: a change while one is pending replaces it and keeps its time, so twenty moves
  in a burst are one edit of the latest state. The first change of a burst is held `EDIT_HOLD`.
- **Who is going.** A click on 🔔 Remind me or "Can't make it" edits the posts that show "🔔 N going"
  (`attendance_changed`, from podium/audience.py), held `GOING_HOLD`: a rush of clicks is one edit a minute.
- **Which posts.** A kind whose spec says how its post looks once its talk changed (`KindSpec.kept_true`), declared
  in the kind's own module: the new-talk post, the thread's first post, "⏳ starts in 10 minutes".
- **After a cancellation too.** The kind is not "about a scheduled talk" (`KindSpec.about_a_scheduled_talk`): a
  cancelled talk's posts must still be edited to say so.
- **A post deleted by hand** (404 Unknown Message) is skipped, not retried.
- A weekly summary is edited while its week lasts (`SUMMARY_LASTS` after it was posted); the talks it showed are
  kept with its row when it is sent (`Outbox.note_shown`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from db import Database, Transaction
from podium import audience, weekly
from podium.clock import from_ms, to_ms
from podium.delivery import kinds
from podium.delivery.outbox import Outbox, OutboxMessage, OutboxRow, parse_payload
from podium.delivery.render import RenderContext, RenderError, need, render
from podium.delivery.transport import GoneError, RefusedError
from podium.i18n import N_
from podium.keyed_lock import KeyedLock
from podium.preferences import GuildSettings, channel_locale
from podium.talk_model import Talk, load_talk
from podium.talks import TalkEvent, TalkHooks, subscribes

log = logging.getLogger(__name__)

# A change is edited into the posts a few seconds later: a quick correction, or a move followed by a cancel, is one
# edit. Discord shows "(edited)" either way; fewer edits keep the channel's rate limit for new posts.
EDIT_HOLD = timedelta(seconds=5)
# Someone clicking 🔔 Remind me or "Can't make it" changes only the "🔔 N going" a post shows: held a minute, so a
# rush of clicks on a new post is one edit a minute at most, leaving the channel's rate limit to new posts.
GOING_HOLD = timedelta(seconds=60)
# A weekly summary lists the talks of its coming 7 days: after that nobody reads it for them.
SUMMARY_LASTS = timedelta(days=weekly.SUMMARY_DAYS)
# Discord refuses edits in an archived thread. Podium's threads also archive themselves after 7 idle days, before a
# talk set further out: the post is reopened, corrected and archived again; a thread a moderator locked is left.
THREAD_ARCHIVED = 50083
_NO_PINGS = {"parse": [], "users": [], "replied_user": False}

# Two edits of one post never run at once: each reads what is true and PATCHes it, so the later read lands last.
_editing: KeyedLock[int] = KeyedLock()


def talk_posts() -> frozenset[str]:
    """The kinds of post about one talk that are kept true: each declares how (`KindSpec.kept_true`), in its module."""
    return frozenset(spec.name for spec in kinds.all_specs() if spec.kept_true is not None)


def _key_prefix(message_id: int) -> str:
    return f"post:{message_id}:edit:"


async def _queue(
    tx: Transaction, outbox: Outbox, talk: Talk, post: dict[str, Any], now: datetime, until: datetime | None,
    *, going_only: bool = False,
) -> None:
    """One pending edit per post: a waiting one is replaced by this (keeping its time), else held EDIT_HOLD.

    `going_only`: only the number going changed; any waiting edit will show it, else one is held GOING_HOLD.
    """
    prefix = _key_prefix(post["message_id"])
    # A range of the unique dedupe-key index: the post's waiting edit without a scan.
    waiting = await tx.fetchall(
        "SELECT dedupe_key, due_at_ms FROM outbox WHERE dedupe_key >= ? AND dedupe_key < ? AND state = 'pending'",
        (prefix, prefix[:-1] + ";"),
    )
    if going_only and waiting:
        return  # the waiting edit counts who is going when it runs
    # A change of the talk is not held behind a waiting count-only edit: at most EDIT_HOLD.
    due = min([*(row["due_at_ms"] for row in waiting), to_ms(now + (GOING_HOLD if going_only else EDIT_HOLD))])
    await outbox.cancel_keys(tx, [row["dedupe_key"] for row in waiting], now=now, reason="merged into a later edit")
    await outbox.enqueue(tx, OutboxMessage(
        kind=POST_UPDATE.name,
        # A count-only edit keeps the talk's version: its key needs the time (the version's edit may be sent).
        dedupe_key=f"{prefix}{talk.id}:{talk.sequence}" + (f":going:{to_ms(now)}" if going_only else ""),
        due_at=max(now, from_ms(due)),
        target_type="channel",
        guild_id=talk.guild_id,
        channel_id=post["channel_id"],
        talk_id=talk.id,
        payload={"message_id": post["message_id"], "post": post["kind"], "source": post["id"]},
        expires_at=until,
    ), now=now)


async def queue_updates(tx: Transaction, outbox: Outbox, talk: Talk, now: datetime, *, going_only: bool = False,
                        kinds_shown: Sequence[str] | None = None) -> int:
    """Queue an edit of every post of Podium's that shows this talk; how many posts.

    `going_only`: only who is going changed, so only the posts that show the number (the thread's first post only
    for a talk with seats, whose Join button counts them).
    `kinds_shown`: only what posts of these kinds show changed (the talk's links: its links post), so only they
    are edited, and no weekly summary.
    """
    # The thread's first post shows seats on its Join button ("Join (12/20)"): with a seat limit it counts too.
    counting = [audience.TALK_ANNOUNCEMENT.name] + ([audience.TALK_THREAD_OPEN.name] if talk.seat_limit else [])
    shown = counting if going_only else sorted(kinds_shown or talk_posts())
    posts = await tx.fetchall(
        "SELECT id, kind, delivered_channel_id AS channel_id, message_id, sent_at_ms FROM outbox"
        f" WHERE talk_id = ? AND kind IN ({','.join('?' * len(shown))}) AND state = 'sent'"
        " AND message_id IS NOT NULL AND delivered_channel_id IS NOT NULL",
        (talk.id, *shown),
    )
    # A summary is queued up to a week before it is sent: its row was made at most two weeks ago.
    summaries = await tx.fetchall(
        "SELECT id, kind, delivered_channel_id AS channel_id, message_id, sent_at_ms FROM outbox"
        " WHERE guild_id = ? AND kind = ? AND created_at_ms > ? AND state = 'sent' AND sent_at_ms > ?"
        " AND message_id IS NOT NULL AND delivered_channel_id IS NOT NULL"
        " AND EXISTS (SELECT 1 FROM json_each(payload, '$.shown') WHERE value = ?)",
        (talk.guild_id, weekly.WEEKLY_SUMMARY.name, to_ms(now - 2 * SUMMARY_LASTS), to_ms(now - SUMMARY_LASTS),
         talk.id),
    )
    for post in posts:
        await _queue(tx, outbox, talk, dict(post), now, None, going_only=going_only)
    if kinds_shown is not None:
        return len(posts)
    for post in summaries:
        await _queue(tx, outbox, talk, dict(post), now, from_ms(post["sent_at_ms"]) + SUMMARY_LASTS,
                     going_only=going_only)
    return len(posts) + len(summaries)


async def correct_if_changed(sent: kinds.SentContext) -> None:
    """The on-sent step of a post about a talk: a change committed while it was in flight is edited into it.

    A change before the request is caught by the last look (the post is rendered again); one committed while the
    POST was on its way found no sent post to edit. Any change since the first attempt queues an edit (at worst
    one edit too many, which shows what the post already shows).
    """
    row = sent.row
    if row.talk_id is None or sent.message_id is None or row.first_attempt_at is None:
        return
    talk = await load_talk(sent.tx, row.talk_id)
    if talk is None or talk.updated_at < row.first_attempt_at:
        return
    post = {"id": row.id, "kind": row.kind, "channel_id": sent.channel_id, "message_id": sent.message_id}
    await _queue(sent.tx, sent.outbox, talk, post, sent.now, None)


async def correct_summary_if_changed(sent: kinds.SentContext, shown: list[int]) -> None:
    """The same step for a weekly summary (`shown`: the talks it lists): one edit if any of them changed meanwhile.

    A change committed while the summary's POST was in flight found no sent summary to edit (`queue_updates`), and
    the summary would show the old time, with a working 🔔, all week.
    """
    row = sent.row
    if not shown or sent.message_id is None or row.first_attempt_at is None:
        return
    found = await sent.tx.fetchone(
        f"SELECT * FROM talks WHERE id IN ({','.join('?' * len(shown))}) AND updated_at_ms >= ?"
        " ORDER BY updated_at_ms DESC LIMIT 1",
        (*shown, to_ms(row.first_attempt_at)),
    )
    if found is None:
        return
    # The edit renders every talk the summary shows as it is then: one edit covers all of them.
    post = {"id": row.id, "kind": row.kind, "channel_id": sent.channel_id, "message_id": sent.message_id}
    await _queue(sent.tx, sent.outbox, Talk.from_db(found), post, sent.now, sent.now + SUMMARY_LASTS)


async def note_evenings_shown(sent: kinds.SentContext, shown: list[int]) -> None:
    """Keep with a sent summary which series evenings it offers (its open-slots section, podium/slots.py).

    A claim or a skip changes an evening no talk of the summary shows: `queue_evening_edits` finds the summary by these.
    """
    evenings = [e.get("evening_id") for e in sent.payload.get("open_evenings") or [] if isinstance(e, dict)]
    ids = [i for i in evenings if isinstance(i, int)]
    if ids:
        await sent.outbox.note(sent.tx, sent.row.id, "evenings", ids)


async def queue_evening_edits(tx: Transaction, outbox: Outbox, guild_id: int, evening_id: int,
                              now: datetime) -> int:
    """Edit every summary of this week that offers the evening's open slots: its slots were claimed, or it is skipped.

    One waiting edit per summary: it renders every section as it is when it runs, so one already waiting is enough.
    """
    summaries = await tx.fetchall(
        "SELECT id, kind, delivered_channel_id AS channel_id, message_id, sent_at_ms FROM outbox"
        " WHERE guild_id = ? AND kind = ? AND created_at_ms > ? AND state = 'sent' AND sent_at_ms > ?"
        " AND message_id IS NOT NULL AND delivered_channel_id IS NOT NULL"
        " AND EXISTS (SELECT 1 FROM json_each(payload, '$.evenings') WHERE value = ?)",
        (guild_id, weekly.WEEKLY_SUMMARY.name, to_ms(now - 2 * SUMMARY_LASTS), to_ms(now - SUMMARY_LASTS),
         evening_id),
    )
    for post in summaries:
        prefix = _key_prefix(post["message_id"])
        if await tx.fetchone("SELECT 1 FROM outbox WHERE dedupe_key >= ? AND dedupe_key < ? AND state = 'pending'"
                             " AND due_at_ms <= ?", (prefix, prefix[:-1] + ";", to_ms(now + EDIT_HOLD))):
            continue
        await outbox.enqueue(tx, OutboxMessage(
            kind=POST_UPDATE.name, dedupe_key=f"{prefix}evening:{evening_id}:{to_ms(now)}", due_at=now + EDIT_HOLD,
            target_type="channel", guild_id=guild_id, channel_id=post["channel_id"],
            payload={"message_id": post["message_id"], "post": post["kind"], "source": post["id"]},
            expires_at=from_ms(post["sent_at_ms"]) + SUMMARY_LASTS,
        ), now=now)
    return len(summaries)


# Each post is checked in the transaction that marks it sent; the engine and the summary's owner call these without
# importing this module.
kinds.after_kept_true_post_sent(correct_if_changed)
weekly.after_summary_sent(correct_summary_if_changed)
weekly.after_summary_sent(note_evenings_shown)


@subscribes
def subscribe(hooks: TalkHooks, outbox: Outbox) -> TalkHooks:
    """Edit the talk's posts on every change that shows in them (registered: `talks.composed_hooks` adds it)."""

    @hooks.subscribe("talk_rescheduled", "talk_cancelled", "talk_edited")
    async def update_posts(tx: Transaction, event: TalkEvent) -> None:
        await queue_updates(tx, outbox, event.after, event.now)

    return hooks


async def attendance_changed(tx: Transaction, outbox: Outbox, talk: Talk, now: datetime) -> None:
    """Someone joined or left the talk's audience: its posts' "🔔 N going" is edited (held GOING_HOLD)."""
    await queue_updates(tx, outbox, talk, now, going_only=True)


async def count_changed(tx: Transaction, outbox: Outbox, talk: Talk, kind: str, now: datetime) -> None:
    """A count the talk's posts of `kind` show changed (feedback's votes): edited like "🔔 N going".

    Held GOING_HOLD, so a rush of votes is one edit a minute per post.
    """
    found = await tx.fetchall(
        "SELECT id, kind, delivered_channel_id AS channel_id, message_id, sent_at_ms FROM outbox"
        " WHERE talk_id = ? AND kind = ? AND state = 'sent' AND message_id IS NOT NULL"
        " AND delivered_channel_id IS NOT NULL",
        (talk.id, kind),
    )
    for post in found:
        await _queue(tx, outbox, talk, dict(post), now, None, going_only=True)


# -- the edit, when it runs ---------------------------------------------------------------------------------------


async def _talk_post(db: Database, row: OutboxRow, spec: kinds.KindSpec, guild: GuildSettings | None, now: datetime,
                     source_id: int | None) -> dict[str, Any]:
    talk = await load_talk(db, row.talk_id) if row.talk_id is not None else None
    if talk is None:
        raise kinds.ActionSkipped("the talk no longer exists")
    # What the post reads when it goes out (the new-talk post's "🔔 N going"), read now: the preparer reads the talk
    # of the row it is given, which this edit's row shares.
    payload: dict[str, Any] = dict(await spec.prepare(db, row, now)) if spec.prepare is not None else {}
    # Where it was posted (a thread's post need not link its thread); a post pruned long ago: the channel.
    source = await db.fetchone("SELECT delivered_via FROM outbox WHERE id = ?", (source_id,)) if source_id else None
    via = source["delivered_via"] if source is not None and source["delivered_via"] else "channel"
    ctx = RenderContext(spec.name, payload, talk, now, now, via=via, locale=await channel_locale(db, guild))
    body = render(ctx, mention_user_id=None, kept_true=True)
    # Everything the post shows is replaced; a post without embeds gets none.
    return {"content": body["content"], "embeds": body.get("embeds", []), "components": body.get("components", [])}


async def _summary(db: Database, row: OutboxRow, guild: GuildSettings | None, now: datetime,
                   source_id: int) -> dict[str, Any]:
    source = await db.fetchone("SELECT payload FROM outbox WHERE id = ?", (source_id,))
    shown = parse_payload(source["payload"]).get("shown") if source is not None else None
    if not isinstance(shown, list):
        raise kinds.ActionSkipped("the summary's talks are not known")
    # A summary of no talks may still offer open slots (edited when they are claimed): its list stays empty.
    ids = [i for i in shown if isinstance(i, int)]
    rows = [] if not ids else await db.fetchall(
        "SELECT t.id, t.speaker_id, t.topic, t.starts_at_ms, t.state,"
        " (SELECT count(*) FROM attendees AS a WHERE a.talk_id = t.id) AS going"
        f" FROM talks AS t WHERE t.id IN ({','.join('?' * len(ids))}) ORDER BY t.starts_at_ms, t.id",
        ids,
    )
    talks = [{"id": r["id"], "speaker_id": r["speaker_id"], "topic": r["topic"], "start_ms": r["starts_at_ms"],
              "going": r["going"], "cancelled": r["state"] == "cancelled"} for r in rows]
    # The sections of other features (open slots) as they are now: an edit replaces every embed and button.
    sections = await weekly.sections_payload(db, row.guild_id, now) if row.guild_id is not None else {}
    ctx = RenderContext(weekly.WEEKLY_SUMMARY.name, {"talks": talks, "ping_speakers": False, **sections}, None, now,
                        now, via="channel", locale=await channel_locale(db, guild),
                        zone=guild.timezone if guild is not None else "UTC")
    body = render(ctx, mention_user_id=None)
    # The heading (and the speakers it pinged) stays as posted: only the list and its buttons change.
    return {"embeds": body.get("embeds", []), "components": body.get("components", [])}


async def _update_post(action: kinds.ActionContext) -> int:
    """Show the talk as it is now in one of Podium's posts about it."""
    row = action.row
    message_id: int = need(action.payload, "message_id", int)
    post = need(action.payload, "post", str)
    if row.channel_id is None:
        raise RenderError("a post update needs the post's channel")
    async with _editing(message_id):
        if post == weekly.WEEKLY_SUMMARY.name:
            body = await _summary(action.db, row, action.guild, action.now, need(action.payload, "source", int))
        else:
            try:
                spec = kinds.get(post)
            except ValueError:
                raise RenderError(f"no post of kind {post!r} is edited") from None
            if spec.kept_true is None:
                raise RenderError(f"no post of kind {post!r} is edited")
            source = action.payload.get("source")
            body = await _talk_post(action.db, row, spec, action.guild, action.now,
                                    source if isinstance(source, int) else None)
        body["allowed_mentions"] = _NO_PINGS  # an edit never pings anyone
        try:
            await action.transport.edit_message(row.channel_id, message_id, body)
        except GoneError as exc:
            raise kinds.ActionSkipped(f"the post was deleted: {exc}") from exc
        except RefusedError as exc:
            if exc.code != THREAD_ARCHIVED:
                raise
            if not await action.transport.reopen_thread(row.channel_id):
                raise kinds.ActionSkipped(f"the thread is locked: {exc}") from exc
            await action.transport.edit_message(row.channel_id, message_id, body)
            await action.transport.archive_thread(row.channel_id)  # as it was: reopened only to keep the post true
    return message_id


POST_UPDATE = kinds.register(
    kinds.KindSpec(
        name="post_update",
        in_talk_info="hidden",
        render=kinds.describes("(edits one of Podium's posts about a talk to show the talk as it is now)"),
        consent=None,
        act=_update_post,
        label=N_("post update"),
        # To whom and when: Podium's new-talk post, thread post and weekly summary, when a talk they show changes.
        example={"message_id": 1234, "post": "talk_announcement", "source": 1},
    )
)
