"""What the fake holds: roles, channels, members, guilds, messages, interactions, requests; errors it answers."""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.fake_discord.constants import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    DISCORD_EPOCH_MS,
    EPHEMERAL_FLAG,
    ERROR_MESSAGES,
    GUILD_ID,
    GUILD_TEXT,
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    MEMBER_ID,
    MODERATOR_ID,
    OWNER_ID,
    STATUS_MESSAGES,
)

_USER_MENTION = re.compile(r"<@!?(\d{1,20})>")
_ROLE_MENTION = re.compile(r"<@&(\d{1,20})>")
_EVERYONE_MENTION = re.compile(r"@(everyone|here)\b")
# Discord: ^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$ (application-commands#naming). Python's \w is letters, digits
# and "_"; Devanagari and Thai vowel signs are not \w, hence their blocks.
_COMMAND_NAME = re.compile(r"^[-_'\w\u0900-\u097f\ua8e0-\ua8ff\u0e00-\u0e7f]{1,32}$")


def _iso(ts: float | None) -> str | None:
    """Discord ISO-8601 timestamp for a POSIX time (None stays None)."""
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def _as_int(value: Any) -> int:
    """Snowflake / permission value (str or int) as int."""
    return int(value)


class _Snowflakes:
    """Monotonic snowflake generator based on the wall clock, like Discord's."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        """Return a fresh snowflake, strictly greater than every previous one."""
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(candidate, self._last + 1)
        return self._last


# --- Guild model ------------------------------------------------------------------------------------------


@dataclass
class FakeRole:
    """A guild role; ``permissions`` is the permission bit set."""

    id: int
    name: str
    permissions: int = 0
    position: int = 0
    mentionable: bool = False
    managed: bool = False
    bot_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        """Discord role object."""
        data: dict[str, Any] = {
            "id": str(self.id), "name": self.name, "permissions": str(self.permissions),
            "position": self.position, "color": 0, "colors": {"primary_color": 0}, "hoist": False,
            "icon": None, "unicode_emoji": None, "managed": self.managed, "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass
class FakeChannel:
    """A guild channel; ``permission_overwrites`` use Discord's JSON form ({"id", "type", "allow", "deny"})."""

    id: int
    name: str
    type: int = GUILD_TEXT
    position: int = 0
    permission_overwrites: list[dict[str, Any]] = field(default_factory=list)
    parent_id: int | None = None
    topic: str | None = None

    def to_json(self, guild_id: int) -> dict[str, Any]:
        """Discord channel object."""
        return {
            "id": str(self.id), "type": self.type, "guild_id": str(guild_id), "name": self.name,
            "position": self.position,
            "permission_overwrites": [
                {"id": str(o["id"]), "type": int(o.get("type", 0)), "allow": str(o.get("allow", 0)),
                 "deny": str(o.get("deny", 0))}
                for o in self.permission_overwrites
            ],
            "parent_id": None if self.parent_id is None else str(self.parent_id), "topic": self.topic,
            "nsfw": False, "rate_limit_per_user": 0, "last_message_id": None, "flags": 0,
        }


