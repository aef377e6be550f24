"""Review of issue 20 §4: what forget-me leaves behind must not name the member, on disk or in memory."""

import gc
import hashlib
from collections import deque
from datetime import timedelta
from typing import Any

from podium import audience as audience_module
from podium import scheduled_events
from podium.audience import Audience
from podium.calendar_feed import Calendars
from podium.cooldown import Cooldown
from podium.delivery.outbox import Outbox
from podium.people import People
from podium.talk_model import Talk
from podium.talks import Actor, TalkService, default_hooks
from tests import factories

GUILD, ANNOUNCE = factories.GUILD, 555
MEMBER = 777_000_000_000_000_001
SPEAKER = 777_000_000_000_000_003
# Anyone in the server sees its members' ids (Developer Mode → Copy User ID); the source code is public.
MEMBER_LIST = [777_000_000_000_000_000 + n for n in range(1000)]


async def test_the_forgotten_members_digest_cannot_be_matched_to_a_member_list(db, clock):
    outbox = Outbox(db)
    hooks = scheduled_events.subscribe(audience_module.subscribe(default_hooks(outbox), outbox), outbox)
    talks = TalkService(db, outbox, clock, hooks)
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, events_enabled=1, events_location="#talks")
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(days=3))
    async with db.transaction() as tx:
        await tx.execute("UPDATE talks SET event_id = 4242 WHERE id = ?", (talk.id,))
    await Audience(db, outbox, clock).join(talk_id=talk.id, user_id=MEMBER, guild_id=GUILD)
    await People(db, outbox, clock).forget(MEMBER)

    [stored] = [r["digest"] for r in await db.fetchall("SELECT digest FROM forgotten_members")]
    # Whoever holds the database file (a backup, a copy) and the public source hashes each id of the member list.
    recovered = [uid for uid in MEMBER_LIST
                 if hashlib.sha256(f"podium:forgotten:{uid}".encode()).hexdigest() == stored]
    assert recovered == [], "an unkeyed hash of a snowflake is the snowflake for anyone with a member list"


def _mentions(value: Any, user_id: int, token: str, seen: set[int], depth: int = 0) -> bool:
    """Whether the member's id (or their feed's token) is reachable in a service's own state."""
    if depth > 8 or id(value) in seen:
        return False
    seen.add(id(value))
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value == user_id
    if isinstance(value, str | bytes):
        return (token in value) if isinstance(value, str) else False
    if isinstance(value, dict):
        return any(_mentions(k, user_id, token, seen, depth + 1) or _mentions(v, user_id, token, seen, depth + 1)
                   for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset | deque):
        return any(_mentions(item, user_id, token, seen, depth + 1) for item in value)
    if type(value).__module__.startswith("podium"):
        fields = getattr(value, "__dict__", None) or {
            name: getattr(value, name) for name in getattr(type(value), "__slots__", ()) if hasattr(value, name)}
        return any(_mentions(v, user_id, token, seen, depth + 1) for v in fields.values())
    return False


async def test_forget_me_leaves_nothing_of_the_member_in_the_services_memory(db, clock):
    outbox = Outbox(db)
    cooldown = Cooldown(clock)  # bot.py shares one between the talks and people services
    calendars = Calendars(db, clock)
    people = People(db, outbox, clock, cooldown, calendars)
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE)
    await people.add_personal_reminder(user_id=MEMBER, guild_id=GUILD, channel_id=ANNOUNCE,
                                       when=clock.now() + timedelta(days=1), text="stretch")
    token = await calendars.token(GUILD, MEMBER)
    feed = await calendars.feed(token)
    assert feed is not None
    await calendars.body(feed, name="My talks")  # a calendar app fetched it: built and kept in memory

    await people.forget(MEMBER)

    assert not _mentions(people, MEMBER, token, set()), (
        "after forget-me the process still keeps the member's id or their feed (change limit, calendar cache)")


async def test_forget_me_leaves_no_talk_naming_the_member_in_the_calendar_event_cache(db, clock):
    outbox = Outbox(db)
    talks = TalkService(db, outbox, clock, default_hooks(outbox))
    calendars = Calendars(db, clock)
    people = People(db, outbox, clock, calendars=calendars)
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE)
    # As a moderator, the member signs someone else up: the talk stays, with who made it forgotten.
    await talks.add(guild_id=GUILD, actor=Actor(MEMBER, is_moderator=True), speaker_id=SPEAKER, topic="Rust",
                    starts_at=clock.now() + timedelta(days=3))
    feed = await calendars.feed(await calendars.token(GUILD))
    assert feed is not None
    await calendars.body(feed, name="Talks")  # the server's public feed, fetched by a calendar app

    await people.forget(MEMBER)
    await calendars.body(feed, name="Talks")  # and fetched again

    gc.collect()
    kept = [o for o in gc.get_objects() if isinstance(o, Talk) and MEMBER in (o.created_by, o.updated_by)]
    assert kept == [], "event_ical's lru_cache keeps every Talk it served as a key, ids of who changed it included"
