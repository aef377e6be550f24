"""Shared fixtures: real SQLite files in temp dirs, and a manual clock."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
import pytest_asyncio

from db import Database
from podium.clock import ManualClock

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


@pytest.fixture
def clock():
    return ManualClock(START)