@dataclass
class FakeMember:
    """A guild member (and the user behind it); ``roles`` are role ids, @everyone implied."""

    id: int
    username: str
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    global_name: str | None = None
    bot: bool = False
    joined_at: float = 1_700_000_000.0

    def user_json(self) -> dict[str, Any]:
        """Discord user object."""
        return _user_json(self.id, self.username, global_name=self.global_name, bot=self.bot)

    def to_json(self, *, with_user: bool = True) -> dict[str, Any]:
        """Discord guild member object."""
        data: dict[str, Any] = {
            "roles": [str(r) for r in self.roles], "nick": self.nick, "avatar": None, "banner": None,
            "joined_at": _iso(self.joined_at), "premium_since": None, "deaf": False, "mute": False,
            "flags": 0, "pending": False, "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user_json()
        return data


def _user_json(user_id: int, username: str, *, global_name: str | None = None, bot: bool = False) -> dict[str, Any]:
    """Discord user object."""
    return {
        "id": str(user_id), "username": username, "discriminator": "0", "global_name": global_name,
        "avatar": None, "bot": bot, "system": False, "public_flags": 0, "flags": 0,
    }


@dataclass
class FakeGuild:
    """A guild with channels, roles and members; omitted parts get sensible defaults derived from ``id``.

    Defaults: a text channel "general" (id = guild id + 1), the @everyone role (id = guild id), a "Moderator"
    role (id = guild id + 2, Manage Server + Manage Messages), and three members: the owner, a moderator and a
    plain member. The fake adds the bot's own member and managed role (id = guild id + 3) itself.
    """

    id: int = GUILD_ID
    name: str = "Fake Guild"
    owner_id: int = OWNER_ID
    channels: list[FakeChannel] | None = None
    roles: list[FakeRole] | None = None
    members: list[FakeMember] | None = None
    preferred_locale: str = "en-US"

    def __post_init__(self) -> None:
        if self.channels is None:
            self.channels = [FakeChannel(id=self.id + 1, name="general")]
        if self.roles is None:
            self.roles = [FakeRole(id=self.id + 2, name="Moderator", permissions=MANAGE_GUILD | MANAGE_MESSAGES,
                                   position=1)]
        if not any(r.id == self.id for r in self.roles):
            self.roles.insert(0, FakeRole(id=self.id, name="@everyone", permissions=DEFAULT_EVERYONE_PERMISSIONS))
        if self.members is None:
            self.members = [
                FakeMember(id=OWNER_ID, username="owner"),
                FakeMember(id=MODERATOR_ID, username="moderator", roles=[self.id + 2]),
                FakeMember(id=MEMBER_ID, username="member"),
            ]

    # The lists are never None after __post_init__; these accessors keep the type checker quiet.
    @property
    def channel_list(self) -> list[FakeChannel]:
        """Channels (never None)."""
        assert self.channels is not None
        return self.channels

    @property
    def role_list(self) -> list[FakeRole]:
        """Roles (never None)."""
        assert self.roles is not None
        return self.roles

    @property
    def member_list(self) -> list[FakeMember]:
        """Members (never None)."""
        assert self.members is not None
        return self.members

    def get_channel(self, channel_id: int) -> FakeChannel | None:
        """Channel by id."""
        return next((c for c in self.channel_list if c.id == channel_id), None)

    def get_role(self, role_id: int) -> FakeRole | None:
        """Role by id."""
        return next((r for r in self.role_list if r.id == role_id), None)

    def get_member(self, user_id: int) -> FakeMember | None:
        """Member by user id."""
        return next((m for m in self.member_list if m.id == user_id), None)

    def base_permissions(self, user_id: int) -> int:
        """Guild-level permissions of a member (owner and Administrator get everything)."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.get_member(user_id)
        everyone = self.get_role(self.id)
        perms = everyone.permissions if everyone else 0
        if member is not None:
            for role_id in member.roles:
                role = self.get_role(role_id)
                if role is not None:
                    perms |= role.permissions
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def channel_permissions(self, user_id: int, channel: FakeChannel) -> int:
        """Permissions of a member in a channel, overwrites applied in Discord's order."""
        perms = self.base_permissions(user_id)
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        overwrites = {_as_int(o["id"]): o for o in channel.permission_overwrites}
        if (everyone := overwrites.get(self.id)) is not None:
            perms = (perms & ~_as_int(everyone.get("deny", 0))) | _as_int(everyone.get("allow", 0))
        member = self.get_member(user_id)
        role_ids = member.roles if member else []
        allow = deny = 0
        for role_id in role_ids:
            if (o := overwrites.get(role_id)) is not None and int(o.get("type", 0)) == 0:
                allow |= _as_int(o.get("allow", 0))
                deny |= _as_int(o.get("deny", 0))
        perms = (perms & ~deny) | allow
        if (o := overwrites.get(user_id)) is not None and int(o.get("type", 1)) == 1:
            perms = (perms & ~_as_int(o.get("deny", 0))) | _as_int(o.get("allow", 0))
        return perms


# --- Records ----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class RecordedRequest:
    """One REST request the fake received, with what it answered."""

    method: str
    path: str  # concrete, relative to api_base, e.g. "/channels/555/messages"
    route: str  # template as in nextcord, e.g. "/channels/{channel_id}/messages"; the path itself if unknown
    params: dict[str, str]
    json: Any
    at: float  # time.time() when received
    query: dict[str, str] = field(default_factory=dict)
    status: int = 0
    response: Any = None  # the JSON body the fake answered (None for 204)
    files: list[dict[str, Any]] = field(default_factory=list)  # multipart files: {"name", "filename", "size"}
    injected: bool = False  # answered by a `fail(...)` rule


@dataclass(eq=False)
class FakeMessage:
    """A message that exists in the fake: sent by the bot, injected for a user, or an interaction message."""

    id: int
    channel_id: int
    author_id: int
    content: str = ""
    guild_id: int | None = None
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    allowed_mentions: dict[str, Any] | None = None  # exactly as sent (None if the field was absent)
    nonce: int | str | None = None
    flags: int = 0
    tts: bool = False
    attachments: list[dict[str, Any]] = field(default_factory=list)
    message_reference: dict[str, Any] | None = None
    created_at: float = field(default_factory=time.time)
    edited_at: float | None = None
    deleted: bool = False
    thread_id: int | None = None  # thread started from this message
    kind: str = "channel"  # "channel" | "user" | "interaction" (original response) | "followup"
    interaction_id: int | None = None
    webhook_id: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)  # the body as the bot sent it
    edits: list[dict[str, Any]] = field(default_factory=list)  # bodies of later PATCHes
    mention_user_ids: list[int] = field(default_factory=list)  # users Discord would actually ping
    mention_role_ids: list[int] = field(default_factory=list)  # roles Discord would actually ping
    mention_everyone: bool = False  # whether @everyone/@here would actually ping

    @property
    def ephemeral(self) -> bool:
        """True for ephemeral interaction messages."""
        return bool(self.flags & EPHEMERAL_FLAG)

    @property
    def custom_ids(self) -> list[str]:
        """custom_id of every component (buttons, selects), depth first."""
        found: list[str] = []

        def walk(items: list[dict[str, Any]]) -> None:
            for item in items:
                if "custom_id" in item:
                    found.append(item["custom_id"])
                walk(item.get("components", []))

        walk(self.components)
        return found


