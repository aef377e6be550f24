"""Forget-me takes the member out of the talk threads Podium put them in: the real bot process, the loopback Discord."""

import pytest

from tests.botprocess import BotProcess
from tests.e2e.commands import add_talk, forget_me, remind_me, run
from tests.e2e.dbcheck import query
from tests.fake_discord import (
    BOT_ROLE_ID,
    BOT_USER_ID,
    DEFAULT_BOT_PERMISSIONS,
    GENERAL_CHANNEL_ID,
    MANAGE_THREADS,
    MEMBER_ID,
    MODERATOR_ID,
    FakeDiscord,
    FakeGuild,
    FakeRole,
)


async def in_a_talk_thread(fake, bot):
    """MEMBER clicks 🔔 Remind me on a talk and is added to its thread; the thread's id."""
    await run(fake, "announce-settings", "channel", MODERATOR_ID, channel=GENERAL_CHANNEL_ID)
    talk = await add_talk(fake, bot, 2 * 86400)
    await remind_me(fake, talk)
    await fake.wait_for_request(lambda r: r.method == "PUT" and r.path.endswith(f"/thread-members/{MEMBER_ID}"))
    [thread_id] = list(fake.threads)
    assert MEMBER_ID in fake.thread_members[thread_id]
    return thread_id


@pytest.fixture
async def bot(bot_factory):
    process = bot_factory(DISPATCH_TICK_SECONDS="1")
    await process.start()
    return process


async def test_forget_me_removes_the_member_from_the_talk_threads(fake, bot):
    thread_id = await in_a_talk_thread(fake, bot)
    reply = await forget_me(fake)
    assert "You were removed from 1 talk thread." in reply, reply
    assert MEMBER_ID not in fake.thread_members[thread_id]
    assert query(bot.db_path, "SELECT count(*) AS n FROM attendees") == [{"n": 0}]


async def test_without_manage_threads_the_member_is_told_to_leave_the_threads_themselves(tmp_path):
    guild = FakeGuild()  # the bot's role as Podium's invite gives it: no Manage Threads
    guild.roles.append(FakeRole(id=BOT_ROLE_ID, name="FakeBot", permissions=DEFAULT_BOT_PERMISSIONS & ~MANAGE_THREADS,
                                position=1, managed=True, bot_id=BOT_USER_ID))
    async with FakeDiscord(guilds=[guild]) as fake:
        bot = BotProcess(fake, tmp_path, DISPATCH_TICK_SECONDS="1")
        await bot.start()
        try:
            thread_id = await in_a_talk_thread(fake, bot)
            reply = await forget_me(fake)
            assert "could not remove you from 1 talk thread" in reply and "Manage Threads" in reply, reply
            assert "Leave Thread" in reply
            await fake.wait_for_request(
                lambda r: r.method == "DELETE" and r.path.endswith(f"/thread-members/{MEMBER_ID}"))
            assert MEMBER_ID in fake.thread_members[thread_id]  # refused by Discord: still there
            assert query(bot.db_path, "SELECT count(*) AS n FROM users WHERE user_id = ?", MEMBER_ID) == [{"n": 0}]
        finally:
            await bot.stop()
