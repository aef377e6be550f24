"""Discord's answers as the dispatcher sees them, and 429s honoured where Discord says they apply."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from unittest.mock import Mock

import aiohttp
import nextcord
import pytest
import pytest_asyncio
from multidict import CIMultiDict, CIMultiDictProxy
from nextcord.http import Route

from cogs._discord_http import MajorKeyedHTTPClient
from cogs._nextcord_transport import NextcordTransport, classify
from podium.delivery.pacing import ChannelBusy, Pacer
from podium.delivery.transport import (
    GoneError,
    RateLimitedError,
    RefusedError,
    RejectedError,
    TransientError,
    UnauthorizedError,
    looking_with,
    snowflake_at,
)
from tests.fake_discord import (
    BOT_TOKEN,
    BOT_USER_ID,
    GUILD_ID,
    MEMBER_ID,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    loopback_only,
)

JSON = {"Content-Type": "application/json", "Via": "1.1 google"}


def http_error(status: int, code: int = 0, headers: dict[str, str] | None = None) -> nextcord.HTTPException:
    response = Mock(spec_set=aiohttp.ClientResponse)
    response.status = status
    response.reason = "reason"
    response.headers = CIMultiDictProxy(CIMultiDict(headers if headers is not None else JSON))
    return nextcord.HTTPException(response, {"message": "msg", "code": code})


@pytest.mark.parametrize(
    ("status", "code", "headers", "kind", "details"),
    [
        (500, 0, JSON, TransientError, {"maybe_sent": True}),
        (502, 0, JSON, TransientError, {"maybe_sent": True}),
        (503, 0, JSON | {"Retry-After": "7"}, TransientError, {"maybe_sent": True, "retry_after": 7.0}),
        (504, 0, JSON, TransientError, {"maybe_sent": True}),
        (408, 0, JSON, TransientError, {}),
        (429, 0, JSON | {"X-RateLimit-Scope": "user", "X-RateLimit-Reset-After": "3.25", "Retry-After": "4"},
         RateLimitedError, {"scope": "user", "retry_after": 3.25, "cloudflare": False, "maybe_sent": False}),
        (429, 0, JSON | {"X-RateLimit-Scope": "shared", "Retry-After": "2"},
         RateLimitedError, {"scope": "shared", "retry_after": 2.0}),
        (429, 0, JSON | {"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global", "Retry-After": "1",
                         "X-RateLimit-Reset-After": "9"},
         RateLimitedError, {"scope": "global", "retry_after": 1.0}),
        (429, 0, {"Content-Type": "text/html", "Retry-After": "600"}, RateLimitedError, {"cloudflare": True}),
        (401, 0, JSON, UnauthorizedError, {}),
        (403, 50007, JSON, RefusedError, {"code": 50007}),
        (403, 50013, JSON, RefusedError, {"code": 50013}),
        (400, 50083, JSON, RefusedError, {"code": 50083}),
        (400, 160005, JSON, RefusedError, {"code": 160005}),
        (400, 160006, JSON, RefusedError, {"code": 160006}),
        (404, 10003, JSON, GoneError, {}),
        (404, 0, JSON, GoneError, {}),
        (400, 50035, JSON, RejectedError, {}),
    ],
)
def test_classify(status, code, headers, kind, details):
    error = classify(http_error(status, code, headers))
    assert type(error) is kind
    for name, value in details.items():
        assert getattr(error, name) == value, name


def test_snowflake_at_round_trips_discord_epoch():
    from datetime import UTC, datetime

    when = datetime(2026, 12, 2, tzinfo=UTC)
    assert ((snowflake_at(when) >> 22) + 1420070400000) / 1000 == when.timestamp()


CHANNEL, OTHER = GUILD_ID + 300, GUILD_ID + 301


@pytest_asyncio.fixture
async def env() -> AsyncIterator[tuple[FakeDiscord, NextcordTransport, Pacer]]:
    guild = FakeGuild(channels=[FakeChannel(id=CHANNEL, name="talks"), FakeChannel(id=OTHER, name="other")])
    original = Route.BASE
    with loopback_only():
        async with FakeDiscord(guilds=[guild]) as fake:
            Route.BASE = fake.api_base
            client = nextcord.Client(intents=nextcord.Intents(guilds=True))
            MajorKeyedHTTPClient.adopt(client.http)
            await client.login(BOT_TOKEN)
            pacer = Pacer(45)
            try:
                yield fake, NextcordTransport(client.http, pacer, lambda: BOT_USER_ID), pacer
            finally:
                await client.close()
                Route.BASE = original


def body(text: str) -> dict[str, object]:
    return {"content": text, "allowed_mentions": {"parse": []}}


async def test_a_short_429_is_waited_out_in_place_without_a_second_429(env):
    fake, transport, _ = env
    fake.fail("POST", f"/channels/{CHANNEL}/messages", status=429, retry_after=0.3)
    started = time.monotonic()
    await transport.post_message(CHANNEL, body("hello"))
    assert time.monotonic() - started >= 0.3
    assert fake.count_429 == 1
    assert [m.content for m in fake.channel_messages(CHANNEL)] == ["hello"]


async def test_a_long_429_closes_the_channel_and_hands_the_row_back(env):
    fake, transport, pacer = env
    fake.fail("POST", f"/channels/{CHANNEL}/messages", status=429, retry_after=20)
    with pytest.raises(ChannelBusy) as busy:
        await transport.post_message(CHANNEL, body("hello"))
    assert busy.value.delay > 15
    assert fake.count_429 == 1  # it did not try again into the closed window
    await transport.post_message(OTHER, body("elsewhere"))  # other channels go on
    assert pacer.channel_delay(OTHER) == 0


def external_event(n: int) -> dict[str, object]:
    start = datetime.now(UTC) + timedelta(days=1, hours=n)
    return {"name": f"Talk {n}", "privacy_level": 2, "entity_type": 3, "entity_metadata": {"location": "#talks"},
            "scheduled_start_time": start.isoformat(), "scheduled_end_time": (start + timedelta(hours=1)).isoformat()}


async def test_a_delivery_hands_its_row_back_while_a_route_limit_resets_later(env):
    """Discord makes 5 events a minute per guild. A delivery that meets the used-up limit goes back to the queue at
    once (RateLimitedError: deferred, no attempt used, its slot free) instead of holding a slot for 30 s and then
    failing an attempt; outside a delivery (a command) the wait is unchanged.
    """
    fake, transport, _ = env

    async def fresh() -> None:
        pass

    for n in range(5):
        await transport.create_scheduled_event(GUILD_ID, external_event(n))
    started = time.monotonic()
    with looking_with(fresh), pytest.raises(RateLimitedError) as limited:
        await transport.create_scheduled_event(GUILD_ID, external_event(5))
    assert time.monotonic() - started < 5  # handed back, not waited out
    assert 30 < limited.value.retry_after <= 60 and limited.value.scope == "user"
    assert len(fake.scheduled_events) == 5 and fake.count_429 == 0  # nothing was sent into the closed window


async def test_a_global_429_pauses_every_request(env):
    fake, transport, _ = env
    fake.fail("POST", f"/channels/{CHANNEL}/messages", status=429, retry_after=0.4, scope="global")
    started = time.monotonic()
    await transport.post_message(CHANNEL, body("one"))
    await transport.post_message(OTHER, body("two"))
    assert time.monotonic() - started >= 0.4
    assert fake.count_429 == 1


async def test_find_thread_and_own_messages(env):
    fake, transport, _ = env
    thread_id = await transport.create_thread(CHANNEL, "Talk 1: Rust")
    assert await transport.find_thread(GUILD_ID, CHANNEL, "Talk 1: Rust") == thread_id
    assert await transport.find_thread(GUILD_ID, OTHER, "Talk 1: Rust") is None
    from datetime import UTC, datetime, timedelta

    since = snowflake_at(datetime.now(UTC) - timedelta(seconds=5))
    message_id = await transport.post_message(CHANNEL, body("kept"))
    other = fake.inject_message(channel_id=CHANNEL, user_id=GUILD_ID + 99, content="kept")  # someone else's
    page = await transport.channel_history(CHANNEL, after=since)
    assert [(m.id, m.content, m.own) for m in page] == [(other.id, "kept", False), (message_id, "kept", True)]
    assert await transport.channel_history(CHANNEL, after=snowflake_at(datetime.now(UTC) + timedelta(seconds=5))) == []


async def test_channel_history_pages_as_discord_does(env):
    """Paging by around / before / after on the fake, as Discord answers them: newest first, one anchor, limit 1-100."""
    fake, transport, _ = env
    ids = [fake.inject_message(channel_id=CHANNEL, user_id=GUILD_ID + 99, content=str(i)).id for i in range(9)]
    newest_first = ids[::-1]
    assert [m.id for m in await transport.channel_history(CHANNEL, limit=3)] == newest_first[:3]
    assert [m.id for m in await transport.channel_history(CHANNEL, after=ids[2], limit=3)] == [ids[5], ids[4], ids[3]]
    assert [m.id for m in await transport.channel_history(CHANNEL, before=ids[2], limit=3)] == [ids[1], ids[0]]
    assert [m.id for m in await transport.channel_history(CHANNEL, around=ids[4], limit=4)] == [
        ids[5], ids[4], ids[3], ids[2]
    ]
    route = Route("GET", "/channels/{channel_id}/messages", channel_id=CHANNEL)
    for params in ({"limit": "101"}, {"limit": "0"}, {"before": str(ids[3]), "after": str(ids[1])}):
        with pytest.raises(RejectedError, match="50035"):
            await transport._request(route, params=params)
    with pytest.raises(ValueError, match="one of around/before/after"):
        await transport.channel_history(CHANNEL, before=ids[3], after=ids[1])


async def test_member_rights_are_server_wide_only(env):
    """Manage Events on one channel makes nobody a moderator; roles and @everyone do; the owner has every right."""
    from tests.fake_discord import (
        MANAGE_EVENTS,
        MANAGE_GUILD,
        MEMBER_ID,
        MODERATOR_ID,
        MODERATOR_ROLE_ID,
        OWNER_ID,
    )

    fake, transport, _ = env
    guild = fake.guilds[GUILD_ID]
    guild.get_channel(CHANNEL).permission_overwrites.append(  # type: ignore[union-attr]
        {"id": str(MEMBER_ID), "type": 1, "allow": str(MANAGE_EVENTS), "deny": "0"})
    member = await transport.member_rights(GUILD_ID, MEMBER_ID)
    assert not member.permissions & MANAGE_EVENTS and member.role_ids == frozenset()
    moderator = await transport.member_rights(GUILD_ID, MODERATOR_ID)
    assert moderator.permissions & MANAGE_GUILD and moderator.role_ids == {MODERATOR_ROLE_ID}
    assert (await transport.member_rights(GUILD_ID, OWNER_ID)).permissions & MANAGE_EVENTS
    with pytest.raises(GoneError):
        await transport.member_rights(GUILD_ID, GUILD_ID + 999)  # not a member


async def test_the_audit_log_names_who_changed_an_event_and_needs_view_audit_log(env):
    from datetime import UTC, datetime, timedelta

    from tests.fake_discord import BOT_ROLE_ID, OWNER_ID, VIEW_AUDIT_LOG

    fake, transport, _ = env
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    made = await transport.create_scheduled_event(GUILD_ID, {
        "name": "Rust", "privacy_level": 2, "entity_type": 3, "entity_metadata": {"location": "here"},
        "scheduled_start_time": start.isoformat(), "scheduled_end_time": (start + timedelta(hours=1)).isoformat()})
    fake.edit_event_as_moderator(int(made["id"]), status=4)  # by the owner, in Discord's client
    [entry] = await transport.audit_log_entries(GUILD_ID, 101)
    assert entry["user_id"] == str(OWNER_ID) and entry["target_id"] == made["id"]
    assert {"key": "status", "old_value": 1, "new_value": 4} in entry["changes"]
    [created] = await transport.audit_log_entries(GUILD_ID, 100)
    assert created["user_id"] == str(BOT_USER_ID)
    fake.guilds[GUILD_ID].get_role(BOT_ROLE_ID).permissions &= ~VIEW_AUDIT_LOG  # type: ignore[union-attr]
    with pytest.raises(RefusedError) as refused:
        await transport.audit_log_entries(GUILD_ID, 101)
    assert refused.value.code == 50013


async def test_removing_a_thread_member_reopens_an_archived_thread_and_archives_it_again(env):
    fake, transport, _ = env
    thread_id = await transport.create_thread(CHANNEL, "Talk 2: Go")
    await transport.add_thread_member(thread_id, MEMBER_ID)
    fake.archive_thread(thread_id)  # a past talk's thread
    await transport.remove_thread_member(thread_id, MEMBER_ID)
    assert MEMBER_ID not in fake.thread_members[thread_id]
    assert fake.threads[thread_id]["thread_metadata"]["archived"] is True
    await transport.remove_thread_member(thread_id, MEMBER_ID)  # not a member any more: no error


async def test_reopening_a_thread_unarchives_it_but_leaves_a_locked_one_closed(env):
    """A post in a thread Discord archived for inactivity is corrected in it (posts.py); a moderator's lock is kept."""
    fake, transport, _ = env
    thread_id = await transport.create_thread(CHANNEL, "Talk 3: Zig")
    assert await transport.reopen_thread(thread_id)  # open already: nothing to change
    fake.archive_thread(thread_id)  # 7 idle days
    assert await transport.reopen_thread(thread_id)
    assert fake.threads[thread_id]["thread_metadata"]["archived"] is False
    fake.archive_thread(thread_id)
    fake.threads[thread_id]["thread_metadata"]["locked"] = True  # a moderator closed it
    assert not await transport.reopen_thread(thread_id)
    assert fake.threads[thread_id]["thread_metadata"]["archived"] is True
