"""CLOCK_FILE: the clock a driven bot process reads (the tour starts it on a fixed day and jumps ahead)."""

from datetime import UTC, datetime, timedelta

import pytest

from podium.clock import FileClock
from podium.config import ConfigError, load_settings

START = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def test_the_clock_starts_at_the_written_instant_and_jumps_when_it_is_rewritten(tmp_path):
    path = tmp_path / "clock"
    FileClock.write(path, START)
    clock = FileClock(path)
    first = clock.now()
    assert START <= first < START + timedelta(seconds=5) and first.tzinfo is UTC
    assert clock.now() >= first  # it runs on
    later = START + timedelta(days=2, hours=9)
    FileClock.write(path, later)
    assert later <= clock.now() < later + timedelta(seconds=5)
    # Back again at once (a rewrite within the same mtime tick is still seen).
    FileClock.write(path, START)
    assert clock.now() < START + timedelta(seconds=5)


def test_the_setting_names_a_file_with_an_instant(tmp_path):
    path = tmp_path / "clock"
    FileClock.write(path, START)
    assert load_settings({"DISCORD_TOKEN": "t", "CLOCK_FILE": str(path)}, env_file=None).clock_file == path
    assert load_settings({"DISCORD_TOKEN": "t"}, env_file=None).clock_file is None
    path.write_text("next tuesday", encoding="utf-8")
    with pytest.raises(ConfigError, match="CLOCK_FILE"):
        load_settings({"DISCORD_TOKEN": "t", "CLOCK_FILE": str(path)}, env_file=None)
    with pytest.raises(ConfigError, match="CLOCK_FILE"):
        load_settings({"DISCORD_TOKEN": "t", "CLOCK_FILE": str(tmp_path / "missing")}, env_file=None)
