"""Domain side of feedback (Discord side: cogs/feedback.py): one-tap votes for the speaker, and who came.

Issue 24 §1 and §2, after the talk.

Everything about it is here: the feedback post's kind (`feedback_post`, after the talk, in its thread, off by default:
the switch `/announce-settings posts post:feedback`), its ⭐ 1 to 5 and "Leave a comment…" buttons, the speaker's
summary by DM (`feedback_summary`, a set time after the talk), the votes and the voice presence tables (declared for
forget-me), and what `/schedule info` of a past talk shows.

Nothing public shows a member's vote: the post shows how many voted, kept current like the new-talk post's
"🔔 N going" (`posts.count_changed`: one edit a minute at most). The speaker's summary names a commenter only if the
member chose to sign.

Who came is recorded only for talks whose events setting uses a stage or voice channel, only in that channel and
only from the talk's start to its end plus `MARGIN`: when each member joined and left, nothing else.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from db import Database, Transaction
from podium import components, i18n, posts, privacy
from podium.audience import forgotten_among, mark_forgotten
from podium.clock import Clock, to_ms
from podium.components import Click, Reply
from podium.consent import NOTICES
from podium.delivery import kinds
from podium.delivery.outbox import Outbox, OutboxMessage, OutboxRow
from podium.delivery.render import RenderContext, Rendered, need, talk_of
from podium.delivery.transport import TransientError
from podium.errors import UserError
from podium.i18n import N_, Translator
from podium.markup import command, discord_time, fit_lines, inert, quote
from podium.preferences import GuildSettings, Switch, load_guild, switch, update_guild
from podium.talk_model import Talk, load_talk
from podium.talks import replan_guild_talks, replan_talk_bound

privacy.holds_user_ids("feedback_votes", "user_id", forget="delete_row",
                       why="a member's vote and comment on a talk: deleted with them")
privacy.holds_no_user_ids("feedback_votes", "talk_id", "stars", "comment", "signed", "created_at_ms", "updated_at_ms",
                          why="the member's own vote and comment, in their row (deleted with them)")
privacy.holds_user_ids("voice_presence", "user_id", forget="delete_row",
                       why="when a member was in a talk's stage or voice channel during the talk: deleted with them")
privacy.holds_no_user_ids("voice_presence", "talk_id", "joined_at_ms", "left_at_ms",
                          why="the talk, and when the member came and went (deleted with them)")



@privacy.when_forgotten
async def _votes_forgotten(forgetting: privacy.Forgetting) -> None:
    """A forgotten voter's vote goes: the feedback posts that counted it are edited, as a vote edits them."""
    rows = await forgetting.tx.fetchall("SELECT talk_id FROM feedback_votes WHERE user_id = ?", (forgetting.user_id,))
    for row in rows:
        if (talk := await load_talk(forgetting.tx, row["talk_id"])) is not None:
            await posts.count_changed(forgetting.tx, forgetting.outbox, talk, FEEDBACK_POST.name, forgetting.now)


@privacy.when_forgotten
async def _presence_forgotten(forgetting: privacy.Forgetting) -> None:
    """A member forgotten while in a talk's voice channel is not recorded again there by someone else's move.

    `record_presence` reads the whole channel: it would open a new stay for them at the next update. Their
    marker (`forgotten_members`, a keyed hash) lasts until the window of the talk they sit in closes.
    """
    margin = int(MARGIN.total_seconds() * 1000)
    until = await forgetting.tx.fetchval(
        "SELECT max(t.starts_at_ms + t.duration_minutes * 60000 + ?) FROM voice_presence AS v"
        " JOIN talks AS t ON t.id = v.talk_id WHERE v.user_id = ? AND v.left_at_ms IS NULL",
        (margin, forgetting.user_id),
    )
    if until is not None and until > to_ms(forgetting.now):
        await mark_forgotten(forgetting.tx, forgetting.user_id, int(until), forgetting.key)


