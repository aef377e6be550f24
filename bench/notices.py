"""Notice spam (issue 20 §3): how many DMs a stream of moves sends, to one attendee and to the speaker.

Run: .venv/bin/python bench/notices.py
Targets: a speaker keeping their talk 45 s away (a move every 7 s for 10 minutes) sends one attendee at most 2 DMs;
30 moves by a moderator 6 s apart (exempt from the change limit) send the speaker at most 2 DMs; the same 30 moves
then 11 quiet minutes: how many in all. Real SQLite, the real dispatcher, a manual clock, a transport that accepts.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import _common  # noqa: F401  (puts the repository on sys.path)

from db import Database
from podium import audience
from podium.audience import ATTENDEE_NOTICE, Audience
from podium.clock import ManualClock
from podium.cooldown import Cooldown
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox
from podium.delivery.pacing import Pacer
from podium.talks import Actor, TalkService, default_hooks
from tests import factories
from tests.doubles import ScriptedTransport

GUILD, ANNOUNCE = factories.GUILD, 555
SPEAKER, MOD, ANN = 1, 2, 11
START = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


async def deliver_due(outbox: Outbox, dispatcher: Dispatcher, clock: ManualClock) -> None:
    """Deliver every row due now, as one dispatcher pass would."""
    for row in await outbox.claim_due(clock.now(), 100):
        await dispatcher.deliver(row)


async def run(scenario: str) -> tuple[int, int]:
    """Sent DMs (to the attendee, to the speaker) for one scenario, in a fresh database."""
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "podium.db")
        try:
            clock = ManualClock(START)
            outbox = Outbox(db)
            hooks = audience.subscribe(default_hooks(outbox), outbox)
            talks = TalkService(db, outbox, clock, hooks, Cooldown(clock))
            dispatcher = Dispatcher(db, outbox, ScriptedTransport(), clock, pacer=Pacer(1000, channel_limit=1000))
            await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE)
            ahead = timedelta(minutes=5) if scenario == "45s" else timedelta(days=3)
            talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                                   starts_at=clock.now() + ahead)
            await Audience(db, outbox, clock).join(talk_id=talk.id, user_id=ANN, guild_id=GUILD)
            if scenario == "45s":
                clock.advance(timedelta(minutes=4))
                for _ in range(int(timedelta(minutes=10) / timedelta(seconds=7))):
                    await talks.reschedule(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id,
                                           starts_at=clock.now() + timedelta(seconds=45))
                    await deliver_due(outbox, dispatcher, clock)
                    clock.advance(timedelta(seconds=7))
            else:
                for i in range(1, 31):
                    await talks.reschedule(guild_id=GUILD, actor=Actor(MOD, is_moderator=True), talk_id=talk.id,
                                           starts_at=talk.starts_at + timedelta(hours=i))
                    clock.advance(timedelta(seconds=6))
                    await deliver_due(outbox, dispatcher, clock)
                if scenario == "30 moves + 11 min":
                    clock.advance(timedelta(minutes=11))
                    await deliver_due(outbox, dispatcher, clock)
            sent = "SELECT count(*) FROM outbox WHERE user_id = ? AND state = 'sent' AND kind IN (?, ?, ?)"
            kinds = (ATTENDEE_NOTICE.name, "reschedule_notice", "cancel_notice")
            return await db.fetchval(sent, (ANN, *kinds)), await db.fetchval(sent, (SPEAKER, *kinds))
        finally:
            await db.close()


async def main() -> None:
    """Print the DMs each scenario sent."""
    for scenario, what in (("45s", "talk kept 45 s away, a move every 7 s for 10 min"),
                           ("30 moves", "30 moderator moves, 6 s apart (3 min)"),
                           ("30 moves + 11 min", "the same, then 11 quiet minutes")):
        attendee, speaker = await run(scenario)
        print(f"{what:52s} DMs to the attendee: {attendee:3d}   to the speaker: {speaker:3d}")


if __name__ == "__main__":
    asyncio.run(main())
