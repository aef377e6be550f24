"""Run the real `python bot.py` process against the loopback fake Discord."""

from __future__ import annotations

import pytest_asyncio

from tests.botprocess import BotProcess
from tests.fake_discord import FakeDiscord


@pytest_asyncio.fixture
async def fake():
    async with FakeDiscord() as server:
        yield server


@pytest_asyncio.fixture
async def bot_factory(fake, tmp_path):
    processes: list[BotProcess] = []

    def make(**env: str) -> BotProcess:
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
