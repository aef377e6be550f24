"""Every domain service of a running bot, built once by the composition root (bot.py) and handed to the cogs."""

from __future__ import annotations

from dataclasses import dataclass

from db import Database
from podium.audience import Audience
from podium.calendar_feed import Calendars
from podium.clock import Clock
from podium.config import Settings
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox
from podium.delivery.pacing import Pacer
from podium.delivery.transport import Transport
from podium.features import load as load_features
from podium.guild_settings import GuildSettingsService
from podium.metrics import Metrics
from podium.people import People
from podium.planner import Planner
from podium.scheduled_events import ScheduledEvents
from podium.series import SeriesService
from podium.talks import TalkService

# Every feature's kinds, buttons, switches and subscribers, registered before the bot looks one up (the engine
# finds none by itself: podium/features.py).
load_features()


@dataclass(frozen=True, slots=True)
class Services:
    """The one instance of each service; cogs receive this and never build their own."""

    settings: Settings
    db: Database
    clock: Clock
    outbox: Outbox
    talks: TalkService
    audience: Audience
    people: People
    guild_settings: GuildSettingsService
    metrics: Metrics
    pacer: Pacer
    # The one port to Discord's REST API: the dispatcher sends through it, and the services that ask Discord
    # something at a member's request (an import, a reconciliation, leaving threads) are handed it.
    transport: Transport
    dispatcher: Dispatcher
    planner: Planner
    calendars: Calendars
    events: ScheduledEvents
    series: SeriesService
