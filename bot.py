"""Podium: start the bot, or check its setup (`--check`), or print its invite link (`--invite-url`)."""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence

import nextcord
from nextcord.ext import commands

from cogs.announce_settings import AnnounceSettings
from cogs.dispatcher import DispatcherCog
from cogs.opt_out import OptOut
from cogs.remind_me import RemindMe
from cogs.schedule import Schedule
from db import Database, DatabaseError
from podium.clock import Clock, SystemClock
from podium.config import ConfigError, Settings, load_settings
from podium.outbox import Outbox

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
        self.settings = settings
        self.db = db
        self.clock = clock
        self.outbox = Outbox(db)
        # Set once REST login succeeded: proactive sends need no gateway session, so they need not
        # wait the ~2 s nextcord takes to call on_ready.
        self.logged_in = asyncio.Event()
        for cog in (Schedule(), RemindMe(), AnnounceSettings(), OptOut()):
            self.add_cog(cog)
        # Background loops only when really running (not for --check).
        self.dispatcher_cog = DispatcherCog(self) if background else None
        if self.dispatcher_cog is not None:
            self.add_cog(self.dispatcher_cog)

    async def stop_background(self) -> None:
        """Stop the loops; deliveries in flight are abandoned safely (retried with the same nonce at start)."""
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


def configure_logging(level: str) -> None:
    """Plain one-line records on stderr."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # nextcord's gateway chatter at DEBUG would drown everything else, and its HTTP client logs at
    # INFO each time the dispatcher finds a rate-limit bucket busy (it then waits; that is normal).
    if level == "DEBUG":
        logging.getLogger("nextcord.gateway").setLevel(logging.INFO)
    else:
        logging.getLogger("nextcord.http").setLevel(logging.WARNING)


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


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="bot.py", description="Podium, the Discord bot for communities that run talks"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="validate config, migrate the DB, list commands, exit")
    mode.add_argument("--invite-url", action="store_true", help="print the link that adds the bot to a server")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: returns the process exit code."""
    args = parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"podium: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level)
    try:
        if args.invite_url:
            print(invite_url(application_id_from_token(settings.token)))
            return 0
        if args.check:
            return asyncio.run(check(settings))
        return asyncio.run(run(settings))
    except ConfigError as exc:
        print(f"podium: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except DatabaseError as exc:
        print(f"podium: database error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