STARS = (1, 2, 3, 4, 5)
COMMENT_MAX = 500
# Who came is recorded up to this long after the talk's end (a talk running over), and a member already in the
# channel this long before the start counts from the start.
MARGIN = timedelta(minutes=15)
# The events settings' stage and voice channel kinds (podium/scheduled_events.py): who came is recorded only there.
VOICE_EVENTS = (1, 2)
# The feedback post is pointless once this old (after long downtime): a week after the talk.
POST_LASTS = timedelta(days=7)
DEFAULT_SUMMARY_HOURS = 24
SUMMARY_HOURS_RANGE = (1, 168)


class FeedbackError(UserError):
    """A refused vote or comment; the message is shown to the member as it is."""


# -- what the stored votes and presence say -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment, and who signed it (None: anonymous to the speaker)."""

    text: str
    stars: int
    signed_by: int | None


@dataclass(frozen=True, slots=True)
class Turnout:
    """Who came to a talk held in a stage or voice channel: the most at once, how many, the median minutes."""

    peak: int
    total: int
    median_minutes: float


@dataclass(frozen=True, slots=True)
class Summary:
    """A talk's feedback as its speaker and moderators see it."""

    count: int
    distribution: dict[int, int]  # stars -> votes
    comments: tuple[Comment, ...]
    turnout: Turnout | None

    @property
    def average(self) -> float | None:
        """The mean of the stars, or None without votes."""
        if not self.count:
            return None
        return sum(stars * n for stars, n in self.distribution.items()) / self.count


async def vote_count(db: Database | Transaction, talk_id: int) -> int:
    """How many members voted on the talk (the only figure the public post shows)."""
    row = await db.fetchone("SELECT count(*) FROM feedback_votes WHERE talk_id = ?", (talk_id,))
    return int(row[0]) if row is not None else 0


async def turnout(db: Database | Transaction, talk: Talk) -> Turnout | None:
    """Who came, from the talk's recorded presence clipped to its window; None if nobody was recorded."""
    rows = await db.fetchall("SELECT user_id, joined_at_ms, left_at_ms FROM voice_presence WHERE talk_id = ?",
                             (talk.id,))
    if not rows:
        return None
    start, end = to_ms(talk.starts_at), to_ms(talk.ends_at + MARGIN)
    minutes: dict[int, float] = {}
    edges: list[tuple[int, int]] = []
    for row in rows:
        joined = max(start, row["joined_at_ms"])
        left = min(end, row["left_at_ms"] if row["left_at_ms"] is not None else end)
        if left <= joined:
            continue
        minutes[row["user_id"]] = minutes.get(row["user_id"], 0.0) + (left - joined) / 60000
        edges += [(joined, 1), (left, -1)]
    if not minutes:
        return None
    # A leave and a join at the same instant are not two people at once: leaves first.
    peak = here = 0
    for _, step in sorted(edges, key=lambda edge: (edge[0], edge[1])):
        here += step
        peak = max(peak, here)
    return Turnout(peak=peak, total=len(minutes), median_minutes=statistics.median(minutes.values()))


async def summary(db: Database | Transaction, talk: Talk) -> Summary:
    """Count, distribution, comments (signed ones with their author) and who came."""
    rows = await db.fetchall(
        "SELECT user_id, stars, comment, signed FROM feedback_votes WHERE talk_id = ? ORDER BY updated_at_ms, user_id",
        (talk.id,),
    )
    distribution = dict.fromkeys(STARS, 0)
    comments = []
    for row in rows:
        distribution[row["stars"]] += 1
        if row["comment"]:
            comments.append(Comment(row["comment"], row["stars"], row["user_id"] if row["signed"] else None))
    return Summary(count=len(rows), distribution=distribution, comments=tuple(comments),
                   turnout=await turnout(db, talk))


def stars_text(stars: int) -> str:
    """⭐⭐⭐ for 3."""
    return "⭐" * stars


