"""Soak: minutes of mixed proactive messages, random faults at the fake Discord, two kill -9 restarts.

Run: .venv/bin/python bench/soak.py [--minutes 30] [--rate 2] [--seed 7] [--log FILE]
Targets (issues 7 and 19): every row accounted for by its final state and reason, 0 unexplained, 0 duplicated;
RSS growth < 10 % (of the process that runs to the end, measured from WARMUP_SECONDS after its start). Not in CI.

What it does: queues DMs (personal reminders) and channel posts over the whole run, plus a few rows written while
the bot runs by this (other) process. Every few seconds it injects a fault at the fake (500, 503 or 429 on
message posts, 500 or 503 on opening DM channels, closed DMs = 403 50007), polls /healthz and /metrics, and now
and then calls the cron trigger. At 15 % and 30 % of the run it kills the bot with SIGKILL and starts it again.
Then it stops injecting faults, waits until no row is pending or being sent, and accounts for every row.

A personal reminder to a member whose DMs are closed is not posted in the announcement channel: it goes only
where the member could post (issue 12), and these rows name no channel, so they end `skipped` ("DMs refused and
no channel it may go to"). That is the rule working, not a loss: the report counts each row under its final
state and reason, checked against what the fake received, and only what contradicts the record is unexplained
(sent but not at the fake, at the fake but not recorded sent, posted twice, or not finished).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import random
import re
import socket
import sqlite3
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

import aiohttp
from _common import MESSAGES_ROUTE, now, percentile, rss_mb, summary_ms

from db import Database
from podium.clock import to_ms
from podium.delivery.outbox import Outbox, OutboxMessage
from tests.botprocess import BotProcess
from tests.fake_discord import GENERAL_CHANNEL_ID, GUILD_ID, FakeChannel, FakeDiscord, FakeGuild

LEAD_SECONDS = 10.0  # the first rows are due this long after the bot starts
KILLS_AT = (0.15, 0.30)  # fractions of the run
WARMUP_SECONDS = 20.0  # RSS "at start" is read this long after the last start (imports, caches, first sync)
USERS = 300
EXTRA_CHANNELS = 4
SECRET = "soak-cron-secret-0123456789abcdef"
DM_ROUTE = "/users/@me/channels"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def save_log(path: Path, text: str) -> None:
    """Write the bot's log to `path`."""
    path.write_text(text, encoding="utf-8")