@dataclass(slots=True)
class InteractionResponse:
    """Something the bot did with an interaction token: callback, followup, edit/delete of a message."""

    interaction: FakeInteraction
    kind: str  # "callback" | "followup" | "edit_original" | "delete_original" | "edit_followup" | "delete_followup"
    json: Any
    at: float
    status: int
    message: FakeMessage | None = None
    error: str | None = None  # why the fake rejected it, if it did


@dataclass(eq=False)
class FakeInteraction:
    """An interaction the fake dispatched; ``responses`` collects what the bot did with it."""

    id: int
    token: str
    type: int
    guild_id: int | None
    channel_id: int
    user_id: int
    name: str | None  # command name (or custom_id for components and modals)
    payload: dict[str, Any]  # the INTERACTION_CREATE data as dispatched
    created_at: float = field(default_factory=time.time)
    issued_at: float | None = None  # the fake's clock (FakeDiscord.now()) when the token was issued
    responses: list[InteractionResponse] = field(default_factory=list)
    original: FakeMessage | None = None
    followups: list[FakeMessage] = field(default_factory=list)
    acknowledged: bool = False
    component_message: FakeMessage | None = None  # message whose component was used (type 3)
    modal: dict[str, Any] | None = None  # the modal the bot showed in answer (callback type 9), ids filled in
    modal_submitted: bool = False
    focused_type: int | None = None  # autocomplete: option type of the focused option (3 string, 4 int, 10 number)

    @property
    def callback(self) -> dict[str, Any] | None:
        """Body of the accepted initial response (POST .../callback), if any."""
        return next((r.json for r in self.responses if r.kind == "callback" and r.status < 300), None)


class FakeCrashed(AssertionError):
    """The fake answered 5xx that no test injected, or its gateway crashed: a bug in the fake (or in what it
    was asked), never a retry path to let pass.
    """


class InteractionFailed(AssertionError):
    """The bot's response to an interaction was rejected the way Discord would reject it."""


class DiscordHTTPError(Exception):
    """Raised inside handlers to answer with a Discord error body."""

    def __init__(self, status: int, code: int = 0, message: str = "", errors: dict[str, Any] | None = None) -> None:
        self.status = status
        self.code = code
        self.message = message or ERROR_MESSAGES.get(code) or STATUS_MESSAGES.get(status, f"{status}")
        self.errors = errors
        super().__init__(f"{status} {code} {self.message}")

    def body(self) -> dict[str, Any]:
        """Discord error JSON."""
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = self.errors
        return data


class _ResourceRateLimited(DiscordHTTPError):
    """429 of a per-resource limit (e.g. publishing): scope "shared", route headers unchanged (topics/rate-limits,
    "Example Exceeded Resource Rate Limit Response"); such 429s do not count as invalid requests.
    """

    def __init__(self, retry_after: float) -> None:
        super().__init__(429, 0, "The resource is being rate limited.")
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(math.ceil(retry_after)), "Via": "1.1 google", "X-RateLimit-Scope": "shared"}

    def body(self) -> dict[str, Any]:
        return {"message": self.message, "retry_after": round(self.retry_after, 3), "global": False, "code": 0}
