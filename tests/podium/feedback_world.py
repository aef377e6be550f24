"""A server with feedback's services on a real SQLite file, for the unit tests of podium/feedback.py."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from podium.delivery.outbox import Outbox
from podium.feedback import Feedback
from podium.guild_settings import GuildSettingsService
from podium.talks import Actor, TalkService, composed_hooks
from tests import factories

GUILD, SPEAKER, ANNOUNCE, VOICE = factories.GUILD, factories.SPEAKER, 200, 300
# Real-sized snowflakes: their digits appear nowhere by chance (a timestamp, a count).
FAN, FAN2, FAN3 = 777_000_000_000_000_001, 777_000_000_000_000_002, 777_000_000_000_000_003


async def world(db, clock, **guild):
    outbox = Outbox(db)
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, **guild)
    talks = TalkService(db, outbox, clock, composed_hooks(outbox))
    return SimpleNamespace(outbox=outbox, talks=talks, settings=GuildSettingsService(db, outbox, clock),
                           feedback=Feedback(db, outbox, clock))


async def add_talk(w, clock, hours=2, minutes=60):
    return await w.talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                             starts_at=clock.now() + timedelta(hours=hours), duration_minutes=minutes)