def summary_lines(t: Translator, found: Summary) -> list[str]:
    """The summary in lines (the DM and /schedule info): votes, distribution, who came, then the comments."""
    if not found.count:
        lines = [t._("No votes yet.")]
    else:
        average = found.average or 0.0
        lines = [t.ngettext("{count} vote, {average} of 5 on average.", "{count} votes, {average} of 5 on average.",
                            found.count, count=t.number(found.count), average=t.number(round(average, 1)))]
        # Every number as the reader's language writes it ("1,234" / "1.234"), as docs/i18n.md asks.
        lines += [f"{stars_text(stars)} {t.number(found.distribution[stars])}" for stars in reversed(STARS)]
    if found.turnout is not None:
        lines.append(t._("👥 Who came: {total} in all, {peak} at most at once, {minutes} minutes each (median).",
                         total=t.number(found.turnout.total), peak=t.number(found.turnout.peak),
                         minutes=t.number(round(found.turnout.median_minutes))))
    for comment in found.comments:
        who = f"<@{comment.signed_by}>" if comment.signed_by is not None else t._("anonymous")
        lines.append(f"> {inert(comment.text)} — {stars_text(comment.stars)} {who}")
    return lines


async def talk_info_section(db: Database, talk: Talk, may_see: bool, t: Translator) -> str | None:
    """What /schedule info of a past talk adds for its speaker and moderators (`may_see`): feedback and who came.

    A function of the talk and the viewer's rights, so a registry of past talks' sections can list it as it is.
    """
    if not may_see or talk.state == "cancelled":
        return None
    found = await summary(db, talk)
    if not found.count and found.turnout is None:
        return None
    text, _ = fit_lines([t._("**Feedback**"), *summary_lines(t, found)], 1000, t._("… and {n} more"))
    return text


# -- the post, the votes and the comments -------------------------------------------------------------------------


async def vote(click: Click) -> Reply:
    """⭐ N: the member's vote (a second click changes it); the reply says what they gave."""
    talk_id, stars = click.id.numbers
    feedback: Feedback = click.services.feedback
    talk, before = await feedback.vote(talk_id=talk_id, user_id=click.user_id, guild_id=click.guild_id, stars=stars)
    t = i18n.translator(click.locale)
    if before is None:
        text = t._("{stars} You gave {topic} {n} of 5. Only its speaker sees the votes; tap another star to change "
                   "yours.", stars=stars_text(stars), topic=quote(talk.topic), n=stars)
    elif before == stars:
        text = t._("{stars} You already gave {topic} {n} of 5.", stars=stars_text(stars), topic=quote(talk.topic),
                   n=stars)
    else:
        text = t._("{stars} You changed your vote on {topic} from {before} to {n} of 5.", stars=stars_text(stars),
                   topic=quote(talk.topic), before=before, n=stars)
    return Reply(text, rows=(components.row(comment_button(talk.id, t)),))


async def sign(click: Click) -> Reply:
    """✍️ Sign it / Make it anonymous: whether the speaker sees the member's name under their comment."""
    talk_id, signed = click.id.numbers
    feedback: Feedback = click.services.feedback
    talk = await feedback.sign(talk_id=talk_id, user_id=click.user_id, guild_id=click.guild_id, signed=bool(signed))
    return comment_reply(i18n.translator(click.locale), talk, bool(signed))


VOTE = components.declare("podium:fb:vote", numbers=2, handler=vote)  # :talk id:stars
COMMENT = components.declare("podium:fb:comment")  # :talk id — opens COMMENT_MODAL (cogs/feedback.py)
COMMENT_MODAL = components.declare("podium:fb:comment-modal")  # :talk id
SIGN = components.declare("podium:fb:sign", numbers=2, handler=sign)  # :talk id:1 signed, 0 anonymous


def comment_button(talk_id: int, t: Translator) -> dict[str, Any]:
    """The "💬 Leave a comment…" button."""
    return components.button(t._("💬 Leave a comment…"), COMMENT, talk_id)


def comment_reply(t: Translator, talk: Talk, signed: bool) -> Reply:
    """What a comment (or its signing) did, with the button that turns signing the other way."""
    if signed:
        return Reply(t._("💬 Your comment on {topic} reaches its speaker with your name.", topic=quote(talk.topic)),
                     rows=(components.row(components.button(t._("🕶️ Make it anonymous"), SIGN, talk.id, 0)),))
    return Reply(t._("💬 Your comment on {topic} reaches its speaker without your name.", topic=quote(talk.topic)),
                 rows=(components.row(components.button(t._("✍️ Sign it with my name"), SIGN, talk.id, 1)),))


