"""Feedback (issue 24 §1): a talk with 500 attendees ends; its feedback post, then 500 votes within 60 s.

The real bot process against the fake Discord. The guild has N members (default 500) and feedback turned on; the talk
is added by Podium's own service (so its feedback post is planned as in production), and the bot's clock is moved to
the talk's end (CLOCK_FILE), so the post falls due at once. Then every member clicks a star on the post, spread
evenly over `--seconds` (default 60), each click on its own (concurrent, as members do); a tenth of them click
again with another star (a changed vote). Measured: the post's lateness (the fake receiving it minus its due time),
each click's answer (INTERACTION_CREATE dispatched by the fake → the bot's callback received) p50/p99/max, answers
that are not a vote's confirmation (errors), votes stored (each member once, with their last star), and the edits
of the post's count once its hold (60 s, moved on the bot's clock) is over.
Run: .venv/bin/python bench/feedback_votes.py [--members 500] [--seconds 20]
Target (issue 24): every vote recorded once, each click answered p99 <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import summary_ms

from db import Database
from podium.clock import FileClock
from podium.delivery.outbox import Outbox
from podium.feedback import Feedback
from podium.posts import GOING_HOLD
from podium.talks import Actor, TalkService, composed_hooks
from tests.botprocess import BotProcess, clock_file
from tests.fake_discord import GENERAL_CHANNEL_ID, GUILD_ID, MODERATOR_ID, FakeDiscord, FakeGuild, FakeMember

SPEAKER = MODERATOR_ID
FIRST_MEMBER = 600000000000000000


async def setup(db_path: Path, clock_path: Path) -> tuple[int, float]:
    """Feedback on, a talk starting in a minute (5 minutes long); its id and when it ends (unix seconds)."""
    db = await Database.open(db_path)
    try:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO guild_settings (guild_id, announce_channel_id, feedback, created_at_ms,"
                             " updated_at_ms) VALUES (?, ?, 1, 0, 0)", (GUILD_ID, GENERAL_CHANNEL_ID))
        outbox = Outbox(db)
        clock = FileClock(clock_path)
        talks = TalkService(db, outbox, clock, composed_hooks(outbox))
        talk = await talks.add(guild_id=GUILD_ID, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Bench talk",
                               starts_at=clock.now() + timedelta(minutes=1), duration_minutes=5)
        return talk.id, talk.ends_at.timestamp()
    finally:
        await db.close()


async def domain(members: list[int]) -> str:
    """The same votes without Discord: `Feedback.vote` in this process, all at once (one aiosqlite connection)."""
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "podium.db"
        clock_path = Path(clock_file(Path(tmp)))
        talk_id, ends_at = await setup(db_path, clock_path)
        FileClock.write(clock_path, datetime.fromtimestamp(ends_at, UTC))
        db = await Database.open(db_path)
        try:
            service = Feedback(db, Outbox(db), FileClock(clock_path))
            started = time.perf_counter()
            await asyncio.gather(*(service.vote(talk_id=talk_id, user_id=u, guild_id=GUILD_ID, stars=1 + i % 5)
                                   for i, u in enumerate(members)))
            total = time.perf_counter() - started
            stored = await db.fetchval("SELECT count(*) FROM feedback_votes")
        finally:
            await db.close()
    return (f"domain only: {len(members)} Feedback.vote calls at once through one aiosqlite connection (each a"
            f" transaction, synchronous=FULL): {total * 1000:.0f} ms in all, {total * 1000 / len(members):.1f} ms a"
            f" vote, {len(members) / total:.0f} votes/s; {stored} stored")


async def rush(fake: FakeDiscord, post_id: int, talk_id: int, members: list[int], seconds: float, db_path: Path,
               ) -> tuple[float, int, int, list[float], list[str], bool, list[tuple[float, float]]]:
    """Every member clicks a star, spread over `seconds`; a tenth click again with another star a second later."""
    latencies: list[float] = []
    errors: list[str] = []
    last: dict[int, int] = {}
    timeline: list[tuple[float, float]] = []

    async def vote(user: int, stars: int, delay: float) -> None:
        await asyncio.sleep(delay)  # pacing the members' clicks over the window, not a wait for the bot
        press = await fake.invoke_component(message_id=post_id, user_id=user,
                                            custom_id=f"podium:fb:vote:{talk_id}:{stars}")
        response = await fake.wait_for_interaction_response(press, timeout=10)
        content = response.json.get("data", {}).get("content", "")
        if f"{stars} of 5" not in content:
            errors.append(content[:100])
        latencies.append(response.at - press.created_at)
        timeline.append((press.created_at, response.at - press.created_at))

    clicks = [(u, 1 + i % 5, seconds * i / len(members)) for i, u in enumerate(members)]
    # A tenth change their mind a little later (after their first answer: one member's clicks in order).
    again = [(u, 1 + (i + 2) % 5, seconds * i / len(members) + 1.0) for i, u in enumerate(members) if i % 10 == 0]
    for user, stars, _ in clicks + again:
        last[user] = stars
    started = time.monotonic()
    await asyncio.gather(*(vote(u, s, d) for u, s, d in clicks + again))
    took = time.monotonic() - started
    stored = dict(sqlite3.connect(db_path).execute(
        "SELECT user_id, stars FROM feedback_votes WHERE talk_id = ?", (talk_id,)).fetchall())
    return took, len(clicks), len(again), latencies, errors, stored == last and len(stored) == len(members), timeline


async def main(args: argparse.Namespace) -> None:
    members = [FIRST_MEMBER + i for i in range(args.members)]
    guild = FakeGuild(members=[FakeMember(id=MODERATOR_ID, username="speaker", roles=[GUILD_ID + 2]),
                               *(FakeMember(id=u, username=f"m{i}") for i, u in enumerate(members))])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db_path = folder / "podium.db"
        clock_path = Path(clock_file(folder))
        talk_id, ends_at = await setup(db_path, clock_path)
        async with FakeDiscord(guilds=[guild]) as fake:
            bot = BotProcess(fake, folder, LOG_LEVEL="WARNING", CLOCK_FILE=str(clock_path), DISPATCH_TICK_SECONDS="1")
            await bot.start()
            try:
                moved_at = bot.advance_clock(ends_at - FileClock(clock_path).now().timestamp())
                post = await fake.wait_for_message(lambda m: m.content.startswith("⭐ How was"), timeout=30)
                post_late = post.created_at - moved_at

                took, n_first, n_again, latencies, errors, stored_ok, timeline = await rush(
                    fake, post.id, talk_id, members, args.seconds, db_path)
                bot.advance_clock(GOING_HOLD.total_seconds())  # the count's held edit falls due
                await fake.wait_for_request(lambda r: r.method == "PATCH" and bool(post.edits),
                                            timeout=30)
                count_shown = post.edits[-1]["content"].splitlines()[-1] if post.edits else "(no edit)"
                edits = len(post.edits)
            finally:
                await bot.stop()
    print(await domain(members))
    print(f"feedback post {post_late * 1000:.0f} ms after its due time (delivery tick 1 s)")
    print(f"{n_first} first votes + {n_again} changed votes in {took:.1f} s "
          f"({(n_first + n_again) / took:.0f} clicks/s): {summary_ms(latencies)}; errors {len(errors)}"
          + (f" e.g. {errors[0]!r}" if errors else ""))
    print(f"votes stored: each of the {len(members)} members once, with their last star: {stored_ok}")
    if args.slow:
        first = min(t for t, _ in timeline)
        for at, took_s in sorted(timeline):
            if took_s > 0.05:
                print(f"  slow click at +{at - first:.2f} s: {took_s * 1000:.0f} ms")
    print(f"post edits after the hold: {edits}, showing {count_shown!r}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--slow", action="store_true", help="list the clicks answered in more than 50 ms")
    asyncio.run(main(parser.parse_args()))
