"""Per-route rate limits as Discord enforces them (bucket, limit, window, major) and the bucket that counts."""

from __future__ import annotations

from dataclasses import dataclass

# Per-route rate limits, enforced with 429 on every route: (method, route template) -> (bucket, limit, window s,
# major parameter). Routes naming the same bucket share one count. Discord publishes no figures ("should not be hard
# coded", topics/rate-limits) and tells them only in X-RateLimit-* headers; these are the ones the hata library
# recorded from those headers route by route (HuyaneMatsu/hata, hata/discord/http/rate_limit_groups.py), where a
# route is limited per bot ("GLOBAL" there: no major parameter) or per channel / guild. Messages keep Discord's
# documented 5 per 5 s (hata saw a 4 s reset). Correct a figure here and every test and benchmark follows.
SCHEDULED_EVENT = "/guilds/{guild_id}/scheduled-events"
THREAD_MEMBER = "/channels/{channel_id}/thread-members/"
PER_BOT = ""  # the major parameter of a route limited for the whole bot
ROUTE_LIMITS: dict[tuple[str, str], tuple[str, int, float, str]] = {
    ("POST", "/channels/{channel_id}/messages"): ("message-create", 5, 5.0, "channel_id"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"): ("message-edit", 5, 4.0, "channel_id"),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}"): ("message-delete", 3, 1.0, "channel_id"),
    ("GET", "/channels/{channel_id}/messages"): ("message-history", 5, 5.0, "channel_id"),
    ("GET", "/channels/{channel_id}/messages/{message_id}"): ("message-get", 5, 5.0, "channel_id"),
    ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"): ("reaction", 1, 0.25, "channel_id"),
    ("POST", "/channels/{channel_id}/typing"): ("typing", 5, 5.0, "channel_id"),
    ("PATCH", "/channels/{channel_id}"): ("channel-edit", 5, 15.0, "channel_id"),  # archiving / reopening a thread
    # Threads: 50 new ones per 5 minutes and 5 membership changes per 5 s, each for the whole bot.
    ("POST", "/channels/{channel_id}/threads"): ("thread-create", 50, 300.0, PER_BOT),
    ("POST", "/channels/{channel_id}/messages/{message_id}/threads"): ("thread-create", 50, 300.0, PER_BOT),
    ("PUT", THREAD_MEMBER + "@me"): ("thread-member", 5, 5.0, PER_BOT),
    ("DELETE", THREAD_MEMBER + "@me"): ("thread-member", 5, 5.0, PER_BOT),
    ("PUT", THREAD_MEMBER + "{user_id}"): ("thread-member", 5, 5.0, PER_BOT),
    ("DELETE", THREAD_MEMBER + "{user_id}"): ("thread-member", 5, 5.0, PER_BOT),
    ("GET", "/channels/{channel_id}/thread-members"): ("thread-member-list", 10, 10.0, PER_BOT),
    # Scheduled events: 5 new ones a minute per guild; edits and deletes 5 per 20 s; reads slower still.
    ("POST", SCHEDULED_EVENT): ("event-create", 5, 60.0, "guild_id"),
    ("PATCH", SCHEDULED_EVENT + "/{event_id}"): ("event-edit", 5, 20.0, "guild_id"),
    ("DELETE", SCHEDULED_EVENT + "/{event_id}"): ("event-delete", 5, 20.0, "guild_id"),
    ("GET", SCHEDULED_EVENT): ("event-list", 1, 10.0, "guild_id"),
    ("GET", SCHEDULED_EVENT + "/{event_id}"): ("event-get", 1, 5.0, "guild_id"),
    ("GET", SCHEDULED_EVENT + "/{event_id}/users"): ("event-users", 5, 30.0, "guild_id"),
    ("GET", "/guilds/{guild_id}/members/{user_id}"): ("member-get", 5, 1.0, "guild_id"),
    ("GET", "/users/{user_id}"): ("user-get", 30, 30.0, PER_BOT),
    # Interaction followups and edits: 5 per 2 s per interaction.
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"): ("interaction-webhook", 5, 2.0, "webhook_token"),
}
for _suffix in ("/messages/@original", "/messages/{message_id}"):
    for _method in ("GET", "PATCH", "DELETE"):
        ROUTE_LIMITS[_method, "/webhooks/{webhook_id}/{webhook_token}" + _suffix] = (
            "interaction-webhook", 5, 2.0, "webhook_token")
# Every other route (DM opens, guild reads, the audit log, interaction callbacks): no limit of its own in hata's
# record, only the global one; the fake still counts it per route and major parameter, generously. Left here on
# purpose: command sync. hata records 5 creates per 20 s and 2 bulk overwrites per 60 s, and nextcord registers
# new commands one by one, so a bot's very first start against Discord takes that long for its commands; every
# end-to-end test starts against a new fake (a first start each time), so enforcing it would cost each test that.
DEFAULT_ROUTE_LIMIT = (50, 1.0)
MESSAGE_CREATE_BUCKET = "message-create"

@dataclass(slots=True)
class _Bucket:
    """A fixed-window rate-limit bucket: the window opens with its first request, like Discord's."""

    name: str
    limit: int
    window: float
    enforce: bool
    start: float = 0.0
    count: int = 0

    def hit(self, now: float) -> tuple[bool, int, float]:
        """Count a request; return (allowed, remaining, reset_at)."""
        if now >= self.start + self.window:
            self.start = now
            self.count = 0
        reset_at = self.start + self.window
        if self.enforce and self.count >= self.limit:
            return False, 0, reset_at
        self.count += 1
        return True, max(0, self.limit - self.count), reset_at

    def exhaust(self, now: float, retry_after: float) -> float:
        """Make the bucket empty for ``retry_after`` seconds (an injected 429); return reset_at."""
        self.start = now + retry_after - self.window
        self.count = self.limit
        return now + retry_after
