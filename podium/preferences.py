"""Guild settings and personal preferences as typed values, with the documented defaults."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from db import Database, Transaction
from podium import privacy
from podium.clock import to_ms

log = logging.getLogger(__name__)

privacy.holds_user_ids(
    "users", "user_id", forget="delete_row",
    why="a member's settings, opt-outs, language and cached DM channel: the whole row goes",
)
privacy.holds_no_user_ids(
    "users", "timezone", "reminder_offsets", "reminder_via", "opt_out_everything", "opt_out_talk_reminders",
    "opt_out_notices", "opt_out_personal_reminders", "opt_out_dms", "dm_channel_id", "created_at_ms", "updated_at_ms",
    "locale", why="the member's own settings, in their row (deleted with them)",
)
# A server's settings; each switch's column is declared with the switch (`switch` below).
privacy.holds_no_user_ids(
    "guild_settings", "guild_id", "timezone", "announce_channel_id", "log_channel_id", "moderator_role_id",
    "weekly_enabled", "weekly_day", "weekly_time", "reminder_offsets", "reminder_via", "engagement_days",
    "talk_minutes", "ping_speakers", "created_at_ms", "updated_at_ms", "crosspost_summary", "locale",
    "events_enabled", "events_entity_type", "events_channel_id", "events_location", "announce_channel_set_at_ms",
    "timezone_chosen", why="a server's settings: its channels, role, zone and choices",
)
privacy.holds_no_user_ids("guild_names", "guild_id", "name", "updated_at_ms", "locale",
                          why="a server's name and language")

Via = Literal["dm", "thread", "channel"]
DEFAULT_OFFSETS: tuple[int, ...] = (86400, 3600)  # 24 h and 1 h before a talk
DEFAULT_VIA: Via = "dm"


@dataclass(frozen=True, slots=True)
class Switch:
    """An on/off guild setting, declared once by the feature it turns on: all the rest is derived from this.

    Its column is read into `GuildSettings.switches`, written by `GuildSettingsService.set_switch` (which re-plans
    its kinds), offered by `/announce-settings posts` and shown by `/announce-settings show`.
    """

    name: str  # its choice in `/announce-settings posts` ("starts-soon"), English in every language
    column: str  # the guild_settings column (0 or 1), added by the feature's migration
    label: str  # N_: what it does, as `/announce-settings` names it ("Post when a talk starts")
    on: str  # N_: the reply when it is turned on
    off: str  # N_: the reply when it is turned off
    default: bool = False
    # The kinds it turns on: re-planned for the upcoming talks when it changes (their planners read the switch), and
    # never sent while it is off (the dispatcher's last look reads it: a row queued for a talk already under way or
    # over, which re-planning does not touch, stops too).
    replans: tuple[str, ...] = ()
    # The reply adds "set an announcement channel first" while none is set (its posts go there or fall back to it).
    needs_channel: bool = True


_switches: dict[str, tuple[str, Switch]] = {}  # name -> (the declaring module, the switch)


def switch(declared: Switch) -> Switch:
    """Declare a switch (at import of the feature's module); one name or column twice is a mistake."""
    if not declared.column.isidentifier():  # it is written into SQL (the dispatcher's last look, the settings)
        raise ValueError(f"switch {declared.name!r}: column {declared.column!r} is not a column name")
    for _, other in _switches.values():
        if other != declared and declared.column == other.column:
            raise ValueError(f"guild setting column {declared.column!r} is declared twice")
    if _switches.get(declared.name, ("", declared))[1] != declared:
        raise ValueError(f"guild setting {declared.name!r} is declared twice")
    # Who declared it orders the list: imports happen in whatever order, a server's settings always read the same.
    _switches[declared.name] = (sys._getframe(1).f_globals.get("__name__", ""), declared)
    privacy.holds_no_user_ids("guild_settings", declared.column, why="a server's on/off setting")
    return declared


def switch_of(kind: str) -> Switch | None:
    """The switch that turns this kind on (it names the kind in `replans`), if it has one."""
    for _, declared in _switches.values():
        if kind in declared.replans:
            return declared
    return None


def switches() -> tuple[Switch, ...]:
    """Every declared switch, in the order of `features.MODULES` (the feature modules declare them)."""
    from podium.features import MODULES  # a list of names: it imports no feature

    order = {module: index for index, module in enumerate(MODULES)}
    ranked = sorted(_switches.values(), key=lambda item: (order.get(item[0], len(order)), item[1].name))
    return tuple(declared for _, declared in ranked)


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """One server's settings (defaults when it never configured anything)."""

    guild_id: int
    timezone: str = "UTC"
    announce_channel_id: int | None = None
    log_channel_id: int | None = None
    moderator_role_id: int | None = None
    weekly_enabled: bool = True
    weekly_day: int = 0
    weekly_time: str = "09:00"
    reminder_offsets: tuple[int, ...] = DEFAULT_OFFSETS
    reminder_via: Via = DEFAULT_VIA
    engagement_days: int | None = 14
    talk_minutes: int = 30
    ping_speakers: bool = False
    crosspost_summary: bool = False
    locale: str | None = None
    # Talks mirrored as Discord scheduled events (off by default): where they take place.
    events_enabled: bool = False
    events_entity_type: int = 3  # 1 stage channel, 2 voice channel, 3 external (a location text)
    events_channel_id: int | None = None
    events_location: str | None = None
    # When the server first got an announcement channel (unix ms): the first call for speakers waits after it.
    announce_channel_set_at_ms: int | None = None
    # A moderator chose `timezone` (/announce-settings timezone): told apart from the default only for UTC.
    timezone_chosen: bool = False
    # The columns of the declared switches (`Switch`) that are on.
    switches: frozenset[str] = field(default_factory=lambda: frozenset(s.column for s in switches() if s.default))

    def is_on(self, setting: Switch) -> bool:
        """Whether a declared switch is on for this guild."""
        return setting.column in self.switches


@dataclass(frozen=True, slots=True)
class UserPreferences:
    """One person's preferences; None means "the guild's default"."""

    user_id: int
    timezone: str | None = None
    reminder_offsets: tuple[int, ...] | None = None
    reminder_via: Via | None = None
    opt_out_everything: bool = False
    opt_out_talk_reminders: bool = False
    opt_out_notices: bool = False
    opt_out_personal_reminders: bool = False
    opt_out_dms: bool = False
    dm_channel_id: int | None = None  # cached by the dispatcher: a DM then costs one request
    locale: str | None = None  # the Discord locale they last used Podium in: their DMs are written in it


def stored_offsets(raw: str | None) -> tuple[int, ...] | None:
    """Reminder offsets as a `reminder_offsets` column stores them (JSON seconds); None if unset or malformed."""
    return _offsets(raw)


def _offsets(raw: str | None) -> tuple[int, ...] | None:
    if raw is None:
        return None
    try:
        values = json.loads(raw)
        return tuple(int(v) for v in values)
    except (TypeError, ValueError):
        log.warning("ignoring malformed reminder offsets %r", raw)
        return None


async def load_guild(source: Database | Transaction, guild_id: int) -> GuildSettings:
    """The guild's settings, or the defaults."""
    row = await source.fetchone("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,))
    if row is None:
        return GuildSettings(guild_id)
    return GuildSettings(
        guild_id=guild_id,
        timezone=row["timezone"],
        announce_channel_id=row["announce_channel_id"],
        log_channel_id=row["log_channel_id"],
        moderator_role_id=row["moderator_role_id"],
        weekly_enabled=bool(row["weekly_enabled"]),
        weekly_day=row["weekly_day"],
        weekly_time=row["weekly_time"],
        reminder_offsets=_offsets(row["reminder_offsets"]) or DEFAULT_OFFSETS,
        reminder_via=row["reminder_via"],
        engagement_days=row["engagement_days"],
        talk_minutes=row["talk_minutes"],
        ping_speakers=bool(row["ping_speakers"]),
        crosspost_summary=bool(row["crosspost_summary"]),
        locale=row["locale"],
        events_enabled=bool(row["events_enabled"]),
        events_entity_type=row["events_entity_type"],
        events_channel_id=row["events_channel_id"],
        events_location=row["events_location"],
        announce_channel_set_at_ms=row["announce_channel_set_at_ms"],
        timezone_chosen=bool(row["timezone_chosen"]),
        switches=frozenset(s.column for s in switches() if row[s.column]),
    )


async def load_user(source: Database | Transaction, user_id: int) -> UserPreferences:
    """The person's preferences, or the defaults."""
    row = await source.fetchone("SELECT * FROM users WHERE user_id = ?", (user_id,))
    if row is None:
        return UserPreferences(user_id)
    return UserPreferences(
        user_id=user_id,
        timezone=row["timezone"],
        reminder_offsets=_offsets(row["reminder_offsets"]),
        reminder_via=row["reminder_via"],
        opt_out_everything=bool(row["opt_out_everything"]),
        opt_out_talk_reminders=bool(row["opt_out_talk_reminders"]),
        opt_out_notices=bool(row["opt_out_notices"]),
        opt_out_personal_reminders=bool(row["opt_out_personal_reminders"]),
        opt_out_dms=bool(row["opt_out_dms"]),
        dm_channel_id=row["dm_channel_id"],
        locale=row["locale"],
    )


async def load_guild_name(source: Database | Transaction, guild_id: int | None) -> str | None:
    """The server's name as Discord last told it (None if unknown)."""
    if guild_id is None:
        return None
    row = await source.fetchone("SELECT name FROM guild_names WHERE guild_id = ?", (guild_id,))
    # An empty name: only the server's locale was seen so far (an interaction carries no guild name).
    return str(row["name"]) if row is not None and row["name"] else None


async def remember_guild_name(
    tx: Transaction, guild_id: int, name: str, now: datetime, locale: str | None = None
) -> None:
    """Store the server's name (DM reminders name the server they come from) and preferred locale, if given."""
    await tx.execute(
        "INSERT INTO guild_names (guild_id, name, updated_at_ms, locale) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (guild_id) DO UPDATE SET name = excluded.name, updated_at_ms = excluded.updated_at_ms,"
        " locale = coalesce(excluded.locale, guild_names.locale)",
        (guild_id, name[:100], to_ms(now), locale),
    )


async def load_guild_identity(source: Database | Transaction, guild_id: int) -> tuple[str | None, str | None]:
    """The server's name and Discord preferred locale as last seen (None for what is unknown)."""
    row = await source.fetchone("SELECT name, locale FROM guild_names WHERE guild_id = ?", (guild_id,))
    return (row["name"], row["locale"]) if row is not None else (None, None)


async def remember_guild_locale(tx: Transaction, guild_id: int, locale: str, now: datetime) -> None:
    """Store the server's Discord preferred locale as an interaction reports it (its name kept, if known)."""
    await tx.execute(
        "INSERT INTO guild_names (guild_id, name, updated_at_ms, locale) VALUES (?, '', ?, ?)"
        " ON CONFLICT (guild_id) DO UPDATE SET locale = excluded.locale, updated_at_ms = excluded.updated_at_ms",
        (guild_id, to_ms(now), locale),
    )


async def channel_locale(source: Database | Transaction, guild: GuildSettings | None) -> str | None:
    """The language of the server's channel posts: its `/announce-settings language`, else Discord's preferred one."""
    if guild is None:
        return None
    if guild.locale:
        return guild.locale
    return (await load_guild_identity(source, guild.guild_id))[1]


async def remember_user_locale(tx: Transaction, user_id: int, locale: str, now: datetime) -> None:
    """Store the Discord locale a member last used Podium in (their DMs are written in it)."""
    now_ms = to_ms(now)
    await tx.execute(
        "INSERT INTO users (user_id, locale, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET locale = excluded.locale, updated_at_ms = excluded.updated_at_ms",
        (user_id, locale, now_ms, now_ms),
    )


def effective_zone(user: UserPreferences, guild: GuildSettings | None) -> str:
    """The zone a person's input is read in: theirs, else the guild's, else UTC."""
    return user.timezone or (guild.timezone if guild else None) or "UTC"


def effective_reminders(user: UserPreferences, guild: GuildSettings) -> tuple[tuple[int, ...], Via]:
    """Offsets (seconds before a talk) and delivery for a speaker: theirs, else the guild's."""
    return user.reminder_offsets or guild.reminder_offsets, user.reminder_via or guild.reminder_via


_GUILD_COLUMNS = frozenset(GuildSettings.__slots__) - {"guild_id", "switches"}
_USER_COLUMNS = frozenset(UserPreferences.__slots__) - {"user_id"}


def _stored(value: object) -> object:
    """A read-model value as its column stores it."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, tuple):
        return json.dumps(list(value))
    return value


def _defaults(model: GuildSettings | UserPreferences, allowed: frozenset[str]) -> dict[str, object]:
    """The read model's defaults, column by column: the one place defaults are defined."""
    return {name: _stored(getattr(model, name)) for name in sorted(allowed) if hasattr(model, name)}


async def _upsert(
    tx: Transaction,
    table: str,
    key: str,
    key_value: int,
    allowed: frozenset[str],
    now: datetime,
    columns: dict[str, object],
    defaults: dict[str, object],
) -> None:
    unknown = set(columns) - allowed
    if unknown:
        raise ValueError(f"not columns of {table}: {sorted(unknown)}")
    # A new row gets every column from the read model's defaults (never the schema's DEFAULT clauses, which
    # only old rows and hand-written SQL see); an existing row changes only the given columns.
    inserted = {**defaults, **columns}
    names = list(inserted)
    now_ms = to_ms(now)
    await tx.execute(
        f"""
        INSERT INTO {table} ({key}, created_at_ms, updated_at_ms, {", ".join(names)})
        VALUES (?, ?, ?, {", ".join("?" * len(names))})
        ON CONFLICT ({key}) DO UPDATE SET updated_at_ms = excluded.updated_at_ms
            {"".join(f", {n} = excluded.{n}" for n in columns)}
        """,
        (key_value, now_ms, now_ms, *inserted.values()),
    )


async def update_guild(tx: Transaction, guild_id: int, now: datetime, **columns: object) -> GuildSettings:
    """Insert or update the guild's settings with these columns; the settings after."""
    declared = {s.column: int(s.default) for s in switches()}
    defaults = {**_defaults(GuildSettings(guild_id), _GUILD_COLUMNS), **declared}
    await _upsert(tx, "guild_settings", "guild_id", guild_id, _GUILD_COLUMNS | frozenset(declared), now, columns,
                  defaults)
    return await load_guild(tx, guild_id)


async def update_user(tx: Transaction, user_id: int, now: datetime, **columns: object) -> None:
    """Insert or update a person's preferences with these columns."""
    await _upsert(
        tx, "users", "user_id", user_id, _USER_COLUMNS, now, columns, _defaults(UserPreferences(user_id), _USER_COLUMNS)
    )


async def remember_dm_channel(tx: Transaction, user_id: int, channel_id: int, now: datetime) -> None:
    """Cache a person's DM channel, but only while a message to them is queued.

    A delivery in flight when the person runs `/opt-out forget-me` must not write their row again: forget-me
    deletes their queued messages in the same transaction as their row, so this then writes nothing.
    """
    now_ms = to_ms(now)
    await tx.execute(
        """
        INSERT INTO users (user_id, dm_channel_id, created_at_ms, updated_at_ms)
        SELECT ?, ?, ?, ? WHERE EXISTS (
            SELECT 1 FROM outbox WHERE user_id = ? AND state IN ('pending', 'sending')
        )
        ON CONFLICT (user_id) DO UPDATE SET dm_channel_id = excluded.dm_channel_id,
                                            updated_at_ms = excluded.updated_at_ms
        """,
        (user_id, channel_id, now_ms, now_ms, user_id),
    )
