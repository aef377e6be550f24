"""Podium's command line: `python bot.py [options]` comes here.

Run the bot, or check its setup (`--check`), print its invite link (`--invite-url`), or back up the live
database (`--backup PATH`).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import nextcord

from bot import REQUIRED_PERMISSIONS, PodiumBot, create_bot
from cogs._nextcord_internals import require_nextcord_internals
from db import Database, DatabaseError
from db.backup import BackupError, backup_file
from podium.clock import Clock, FileClock, SystemClock
from podium.config import ConfigError, Settings, load_database_path, load_settings, warn_about_permissions
from podium.logs import configure as configure_log_output
from podium.logs import redact

if TYPE_CHECKING:
    from podium.ops import OpsServer

log = logging.getLogger("podium")

EXIT_CONFIG = 2
SHUTDOWN_SECONDS = 4.0


def application_id_from_token(token: str) -> int:
    """The application (client) id encoded in the first part of a bot token."""
    first = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(first + "=" * (-len(first) % 4), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ConfigError(
            "DISCORD_TOKEN does not look like a bot token (cannot read the application id from it)"
        ) from exc
    if not decoded.isdigit():
        raise ConfigError("DISCORD_TOKEN does not look like a bot token (cannot read the application id from it)")
    return int(decoded)


def invite_url(application_id: int) -> str:
    """The OAuth2 link that adds the bot to a server with exactly the permissions it needs."""
    return (
        "https://discord.com/oauth2/authorize"
        f"?client_id={application_id}&scope=bot+applications.commands&permissions={REQUIRED_PERMISSIONS.value}"
    )


def describe_commands(bot: PodiumBot) -> list[str]:
    """One line per slash command (and subcommand) the bot would register."""
    lines = []
    guild_ids = bot.services.settings.guild_ids
    scope = "guilds " + ", ".join(map(str, guild_ids)) if guild_ids else "global"
    for command in sorted(bot.get_all_application_commands(), key=lambda c: c.name or ""):
        lines.append(f"/{command.name} — {command.description} [{scope}]")
        for child in sorted(getattr(command, "children", {}).values(), key=lambda c: c.name or ""):
            lines.append(f"  /{command.name} {child.name} — {child.description}")
    return lines


def configure_logging(level: str, fmt: str = "text", secrets: Sequence[str | None] = ()) -> None:
    """One line per record on stderr: plain text, or a JSON object with LOG_FORMAT=json; secrets redacted."""
    configure_log_output(level, fmt, secrets=secrets)
    # nextcord's gateway chatter at DEBUG would drown everything else, and its HTTP client logs at
    # INFO each time the dispatcher finds a rate-limit bucket busy (it then waits; that is normal).
    if level == "DEBUG":
        logging.getLogger("nextcord.gateway").setLevel(logging.INFO)
    else:
        logging.getLogger("nextcord.http").setLevel(logging.WARNING)


async def start_ops_server(bot: PodiumBot, settings: Settings) -> OpsServer:
    """Serve /healthz, /metrics (and the cron trigger) on HTTP_HOST:HTTP_PORT."""
    assert settings.http_port is not None
    # aiohttp's server (~2 MB) is loaded only by those who turn the endpoint on.
    from podium.ops import OpsServer

    services = bot.services
    server = OpsServer(
        db=services.db,
        outbox=services.outbox,
        dispatcher=services.dispatcher,
        metrics=services.metrics,
        clock=services.clock,
        gateway_connected=bot.gateway_connected,
        logged_in=bot.logged_in.is_set,
        cron_secret=settings.cron_secret,
        calendars=services.calendars,
        calendar_name=bot.calendar_name,
        pages=services.pages,
    )
    try:
        await server.start(settings.http_host, settings.http_port)
    except OSError as exc:
        raise ConfigError(
            f"HTTP_PORT: cannot listen on {settings.http_host}:{settings.http_port}: {exc.strerror or exc}"
        ) from exc
    return server


def backup(target: str) -> int:
    """`--backup PATH`: copy the live database (DATABASE_PATH) safely, print what was written."""
    try:
        source = load_database_path()
        result = backup_file(source, target, now=datetime.now(UTC))
    except ConfigError as exc:
        return fail("configuration error", exc)
    except BackupError as exc:
        return fail("backup failed", exc)
    print(f"backup of {source} written to {result.path} (schema version {result.version})")
    for table, count in result.counts.items():
        print(f"  {table}: {count} row(s)")
    return 0


async def check(settings: Settings) -> int:
    """Open and migrate the database and list the commands, without connecting to Discord."""
    db = await Database.open(settings.database_path)
    try:
        bot = create_bot(settings, db, SystemClock(), background=False)
        print(f"configuration OK; database {settings.database_path} at schema version {db.version}")
        print("slash commands that would be registered:")
        for line in describe_commands(bot):
            print(f"  {line}")
        await bot.http.close()
    finally:
        await db.close()
    return 0


async def run(settings: Settings) -> int:
    """Run the bot until SIGTERM/SIGINT, then shut down cleanly."""
    if settings.api_base:
        # Route.BASE is read when each Route is built, so this redirects every REST call.
        nextcord.http.Route.BASE = settings.api_base
    db = await Database.open(settings.database_path)
    clock: Clock = FileClock(settings.clock_file) if settings.clock_file else SystemClock()
    bot = create_bot(settings, db, clock)
    ops: OpsServer | None = None
    if settings.http_port is not None:
        try:
            ops = await start_ops_server(bot, settings)
        except BaseException:
            await bot.stop_background()
            await bot.http.close()
            await db.close()
            raise
    elif settings.cron_secret:
        log.warning("CRON_SECRET is set but HTTP_PORT is not: the trigger endpoint is off")

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    runner = asyncio.create_task(bot.start(settings.token), name="podium-gateway")
    stopper = asyncio.create_task(stop.wait(), name="podium-stop")
    await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
    exit_code = 0
    if runner.done() and runner.exception() is not None:
        exc = runner.exception()
        if isinstance(exc, nextcord.LoginFailure):
            log.error("Discord refused the token (DISCORD_TOKEN): %s", exc)
        else:
            log.error("the bot stopped unexpectedly", exc_info=exc)
        exit_code = 1
    else:
        log.info("stopping")
    stopper.cancel()
    if ops is not None:
        await ops.stop()  # no trigger may start deliveries while they are being abandoned
    await bot.stop_background()
    try:
        await asyncio.wait_for(bot.close(), timeout=SHUTDOWN_SECONDS)
    except TimeoutError:
        log.warning("Discord connection did not close within %.0f s; exiting anyway", SHUTDOWN_SECONDS)
    runner.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await runner
    await db.close()
    log.info("stopped")
    return exit_code


def fail(what: str, exc: Exception, secrets: Sequence[str | None] = ()) -> int:
    """Print one `podium: <what>: <why>` line on stderr, secrets redacted; return EXIT_CONFIG."""
    # Printed, not logged: logging may not be set up yet. Whatever the message quotes (a path, a value),
    # the token and the cron secret, as far as they are known here, never reach the terminal.
    known = (*secrets, *(os.environ.get(name, "").strip() for name in ("DISCORD_TOKEN", "CRON_SECRET")))
    print(redact(f"podium: {what}: {exc}", known), file=sys.stderr)
    return EXIT_CONFIG


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="bot.py", description="Podium, the Discord bot for communities that run talks"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="validate config, migrate the DB, list commands, exit")
    mode.add_argument("--invite-url", action="store_true", help="print the link that adds the bot to a server")
    mode.add_argument(
        "--backup",
        metavar="PATH",
        # A str, not a Path: Path("backups/") drops the "/" that says it is a folder.
        help="copy the live database (safe while the bot runs) to PATH, a file or a folder "
        "(ends with / or has no .db suffix; created if missing), and exit",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: returns the process exit code."""
    args = parse_args(argv)
    if args.backup is not None:
        # Before load_settings: a backup needs only DATABASE_PATH, not the token.
        return backup(args.backup)
    try:
        settings = load_settings()
    except ConfigError as exc:
        return fail("configuration error", exc)
    secrets = (settings.token, settings.cron_secret)
    configure_logging(settings.log_level, settings.log_format, secrets=secrets)
    warn_about_permissions(settings.database_path)
    try:
        if args.invite_url:
            print(invite_url(application_id_from_token(settings.token)))
            return 0
        # Podium overrides and reads private parts of nextcord: on another version it refuses to start, before
        # it creates or migrates anything.
        require_nextcord_internals()
        if args.check:
            return asyncio.run(check(settings))
        return asyncio.run(run(settings))
    except ConfigError as exc:
        return fail("configuration error", exc, secrets)
    except DatabaseError as exc:
        return fail("database error", exc, secrets)
    except KeyboardInterrupt:
        return 0
