"""Shared fixtures: real SQLite files in temp dirs, and a manual clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import pytest_asyncio

from db import Database
from podium.clock import ManualClock

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
