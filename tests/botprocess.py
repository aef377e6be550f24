"""Start and stop the real `python bot.py` process against a FakeDiscord (tests and benchmarks)."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import sys
from pathlib import Path

from tests.fake_discord import APPLICATION_ID, FakeDiscord

ROOT = Path(__file__).resolve().parents[1]
# A token of the real shape (base64 application id . timestamp . hmac); the fake accepts any.
TOKEN = base64.b64encode(str(APPLICATION_ID).encode()).decode().rstrip("=") + ".fake.e2e-token-not-secret"


class BotProcess:
    """One `python bot.py` subprocess; stderr goes to a log file the test can read on failure."""

    def __init__(self, fake: FakeDiscord, tmp_path: Path, **env: str) -> None:
        self.fake = fake
        self.db_path = tmp_path / "podium.db"
        self.log_path = tmp_path / "bot.log"
        self.env = {
            **os.environ,
            "DISCORD_TOKEN": TOKEN,
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
            sys.executable, "bot.py", cwd=ROOT, env=self.env, stdout=log, stderr=log
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
        """kill -9: no cleanup at all."""
        await self.stop(signal.SIGKILL)

    def log(self) -> str:
        """Everything the bot logged so far."""
        return self.log_path.read_text(encoding="utf-8") if self.log_path.exists() else ""
