"""Podium: start the bot, or check its setup (`--check`), or print its invite link (`--invite-url`)."""

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

import nextcord
from nextcord.ext import commands

from cogs._discord_http import MajorKeyedHTTPClient
from cogs.announce_settings import AnnounceSettings
from cogs.dispatcher import DispatcherCog
from cogs.opt_out import OptOut
from cogs.remind_me import RemindMe
from cogs.schedule import Schedule
from db import Database, DatabaseError
from db.backup import BackupError, backup_file
from podium.clock import Clock, SystemClock
from podium.config import ConfigError, Settings, load_database_path, load_settings, warn_about_permissions
from podium.logs import configure as configure_log_output
from podium.logs import redact
from podium.metrics import Metrics
from podium.ops import OpsServer
from podium.outbox import Outbox
from podium.people import People
from podium.talks import TalkService, default_hooks

log = logging.getLogger("podium")

EXIT_CONFIG = 2
SHUTDOWN_SECONDS = 4.0

# What the bot needs in the announcement channel and talk threads; nothing more.
REQUIRED_PERMISSIONS = nextcord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    create_public_threads=True,
    send_messages_in_threads=True,
)


def intents() -> nextcord.Intents:
    """Guilds only: channels and roles for permission checks. No privileged intent is needed."""
    return nextcord.Intents(guilds=True)


# Podium has no voice features: without this nextcord warns about PyNaCl at every start.
nextcord.VoiceClient.warn_nacl = False


class PodiumBot(commands.Bot):
    """The nextcord Bot with Podium's settings, database and clock attached."""

    def __init__(self, settings: Settings, db: Database, clock: Clock, *, background: bool = True) -> None:
        super().__init__(
            intents=intents(),
            # Nothing pings unless a message opts in for the one user it is for.
            allowed_mentions=nextcord.AllowedMentions.none(),
            default_guild_ids=list(settings.guild_ids) or None,
        )
        # Rate limits per bucket AND channel, as Discord keeps them (nextcord 3.2 merges all channels).
        MajorKeyedHTTPClient.adopt(self.http)
        self.settings = settings
        self.db = db
        self.clock = clock
        self.outbox = Outbox(db)
        self.talks = TalkService(db, self.outbox, clock, default_hooks(self.outbox))
        self.people = People(db, self.outbox, clock)
        # Set once REST login succeeded: proactive sends need no gateway session, so they need not
        # wait the ~2 s nextcord takes to call on_ready.
        self.logged_in = asyncio.Event()
        self.announce_cog = AnnounceSettings(self, background=background)
        for cog in (Schedule(self), RemindMe(self), self.announce_cog, OptOut(self)):
            self.add_cog(cog)
        # Background loops only when really running (not for --check).
        self.dispatcher_cog = DispatcherCog(self) if background else None
        if self.dispatcher_cog is not None:
            self.add_cog(self.dispatcher_cog)

    async def stop_background(self) -> None:
        """Stop the loops; deliveries in flight are abandoned safely (retried with the same nonce at start)."""
        # A planning pass interrupted here rolls back whole; the next start plans again.
        self.announce_cog.planner.cancel()
        if self.dispatcher_cog is not None:
            await self.dispatcher_cog.stop()

    async def login(self, token: str) -> None:
        """Log in over REST, then let the dispatcher start."""
        await super().login(token)
        self.logged_in.set()

    async def on_ready(self) -> None:
        """Log once the gateway session is ready."""
        log.info("ready as %s (%s) in %d guild(s)", self.user, self.user.id if self.user else "?", len(self.guilds))

    async def on_application_command_error(
        self, interaction: nextcord.Interaction, exception: nextcord.ApplicationError
    ) -> None:
        """Log the failure with context and tell the user, privately, that it was not their fault."""
        command = interaction.application_command.qualified_name if interaction.application_command else "?"
        log.error(
            "command /%s failed (guild %s, user %s)",
            command,
            interaction.guild_id,
            interaction.user.id if interaction.user else "?",
            exc_info=exception,
        )
        with contextlib.suppress(nextcord.HTTPException):
            message = "Sorry, something went wrong on our side; nothing was changed. Please try again."
            if interaction.response.is_done():
                await interaction.followup.send(message, ephemeral=True)
            else:
                await interaction.response.send_message(message, ephemeral=True)


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
    scope = "guilds " + ", ".join(map(str, bot.settings.guild_ids)) if bot.settings.guild_ids else "global"
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


