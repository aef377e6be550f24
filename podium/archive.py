"""The archive (issue 24 §3): past talks stay browsable, their slides and recording links, and speaker stats.

Everything about it is here (the links themselves are a change of the talk: `TalkService.set_links`, the one
authorization rule with the action "links", the rules of a link in podium/talk_model.py): the "📎 Slides and
recording" post in the talk's thread (a kind kept true: changed links edit it, never post it again), the search
of past talks behind `/schedule past`, a speaker's record for moderators, and the sections `/schedule info`
shows for a talk that took place (`past_talk_section`: a feature adds its own, e.g. ratings, with one decorator).

Past talks are never deleted: housekeeping only marks them `done` (podium/housekeeping.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db import Database, Transaction, fold
from podium import i18n, posts, privacy
from podium.clock import Clock, to_ms
from podium.delivery import kinds
from podium.delivery.outbox import Outbox, OutboxMessage, OutboxRow
from podium.delivery.render import RenderContext, Rendered, talk_of
from podium.i18n import N_, Translator
from podium.markup import command, discord_time, quote
from podium.talk_model import Talk, TalkError
from podium.talks import Actor, TalkEvent, TalkHooks, subscribes

log = logging.getLogger(__name__)

privacy.holds_no_user_ids("talks", "links_embed", why="whether the talk's links post shows link previews")


def plain_link(url: str) -> str:
    """A link Discord shows without a preview."""
    return f"<{url}>"


def link_lines(talk: Talk, t: Translator, *, embed: bool = False) -> list[str]:
    """"Slides: <url>" and "Recording: <url>", those the talk has; `embed` lets Discord preview them."""
    shown = (lambda url: url) if embed else plain_link
    lines = []
    if talk.slides_url:
        lines.append(t._("Slides: {url}", url=shown(talk.slides_url)))
    if talk.recording_url:
        lines.append(t._("Recording: {url}", url=shown(talk.recording_url)))
    return lines


def is_past(talk: Talk, now: datetime) -> bool:
    """Whether the talk took place: done, or over and not yet marked done by the hourly housekeeping."""
    return talk.state == "done" or (talk.state == "scheduled" and talk.ends_at <= now)


# -- sections of /schedule info for a talk that took place ------------------------------------------------------

# A section's text for this viewer (their rights decide what they see), or None to show nothing.
PastSection = Callable[[Database, Talk, Actor, Translator], Awaitable[str | None]]
_past_sections: list[PastSection] = []


def past_talk_section(section: PastSection) -> PastSection:
    """Register a section `/schedule info` shows for a talk that took place (in registration order)."""
    if section not in _past_sections:
        _past_sections.append(section)
    return section


async def past_sections(db: Database, talk: Talk, viewer: Actor, t: Translator) -> list[str]:
    """Every registered section's text for this past talk and viewer."""
    texts = [await section(db, talk, viewer, t) for section in _past_sections]
    return [text for text in texts if text]


@past_talk_section
async def links_section(db: Database, talk: Talk, viewer: Actor, t: Translator) -> str | None:
    """The talk's links for everyone; its speaker and moderators are told how to add them while there are none."""
    lines = link_lines(talk, t)
    if lines:
        # One line each: a reply short of room keeps the first whole rather than cutting a link.
        return "\n".join(f"📎 {line}" for line in lines)
    if viewer.is_moderator or viewer.user_id == talk.speaker_id:
        return t._("📎 No slides or recording yet: add them with {command}.", command=command("schedule links"))
    return None


# -- the thread post ---------------------------------------------------------------------------------------------


def links_key(talk_id: int) -> str:
    """One links post per talk, ever: changed links edit it."""
    return f"talk:{talk_id}:links"


async def _prepare(db: Database, row: OutboxRow, now: datetime) -> dict[str, Any]:
    """Whether the links are previewed, as set last (read when the post, or an edit of it, goes out)."""
    found = await db.fetchone("SELECT links_embed FROM talks WHERE id = ?", (row.talk_id,))
    return {"embed": bool(found["links_embed"]) if found is not None else False}