class Feedback:
    """Votes, comments and who came: the service the buttons and the voice listener call."""

    def __init__(self, db: Database, outbox: Outbox, clock: Clock, forget_key: bytes | None = None) -> None:
        self.db = db
        self.outbox = outbox
        self.clock = clock
        # The key of the forgotten members' markers (`privacy.digest`): who asked to be forgotten is not recorded.
        self.forget_key = forget_key

    async def _talk(self, tx: Transaction, talk_id: int, guild_id: int | None, now: datetime) -> Talk:
        # A click without a server (a DM) or from another server is a forged custom id: votes are for members of the
        # talk's server, where the click proves membership.
        talk = await load_talk(tx, talk_id)
        if guild_id is None or talk is None or talk.guild_id != guild_id:
            raise FeedbackError(N_("Vote on the talk's feedback post in its server."))
        if talk.state == "cancelled":
            raise FeedbackError(N_("{topic} was cancelled; there is nothing to vote on."), topic=quote(talk.topic))
        if talk.approval != "approved":
            # Never on the schedule (a forged custom id: it had no post): a held sign-up is not shown either.
            raise FeedbackError(N_("I can't find that talk."))
        if talk.starts_at > now:
            raise FeedbackError(N_("{topic} hasn't taken place yet; vote once it has."), topic=quote(talk.topic))
        if now < talk.ends_at and not await _post_due(tx, talk, now):
            # "How was it?" is asked at the end: early, unless a host ended its stage (`event_ended`: the post
            # was brought forward to then).
            raise FeedbackError(N_("{topic} is still going on; vote once it has ended."), topic=quote(talk.topic))
        return talk

    async def vote(self, *, talk_id: int, user_id: int, guild_id: int | None, stars: int) -> tuple[Talk, int | None]:
        """Store the member's vote (one per talk, changeable); the talk and their previous stars (None: new)."""
        if stars not in STARS:
            raise FeedbackError(N_("A vote is 1 to 5 stars."))
        now = self.clock.now()
        async with self.db.transaction() as tx:
            talk = await self._talk(tx, talk_id, guild_id, now)
            if talk.speaker_id == user_id:  # the audience's view of the talk: the speaker's own would skew it
                raise FeedbackError(N_("You gave {topic}: the votes are the audience's. Your summary comes by DM."),
                                    topic=quote(talk.topic))
            before = await tx.fetchone("SELECT stars FROM feedback_votes WHERE talk_id = ? AND user_id = ?",
                                       (talk.id, user_id))
            await tx.execute(
                "INSERT INTO feedback_votes (talk_id, user_id, stars, created_at_ms, updated_at_ms)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (talk_id, user_id)"
                " DO UPDATE SET stars = excluded.stars, updated_at_ms = excluded.updated_at_ms",
                (talk.id, user_id, stars, to_ms(now), to_ms(now)),
            )
            if before is None:  # the post shows the count only: a changed vote changes nothing in it
                await posts.count_changed(tx, self.outbox, talk, FEEDBACK_POST.name, now)
        return talk, (before["stars"] if before is not None else None)

    async def comment(self, *, talk_id: int, user_id: int, guild_id: int | None, text: str) -> tuple[Talk, bool]:
        """Store the member's comment with their vote; the talk and whether it is signed."""
        text = text.strip()
        if not text or len(text) > COMMENT_MAX:
            raise FeedbackError(N_("A comment is 1 to {max} characters, e.g. “Clear slides, more examples next "
                                   "time please.”"), max=COMMENT_MAX)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            talk = await self._talk(tx, talk_id, guild_id, now)
            cursor = await tx.execute(
                "UPDATE feedback_votes SET comment = ?, updated_at_ms = ? WHERE talk_id = ? AND user_id = ?",
                (text, to_ms(now), talk.id, user_id),
            )
            if cursor.rowcount != 1:
                raise FeedbackError(N_("Give {topic} 1 to 5 stars first, then leave a comment."),
                                    topic=quote(talk.topic))
            row = await tx.fetchone("SELECT signed FROM feedback_votes WHERE talk_id = ? AND user_id = ?",
                                    (talk.id, user_id))
        return talk, bool(row and row["signed"])

    async def may_comment(self, *, talk_id: int, user_id: int, guild_id: int | None) -> Talk:
        """The talk, if the member may open the comment form now (they voted): refused before the form shows."""
        async with self.db.transaction() as tx:
            talk = await self._talk(tx, talk_id, guild_id, self.clock.now())
            if await tx.fetchone("SELECT 1 FROM feedback_votes WHERE talk_id = ? AND user_id = ?",
                                 (talk.id, user_id)) is None:
                raise FeedbackError(N_("Give {topic} 1 to 5 stars first, then leave a comment."),
                                    topic=quote(talk.topic))
        return talk

    async def sign(self, *, talk_id: int, user_id: int, guild_id: int | None, signed: bool) -> Talk:
        """Whether the speaker sees the member's name under their comment."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            talk = await self._talk(tx, talk_id, guild_id, now)
            cursor = await tx.execute(
                "UPDATE feedback_votes SET signed = ?, updated_at_ms = ? WHERE talk_id = ? AND user_id = ?"
                " AND comment IS NOT NULL",
                (int(signed), to_ms(now), talk.id, user_id),
            )
            if cursor.rowcount != 1:
                raise FeedbackError(N_("Leave a comment on {topic} first."), topic=quote(talk.topic))
        return talk

    async def talk_info(self, talk: Talk, may_see: bool, t: Translator) -> str | None:
        """The feedback and who came, for /schedule info (`talk_info_section`)."""
        return await talk_info_section(self.db, talk, may_see, t)

    async def set_summary_hours(self, guild_id: int, hours: int) -> bool:
        """When speakers get their summary: `hours` after their talk; whether feedback is on.

        The talks whose summary is still to come follow the new time (upcoming ones and those over already).
        """
        low, high = SUMMARY_HOURS_RANGE
        if not low <= hours <= high:
            raise FeedbackError(N_("Give a number of hours from {low} to {high}. Example: `summary-after:24`"),
                                low=low, high=high)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            guild = await update_guild(tx, guild_id, now)  # the server's row, made with the defaults if it had none
            await tx.execute("UPDATE guild_settings SET feedback_summary_hours = ? WHERE guild_id = ?",
                             (hours, guild_id))
            await replan_guild_talks(tx, self.outbox, guild_id, now, [FEEDBACK_SUMMARY])
            waiting = await tx.fetchall(
                "SELECT DISTINCT talk_id FROM outbox WHERE guild_id = ? AND kind = ? AND state = 'pending'"
                " AND talk_id IS NOT NULL", (guild_id, FEEDBACK_SUMMARY.name))
            for row in waiting:
                talk = await load_talk(tx, row["talk_id"])
                if talk is not None and talk.starts_at <= now:  # the upcoming ones were re-planned above
                    await replan_talk_bound(tx, self.outbox, talk, now, [FEEDBACK_SUMMARY])
        return guild.is_on(SETTING)

    async def event_ended(self, *, guild_id: int, event_id: int) -> bool:
        """The talk's event was ended in Discord before the talk's end (a host ended the stage): its post goes now.

        Podium's own end of the event comes at the talk's end, when the post is due anyway.
        """
        now = self.clock.now()
        async with self.db.transaction() as tx:
            row = await tx.fetchone("SELECT * FROM talks WHERE event_id = ? AND guild_id = ?", (event_id, guild_id))
            talk = Talk.from_db(row) if row is not None else None
            if talk is None or talk.state != "scheduled" or not talk.starts_at <= now < talk.ends_at:
                return False
            planned = await plan(tx, talk, now)  # the switch and the approval, as for the planned post
            for message in planned:
                await self.outbox.enqueue(tx, dataclasses.replace(message, due_at=now), now=now)
        return bool(planned)

    # -- who came ----------------------------------------------------------------------------------------------

    async def voice_seen(self, *, guild_id: int, channels: Mapping[int, Collection[int]]) -> int:
        """Who is in these voice channels now (the gateway's voice states, after a move or at a (re)connect).

        `record_presence`, now; returns how many stays were opened or closed.
        """
        async with self.db.transaction() as tx:
            return await record_presence(tx, guild_id, channels, self.clock.now(), self.forget_key)


async def record_presence(tx: Transaction, guild_id: int, channels: Mapping[int, Collection[int]],
                          now: datetime, key: bytes | None = None) -> int:
    """Who is in these voice channels at `now` (the people: the Discord side leaves bots out).

    Recorded only for the server's events channel when it is a stage or voice channel, and only for approved talks
    whose window (start - MARGIN to end + MARGIN) is now: members there without an open stay get one (from the start
    at the earliest), open stays of members no longer there end now. Reading the whole channel, not only the
    member who moved, also counts those who were there before the window opened (read when it opens:
    `VOICE_WINDOW`) or joined while the bot was away. A read after a window closed changes nothing of that talk.
    A member who asked to be forgotten during the talk (their marker, keyed by `key`) is not recorded again.
    Returns how many stays were opened or closed.
    """
    channel = held_in_voice(await load_guild(tx, guild_id))
    if channel is None or channel not in channels:
        return 0
    present = set(channels[channel])
    present -= await forgotten_among(tx, present, now, key)
    margin = int(MARGIN.total_seconds() * 1000)
    # A sign-up waiting for approval is not held (no event, not announced): nobody's presence is about it.
    talks = await tx.fetchall(
        "SELECT id, starts_at_ms FROM talks WHERE guild_id = ? AND state IN ('scheduled', 'done')"
        " AND approval = 'approved'"
        " AND starts_at_ms - ? <= ? AND starts_at_ms + duration_minutes * 60000 + ? > ?",
        (guild_id, margin, to_ms(now), margin, to_ms(now)),
    )
    changed = 0
    for talk in talks:
        at = max(to_ms(now), talk["starts_at_ms"])
        staying = {row["user_id"] for row in await tx.fetchall(
            "SELECT user_id FROM voice_presence WHERE talk_id = ? AND left_at_ms IS NULL", (talk["id"],))}
        gone, came = staying - present, present - staying
        await tx.executemany(
            "UPDATE voice_presence SET left_at_ms = ? WHERE talk_id = ? AND user_id = ? AND left_at_ms IS NULL",
            [(at, talk["id"], user_id) for user_id in gone])
        await tx.executemany(
            "INSERT INTO voice_presence (talk_id, user_id, joined_at_ms) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            [(talk["id"], user_id, at) for user_id in came])
        if gone:
            # A stay wholly before the start is outside the window: nothing of it is kept.
            await tx.execute("DELETE FROM voice_presence WHERE talk_id = ? AND left_at_ms <= joined_at_ms",
                             (talk["id"],))
        changed += len(gone) + len(came)
    return changed


# -- the kinds ------------------------------------------------------------------------------------------------------


async def summary_hours(db: Database | Transaction, guild_id: int) -> int:
    """Hours after a talk's end that its speaker gets the summary (the server's setting, default 24)."""
    row = await db.fetchone("SELECT feedback_summary_hours FROM guild_settings WHERE guild_id = ?", (guild_id,))
    return int(row[0]) if row is not None else DEFAULT_SUMMARY_HOURS


def post_key(talk: Talk) -> str:
    """The feedback post of the talk at its current start."""
    return f"talk:{talk.id}:feedback:{to_ms(talk.starts_at)}"


async def _post_due(tx: Transaction, talk: Talk, now: datetime) -> bool:
    """Whether the talk's feedback post is due by now (at its end, or earlier once its stage was ended)."""
    return await tx.fetchone(
        "SELECT 1 FROM outbox WHERE dedupe_key = ? AND due_at_ms <= ? AND state != 'cancelled'",
        (post_key(talk), to_ms(now))) is not None


