"""Idle memory: the real bot's RSS 20 s after ready, and what each dependency costs at import.

Run: .venv/bin/python bench/idle_rss.py [--runs 3] [--after 20] [--http]
Target (issue 19): idle RSS 20 s after ready <= 70 MB.

Each dependency is imported in a fresh interpreter that already holds what every start needs (asyncio, aiohttp,
nextcord, aiosqlite): the RSS delta and time printed are what importing (or first using) it adds to the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, rss_mb

from tests.botprocess import BotProcess, inherited_environ
from tests.fake_discord import FakeDiscord

# What a feature needs, and the statement that pulls it in (a first use, where a first use costs more).
COSTS = (
    ("babel (core)", "import babel"),
    ("babel.dates, numbers, lists", "import babel.dates, babel.numbers, babel.lists"),
    ("babel.messages (.po reader)", "import babel.messages.pofile, babel.messages.mofile"),
    ("German catalogue, compiled", "import podium.i18n as i; i._catalogue('de')"),
    ("German formatting (Babel locale data)", "import podium.i18n as i, datetime as d; i.translator('de').moment("
     "d.datetime.now(d.UTC)); i.translator('de').join(['a', 'b'])"),
    ("icalendar", "import icalendar"),
    ("dateparser (import)", "import dateparser.date"),
    ("dateparser (import + en/de parsers warmed)", "import podium.timeparse._dates as d; d.warm_up_dateparser()"),
    ("prometheus_client", "import prometheus_client"),
    ("aiohttp.web (HTTP server)", "from aiohttp import web"),
    ("zoneinfo, all zones listed", "import zoneinfo; zoneinfo.available_timezones()"),
    ("the whole bot module (import bot)", "import bot"),
)

PROBE = r"""
import sys, time
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
import asyncio, aiohttp, nextcord, aiosqlite
before = rss()
started = time.perf_counter()
exec(sys.argv[1])
print(rss() - before, time.perf_counter() - started)
"""


def probe(*args: str) -> subprocess.CompletedProcess[str]:
    """`python ARGS` with the checkout importable, run outside it (a developer's `.env` there is never near it)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**inherited_environ(), "PYTHONPATH": str(ROOT)}
        return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=tmp, env=env, check=True)


def import_cost(statement: str, repeat: int = 3) -> tuple[float, float]:
    """Median (RSS delta in MB, seconds) of running `statement` in a fresh interpreter."""
    results = []
    for _ in range(repeat):
        out = probe("-c", PROBE, statement)
        delta, seconds = out.stdout.split()
        results.append((float(delta), float(seconds)))
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def top_imports(limit: int) -> list[tuple[str, float]]:
    """Import time of `import cli` by top-level package, each module's own time summed (python -X importtime)."""
    out = probe("-X", "importtime", "-c", "import cli")
    totals: dict[str, float] = {}
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, _, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        package = name.split(".")[0]
        totals[package] = totals.get(package, 0.0) + int(own) / 1e6
    return sorted(totals.items(), key=lambda item: -item[1])[:limit]


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def idle_rss(tmp: Path, after: float, env: dict[str, str]) -> tuple[float, float]:
    """(seconds from start to ready, RSS in MB `after` seconds after ready) of one `python bot.py`."""
    async with FakeDiscord() as fake:
        bot = BotProcess(fake, tmp, LOG_LEVEL="WARNING", **env)
        started = time.perf_counter()
        await bot.start()
        ready = time.perf_counter() - started
        assert bot.proc is not None
        # The quantity measured is "RSS this long after ready": a measured interval, not a wait for an event.
        await asyncio.sleep(after)
        rss = rss_mb(bot.proc.pid)
        assert await bot.stop() == 0, bot.log()[-2000:]
        return ready, rss


async def main(runs: int, after: float, http: bool) -> None:
    env = {"HTTP_PORT": str(free_port())} if http else {}
    samples = []
    for run in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            ready, rss = await idle_rss(Path(tmp), after, env)
        samples.append(rss)
        print(f"run {run + 1}: ready in {ready:.1f} s (fake's settle included), RSS {after:.0f} s after ready "
              f"{rss:.1f} MB")
    print(f"idle RSS {after:.0f} s after ready{' (HTTP endpoint on)' if http else ''}: median "
          f"{statistics.median(samples):.1f} MB, min {min(samples):.1f}, max {max(samples):.1f} "
          f"over {runs} run(s) (target <= 70 MB)")
    print("\nwhat each dependency adds to a process that already imported asyncio, aiohttp, nextcord, aiosqlite:")
    print(f"  {'dependency / first use':48} {'RSS':>8} {'time':>8}")
    for label, statement in COSTS:
        delta, seconds = import_cost(statement)
        print(f"  {label:48} {delta:6.1f} MB {seconds * 1000:6.0f} ms")
    print("\nimport time of `import cli` by top-level package (own times summed, python -X importtime):")
    for name, seconds in top_imports(12):
        print(f"  {name:30} {seconds * 1000:6.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--after", type=float, default=20.0, help="seconds after ready to read RSS")
    parser.add_argument("--http", action="store_true", help="with the HTTP endpoint on (HTTP_PORT)")
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.after, args.http))
