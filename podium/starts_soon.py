"""⏳ "Starts in 10 minutes": a post in the talk's thread shortly before it begins (a guild switch, off by default).

Everything about it is here: its kind, its switch (`/announce-settings posts post:starts-soon`), its 🙋 button and
what a click does, and how its post reads once its talk is moved or cancelled (kept true like the new-talk post). It
is the recipe of docs/architecture.md ("Adding a new kind of proactive message") walked once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from db import Transaction
from podium import components, i18n
from podium.audience import going
from podium.clock import to_ms
from podium.components import Click, Reply
from podium.delivery import kinds
from podium.delivery.outbox import OutboxMessage
from podium.delivery.render import RenderContext, Rendered, talk_of
from podium.i18n import N_
from podium.markup import both_times, discord_time, quote
from podium.preferences import Switch, load_guild, switch
from podium.talk_model import Talk

BEFORE = timedelta(minutes=10)


async def coming(click: Click) -> Reply:
    """🙋 I'm coming: the member joins the talk's audience (counted as going, added to its thread).

    No reminder is asked for, so a member arriving late, once the talk has begun, still joins it.
    """
    attendance = await click.services.audience.join(talk_id=click.id.numbers[0], user_id=click.user_id,
                                                    guild_id=click.guild_id, coming=True)
    t = i18n.translator(click.locale)
    if attendance.waiting_position is not None:  # a full talk with seats (podium/seats.py): they queue
        return Reply(t._("⏳ {topic} is full: you're number {place} on its waitlist.",
                         topic=quote(attendance.talk.topic), place=attendance.waiting_position))
    if attendance.started:
        return Reply(t._("🙋 {topic} began {when}: come in! {going}.", topic=quote(attendance.talk.topic),
                         when=discord_time(attendance.talk.starts_at, "R"), going=going(attendance.attendees, t)))
    return Reply(t._("🙋 See you at {topic}, {when}. {going}.", topic=quote(attendance.talk.topic),
                     when=discord_time(attendance.talk.starts_at, "R"), going=going(attendance.attendees, t)))


COMING = components.declare("podium:soon:coming", handler=coming)  # :talk id


async def plan(tx: Transaction, talk: Talk, now: datetime) -> list[OutboxMessage]:
    """The post for this talk, if the guild turned it on and there are still 10 minutes to go."""
    if not (await load_guild(tx, talk.guild_id)).is_on(SETTING) or talk.starts_at - BEFORE <= now:
        return []
    return [OutboxMessage(kind=STARTS_SOON.name, dedupe_key=f"talk:{talk.id}:starts-soon:{to_ms(talk.starts_at)}",
                          due_at=talk.starts_at - BEFORE, target_type="thread", guild_id=talk.guild_id,
                          talk_id=talk.id, talk_start=talk.starts_at)]


def render(ctx: RenderContext) -> Rendered:
    """The post; the speaker is named, not pinged."""
    talk, t = talk_of(ctx), ctx.t
    return Rendered(
        t._("⏳ {topic} by {speaker} starts in 10 minutes ({when}).", topic=quote(talk.topic),
            speaker=f"<@{talk.speaker_id}>", when=discord_time(talk.starts_at, "t")),
        components=(components.row(components.button(t._("🙋 I'm coming"), COMING, talk.id,
                                                     style=components.PRIMARY)),),
    )


def render_changed(ctx: RenderContext) -> Rendered:
    """The post once its talk changed (podium/posts.py edits it): "in 10 minutes" is no longer true.

    Cancelled: struck, its button greyed out; moved or edited: when it starts now, the button still working.
    """
    talk, t = talk_of(ctx), ctx.t
    coming = components.button(t._("🙋 I'm coming"), COMING, talk.id, style=components.PRIMARY)
    if talk.state == "cancelled":
        return Rendered(
            t._("🚫 {topic} by {speaker}, {when}, was cancelled.", topic=f"~~{quote(talk.topic)}~~",
                speaker=f"<@{talk.speaker_id}>", when=f"~~{discord_time(talk.starts_at, 't')}~~"),
            components=(components.row({**coming, "disabled": True}),),
        )
    return Rendered(
        t._("⏳ {topic} by {speaker} starts {when}.", topic=quote(talk.topic), speaker=f"<@{talk.speaker_id}>",
            when=both_times(talk.starts_at)),
        components=(components.row(coming),),
    )


STARTS_SOON = kinds.register(kinds.KindSpec(
    name="talk_starts_soon", render=render, consent=None, talk_bound=True, plan=plan,
    kept_true=render_changed,  # edited when its talk is moved or cancelled after it was posted
    expiry=lambda message: message.talk_start,  # pointless once the talk has begun
    label=N_("starts in 10 minutes"),
))
SETTING = switch(Switch(
    name="starts-soon", column="starts_soon",
    label=N_("Post in the talk's thread 10 minutes before it starts"),
    on=N_("⏳ Each talk's thread gets a post 10 minutes before the talk starts."),
    off=N_("No more posts 10 minutes before a talk starts."),
    replans=(STARTS_SOON.name,),
))