async def plan(tx: Transaction, talk: Talk, now: datetime) -> list[OutboxMessage]:
    """The feedback post at the talk's end and the speaker's summary later, if the server turned feedback on."""
    if not (await load_guild(tx, talk.guild_id)).is_on(SETTING) or talk.approval != "approved":
        return []
    planned = []
    if talk.ends_at > now:
        planned.append(OutboxMessage(
            kind=FEEDBACK_POST.name, dedupe_key=post_key(talk), due_at=talk.ends_at,
            target_type="thread", guild_id=talk.guild_id, talk_id=talk.id, talk_start=talk.starts_at,
        ))
    return planned


async def plan_summary(tx: Transaction, talk: Talk, now: datetime) -> list[OutboxMessage]:
    """The speaker's summary by DM, the server's set hours after the talk."""
    if not (await load_guild(tx, talk.guild_id)).is_on(SETTING) or talk.approval != "approved":
        return []
    if talk.ends_at + timedelta(hours=SUMMARY_HOURS_RANGE[1]) <= now:
        return []  # a talk long over (re-planned by an edit) gets no summary out of the blue
    # A summary time made shorter than the time since the talk: due now, not lost.
    due = max(now, talk.ends_at + timedelta(hours=await summary_hours(tx, talk.guild_id)))
    return [OutboxMessage(
        kind=FEEDBACK_SUMMARY.name, dedupe_key=f"talk:{talk.id}:feedback-summary:{to_ms(talk.starts_at)}",
        due_at=due, target_type="dm", guild_id=talk.guild_id, user_id=talk.speaker_id, talk_id=talk.id,
        talk_start=talk.starts_at,
    )]


