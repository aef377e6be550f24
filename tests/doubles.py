"""Test doubles shared across test modules: transports that answer from a script instead of Discord."""

import asyncio

from podium.clock import to_ms
from podium.delivery.transport import (
    GoneError,
    MemberRights,
    PostedMessage,
    RefusedError,
    RejectedError,
    last_look,
    snowflake_at,
)
from podium.scheduled_events import (
    CANCELED,
    COMPLETED,
    SCHEDULED,
    iso,
)
from tests import factories

BOT_USER_ID = 999


class ScriptedTransport:
    """Our own Transport protocol, answering from a script; records every call that passed the last look."""

    def __init__(self, clock=None):
        self.clock = clock  # with a clock, message ids are snowflakes of its time, as Discord's are
        self.calls = []
        self.failures = {}  # (method, channel_or_user) -> list of exceptions to raise in turn
        self.next_id = 1000
        self.posted = asyncio.Event()
        self.orphan_threads = {}  # (parent, name) -> thread id a crash left behind
        self.history = {}  # channel id -> messages "Discord" holds, oldest first
        self.voice = {}  # voice channel id -> ids of the people in it
        self.unavailable = set()  # guild ids the gateway has not made available

    def fail(self, method, key, *errors):
        self.failures.setdefault((method, key), []).extend(errors)

    def _maybe_fail(self, method, key):
        queue = self.failures.get((method, key))
        if queue:
            raise queue.pop(0)

    def _id(self, at=None):
        at = at or (self.clock.now() if self.clock is not None else None)
        self.next_id = max(self.next_id + 1, snowflake_at(at) if at is not None else 0)
        return self.next_id

    def own_user_id(self):
        return BOT_USER_ID

    def voice_members(self, guild_id, channel_id):
        """Who is in a voice channel, as `self.voice` says (set by a test): the gateway's cache, no request."""
        return frozenset(self.voice.get(channel_id, ())) if guild_id not in self.unavailable else None

    def add_history(self, channel_id, content, *, own=True, at=None):
        """A message in the channel at `at` (the clock's now by default), by the bot or someone else."""
        message = PostedMessage(self._id(at), content, own=own)
        self.history.setdefault(channel_id, []).append(message)
        return message

    async def open_dm(self, user_id):
        await last_look()  # as every real transport does before each request
        self.calls.append(("open_dm", user_id))
        self._maybe_fail("open_dm", user_id)
        return 5000 + user_id

    async def create_thread(self, channel_id, name):
        await last_look()  # as every real transport does before each request
        self.calls.append(("create_thread", channel_id, name))
        self._maybe_fail("create_thread", channel_id)
        return self._id()

    async def find_thread(self, guild_id, parent_id, name):
        await last_look()  # as every real transport does before each request
        self.calls.append(("find_thread", guild_id, parent_id, name))
        return self.orphan_threads.get((parent_id, name))

    async def add_thread_member(self, thread_id, user_id):
        await last_look()  # as every real transport does before each request
        self.calls.append(("add_thread_member", thread_id, user_id))
        self._maybe_fail("add_thread_member", thread_id)

    async def remove_thread_member(self, thread_id, user_id):
        await last_look()  # as every real transport does before each request
        self.calls.append(("remove_thread_member", thread_id, user_id))
        self._maybe_fail("remove_thread_member", thread_id)

    async def archive_thread(self, thread_id):
        await last_look()  # as every real transport does before each request
        self.calls.append(("archive_thread", thread_id))
        self._maybe_fail("archive_thread", thread_id)

    async def post_message(self, channel_id, body):
        await last_look()  # as every real transport does before each request
        self.calls.append(("post", channel_id, body))
        self.posted.set()
        self._maybe_fail("post", channel_id)
        message_id = self._id()
        self.history.setdefault(channel_id, []).append(PostedMessage(message_id, body["content"]))
        return message_id

    async def crosspost(self, channel_id, message_id):
        await last_look()  # as every real transport does before each request
        self.calls.append(("crosspost", channel_id, message_id))
        self._maybe_fail("crosspost", channel_id)
        return message_id

    async def edit_message(self, channel_id, message_id, body):
        await last_look()  # as every real transport does before each request
        self.calls.append(("edit", channel_id, message_id, body))
        self._maybe_fail("edit", message_id)

    async def channel_history(self, channel_id, *, around=None, before=None, after=None, limit=100):
        """Discord's GET /channels/{id}/messages, strictly: one anchor at most, limit 1-100, newest first."""
        await last_look()  # as every real transport does before each request
        anchors = {k: v for k, v in (("around", around), ("before", before), ("after", after)) if v is not None}
        assert len(anchors) <= 1 and 1 <= limit <= 100, (anchors, limit)
        self.calls.append(("history", channel_id, anchors))
        items = sorted(self.history.get(channel_id, []), key=lambda m: m.id)
        if around is not None:
            older = [m for m in items if m.id < around][-(limit // 2):] if limit // 2 else []
            page = older + [m for m in items if m.id >= around][: limit - len(older)]
        elif after is not None:
            page = [m for m in items if m.id > after][:limit]
        else:
            page = [m for m in items if before is None or m.id < before][-limit:]
        return page[::-1]

    def posts(self):
        return [c for c in self.calls if c[0] == "post"]


# The guild and members EventsTransport knows (tests/podium/events_world.py builds its talks on them).
GUILD, ANNOUNCE, LOG_CHANNEL, VOICE_CHANNEL = factories.GUILD, 555, 556, 557
SPEAKER, MOD, ANN, BEN = 1, 2, 11, 12
BOT = 999
MODERATOR_ROLE, CREATE_EVENTS, MANAGE_EVENTS, VIEW_CHANNEL = 77, 1 << 44, 1 << 33, 1 << 10
EPOCH_MS = 1420070400000


class EventsTransport(ScriptedTransport):
    """ScriptedTransport plus scheduled events held to Discord's rules (statuses, 100 active, past starts)."""

    def __init__(self, clock):
        super().__init__()
        self.clock = clock
        self.events = {}
        self.interested = {}
        self.audit = []  # audit log entries, oldest first (Discord writes one per change, with who made it)
        self.audit_log_readable = True  # the bot's role has View Audit Log
        # Server-wide rights by member: ANN and BEN are plain members (the creator of an event has Create Events).
        self.rights = {SPEAKER: MemberRights(VIEW_CHANNEL, frozenset()), MOD: MemberRights(MANAGE_EVENTS, frozenset()),
                       ANN: MemberRights(CREATE_EVENTS, frozenset()), BEN: MemberRights(VIEW_CHANNEL, frozenset())}
        self._audit_seq = 0

    def _audit_entry(self, user_id, event_id, old, body):
        self._audit_seq += 1
        changes = [{"key": k, "old_value": old.get(k), "new_value": v} for k, v in body.items() if old.get(k) != v]
        self.audit.append({"id": str(((to_ms(self.clock.now()) - EPOCH_MS) << 22) + self._audit_seq),
                           "user_id": str(user_id), "target_id": str(event_id), "action_type": 101,
                           "changes": changes})

    def edit_by(self, user_id, event_id, **body):
        """A member edits the event in Discord's client: the audit log says who; the gateway UPDATE's data."""
        event = self._event(event_id)
        self._audit_entry(user_id, event_id, event, body)
        event.update(body)
        return {**event, "guild_id": str(GUILD)}

    async def audit_log_entries(self, guild_id, action_type, *, limit=25):
        self.calls.append(("audit_log", guild_id, action_type))
        if not self.audit_log_readable:
            raise RefusedError("403 (code 50013) Missing Permissions", status=403, code=50013)
        return [dict(e) for e in reversed(self.audit) if e["action_type"] == action_type][:limit]

    async def member_rights(self, guild_id, user_id):
        self.calls.append(("member_rights", guild_id, user_id))
        if user_id not in self.rights:
            raise GoneError("404 (code 10007) Unknown Member", status=404, code=10007)
        return self.rights[user_id]

    def _check_start(self, body, old=None):
        start = body.get("scheduled_start_time")
        if start is not None and (old is None or start != old["scheduled_start_time"]) and start < iso(
                self.clock.now()):
            raise RejectedError("400 start in the past", status=400, code=50035)

    async def create_scheduled_event(self, guild_id, body):
        self.calls.append(("create_event", guild_id, body))
        self._maybe_fail("create_event", guild_id)
        active = [e for e in self.events.values() if e["guild_id"] == guild_id and e["status"] in (1, 2)]
        if len(active) >= 100:
            raise RejectedError("400 (code 30038) Maximum number of uncompleted guild scheduled events reached",
                                status=400, code=30038)
        self._check_start(body)
        event = {**body, "id": str(self._id()), "guild_id": guild_id, "status": SCHEDULED, "creator_id": str(BOT)}
        self.events[int(event["id"])] = event
        return dict(event)

    def _event(self, event_id):
        if event_id not in self.events:
            raise GoneError("404 (code 10070) Unknown Guild Scheduled Event", status=404, code=10070)
        return self.events[event_id]

    async def edit_scheduled_event(self, guild_id, event_id, body):
        self.calls.append(("edit_event", event_id, body))
        event = self._event(event_id)
        if event["status"] in (COMPLETED, CANCELED):
            raise RejectedError("400 (code 180000) cannot modify a finished event", status=400, code=180000)
        status = body.get("status")
        if status is not None and status != event["status"] and status not in {1: (2, 4), 2: (3,)}[event["status"]]:
            raise RejectedError("400 invalid status transition", status=400, code=50035)
        self._check_start(body, event)
        self._audit_entry(BOT_USER_ID, event_id, event, body)
        event.update(body)
        return dict(event)

    async def get_scheduled_event(self, guild_id, event_id):
        self.calls.append(("get_event", event_id))
        return dict(self._event(event_id))

    async def list_scheduled_events(self, guild_id):
        self.calls.append(("list_events", guild_id))
        return [dict(e) for e in self.events.values() if e["guild_id"] == guild_id]

    async def scheduled_event_users(self, guild_id, event_id, *, after=0):
        self.calls.append(("event_users", event_id, after))
        self._event(event_id)
        return sorted(u for u in self.interested.get(event_id, ()) if u > after)[:100]


class LaggingAuditLog(EventsTransport):
    """The audit log as Discord serves it moments after a change: the newest entry is not readable at first."""

    def __init__(self, clock):
        super().__init__(clock)
        self.hidden_reads = 0

    async def audit_log_entries(self, guild_id, action_type, *, limit=25):
        entries = await super().audit_log_entries(guild_id, action_type, limit=limit)
        if self.hidden_reads:
            self.hidden_reads -= 1
            return entries[1:]  # newest first: the gateway overtook the log
        return entries