def render_links(ctx: RenderContext) -> Rendered:
    """The post: the talk's links as they are now; the speaker named, never pinged (a post pings nobody)."""
    talk, t = talk_of(ctx), ctx.t
    topic = quote(talk.topic)
    if talk.state == "cancelled":
        return Rendered(t._("🚫 {topic} by {speaker}, {when}, was cancelled.", topic=f"~~{topic}~~",
                            speaker=f"<@{talk.speaker_id}>", when=f"~~{discord_time(talk.starts_at, 'f')}~~"))
    lines = link_lines(talk, t, embed=bool(ctx.payload.get("embed")))
    if not lines:
        return Rendered(t._("📎 The slides and recording of {topic} by {speaker} were taken down.",
                            topic=topic, speaker=f"<@{talk.speaker_id}>"))
    head = t._("📎 Slides and recording of {topic} by {speaker} ({when}):", topic=topic,
               speaker=f"<@{talk.speaker_id}>", when=discord_time(talk.starts_at, "D"))
    return Rendered("\n".join([head, *lines]))


LINKS_POST = kinds.register(kinds.KindSpec(
    name="talk_links", render=render_links, consent=None, prepare=_prepare,
    # Sent for a talk that took place too (the main use); a cancelled talk stops it.
    after_the_talk=True,
    kept_true=render_links,  # changed links, a move or a cancellation edit the post
    label=N_("slides and recording post"),
    example={"embed": False},
))


async def show_in_thread(tx: Transaction, outbox: Outbox, talk: Talk, now: datetime) -> None:
    """The talk's links post: queued once there are links, edited once posted (never posted again)."""
    existing = await tx.fetchone("SELECT state FROM outbox WHERE dedupe_key = ?", (links_key(talk.id),))
    if existing is not None and existing["state"] == "sent":
        # Kept true: the post already in the thread is edited (links removed: it says so).
        await posts.queue_updates(tx, outbox, talk, now, kinds_shown=[LINKS_POST.name])
    elif not (talk.slides_url or talk.recording_url):
        await outbox.cancel_keys(tx, [links_key(talk.id)], now=now, reason="the talk's links were removed")
    else:
        # Re-planned while it waits (the newest links go); a post that failed for good is not tried again.
        await outbox.enqueue(tx, OutboxMessage(
            kind=LINKS_POST.name, dedupe_key=links_key(talk.id), due_at=now, target_type="thread",
            guild_id=talk.guild_id, talk_id=talk.id,
        ), now=now)


@subscribes
def subscribe(hooks: TalkHooks, outbox: Outbox) -> TalkHooks:
    """Show changed links in the talk's thread, and a sign-up's once approved (`talks.composed_hooks` adds it)."""

    @hooks.subscribe("talk_links")
    async def links_changed(tx: Transaction, event: TalkEvent) -> None:
        await show_in_thread(tx, outbox, event.after, event.now)

    @hooks.subscribe("talk_scheduled")
    async def links_approved(tx: Transaction, event: TalkEvent) -> None:
        # Links set while a sign-up waited for approval reached no subscriber (a held talk's changes are private):
        # its approval (`talk_scheduled`) is when they become the thread's business.
        if event.after.slides_url or event.after.recording_url:
            await show_in_thread(tx, outbox, event.after, event.now)

    return hooks


# -- the service --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpeakerRecord:
    """A speaker's talks for moderators: given, upcoming, the last one, and ratings once there are any."""

    given: int
    upcoming: int
    last: Talk | None
    votes: int
    average: float | None