async def prepare_post(db: Database, row: OutboxRow, now: datetime) -> dict[str, Any]:
    """How many voted, read when the post goes out (and when an edit shows the count)."""
    return {"votes": await vote_count(db, row.talk_id) if row.talk_id is not None else 0}


def render_post(ctx: RenderContext) -> Rendered:
    """"How was X?" with ⭐ 1 to 5 and a comment button; the count only, never anyone's vote."""
    talk, t = talk_of(ctx), ctx.t
    votes = ctx.payload.get("votes", 0)
    lines = [t._("⭐ How was {topic} by {speaker}? Tap 1 to 5 stars: only the speaker sees the votes.",
                 topic=quote(talk.topic), speaker=f"<@{talk.speaker_id}>")]
    if isinstance(votes, int) and votes > 0:
        lines.append("-# " + t.ngettext("{count} vote so far", "{count} votes so far", votes,
                                          count=t.number(votes)))
    cancelled = talk.state == "cancelled"
    stars = components.row(*({**components.button(stars_text(n), VOTE, talk.id, n), "disabled": cancelled}
                             for n in STARS))
    comment = components.row({**comment_button(talk.id, t), "disabled": cancelled})
    return Rendered("\n".join(lines), components=(stars, comment))


async def prepare_summary(db: Database, row: OutboxRow, now: datetime) -> dict[str, Any]:
    """The summary as it is when the DM goes out (not as planned: votes keep coming until then)."""
    talk = await load_talk(db, row.talk_id) if row.talk_id is not None else None
    if talk is None:
        return {}
    found = await summary(db, talk)
    return {
        "count": found.count, "distribution": [found.distribution[n] for n in STARS],
        "comments": [[c.text, c.stars, c.signed_by] for c in found.comments],
        "turnout": [found.turnout.peak, found.turnout.total, found.turnout.median_minutes]
        if found.turnout is not None else None,
    }


