"""Shared fixtures: real SQLite files in temp dirs, and a manual clock."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

import pytest
import pytest_asyncio

from db import Database
from podium.clock import ManualClock
from podium.features import load as load_features

# Every feature's declarations, as the composition root (podium/services.py) loads them before any test looks one up.
load_features()

# Workers per core for `-n auto`: most of an end-to-end test's time is spent waiting (for the bot process, the
# fake Discord, a delivery's due time), so two workers a core keep both busy; more would only fight over them.
WORKERS_PER_CORE = 2
MAX_WORKERS = 8


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """The worker count pytest-xdist uses for `-n auto`: per core this process may run on (a container's limit)."""
    return max(1, min(MAX_WORKERS, WORKERS_PER_CORE * len(os.sched_getaffinity(0))))


# A Saturday evening, like the field notes' examples.
START = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)


@pytest_asyncio.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "podium.db")
    yield database
    await database.close()


@pytest_asyncio.fixture
async def built_bot(tmp_path):
    """The whole bot as `python bot.py` builds it (cogs, commands, the click router), never connected: for tests
    over what it registers.
    """
    from bot import create_bot
    from podium import markup
    from podium.config import Settings
    from tests.factories import DEFAULT_START

    database = await Database.open(tmp_path / "podium.db")
    built = create_bot(Settings(token="x"), database, ManualClock(DEFAULT_START), background=False)
    try:
        yield built
    finally:
        markup.set_command_lookup(None)
        await built.http.close()
        await database.close()


@pytest.fixture
def clock():
    return ManualClock(START)


class _FakeCrashLog(logging.Handler):
    """Collects the fake Discord's crash log lines (``log.exception`` in tests/fake_discord/__init__.py)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "crashed" in record.getMessage():
            self.lines.append(self.format(record))


@pytest.fixture(autouse=True)
def fail_on_fake_crash():
    """A test fails if a fake Discord it ran crashed, even one not stopped through ``async with``: the bot
    retries the resulting 500 like Discord's own, so the bug would otherwise pass as a retry path.
    """
    handler = _FakeCrashLog()
    logger = logging.getLogger("tests.fake_discord")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if handler.lines:
        pytest.fail("the fake Discord crashed:\n" + "\n\n".join(handler.lines), pytrace=False)