class Soak:
    """One soak run: the fake, the bot process, the queue and what was observed."""

    def __init__(self, minutes: float, rate: float, seed: int, tmp: Path) -> None:
        self.duration = minutes * 60
        self.rate = rate
        self.rng = random.Random(seed)
        self.tmp = tmp
        self.db_path = tmp / "podium.db"
        self.port = free_port()
        self.channels = [GENERAL_CHANNEL_ID] + [GUILD_ID + 100 + i for i in range(EXTRA_CHANNELS)]
        guild = FakeGuild(
            channels=[FakeChannel(id=GENERAL_CHANNEL_ID, name="general")]
            + [FakeChannel(id=c, name=f"talks-{n}") for n, c in enumerate(self.channels[1:])]
        )
        self.fake = FakeDiscord(guilds=[guild], global_limit_per_s=50)
        self.users = [500000000000000000 + i for i in range(USERS)]
        self.due: dict[str, float] = {}  # nonce -> due (unix s), for rows queued before the start
        self.live_nonces: set[str] = set()
        self.faults: collections.Counter[str] = collections.Counter()
        self.health: collections.Counter[int | str] = collections.Counter()
        self.triggers: collections.Counter[int | str] = collections.Counter()
        self.rss: list[tuple[int, float, float]] = []  # (start number, seconds since that start, MB)
        self.started_at: list[float] = []
        self.bot: BotProcess | None = None

    # -- the queue --------------------------------------------------------------------------------------

    def message(self, key: str, due_at) -> OutboxMessage:
        """A DM (60 %) or a channel post (40 %), due at `due_at`."""
        if self.rng.random() < 0.6:
            return OutboxMessage(
                kind="personal_reminder",
                dedupe_key=key,
                due_at=due_at,
                target_type="dm",
                guild_id=GUILD_ID,  # no channel: closed DMs make it skipped (issue 12), not a channel post
                user_id=self.rng.choice(self.users),
                payload={"text": f"soak {key}"},
            )
        return OutboxMessage(
            kind="test",
            dedupe_key=key,
            due_at=due_at,
            target_type="channel",
            guild_id=GUILD_ID,
            channel_id=self.rng.choice(self.channels),
            payload={"text": f"soak {key}"},
        )

    async def queue_initial(self, start) -> int:
        """Every row of the run, due at random instants over it, queued before the bot starts."""
        count = int(self.duration * self.rate)
        messages = [
            self.message(f"soak-{n}", start + timedelta(seconds=self.rng.uniform(0, self.duration)))
            for n in range(count)
        ]
        db = await Database.open(self.db_path)
        try:
            outbox = Outbox(db)
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO guild_settings (guild_id, announce_channel_id, created_at_ms, updated_at_ms)"
                    " VALUES (?, ?, 0, 0)",
                    (GUILD_ID, GENERAL_CHANNEL_ID),
                )
                for message in messages:
                    row_id = await outbox.enqueue(tx, message, now=now())
                    self.due[f"podium-{row_id}"] = message.due_at.timestamp()
        finally:
            await db.close()
        return count

    async def queue_live(self, stop: asyncio.Event) -> None:
        """A few rows written by this process while the bot runs (found by the safety tick or the trigger)."""
        db = await Database.open(self.db_path)
        outbox = Outbox(db)
        n = 0
        try:
            while not stop.is_set():
                await asyncio.sleep(self.rng.uniform(5, 15))
                async with db.transaction() as tx:
                    for _ in range(self.rng.randint(1, 3)):
                        n += 1
                        row_id = await outbox.enqueue(
                            tx,
                            self.message(f"live-{n}", now() + timedelta(seconds=self.rng.uniform(0, 20))),
                            now=now(),
                        )
                        self.live_nonces.add(f"podium-{row_id}")
        finally:
            await db.close()

    # -- disturbances -----------------------------------------------------------------------------------

    def inject_fault(self) -> None:
        """One random fault at the fake."""
        choice = self.rng.random()
        if choice < 0.25:
            self.fake.fail("POST", MESSAGES_ROUTE, status=500, times=self.rng.randint(1, 2))
            self.faults["500 on a post"] += 1
        elif choice < 0.45:
            self.fake.fail("POST", MESSAGES_ROUTE, status=503, times=self.rng.randint(1, 2))
            self.faults["503 on a post"] += 1
        elif choice < 0.65:
            self.fake.fail("POST", MESSAGES_ROUTE, status=429, retry_after=round(self.rng.uniform(0.5, 2.0), 2))
            self.faults["429 on a post"] += 1
        elif choice < 0.80:
            self.fake.fail("POST", DM_ROUTE, status=self.rng.choice((500, 503)))
            self.faults["5xx on opening a DM"] += 1
        else:
            # Closed DMs: 403 50007 from then on, until reopened; the message goes to the channel instead.
            self.fake.closed_dms = set(self.rng.sample(self.users, k=USERS // 50))
            self.faults["DMs closed (403 50007) for 2 % of users"] += 1

    async def disturb(self, stop: asyncio.Event) -> None:
        """Faults every few seconds; health and metrics polled; the cron trigger now and then."""
        last_trigger = time.monotonic()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=70)) as session:
            while not stop.is_set():
                await asyncio.sleep(self.rng.uniform(3, 8))
                self.inject_fault()
                base = f"http://127.0.0.1:{self.port}"
                try:
                    async with session.get(f"{base}/healthz") as response:
                        self.health[response.status] += 1
                    async with session.get(f"{base}/metrics") as response:
                        await response.read()
                    if time.monotonic() - last_trigger > 30:
                        last_trigger = time.monotonic()
                        headers = {"X-Cron-Secret": SECRET}
                        async with session.post(f"{base}/api/proactive/run", headers=headers) as response:
                            self.triggers[response.status] += 1
                except aiohttp.ClientError:
                    self.health["no answer"] += 1  # during a restart

    async def sample_rss(self, stop: asyncio.Event) -> None:
        """RSS of the current bot process every 5 s."""
        while not stop.is_set():
            bot = self.bot
            if bot is not None and bot.proc is not None and bot.proc.returncode is None:
                try:
                    mb = rss_mb(bot.proc.pid)
                except (OSError, RuntimeError):
                    mb = None
                if mb is not None:
                    self.rss.append((bot.starts, time.monotonic() - self.started_at[-1], mb))
            await asyncio.sleep(5)

    async def start_bot(self) -> None:
        """Start (or restart) the bot process."""
        assert self.bot is not None
        self.started_at.append(time.monotonic())
        await self.bot.start(wait_ready=False)

    # -- the run ----------------------------------------------------------------------------------------

    async def run(self, log_to: Path | None) -> bool:
        """Run, drain, report; True when the targets are met."""
        await self.fake.start()
        try:
            return await self._run(log_to)
        finally:
            await self.fake.stop()

    async def _run(self, log_to: Path | None) -> bool:
        for user_id in self.users:
            self.fake.add_user(user_id, f"u{user_id % 100000}")
        start = now() + timedelta(seconds=LEAD_SECONDS)
        count = await self.queue_initial(start)
        print(
            f"soak: {count} messages due over {self.duration / 60:.1f} min, faults every 3-8 s, "
            f"kill -9 at {', '.join(f'{k:.0%}' for k in KILLS_AT)} of the run"
        )
        self.bot = BotProcess(
            self.fake,
            self.tmp,
            LOG_LEVEL="INFO",
            HTTP_PORT=str(self.port),
            CRON_SECRET=SECRET,
            RETRY_BASE_SECONDS="1",
        )
        await self.start_bot()
        stop = asyncio.Event()
        helpers = [
            asyncio.create_task(self.disturb(stop)),
            asyncio.create_task(self.sample_rss(stop)),
            asyncio.create_task(self.queue_live(stop)),
        ]
        run_started = time.monotonic()
        for fraction in KILLS_AT:
            await asyncio.sleep(max(0.0, LEAD_SECONDS + fraction * self.duration - (time.monotonic() - run_started)))
            await self.bot.kill()
            print(f"  {time.monotonic() - run_started:6.1f} s: kill -9; restarting")
            await self.start_bot()
        await asyncio.sleep(max(0.0, LEAD_SECONDS + self.duration - (time.monotonic() - run_started)))
        stop.set()
        await asyncio.gather(*helpers)
        rss_end = rss_mb(self.bot.proc.pid)
        self.fake.clear_faults()
        self.fake.closed_dms = set()
        expected = set(self.due) | self.live_nonces
        # Retries back off 1, 4, 16, 64, 256 s (RETRY_BASE_SECONDS=1): a row hit 5 times needs ~6 minutes.
        drained = await self._drain(within=420)
        exit_code = await self.bot.stop()
        if log_to:
            save_log(log_to, self.bot.log())
        return self.report(expected, drained, exit_code, rss_end)

    def _rows(self) -> list[sqlite3.Row]:
        """Every outbox row, read straight from the file (WAL: the bot keeps writing meanwhile)."""
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(
                "SELECT id, kind, state, last_error, message_id, attempts, next_attempt_at_ms FROM outbox"
            ).fetchall()
        finally:
            conn.close()

    async def _drain(self, within: float) -> float:
        """Wait until no row is being sent or due (or `within` s); how long it took."""
        began = time.monotonic()
        while time.monotonic() - began < within:
            if not [a for a in account(self._rows(), collections.Counter()) if a.outcome.startswith("not finished")]:
                break
            await asyncio.sleep(0.5)
        return time.monotonic() - began

    def report(self, expected: set[str], drained: float, exit_code: int, rss_end: float) -> bool:
        """Print the figures; True when every row is explained, none duplicated, and RSS growth < 10 %."""
        per_nonce = collections.Counter(m.nonce for m in self.fake.messages)
        rows = self._rows()
        accounts = account(rows, per_nonce, now_ms=to_ms(now()))
        ours = [a for a in accounts if f"podium-{a.row_id}" in expected]
        queued_by_the_bot = [a for a in accounts if f"podium-{a.row_id}" not in expected]
        missing = expected - {f"podium-{a.row_id}" for a in accounts}
        delivered = {f"podium-{a.row_id}" for a in ours if a.outcome == "delivered"}
        duplicated = sum(1 for a in accounts if a.copies > 1)
        unexplained = [a for a in accounts if a.unexplained] + [Account(0, "?", "missing", n, 0, True) for n in missing]
        first_post: dict[str, float] = {}
        reposts = collections.Counter()
        for request in self.fake.requests:
            if request.route == MESSAGES_ROUTE and request.method == "POST" and isinstance(request.json, dict):
                nonce = request.json.get("nonce")
                first_post.setdefault(nonce, request.at)
                if request.status == 200:
                    reposts[nonce] += 1
        lateness = [first_post[n] - self.due[n] for n in self.due if n in first_post]
        statuses = collections.Counter(r.status for r in self.fake.requests)
        last = self.bot.starts if self.bot else 0
        last_segment = [(t, mb) for start, t, mb in self.rss if start == last and t >= WARMUP_SECONDS]
        rss_start = last_segment[0][1] if last_segment else float("nan")
        growth = (rss_end - rss_start) / rss_start * 100
        first = [(t, mb) for start, t, mb in self.rss if start == 1]
        first_warm = [(t, mb) for t, mb in first if t >= WARMUP_SECONDS] or first[-1:]
        print(
            f"rows queued {len(expected)} ({len(self.due)} ahead, {len(self.live_nonces)} while running), "
            f"delivered {len(delivered)}, duplicated {duplicated}, unexplained {len(unexplained)}"
        )
        for (outcome, reason), n in sorted(collections.Counter((a.outcome, a.reason) for a in ours).items()):
            print(f"    {n:5d} {outcome}{': ' + reason if reason else ''}")
        if queued_by_the_bot:
            print(f"  rows the bot queued itself (its plans, log-channel lines): {len(queued_by_the_bot)}")
            for (kind, outcome, reason), n in sorted(
                collections.Counter((a.kind, a.outcome, a.reason) for a in queued_by_the_bot).items()
            ):
                print(f"    {n:5d} {kind} {outcome}{': ' + reason if reason else ''}")
        print(f"  drained {drained:.1f} s after the run; bot exit code on SIGTERM: {exit_code}")
        print(
            f"  re-sent with the same nonce (answered by Discord's nonce check, not posted twice): "
            f"{sum(1 for n in reposts if reposts[n] > 1)}"
        )
        print(
            f"  lateness of the {len(lateness)} rows queued ahead: {summary_ms(lateness)}; "
            f"p90 {percentile(lateness, 90) * 1000:.0f} ms (rows due while the bot was down are late by design)"
        )
        print(f"  faults injected: {dict(self.faults)}")
        print(f"  fake's answers: {dict(sorted(statuses.items()))}")
        print(f"  /healthz: {dict(self.health)}; cron trigger: {dict(self.triggers)}")
        print(
            f"  RSS: first process {first_warm[0][1]:.1f} MB {first_warm[0][0]:.0f} s after its start; "
            f"last process (start {last}) "
            f"{rss_start:.1f} MB {WARMUP_SECONDS:.0f} s after its start, {rss_end:.1f} MB at the end "
            f"({growth:+.1f} %)"
        )
        if unexplained:
            print(f"  UNEXPLAINED: {[(a.row_id, a.outcome, a.reason) for a in unexplained[:20]]}")
        ok = not unexplained and duplicated == 0 and growth < 10 and exit_code == 0
        print(
            "  targets (every row accounted for: 0 unexplained, 0 duplicated; RSS growth < 10 %, clean exit): "
            + ("MET" if ok else "NOT MET")
        )
        return ok