def _summary_of(payload: dict[str, Any]) -> Summary:
    distribution = need(payload, "distribution", list)
    comments = tuple(Comment(str(c[0]), int(c[1]), c[2] if isinstance(c[2], int) else None)
                     for c in payload.get("comments") or ())
    came = payload.get("turnout")
    return Summary(count=need(payload, "count", int), distribution=dict(zip(STARS, distribution, strict=True)),
                   comments=comments,
                   turnout=Turnout(int(came[0]), int(came[1]), float(came[2])) if isinstance(came, list) else None)


def render_summary(ctx: RenderContext) -> Rendered:
    """The speaker's DM: count, average, distribution, who came, comments, and where the talk's thread is."""
    talk, t = talk_of(ctx), ctx.t
    head = t._("📊 Feedback on your talk {topic} ({when}):", topic=quote(talk.topic),
               when=discord_time(talk.starts_at, "f"))
    tail = ""
    if talk.thread_id is not None:
        tail = "\n" + t._("Thread: {link}", link=components.jump_url(talk.guild_id, talk.thread_id))
    tail += "\n-# " + t._("Moderators see the same in {command}.", command=command("schedule info"))
    body, _ = fit_lines(summary_lines(t, _summary_of(ctx.payload)), 2000 - len(head) - len(tail) - 2,
                        t._("… and {n} more"))
    return Rendered(f"{head}\n{body}{tail}")


