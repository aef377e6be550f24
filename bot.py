"""Podium's composition root: the nextcord Bot, and every service built once and handed to the cogs.

Run it with `python bot.py` (options: `--check`, `--invite-url`, `--backup PATH`): cli.py parses them and runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from typing import Any, ClassVar, cast

import nextcord
from nextcord.ext import commands

from cogs._components import ComponentRouter, custom_id_of
from cogs._confirm import CONFIRM_PREFIX, answer_late_click
from cogs._discord_http import MajorKeyedHTTPClient
from cogs._localizations import localize_commands
from cogs._nextcord_transport import NextcordTransport
from cogs._replies import reply_ephemeral, stores_nothing
from cogs._time_questions import TimeQuestions, leaf_command
from cogs.announce_settings import AnnounceSettings
from cogs.audience import AudienceCog
from cogs.delivery_loop import DeliveryLoop
from cogs.feedback import FeedbackCog, voice_members
from cogs.help import Help
from cogs.opt_out import OptOut
from cogs.planner_loop import PlannerLoop
from cogs.remind_me import RemindMe
from cogs.review import Review
from cogs.schedule import Schedule
from cogs.scheduled_events import ScheduledEventsCog
from cogs.series import SeriesCog
from cogs.slots import SlotsCog
from db import Database
from podium import i18n, markup, posts, privacy
from podium.archive import Archive
from podium.audience import Audience
from podium.calendar_feed import MEMBER_FEED_NAME, SERVER_FEED_NAME, Calendars, Feed
from podium.clock import Clock
from podium.config import Settings
from podium.cooldown import Cooldown
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox
from podium.delivery.pacing import Pacer
from podium.errors import Text, UserError
from podium.feedback import Feedback
from podium.guild_settings import GuildSettingsService
from podium.metrics import Metrics
from podium.people import People
from podium.planner import Planner
from podium.scheduled_events import ScheduledEvents
from podium.series import SeriesService
from podium.services import Services
from podium.talk_page import TalkPages
from podium.talks import TalkService, composed_hooks
from podium.timeparse import AmbiguousTimeError
from podium.workflow import Workflow

log = logging.getLogger("podium")

# What the bot needs in the announcement channel and talk threads; nothing more.
REQUIRED_PERMISSIONS = nextcord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    create_public_threads=True,
    send_messages_in_threads=True,
    # Mirror talks as scheduled events (/announce-settings events). Editing events the bot did not make
    # (/schedule import) also needs Manage Events: asked for by that command, not by the invite.
    create_events=True,
    # Who moved or cancelled a talk's event in Discord's Events (the audit log): without it such changes are put
    # back, since Podium cannot tell whether the speaker or a moderator made them.
    view_audit_log=True,
)
SORRY = i18n.N_("Sorry, something went wrong on our side; nothing was changed. Please try again.")


def intents() -> nextcord.Intents:
    """Guilds (channels and roles for permission checks), scheduled events and voice states; none is privileged."""
    # guild_scheduled_events (1 << 16): "Interested" clicks and moderators' changes to talks' events.
    # guild_voice_states (1 << 7): who came to a talk in the events' stage or voice channel (podium/feedback.py).
    return nextcord.Intents(guilds=True, scheduled_events=True, voice_states=True)


# Podium has no voice features: without this nextcord warns about PyNaCl at every start.
nextcord.VoiceClient.warn_nacl = False


class PodiumBot(commands.Bot):
    """The nextcord Bot; builds Podium's services once and gives them to its cogs."""

    # nextcord's Bot and AutoShardedBot each initialise their client by name instead of through super(): the
    # one to run is named here (ShardedPodiumBot's MRO has Bot before AutoShardedBot).
    _gateway_client: ClassVar[type[commands.Bot] | type[commands.AutoShardedBot]] = commands.Bot

    def __init__(self, settings: Settings, db: Database, clock: Clock, *, background: bool = True) -> None:
        self._gateway_client.__init__(
            cast(Any, self),  # a PodiumBot is the one of the two classes named in _gateway_client
            intents=intents(),
            # Nothing pings unless a message opts in for the one user it is for.
            allowed_mentions=nextcord.AllowedMentions.none(),
            default_guild_ids=list(settings.guild_ids) or None,
            guild_ready_timeout=settings.guild_ready_timeout,
            **self._gateway_options(settings),
        )
        # Rate limits per bucket AND channel, as Discord keeps them (nextcord 3.2 merges all channels).
        MajorKeyedHTTPClient.adopt(self.http)
        # Set once REST login succeeded: proactive sends need no gateway session, so they need not
        # wait the ~2 s nextcord takes to call on_ready.
        self.logged_in = asyncio.Event()
        self.services = self._build_services(settings, db, clock)
        services = self.services
        # Typed times with two readings are asked about with buttons (cogs/_time_questions.py).
        self.time_questions = TimeQuestions(self._connection)
        self.add_listener(self._on_component, "on_interaction")
        # A member's language is stored once what they did has worked: a refused command stores nothing (a
        # listener on every interaction raced the refusal and wrote a users row for bad input).
        self.add_listener(self._remember_locales, "on_application_command_completion")
        self.add_listener(self._remember_locales_of_click, "on_interaction")
        for cog in (
            Schedule(services),
            RemindMe(services),
            AnnounceSettings(services),
            OptOut(services),
            AudienceCog(services),
            Review(services),
            FeedbackCog(services, self),
            Help(services),
            ScheduledEventsCog(services, self),
            SeriesCog(services),
            SlotsCog(services),
        ):
            self.add_cog(cog)
        # Every click on a declared custom id, to the one handler that answers it (checked here, at start).
        self.components = ComponentRouter(services, self.cogs.values())
        # German (and every other catalogue's) names and descriptions, sent with the commands when they are synced.
        localize_commands(self.get_all_application_commands())
        # Command names in messages become clickable mentions once Discord has given the commands their ids.
        markup.set_command_lookup(self.command_id)
        # Background loops only when really running (not for --check).
        self.delivery_loop = DeliveryLoop(services, self.logged_in) if background else None
        self.planner_loop = PlannerLoop(services, self.logged_in) if background else None
        for loop_cog in (self.delivery_loop, self.planner_loop):
            if loop_cog is not None:
                self.add_cog(loop_cog)
        self._instrument(services.metrics)

    @staticmethod
    def _gateway_options(settings: Settings) -> dict[str, Any]:
        """Keyword arguments of the gateway client: none for one session."""
        return {}

    def _build_services(self, settings: Settings, db: Database, clock: Clock) -> Services:
        outbox = Outbox(db)
        metrics = Metrics()
        # One member's (or one guild's settings') changes: at most 10 a minute, shared by every service.
        cooldown = Cooldown(clock)
        # One pacer: the transport counts each request as it leaves; the dispatcher reads the load.
        pacer = Pacer(settings.send_rate_per_second)
        transport = NextcordTransport(self.http, pacer, lambda: self.user.id if self.user else None,
                                      voice_members=lambda guild_id, channel_id: voice_members(self, guild_id,
                                                                                               channel_id))
        calendars = Calendars(db, clock)
        # Every feature's talk-lifecycle subscribers register themselves (`talks.subscribes`).
        hooks = composed_hooks(outbox)
        talks = TalkService(db, outbox, clock, hooks, cooldown)
        # The forgotten-members marker is keyed by a secret beside the database: a copy of the database alone
        # cannot be matched to member ids, and a token reset does not undo forget-me.
        forget_key = privacy.forget_key_file(settings.database_path)
        members = Audience(db, outbox, clock, forget_key, on_attendance=posts.attendance_changed)
        series = SeriesService(db, outbox, clock, talks)
        return Services(
            settings=settings,
            db=db,
            clock=clock,
            outbox=outbox,
            talks=talks,
            audience=members,
            people=People(db, outbox, clock, cooldown, calendars, forget_key),
            guild_settings=GuildSettingsService(db, outbox, clock, Cooldown(clock)),
            metrics=metrics,
            pacer=pacer,
            transport=transport,
            dispatcher=Dispatcher(
                db,
                outbox,
                transport,
                clock,
                pacer=pacer,
                retry_base_seconds=settings.retry_base_seconds,
                metrics=metrics,
            ),
            planner=Planner(db, outbox, clock, calendars, self.calendar_name, series=series),
            calendars=calendars,
            events=ScheduledEvents(db, outbox, clock, talks, members),
            series=series,
            workflow=Workflow(db, outbox, clock, hooks),
            archive=Archive(db, outbox, clock),
            pages=TalkPages(db, clock, settings.public_url),
            feedback=Feedback(db, outbox, clock, forget_key),
        )

    async def stop_background(self) -> None:
        """Stop the loops; deliveries in flight are abandoned safely (retried with the same nonce at start)."""
        # A planning pass interrupted here rolls back whole; the next start plans again.
        if self.planner_loop is not None:
            await self.planner_loop.stop()
        if self.delivery_loop is not None:
            await self.delivery_loop.stop()

    async def login(self, token: str) -> None:
        """Log in over REST, then let the dispatcher start."""
        await super().login(token)
        self.logged_in.set()

    async def on_ready(self) -> None:
        """Log once the gateway session is ready."""
        log.info("ready as %s (%s) in %d guild(s)", self.user, self.user.id if self.user else "?", len(self.guilds))

    async def on_connect(self) -> None:
        """Sync the global commands as nextcord does, then log it: until then a command cannot be used or mentioned."""
        await super().on_connect()
        log.info("application commands synced")

    async def on_guild_available(self, guild: nextcord.Guild) -> None:
        """Sync a server's own commands (GUILD_IDS) as nextcord does, then log it for those servers only."""
        await super().on_guild_available(guild)
        if guild.id in self.services.settings.guild_ids:
            log.info("application commands synced in guild %d", guild.id)

    async def on_error(self, event_method: str, *args: object, **kwargs: object) -> None:
        """Errors in event handlers go through logging (nextcord's default prints raw text to stderr)."""
        log.exception("unhandled error in %s", event_method)

    def command_id(self, name: str) -> int | None:
        """The Discord id of a top-level slash command once synced (global, else any guild's), or None."""
        for command in self.get_all_application_commands():
            if getattr(command, "name", None) == name:
                ids: dict[int | None, int] = getattr(command, "command_ids", {})
                return ids.get(None) or next(iter(ids.values()), None)
        return None
    def calendar_name(self, feed: Feed) -> Text:
        """A feed's title in calendar apps, with the server's name; written in the feed's language when served."""
        guild = self.get_guild(feed.guild_id)
        name = guild.name if guild is not None else "Discord"
        return Text(SERVER_FEED_NAME if feed.user_id is None else MEMBER_FEED_NAME, {"server": name})

    def gateway_connected(self) -> bool:
        """The gateway session is up: READY was received and the websocket is open (False while reconnecting)."""
        ws = self.ws
        return self.is_ready() and not self.is_closed() and ws is not None and ws.open

    # -- the one path for user mistakes ------------------------------------------------------------

    async def process_application_commands(self, interaction: nextcord.Interaction) -> None:
        """Run the command; a UserError raised while its options are converted is refused like any other."""
        try:
            await super().process_application_commands(interaction)
        except AmbiguousTimeError as exc:
            # Two plausible readings: ask with buttons; the click runs the command with the chosen one.
            data = cast(dict[str, Any], interaction.data or {})
            command = self.get_application_command(int(data.get("id", 0)))
            if not isinstance(command, nextcord.SlashApplicationCommand):
                await self.refuse(interaction, exc, command=command_name(interaction))
                return
            leaf, options = leaf_command(command, data)
            await self.time_questions.ask(interaction, exc, command=leaf, options=options)
        except UserError as exc:
            # Raised by an option converter (a time that cannot be read) before nextcord's own error hooks run.
            await self.refuse(interaction, exc, command=command_name(interaction))

    async def _remember_locales_of_click(self, interaction: nextcord.Interaction) -> None:
        """A click on one of Podium's buttons or selects (not a confirm button: "Delete my data" is one)."""
        if interaction.type != nextcord.InteractionType.component:
            return
        if custom_id_of(interaction).startswith(CONFIRM_PREFIX):
            return
        await self._remember_locales(interaction)

    async def _remember_locales(self, interaction: nextcord.Interaction) -> None:
        """A command that worked, or a click: the member's locale (their DMs) and the server's (its posts)."""
        user = interaction.user
        if stores_nothing(interaction.application_command):
            return  # the command says so (/opt-out forget-me: asked to be forgotten, nothing new is stored)
        try:
            if user is not None and interaction.locale:
                await self.services.people.remember_locale(user.id, interaction.locale)
            if interaction.guild_id is not None and interaction.guild_locale:
                await self.services.guild_settings.remember_locale(interaction.guild_id, interaction.guild_locale)
        except Exception:
            # Only the language of later messages: a busy database must not disturb the interaction itself.
            log.exception("could not store the locale of an interaction")

    async def _on_component(self, interaction: nextcord.Interaction) -> None:
        if await self.components.route(interaction):
            return
        if interaction.type == nextcord.InteractionType.component:
            # Each answers only its own custom ids; a click on expired confirm buttons is answered, not left to fail.
            await self.time_questions.on_click(interaction) or await answer_late_click(interaction)

    async def on_application_command_error(
        self, interaction: nextcord.Interaction, exception: nextcord.ApplicationError
    ) -> None:
        """A UserError is the person's mistake: tell them privately. Anything else is ours: log it, apologise."""
        original = getattr(exception, "original", exception)
        if isinstance(original, UserError):
            await self.refuse(interaction, original)
            return
        log.error(
            "command /%s failed (guild %s, user %s)",
            command_name(interaction),
            interaction.guild_id,
            interaction.user.id if interaction.user else "?",
            exc_info=original,
        )
        with contextlib.suppress(nextcord.HTTPException):
            await reply_ephemeral(interaction, i18n.translator(interaction.locale)._(SORRY))

    async def refuse(self, interaction: nextcord.Interaction, exc: UserError, *, command: str | None = None) -> None:
        """Answer a refused request privately with its reason; nothing was stored."""
        if command is not None:
            # Refused before nextcord ran the command: no completion or error event will count it.
            self.services.metrics.command_ran(command, outcome="refused")
        with contextlib.suppress(nextcord.HTTPException):
            await reply_ephemeral(interaction, exc.text_for(i18n.translator(interaction.locale)))

    # -- metrics -----------------------------------------------------------------------------------

    def command_names(self) -> list[str]:
        """The qualified name of every runnable slash command ("schedule add" for a subcommand)."""
        names: list[str] = []

        def walk(command: object, prefix: str) -> None:
            name = f"{prefix}{getattr(command, 'name', '')}"
            children = getattr(command, "children", {})
            if not children:
                names.append(name)
            for child in children.values():
                walk(child, f"{name} ")

        for command in self.get_all_application_commands():
            walk(command, "")
        return sorted(names)

    def _instrument(self, metrics: Metrics) -> None:
        """Feed the metrics with command outcomes and live gateway and dispatcher readings."""
        dispatcher = self.services.dispatcher
        metrics.known_commands(self.command_names())
        metrics.bind(
            gateway_latency=lambda: self.latency,
            gateway_connected=self.gateway_connected,
            last_step=lambda: dispatcher.last_step_at.timestamp() if dispatcher.last_step_at else None,
            in_flight=lambda: len(dispatcher.in_flight),
            last_success=lambda: dispatcher.last_success_at.timestamp() if dispatcher.last_success_at else None,
        )

        # Listeners, not the on_* methods: PodiumBot's own error handler keeps working.
        async def completed(interaction: nextcord.Interaction) -> None:
            metrics.command_ran(command_name(interaction), outcome="ok")

        async def errored(interaction: nextcord.Interaction, exception: Exception) -> None:
            refused = isinstance(getattr(exception, "original", exception), UserError)
            metrics.command_ran(command_name(interaction), outcome="refused" if refused else "failed")

        self.add_listener(completed, "on_application_command_completion")
        self.add_listener(errored, "on_application_command_error")


