"""The last look happens last: a change committed while a delivery waits (pacing, a 429) stops it before it leaves.

Real parts: the Dispatcher, nextcord's HTTP client with Podium's keying, NextcordTransport and the Pacer, against
the loopback fake Discord, with a real SQLite file. The change (move, cancel, forget-me) is committed while the
request waits inside the transport, after every check the dispatcher makes before calling it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from podium.delivery.outbox import OutboxMessage
from podium.delivery.transport import StaleDelivery, Transport, last_look, looking_with
from podium.talks import Actor
from tests.cogs.last_look import (
    ANNOUNCE,
    SPEAKER,
    Env,
    deliver_while,
    env,  # noqa: F401 (fixtures)
    reminder_due_now,
    reminders_posted,
)
from tests.fake_discord import GUILD_ID


def moved(env: Env, talk_id: int, clock) -> Callable[[], Awaitable[Any]]:
    async def change() -> Any:
        return await env.talks.reschedule(guild_id=GUILD_ID, actor=Actor(SPEAKER), talk_id=talk_id,
                                          starts_at=clock.now() + timedelta(hours=5))
    return change


def cancelled(env: Env, talk_id: int, clock) -> Callable[[], Awaitable[Any]]:
    async def change() -> Any:
        return await env.talks.cancel(guild_id=GUILD_ID, actor=Actor(SPEAKER), talk_id=talk_id)
    return change


def forgotten(env: Env, talk_id: int, clock) -> Callable[[], Awaitable[Any]]:
    async def change() -> Any:
        return await env.people.forget(SPEAKER)
    return change


CHANGES = {"moved": moved, "cancelled": cancelled, "forgotten": forgotten}


@pytest.mark.parametrize("what", CHANGES)
async def test_a_change_during_a_global_pause_in_the_pacer_stops_the_reminder(env, clock, what):
    talk_id = await reminder_due_now(env, clock)
    env.pacer.pause(0.4)  # a global 429 elsewhere: every request waits in the pacer
    state = await deliver_while(env, clock, env.pacer.waiting, CHANGES[what](env, talk_id, clock))
    assert state == "cancelled"
    assert reminders_posted(env) == []
    if what == "forgotten":
        assert await env.dispatcher.db.fetchone("SELECT 1 FROM outbox WHERE user_id = ?", (SPEAKER,)) is None


@pytest.mark.parametrize("what", CHANGES)
async def test_a_change_during_a_429_wait_stops_the_reminder(env, clock, what):
    talk_id = await reminder_due_now(env, clock)
    dm = env.fake.dm_channels[SPEAKER]
    # The DM route answers 429 once: the channel is closed for 0.4 s and the request waits to try again.
    env.fake.fail("POST", f"/channels/{dm}/messages", status=429, retry_after=0.4)
    state = await deliver_while(env, clock, env.pacer.blocked, CHANGES[what](env, talk_id, clock))
    assert state == "cancelled"
    assert env.fake.count_429 == 1
    assert reminders_posted(env) == []


async def test_a_change_while_opening_the_dm_channel_waits_behind_a_429(env, clock):
    talk = await env.talks.add(guild_id=GUILD_ID, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                               starts_at=clock.now() + timedelta(minutes=30))
    async with env.dispatcher.db.transaction() as tx:
        await env.dispatcher.outbox.enqueue(tx, OutboxMessage(
            kind="talk_reminder", dedupe_key="t5", due_at=clock.now(), target_type="dm", guild_id=GUILD_ID,
            user_id=SPEAKER, talk_id=talk.id, talk_start=talk.starts_at, payload={"offset_s": 300},
        ), now=clock.now())
    # Opening the DM channel (a route without a channel) is waited out in the transport itself.
    env.fake.fail("POST", "/users/@me/channels", status=429, retry_after=0.4)
    state = await deliver_while(env, clock, env.dispatcher.transport.limited, moved(env, talk.id, clock))
    assert state == "cancelled"
    assert env.fake.count_429 == 1
    assert SPEAKER not in env.fake.dm_channels  # not even the DM channel was opened


async def test_a_message_that_expires_while_it_waits_does_not_leave(env, clock):
    async with env.dispatcher.db.transaction() as tx:
        await env.dispatcher.outbox.enqueue(tx, OutboxMessage(
            kind="test", dedupe_key="x", due_at=clock.now(), target_type="channel", guild_id=GUILD_ID,
            channel_id=ANNOUNCE, payload={"text": "hello"}, expires_at=clock.now() + timedelta(seconds=30),
        ), now=clock.now())
    env.pacer.pause(0.4)

    async def time_passes() -> None:
        clock.advance(timedelta(seconds=31))

    assert await deliver_while(env, clock, env.pacer.waiting, time_passes) == "expired"
    assert env.fake.channel_messages(ANNOUNCE) == []


async def test_every_transport_method_looks_last_before_its_request(env):
    """Each Discord call of the transport runs the last look right before its request, and stops on it."""
    transport = env.dispatcher.transport
    looked: list[int] = []

    async def refuse() -> None:
        looked.append(len(env.fake.requests))
        raise StaleDelivery("the talk was moved", state="cancelled")

    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "open_dm": lambda: transport.open_dm(SPEAKER),
        "create_thread": lambda: transport.create_thread(ANNOUNCE, "t"),
        "find_thread": lambda: transport.find_thread(GUILD_ID, ANNOUNCE, "t"),
        "add_thread_member": lambda: transport.add_thread_member(ANNOUNCE, SPEAKER),
        "remove_thread_member": lambda: transport.remove_thread_member(ANNOUNCE, SPEAKER),
        "archive_thread": lambda: transport.archive_thread(ANNOUNCE),
        "reopen_thread": lambda: transport.reopen_thread(ANNOUNCE),
        "post_message": lambda: transport.post_message(ANNOUNCE, {"content": "x"}),
        "crosspost": lambda: transport.crosspost(ANNOUNCE, 1),
        "edit_message": lambda: transport.edit_message(ANNOUNCE, 1, {"content": "x"}),
        "channel_history": lambda: transport.channel_history(ANNOUNCE, limit=50),
        "create_scheduled_event": lambda: transport.create_scheduled_event(GUILD_ID, {}),
        "edit_scheduled_event": lambda: transport.edit_scheduled_event(GUILD_ID, 1, {}),
        "get_scheduled_event": lambda: transport.get_scheduled_event(GUILD_ID, 1),
        "list_scheduled_events": lambda: transport.list_scheduled_events(GUILD_ID),
        "scheduled_event_users": lambda: transport.scheduled_event_users(GUILD_ID, 1),
        "audit_log_entries": lambda: transport.audit_log_entries(GUILD_ID, 101),
        "member_rights": lambda: transport.member_rights(GUILD_ID, SPEAKER),
    }
    # A new Discord call added to the Transport protocol must be listed here (and so checked).
    protocol = {name for name, value in vars(Transport).items() if not name.startswith("_") and callable(value)}
    protocol -= {"own_user_id", "voice_members"}  # make no request
    assert protocol == set(calls)
    before = len(env.fake.requests)
    with looking_with(refuse):
        for name, call in calls.items():
            with pytest.raises(StaleDelivery):
                await call()
            assert len(env.fake.requests) == before, f"{name} made a request past the last look"
    assert len(looked) == len(calls)
    # Outside a delivery the last look is a no-op.
    await last_look()
