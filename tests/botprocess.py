"""Start and stop the real `python bot.py` process against a FakeDiscord (tests and benchmarks).

Every bot process a test or benchmark starts runs in a fresh folder outside the checkout, with bot.py given
by its absolute path: bot.py reads `.env` from its working directory, and a developer's own `.env` (with the
real token) in the checkout must never be read by a test, which could then connect to the real Discord.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from podium.clock import FileClock
from podium.config import SETTING_NAMES
from tests.fake_discord import BOT_TOKEN, FakeDiscord
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[1]
BOT_PY = ROOT / "bot.py"
# The token the fake accepts (the real shape: base64 application id . timestamp . hmac).
TOKEN = BOT_TOKEN
# nextcord waits this long after the last GUILD_CREATE before on_ready (2 s by default, for the real Discord); the
# fake sends every GUILD_CREATE at once, so tests start a bot without paying 2 s each time (test-only setting).
TEST_GUILD_READY_TIMEOUT = "0.2"
# The lines bot.py logs once it can be used: on_ready, and the command sync (global, then each GUILD_IDS server's).
READY_LINE = re.compile(r"\bready as .* in \d+ guild\(s\)")
OUTPUT_LINE_LIMIT = 16 * 1024 * 1024
# Logged after each planning pass (at start, then hourly): cogs/planner_loop.py.
PLANNED = "planned ahead"
SYNCED_LINE = re.compile(r"\bapplication commands synced\b(?! in guild)")


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


def clock_file(folder: Path) -> str:
    """A CLOCK_FILE at the real now, for a bot whose clock a test moves forward (BotProcess.advance_clock)."""
    path = folder / "clock"
    FileClock.write(path, datetime.now(UTC))
    return str(path)


class BotProcess:
    """One `python bot.py` subprocess; its output is read as it comes and kept in a log file (read it on failure)."""

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
            "GUILD_READY_TIMEOUT": TEST_GUILD_READY_TIMEOUT,
            **env,
        }
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0
        # The current process's output, line by line as it arrives (also appended to log_path), and a condition
        # notified at each line: tests wait for what the bot says instead of sleeping.
        self.lines: list[str] = []
        self._output_changed = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None
        # Seconds the bot's clock (CLOCK_FILE) has been moved ahead of the real one by advance_clock.
        self.clock_shift = 0.0

    async def start(self, *, wait_ready: bool = True) -> None:
        """Start the bot and (by default) wait until it is logged in with its commands synced."""
        self.starts += 1
        identified_before = self.fake.identify_count
        log = self.log_path.open("a", encoding="utf-8")
        log.write(f"\n===== start {self.starts} =====\n")
        log.flush()
        self.proc = await asyncio.create_subprocess_exec(
            *bot_command(bot_py=self.bot_py), cwd=self.cwd, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            # One JSON log line can hold a whole traceback: past the default 64 KiB readline() would fail.
            limit=OUTPUT_LINE_LIMIT,
        )
        log.close()
        self.lines = []
        assert self.proc.stdout is not None
        self._reader = asyncio.create_task(self._read_output(self.proc.stdout))
        if wait_ready:
            await self.wait_until_ready(identified_before)

    async def wait_until_ready(self, identified_before: int, timeout: float = 30) -> None:  # noqa: ASYNC109
        """Wait until this process logged on_ready and its command syncs, and the fake saw its session ready."""
        guild_ids = [part.strip() for part in self.env.get("GUILD_IDS", "").split(",") if part.strip()]
        wanted = [READY_LINE, SYNCED_LINE,
                  *(re.compile(rf"\bapplication commands synced in guild {guild_id}\b") for guild_id in guild_ids)]

        def ready(lines: list[str]) -> bool:
            return all(any(pattern.search(line) for line in lines) for pattern in wanted)

        if not self._says_when_ready():
            # Another checkout's bot.py (benchmarks) or a quiet log level: only the fake's view, with its settle.
            await self.fake.wait_until_ready(timeout=timeout, min_identifies=identified_before + 1)
            return
        await self.wait_for_output(ready, timeout)
        # A previous process's session must not count as this one being ready; the fake also checks that no
        # command request is still in flight. Nothing more to wait for: the bot said it is ready.
        await self.fake.wait_until_ready(timeout=timeout, settle=0, guild_ready_timeout=0,
                                         min_identifies=identified_before + 1)

    def _says_when_ready(self) -> bool:
        """This checkout's bot.py logging at INFO or below: it logs the lines wait_until_ready waits for."""
        return self.bot_py == BOT_PY and self.env.get("LOG_LEVEL", "INFO").strip().upper() in ("DEBUG", "INFO")

    async def wait_for_output(self, predicate: Callable[[list[str]], bool],
                              timeout: float = 30) -> None:  # noqa: ASYNC109
        """Wait until ``predicate(lines)`` holds for the current process's output lines (re-checked at each line).

        Raises AssertionError with the log's tail if the process exits first, TimeoutError after ``timeout``.
        """
        async with asyncio.timeout(timeout), self._output_changed:
            while not predicate(self.lines):
                if self._reader is None or self._reader.done():
                    raise AssertionError(f"the bot's output ended without it:\n{self.log()[-5000:]}")
                await self._output_changed.wait()

    async def _read_output(self, stream: asyncio.StreamReader) -> None:
        """Copy the process's output to log_path line by line and wake whoever waits on it."""
        try:
            with self.log_path.open("a", encoding="utf-8") as log:
                while line := await stream.readline():
                    text = line.decode("utf-8", "replace")
                    log.write(text)
                    log.flush()
                    async with self._output_changed:
                        self.lines.append(text)
                        self._output_changed.notify_all()
        finally:
            async with self._output_changed:
                self._output_changed.notify_all()

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send `sig` and wait (at most 10 s) for the exit code."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        code = await asyncio.wait_for(self.proc.wait(), 10)
        if self._reader is not None:
            # Everything the process wrote is in the log once stop() returns.
            await asyncio.wait_for(self._reader, 10)
        return code

    async def kill(self) -> None:
        """Kill -9: no cleanup at all."""
        await self.stop(signal.SIGKILL)

    def advance_clock(self, seconds: float) -> float:
        """Move the bot's clock (started with CLOCK_FILE=clock_file(...)) forward; returns when, in real time.

        Time the test is not about passes at once: the bot reads its clock again within its DISPATCH_TICK_SECONDS
        (give it 1) and sends what fell due. Figures read on the real clock after the jump are `clock_shift` behind
        the bot's.
        """
        path = Path(self.env["CLOCK_FILE"])
        FileClock.write(path, FileClock(path).now() + timedelta(seconds=seconds))
        self.clock_shift += seconds
        return time.time()

    def log(self) -> str:
        """Everything the bot logged so far."""
        return self.log_path.read_text(encoding="utf-8") if self.log_path.exists() else ""


def run_cli(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """Run bot.py with only `env` (and PATH) in `cwd`, by default a fresh empty folder outside the checkout."""
    with tempfile.TemporaryDirectory() as tmp:
        return subprocess.run(
            bot_command(*args),
            cwd=cwd or working_dir(Path(tmp)),
            env={"PATH": "/usr/bin:/bin", **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def http(method: str, port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """One request to the bot's HTTP server; the status and the body."""
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"http://127.0.0.1:{port}{path}", headers=headers) as response,
    ):
        return response.status, await response.text()


async def wait_healthy(port: int, within: float = 20.0) -> Any:
    """/healthz's JSON once it answers 200."""

    async def healthy() -> Any:
        try:
            status, body = await http("GET", port, "/healthz")
        except aiohttp.ClientError:
            return None
        return json.loads(body) if status == 200 else None

    return await eventually(healthy, what=f"/healthz on port {port} answers 200", timeout=within)
