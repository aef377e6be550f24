"""Discord's numbers as the fake uses them: default ids, token, permissions, intents, types, flags, error texts."""

from __future__ import annotations

import base64

DISCORD_EPOCH_MS = 1420070400000
API_PREFIX = "/api/v10"
JSON_CONTENT_TYPE = "application/json"

# --- Default identities -----------------------------------------------------------------------------------

BOT_USER_ID = 800000000000000001
APPLICATION_ID = BOT_USER_ID  # as for every modern Discord application
GUILD_ID = 810000000000000000
GENERAL_CHANNEL_ID = GUILD_ID + 1  # default channels / roles of a FakeGuild are derived from its id
MODERATOR_ROLE_ID = GUILD_ID + 2
BOT_ROLE_ID = GUILD_ID + 3
OWNER_ID = 820000000000000001
MODERATOR_ID = 820000000000000002
MEMBER_ID = 820000000000000003
# The only token the fake accepts by default, like Discord for one bot: the real shape (base64 application id
# . timestamp . hmac) so code that splits or checks a token sees one.
BOT_TOKEN = base64.b64encode(str(APPLICATION_ID).encode()).decode().rstrip("=") + ".fake.e2e-token-not-secret"

# --- Permission bits (https://discord.com/developers/docs/topics/permissions) ------------------------------

CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_AUDIT_LOG = 1 << 7
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CONNECT = 1 << 20
SPEAK = 1 << 21
MUTE_MEMBERS = 1 << 22
MOVE_MEMBERS = 1 << 24
CHANGE_NICKNAME = 1 << 26
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_EVENTS = 1 << 33
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38
CREATE_EVENTS = 1 << 44  # split from MANAGE_EVENTS; required to create events since 2026-02-23 (change log 2025-11-24)
ALL_PERMISSIONS = (1 << 53) - 1

DEFAULT_EVERYONE_PERMISSIONS = (
    CREATE_INSTANT_INVITE | ADD_REACTIONS | VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES
    | READ_MESSAGE_HISTORY | USE_EXTERNAL_EMOJIS | CONNECT | SPEAK | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS | CREATE_PUBLIC_THREADS | CREATE_PRIVATE_THREADS | SEND_MESSAGES_IN_THREADS
)
DEFAULT_BOT_PERMISSIONS = (
    VIEW_CHANNEL | SEND_MESSAGES | SEND_MESSAGES_IN_THREADS | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY
    | ADD_REACTIONS | USE_EXTERNAL_EMOJIS | CREATE_PUBLIC_THREADS | CREATE_PRIVATE_THREADS | MANAGE_THREADS
    | MANAGE_EVENTS | CREATE_EVENTS | USE_APPLICATION_COMMANDS | VIEW_AUDIT_LOG
)
# Audit log action types of scheduled events (resources/audit-log: audit log events).
AUDIT_EVENT_CREATE, AUDIT_EVENT_UPDATE, AUDIT_EVENT_DELETE = 100, 101, 102

# Gateway intents (only the ones that decide which events the fake echoes).
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_VOICE_STATES = 1 << 7  # not privileged
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
INTENT_GUILD_SCHEDULED_EVENTS = 1 << 16
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Channel types.
GUILD_TEXT = 0
DM = 1
GUILD_VOICE = 2
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5  # FakeChannel(type=GUILD_ANNOUNCEMENT): sends like GUILD_TEXT, and can publish
ANNOUNCEMENT_THREAD = 10
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
GUILD_STAGE_VOICE = 13
THREAD_TYPES = frozenset({ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD})
AUTO_ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)  # minutes (channel resource docs, Start Thread)

# Locales Discord accepts: docs/reference#locales lists 32; Discord's OpenAPI spec (AvailableLocalesEnum,
# discord/discord-api-spec 2026-07) also has "ar" and "he" (34 = its maxProperties for localization dicts).
DISCORD_LOCALES = frozenset({
    "ar", "bg", "cs", "da", "de", "el", "en-GB", "en-US", "es-419", "es-ES", "fi", "fr", "he", "hi", "hr", "hu",
    "id", "it", "ja", "ko", "lt", "nl", "no", "pl", "pt-BR", "ro", "ru", "sv-SE", "th", "tr", "uk", "vi", "zh-CN",
    "zh-TW",
})

# Interaction types and callback types.
INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_MESSAGE_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
INTERACTION_MODAL_SUBMIT = 5
CALLBACK_CHANNEL_MESSAGE = 4
CALLBACK_DEFERRED_CHANNEL_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE_MESSAGE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE_RESULT = 8
CALLBACK_MODAL = 9

CROSSPOSTED_FLAG = 1 << 0
EPHEMERAL_FLAG = 1 << 6
LOADING_FLAG = 1 << 7
IS_COMPONENTS_V2_FLAG = 1 << 15

ERROR_MESSAGES: dict[int, str] = {
    0: "",
    10003: "Unknown Channel",
    10004: "Unknown Guild",
    10007: "Unknown Member",
    10008: "Unknown Message",
    10013: "Unknown User",
    10015: "Unknown Webhook",
    10062: "Unknown interaction",
    10063: "Unknown application command",
    10070: "Unknown Guild Scheduled Event",
    30007: "Maximum number of webhooks reached",
    30033: "Maximum number of thread participants has been reached (1000)",
    30038: "Maximum number of uncompleted guild scheduled events reached (100)",
    40005: "Request entity too large",
    40033: "This message has already been crossposted",
    40060: "Interaction has already been acknowledged.",
    50001: "Missing Access",
    50006: "Cannot send an empty message",
    50007: "Cannot send messages to this user",
    50013: "Missing Permissions",
    50021: "Cannot execute action on a system message",
    50024: "Cannot execute action on this channel type",
    50027: "Invalid Webhook Token",
    50033: "Invalid Recipient(s)",
    50035: "Invalid Form Body",
    50083: "Thread is archived",
    160005: "Thread is locked",
    160006: "Maximum number of active threads reached",
    160007: "Maximum number of active announcement threads reached",
    180000: "Cannot update a finished event",
    50109: "The request body contains invalid JSON.",
}
# Uploads (reference#uploading-files): files per message, and their total size for a server without boosts.
MAX_FILES, ATTACHMENT_SIZE_LIMIT = 10, 10 * 1024 * 1024
STATUS_MESSAGES: dict[int, str] = {
    400: "400: Bad Request",
    401: "401: Unauthorized",
    403: "403: Forbidden",
    404: "404: Not Found",
    405: "405: Method Not Allowed",
    429: "You are being rate limited.",
    500: "500: Internal Server Error",
    502: "502: Bad Gateway",
    503: "503: Service Unavailable",
    504: "504: Gateway Timeout",
}
