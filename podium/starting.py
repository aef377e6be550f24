"""🎤 "Starting now": a post in the announcement channel when a talk begins (a guild setting, off by default)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from db import Transaction
from podium.clock import to_ms
from podium.delivery import kinds
from podium.delivery.outbox import OutboxMessage
from podium.delivery.render import RenderContext, talk_of
from podium.i18n import N_
from podium.markup import quote
from podium.preferences import Switch, load_guild, switch
from podium.talk_model import Talk

log = logging.getLogger(__name__)

# A "starting now" post more than this late (the bot was down) is pointless.
LATE_AFTER = timedelta(minutes=15)


async def plan(tx: Transaction, talk: Talk, now: datetime) -> list[OutboxMessage]:
    """The post for this talk, if the guild wants them and the talk is still ahead."""
    guild = await load_guild(tx, talk.guild_id)
    if not guild.is_on(STARTING_NOW_SETTING) or talk.starts_at <= now:
        return []
    return [
        OutboxMessage(
            kind=STARTING_NOW.name,
            dedupe_key=f"talk:{talk.id}:starting:{to_ms(talk.starts_at)}",
            due_at=talk.starts_at,
            # No channel_id: the announcement channel is read when it is sent, so a new one is used.
            target_type="channel",
            guild_id=talk.guild_id,
            talk_id=talk.id,
            talk_start=talk.starts_at,
        )
    ]


def render(ctx: RenderContext) -> str:
    """The post; the speaker is named, not pinged (a channel broadcast pings nobody)."""
    talk = talk_of(ctx)
    return ctx.t._("🎤 Starting now: {topic} by {speaker} ({minutes} min).", topic=quote(talk.topic),
                   speaker=f"<@{talk.speaker_id}>", minutes=talk.duration_minutes)


STARTING_NOW = kinds.register(
    kinds.KindSpec(
        name="talk_starting",
        render=render,
        consent=None,
        talk_bound=True,
        plan=plan,
        expiry=lambda message: (message.talk_start or message.due_at) + LATE_AFTER,
        label=N_("talk starting"),
        # To whom and when: the announcement channel, when a talk starts (if the guild turned it on).
    )
)

STARTING_NOW_SETTING = switch(Switch(
    name="starting-now", column="starting_now",
    label=N_("Post when a talk starts"),
    on=N_("🎤 A short post will go to the announcement channel as each talk starts."),
    off=N_("No more posts when a talk starts."),
    replans=(STARTING_NOW.name,),
))