class Archive:
    """Past talks: the search of them, what /schedule info adds about them, and a speaker's record."""

    def __init__(self, db: Database, outbox: Outbox, clock: Clock) -> None:
        self.db = db
        self.outbox = outbox
        self.clock = clock

    async def past(
        self, guild_id: int, *, speaker_id: int | None = None, query: str | None = None, limit: int = 10,
        offset: int = 0,
    ) -> tuple[list[Talk], int]:
        """Talks that took place, newest first (one page), matched on topic or speaker's name, and how many in all."""
        now_ms = to_ms(self.clock.now())
        # The (guild, start) index bounds the scan to talks that started before now; a talk over but not yet marked
        # done by the hourly housekeeping counts as past already. A sign-up never approved before its time never
        # took place (podium/housekeeping.py), and what it was is its speaker's and the moderators' business only.
        where = ("guild_id = ? AND starts_at_ms <= ? AND state != 'cancelled' AND approval = 'approved'"
                 " AND starts_at_ms + duration_minutes * 60000 <= ?")
        params: list[int | str] = [guild_id, now_ms, now_ms]
        if speaker_id is not None:
            where += " AND speaker_id = ?"
            params.append(speaker_id)
        text = fold((query or "").strip())
        if text:
            # fold() (db.fold) folds case in every script, as the web page's search does; lower() folds ASCII only.
            where += " AND (instr(fold(topic), ?) > 0 OR instr(fold(coalesce(speaker_name, '')), ?) > 0)"
            params += [text, text]
        total = int(await self.db.fetchval(f"SELECT count(*) FROM talks WHERE {where}", params))
        rows = await self.db.fetchall(
            f"SELECT * FROM talks WHERE {where} ORDER BY starts_at_ms DESC, id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [Talk.from_db(r) for r in rows], total

    async def linkable(self, guild_id: int, query: str, *, speaker_id: int | None, limit: int = 25) -> list[Talk]:
        """Talks links may be set on (planned or done, not cancelled), newest first, matched on topic."""
        where = "guild_id = ? AND state != 'cancelled' AND instr(fold(topic), ?) > 0"
        params: list[int | str] = [guild_id, fold(query.strip())]
        if speaker_id is not None:
            where += " AND speaker_id = ?"
            params.append(speaker_id)
        rows = await self.db.fetchall(
            f"SELECT * FROM talks WHERE {where} ORDER BY starts_at_ms DESC, id DESC LIMIT ?", [*params, limit]
        )
        return [Talk.from_db(r) for r in rows]

    async def sections(self, talk: Talk, viewer: Actor, t: Translator) -> list[str]:
        """What /schedule info adds about the talk: for a past one every registered section, else its links."""
        if is_past(talk, self.clock.now()):
            return await past_sections(self.db, talk, viewer, t)
        return [f"📎 {line}" for line in link_lines(talk, t)]

    async def speaker(self, guild_id: int, actor: Actor, speaker_id: int) -> SpeakerRecord:
        """How many talks the member gave and has planned on this server, the last one, and its ratings.

        For moderators: ratings are anonymous to everyone else, and a member's record is not their peers' business.
        """
        if not actor.is_moderator:
            raise TalkError(N_("Only moderators (Manage Events, Manage Server or the moderator role) can see a "
                               "speaker's record."))
        now_ms = to_ms(self.clock.now())
        # A sign-up left waiting for approval past its time was never given (podium/housekeeping.py).
        given = ("guild_id = ? AND speaker_id = ? AND state != 'cancelled' AND approval = 'approved'"
                 " AND starts_at_ms + duration_minutes * 60000 <= ?")
        counts = await self.db.fetchrow(
            f"SELECT (SELECT count(*) FROM talks WHERE {given}) AS given,"
            " (SELECT count(*) FROM talks WHERE guild_id = ? AND speaker_id = ? AND state = 'scheduled'"
            "  AND starts_at_ms + duration_minutes * 60000 > ?) AS upcoming",
            (guild_id, speaker_id, now_ms, guild_id, speaker_id, now_ms),
        )
        last = await self.db.fetchone(
            f"SELECT * FROM talks WHERE {given} ORDER BY starts_at_ms DESC LIMIT 1", (guild_id, speaker_id, now_ms)
        )
        votes, average = await self._ratings(guild_id, speaker_id, now_ms)
        return SpeakerRecord(int(counts["given"]), int(counts["upcoming"]),
                             Talk.from_db(last) if last is not None else None, votes, average)

    async def _ratings(self, guild_id: int, speaker_id: int, now_ms: int) -> tuple[int, float | None]:
        row = await self.db.fetchrow(
            "SELECT count(*) AS votes, avg(v.stars) AS average FROM feedback_votes AS v"
            " JOIN talks AS t ON t.id = v.talk_id"
            " WHERE t.guild_id = ? AND t.speaker_id = ? AND t.state != 'cancelled' AND t.starts_at_ms <= ?",
            (guild_id, speaker_id, now_ms),
        )
        return int(row["votes"]), (float(row["average"]) if row["average"] is not None else None)


def record_text(member_id: int, record: SpeakerRecord, t: Translator = i18n.ENGLISH) -> str:
    """A speaker's record as moderators read it (the member named, not pinged)."""
    lines = [t._("🎤 {speaker} on this server:", speaker=f"<@{member_id}>"),
             "• " + t.ngettext("{n} talk given", "{n} talks given", record.given),
             "• " + t.ngettext("{n} talk planned", "{n} talks planned", record.upcoming)]
    if record.average is not None:
        lines.append("• " + t.ngettext("rated {average} ★ on average ({n} vote)",
                                       "rated {average} ★ on average ({n} votes)", record.votes,
                                       average=t.number(round(record.average, 1))))
    else:
        lines.append("• " + t._("no ratings yet"))
    if record.last is not None:
        lines.append("• " + t._("last talk: {topic}, {when}", topic=quote(record.last.topic),
                                when=discord_time(record.last.starts_at, "D")))
    return "\n".join(lines)

