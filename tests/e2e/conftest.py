"""Run the real `python bot.py` process against the loopback fake Discord.

`fake` and `bot_factory` give each test its own fake and bot processes. A module's read-only tests (they change
nothing another test could see, and depend on no fresh state) may share one of each instead: `shared_fake` and
`shared_bot`, module-scoped, with `@pytest.mark.asyncio(loop_scope="module")` on the tests (the fixtures live on
the module's event loop). A module runs in one worker (`--dist loadscope`), so the bot starts once.
"""

from __future__ import annotations

from typing import Any

import pytest_asyncio

from tests.botprocess import BotProcess, clock_file
from tests.e2e.commands import run
from tests.fake_discord import GENERAL_CHANNEL_ID, MODERATOR_ID, FakeDiscord


@pytest_asyncio.fixture
async def fake():
    async with FakeDiscord() as server:
        yield server


@pytest_asyncio.fixture
async def bot_factory(fake, tmp_path):
    processes: list[BotProcess] = []

    def make(**env: Any) -> BotProcess:
        process = BotProcess(fake, tmp_path, **env)
        processes.append(process)
        return process

    yield make
    for process in processes:
        if process.proc is not None and process.proc.returncode is None:
            await process.kill()
    for process in processes:
        # Shown by pytest only when the test failed.
        print(process.log()[-20000:])


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_fake():
    async with FakeDiscord() as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_bot(shared_fake, tmp_path_factory):
    """One bot process started once for the module's read-only tests."""
    process = BotProcess(shared_fake, tmp_path_factory.mktemp("shared-bot"))
    await process.start()
    yield process
    if process.proc is not None and process.proc.returncode is None:
        await process.kill()
    print(process.log()[-20000:])


@pytest_asyncio.fixture
async def clocked_bot(bot_factory, tmp_path):
    """A bot with the announcement channel set whose clock the test moves (`bot.advance_clock`), past a hold or
    to a due time, instead of waiting for it; rows the test writes itself are seen within a second.
    """
    process = bot_factory(CLOCK_FILE=clock_file(tmp_path), DISPATCH_TICK_SECONDS="1")
    await process.start()
    await run(process.fake, "announce-settings", "channel", MODERATOR_ID, channel=GENERAL_CHANNEL_ID)
    return process