# nextcord's BotBase and Client disagree on a few signatures (for the type checker); AutoShardedBot itself
# combines them the same way.
class ShardedPodiumBot(PodiumBot, commands.AutoShardedBot):  # type: ignore[misc]
    """PodiumBot over several gateway sessions (SHARD_COUNT): each shard receives only its servers' events."""

    _gateway_client = commands.AutoShardedBot

    @staticmethod
    def _gateway_options(settings: Settings) -> dict[str, Any]:
        """The shard count (None: the one Discord's GET /gateway/bot recommends)."""
        return {"shard_count": settings.shard_count}

    def gateway_connected(self) -> bool:
        """Every shard's session is up (nextcord keeps no `ws` of its own for a sharded client)."""
        shards = self.shards
        return (
            self.is_ready()
            and not self.is_closed()
            and bool(shards)
            and len(shards) == self.shard_count
            and not any(shard.is_closed() for shard in shards.values())
        )


def create_bot(settings: Settings, db: Database, clock: Clock, *, background: bool = True) -> PodiumBot:
    """One gateway session unless SHARD_COUNT asks for more (or for Discord's recommendation)."""
    cls = PodiumBot if settings.shard_count == 1 else ShardedPodiumBot
    return cls(settings, db, clock, background=background)


def command_name(interaction: nextcord.Interaction) -> str:
    """The qualified name of the interaction's command ("schedule add"), from its data if not resolved yet."""
    command = interaction.application_command
    if command is not None:
        return command.qualified_name
    data = cast(dict[str, Any], interaction.data or {})
    parts = [str(data.get("name", "?"))]
    options = data.get("options") or []
    while options and options[0].get("type") in (1, 2):  # subcommand (group)
        parts.append(str(options[0]["name"]))
        options = options[0].get("options") or []
    return " ".join(parts)


if __name__ == "__main__":
    # The documented command stays `python bot.py` (operators' cron lines, the Dockerfile, benchmarks of earlier
    # releases), but cli.py owns what it does. cli imports this file again as `bot`, the copy everything uses; this
    # __main__ copy only defined names and is left unused, which is safe because the top of this file defines and
    # runs nothing else (tests/test_architecture.py holds it to that).
    import cli

    sys.exit(cli.main())