FEEDBACK_POST = kinds.register(kinds.KindSpec(
    name="feedback_post", render=render_post, consent=None, talk_bound=True, plan=plan, prepare=prepare_post,
    after_the_talk=True,
    # A talk that changed after its post (edited, given to someone else) shows as it is; the count stays current.
    kept_true=render_post,
    expiry=lambda message: message.talk_start + POST_LASTS if message.talk_start is not None else None,
    label=N_("feedback post"),
    # To whom and when: the talk's thread (else the announcement channel), when the talk ends.
    example={"votes": 10**6},
))
FEEDBACK_SUMMARY = kinds.register(kinds.KindSpec(
    name="feedback_summary", render=render_summary, consent=NOTICES, talk_bound=True, plan=plan_summary,
    prepare=prepare_summary, after_the_talk=True, recipient="speaker",
    # The speaker's alone (signed comments, who came): a refused DM is skipped, never posted in the thread or channel.
    announce_fallback=False,
    label=N_("feedback summary"),
    # To whom and when: the speaker, by DM, the server's set hours (default 24) after the talk.
    example={"count": 10**6, "distribution": [10**5] * 5, "turnout": [10**4, 10**5, 123.5],
             "comments": [["*" * COMMENT_MAX, 5, 10**18]] * 40},
))


def held_in_voice(guild: GuildSettings) -> int | None:
    """The server's events channel when it is a stage or voice channel (where who came is recorded), else None."""
    if guild.events_enabled and guild.events_entity_type in VOICE_EVENTS:
        return guild.events_channel_id
    return None


async def plan_voice_read(tx: Transaction, talk: Talk, now: datetime) -> list[OutboxMessage]:
    """The first look at the talk's stage or voice channel, as its window opens (now, if it is open already).

    Members sitting there since before the window are seen by no voice update of theirs: without this look a
    member who came early and left during the talk would never be recorded.
    """
    if talk.approval != "approved" or held_in_voice(await load_guild(tx, talk.guild_id)) is None \
            or talk.ends_at <= now:
        return []
    return [OutboxMessage(
        kind=VOICE_WINDOW.name, dedupe_key=f"talk:{talk.id}:voice-window:{to_ms(talk.starts_at)}",
        due_at=max(now, talk.starts_at - MARGIN), target_type="channel", guild_id=talk.guild_id, talk_id=talk.id,
        talk_start=talk.starts_at,
        # The bot away all through the talk: the look comes too late to say who came (a reconnect reads the
        # channel anyway, while the window is open).
        expires_at=talk.ends_at,
    )]


async def read_voice(action: kinds.ActionContext) -> int:
    """Who is in the events channel now (the gateway's cache, no request), recorded as at a member's move."""
    channel = held_in_voice(action.guild) if action.guild is not None else None
    if channel is None or action.row.guild_id is None:
        raise kinds.ActionSkipped("the server's events are no longer in a stage or voice channel")
    people = action.transport.voice_members(action.row.guild_id, channel)
    if people is None:  # the server is not available on the gateway (yet): its voice states are unknown
        raise TransientError("the server's voice states are not known yet")
    async with action.db.transaction() as tx:
        await record_presence(tx, action.row.guild_id, {channel: people}, action.now)
    return channel


VOICE_WINDOW = kinds.register(kinds.KindSpec(
    name="voice_window", in_talk_info="hidden",
    render=kinds.describes("(reads who is in the talk's stage or voice channel as its window opens)"),
    consent=None, talk_bound=True, plan=plan_voice_read, act=read_voice,
    label=N_("first look at who came"),
    # To whom and when: nobody; the talk's stage or voice channel is read 15 minutes before its start.
    example={},
))
SETTING = switch(Switch(
    name="feedback", column="feedback",
    label=N_("Ask for feedback after each talk (⭐ 1–5, the speaker gets a summary)"),
    on=N_("⭐ Each talk's thread gets a feedback post when the talk ends; its speaker gets a summary by DM."),
    off=N_("No more feedback posts after talks."),
    replans=(FEEDBACK_POST.name, FEEDBACK_SUMMARY.name),
))
privacy.holds_no_user_ids("guild_settings", "feedback_summary_hours",
                          why="a server's setting: when speakers get their feedback summary")