class Account(NamedTuple):
    """What became of one row: its outcome, its reason (numbers left out so alike ones group), copies posted."""

    row_id: int
    kind: str
    outcome: str
    reason: str
    copies: int
    unexplained: bool


def _reason(text: str | None) -> str:
    """A row's recorded reason with ids, counts and times taken out (so alike reasons group)."""
    return re.sub(r"\d+(\.\d+)?", "N", text or "")[:160]


def account(rows: list[sqlite3.Row], per_nonce: collections.Counter[str], now_ms: int | None = None) -> list[Account]:
    """Each row by its final state and reason, checked against the messages the fake received with its nonce.

    Explained: `sent` with exactly one message at the fake (delivered); skipped / failed / expired / cancelled
    with none; never tried and due after the run (the bot's own plans: next week's summary). Unexplained: sent but
    not at the fake, at the fake but recorded otherwise, posted more than once, or still due or being sent.
    """
    now_ms = now_ms if now_ms is not None else to_ms(now())
    accounts = []
    for row in rows:
        copies = per_nonce.get(f"podium-{row['id']}", 0)
        state = row["state"]
        if state == "sent":
            outcome, reason, bad = "delivered", "", copies != 1
            if copies == 0:
                reason = "recorded sent, but no message with its nonce at the fake"
        elif state in ("skipped", "failed", "expired", "cancelled"):
            outcome, reason, bad = state, _reason(row["last_error"]), copies != 0
            if copies:
                reason = f"recorded {state}, but posted: {reason}"
        elif state == "pending" and row["attempts"] == 0 and row["next_attempt_at_ms"] > now_ms + 60_000 and not copies:
            outcome, reason, bad = "scheduled for later", "", False
        else:
            outcome, reason, bad = f"not finished ({state})", _reason(row["last_error"]), True
        accounts.append(Account(row["id"], row["kind"], outcome, reason, copies, bad or copies > 1))
    return accounts


async def main(minutes: float, rate: float, seed: int, log_to: Path | None) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        ok = await Soak(minutes, rate, seed, Path(tmp)).run(log_to)
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=2.0, help="messages per second, on average")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--log", type=Path, help="save the bot's log here")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.minutes, args.rate, args.seed, args.log)))