def gateway_connected(bot: PodiumBot) -> bool:
    """The gateway session is up: READY was received and the websocket is open (False while reconnecting)."""
    ws = bot.ws
    return bot.is_ready() and not bot.is_closed() and ws is not None and ws.open


def log_event_errors(bot: PodiumBot) -> None:
    """Route errors in event handlers through logging (nextcord's default prints raw text to stderr)."""
    # Only when PodiumBot does not define its own handler.
    if type(bot).on_error is not nextcord.Client.on_error:
        return

    async def on_error(event_method: str, *args: object, **kwargs: object) -> None:
        log.exception("unhandled error in %s", event_method)

    bot.on_error = on_error  # type: ignore[method-assign]


def command_names(bot: PodiumBot) -> list[str]:
    """The qualified name of every runnable slash command ("schedule add" for a subcommand)."""
    names: list[str] = []

    def walk(command: object, prefix: str) -> None:
        name = f"{prefix}{getattr(command, 'name', '')}"
        children = getattr(command, "children", {})
        if not children:
            names.append(name)
        for child in children.values():
            walk(child, f"{name} ")

    for command in bot.get_all_application_commands():
        walk(command, "")
    return sorted(names)


def instrument(bot: PodiumBot) -> Metrics:
    """Feed the dispatcher's metrics with command outcomes and live gateway readings."""
    assert bot.dispatcher_cog is not None
    dispatcher = bot.dispatcher_cog.dispatcher
    metrics = dispatcher.metrics
    metrics.known_commands(command_names(bot))
    metrics.bind(
        gateway_latency=lambda: bot.latency,
        gateway_connected=lambda: gateway_connected(bot),
        last_step=lambda: dispatcher.last_step_at.timestamp() if dispatcher.last_step_at else None,
        in_flight=lambda: len(dispatcher.in_flight),
        last_success=lambda: dispatcher.last_success_at.timestamp() if dispatcher.last_success_at else None,
    )

    def name_of(interaction: nextcord.Interaction) -> str:
        command = interaction.application_command
        return command.qualified_name if command is not None else "?"

    # Listeners, not the on_* methods: PodiumBot's own error handler keeps working.
    async def completed(interaction: nextcord.Interaction) -> None:
        metrics.command_ran(name_of(interaction), failed=False)

    async def failed(interaction: nextcord.Interaction, exception: Exception) -> None:
        metrics.command_ran(name_of(interaction), failed=True)

    bot.add_listener(completed, "on_application_command_completion")
    bot.add_listener(failed, "on_application_command_error")
    return metrics


async def start_ops_server(bot: PodiumBot, settings: Settings) -> OpsServer:
    """Serve /healthz, /metrics (and the cron trigger) on HTTP_HOST:HTTP_PORT."""
    assert bot.dispatcher_cog is not None and settings.http_port is not None
    server = OpsServer(
        db=bot.db,
        outbox=bot.outbox,
        dispatcher=bot.dispatcher_cog.dispatcher,
        metrics=instrument(bot),
        clock=bot.clock,
        gateway_connected=lambda: gateway_connected(bot),
        logged_in=bot.logged_in.is_set,
        cron_secret=settings.cron_secret,
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
        bot = PodiumBot(settings, db, SystemClock(), background=False)
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
    bot = PodiumBot(settings, db, SystemClock())
    log_event_errors(bot)
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
        if args.check:
            return asyncio.run(check(settings))
        return asyncio.run(run(settings))
    except ConfigError as exc:
        return fail("configuration error", exc, secrets)
    except DatabaseError as exc:
        return fail("database error", exc, secrets)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
