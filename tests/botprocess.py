"""Start and stop the real `python bot.py` process against a FakeDiscord (tests and benchmarks).

Every bot process a test or benchmark starts runs in a fresh folder outside the checkout, with bot.py given
by its absolute path: bot.py reads `.env` from its working directory, and a developer's own `.env` (with the
real token) in the checkout must never be read by a test, which could then connect to the real Discord.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from podium.config import SETTING_NAMES
from tests.fake_discord import BOT_TOKEN, FakeDiscord

ROOT = Path(__file__).resolve().parents[1]
BOT_PY = ROOT / "bot.py"
# The token the fake accepts (the real shape: base64 application id . timestamp . hmac).
TOKEN = BOT_TOKEN


def bot_command(*args: str, bot_py: Path = BOT_PY) -> list[str]:
    """`python /absolute/path/to/bot.py ARGS`: runnable from any working directory."""
    return [sys.executable, str(bot_py), *args]


def bot_py_of(checkout: Path) -> Path:
    """bot.py of another checkout (benchmarks measure an earlier release with the same script)."""
    return checkout / BOT_PY.name


def working_dir(base: Path) -> Path:
    """A folder to run bot.py in (`base/cwd`, created): never the checkout, so no `.env` of the developer's."""
    path = base / "cwd"
    path.mkdir(parents=True, exist_ok=True)
    if path.resolve().is_relative_to(ROOT):
        raise AssertionError(f"{path} is inside the checkout {ROOT}: a bot started there could read its .env")
    return path


def inherited_environ() -> dict[str, str]:
    """os.environ without Podium's settings: a developer's exported DISCORD_TOKEN or CRON_SECRET stays out."""
    return {key: value for key, value in os.environ.items() if key not in SETTING_NAMES}


class BotProcess:
    """One `python bot.py` subprocess; stderr goes to a log file the test can read on failure."""

    def __init__(self, fake: FakeDiscord, tmp_path: Path, *, bot_py: Path = BOT_PY, **env: str) -> None:
        """`bot_py`: another checkout's bot.py (benchmarks compare an earlier version with this one)."""
        self.fake = fake
        self.bot_py = bot_py
        self.db_path = tmp_path / "podium.db"
        self.log_path = tmp_path / "bot.log"
        self.cwd = working_dir(tmp_path)
        self.env = {
            **inherited_environ(),
            "DISCORD_TOKEN": fake.token or TOKEN,
            "DATABASE_PATH": str(self.db_path),
            "DISCORD_API_BASE": fake.api_base,
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self, *, wait_ready: bool = True) -> None:
        """Start the bot and (by default) wait until it is logged in with its commands synced."""
        self.starts += 1
        identified_before = self.fake.identify_count
        log = self.log_path.open("a", encoding="utf-8")
        log.write(f"\n===== start {self.starts} =====\n")
        log.flush()
        self.proc = await asyncio.create_subprocess_exec(
            *bot_command(bot_py=self.bot_py), cwd=self.cwd, env=self.env, stdout=log, stderr=log
        )
        log.close()
        if wait_ready:
            # A previous process's session must not count as this one being ready.
            await self.fake.wait_until_ready(timeout=30, min_identifies=identified_before + 1)

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send `sig` and wait (at most 10 s) for the exit code."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        return await asyncio.wait_for(self.proc.wait(), 10)

    async def kill(self) -> None:
        """Kill -9: no cleanup at all."""
        await self.stop(signal.SIGKILL)

    def log(self) -> str:
        """Everything the bot logged so far."""
        return self.log_path.read_text(encoding="utf-8") if self.log_path.exists() else ""
