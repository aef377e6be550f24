"""The optional HTTP endpoint for the person who hosts Podium: /healthz, /metrics and the cron trigger.

It runs on aiohttp's server inside the bot's event loop. Nothing here is needed for normal operation:
the dispatcher loop delivers on its own; this only lets an operator (or Docker, or Prometheus) look in.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import ipaddress
import logging
import math
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from email.utils import format_datetime
from typing import Any

from aiohttp import web

from db import Database
from podium.calendar_feed import Calendars, Feed
from podium.clock import Clock
from podium.delivery.dispatcher import Dispatcher, Outcome
from podium.delivery.outbox import Outbox
from podium.errors import Text
from podium.metrics import Metrics
from podium.talk_page import CONTENT_SECURITY_POLICY, Built, TalkPages

log = logging.getLogger(__name__)

# The dispatcher passes at least every DISPATCH_TICK_SECONDS (<= 60 s): two minutes without a successful
# pass means stuck (or every pass fails, e.g. the database is locked).
DISPATCHER_STALE_AFTER = timedelta(minutes=2)
# A message due this long ago and still pending means delivery is not keeping up (or is paused).
OVERDUE_LIMIT = timedelta(minutes=5)
DATABASE_TIMEOUT_SECONDS = 2.0
# A trigger answers after its deliveries end or after this long; unfinished ones carry on in the background.
TRIGGER_WAIT_SECONDS = 60.0
# Open requests get this long to finish at shutdown (SIGTERM must exit within 5 s in all).
SHUTDOWN_TIMEOUT_SECONDS = 0.5
# Counting final rows scans the whole table (~35 ms at 200k rows, holding the one connection): at most
# once a minute. 'pending' and 'sending' have small partial indexes and are counted at every scrape.
OUTBOX_FULL_COUNT_SECONDS = 60.0
CRON_SECRET_HEADER = "X-Cron-Secret"
JSON_TYPE = "application/json"
# aiohttp keeps an idle connection 3,630 s and has no header timeout of its own. Its keep-alive timer starts
# when a connection opens and again after each response, and bytes arriving do not push it back: a request
# whose head is not complete by then is closed, so this is the header timeout too (a slow-loris trickle included).
HEADER_TIMEOUT_SECONDS = 10.0
# Connections open at once; more are answered 503 and closed at once. Callers are a health check, a scraper,
# a cron job and calendar apps behind one reverse proxy: a hundred is far above honest use.
MAX_CONNECTIONS = 100
# A request line and each header field: our URLs and headers are short (aiohttp allows 8 KiB each).
MAX_LINE_BYTES = 2048
MAX_HEADERS = 32
# Feed requests per address: a burst of FEED_BURST, then FEED_PER_SECOND. A calendar app asks every few hours.
FEED_BURST = 20
FEED_PER_SECOND = 1.0
# Addresses remembered by the feed limit (~200 bytes each); the least recently seen is forgotten first.
FEED_ADDRESSES_KEPT = 10_000
# Page requests per address: a person browses a few pages a minute; a chat app unfurling a link asks once.
PAGE_BURST = 60
PAGE_PER_SECOND = 5.0
# A page is rebuilt only when its talks change: a minute in a browser's or proxy's cache costs little freshness.
PAGE_CACHE_CONTROL = "public, max-age=60"
# The secret address is kept by the visitor's browser only, like a calendar feed's: a shared cache (a company proxy,
# a CDN) would serve it on after the token was rotated or the page turned off.
SECRET_PAGE_CACHE_CONTROL = "private, max-age=60"
_REFUSED = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One health check: its name, whether it passed, and what it saw."""

    name: str
    ok: bool
    detail: str


class OpsServer:
    """Serves /healthz and /metrics, and POST /api/proactive/run when a cron secret is configured."""

    def __init__(
        self,
        *,
        db: Database,
        outbox: Outbox,
        dispatcher: Dispatcher,
        metrics: Metrics,
        clock: Clock,
        gateway_connected: Callable[[], bool],
        logged_in: Callable[[], bool],
        cron_secret: str | None = None,
        calendars: Calendars | None = None,
        calendar_name: Callable[[Feed], str | Text] | None = None,
        header_timeout: float = HEADER_TIMEOUT_SECONDS,
        max_connections: int = MAX_CONNECTIONS,
        feed_limit: AddressLimit | None = None,
        pages: TalkPages | None = None,
        page_limit: AddressLimit | None = None,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.dispatcher = dispatcher
        self.metrics = metrics
        self.clock = clock
        self.gateway_connected = gateway_connected
        self.logged_in = logged_in
        self.calendars = calendars
        self.calendar_name = calendar_name or (lambda feed: "Talks")
        self._secret = cron_secret.encode("utf-8") if cron_secret else None
        # One trigger pass at a time: overlapping cron calls would only report each other's deliveries.
        self._trigger_lock = asyncio.Lock()
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None
        self.header_timeout = header_timeout
        self.max_connections = max_connections
        self.feed_limit = feed_limit or AddressLimit()
        self.pages = pages
        self.page_limit = page_limit or AddressLimit(burst=PAGE_BURST, per_second=PAGE_PER_SECOND)
        self._full_counts: dict[str, int] | None = None
        self._full_counts_at = 0.0
        self.host = ""
        self.port = 0

    def app(self) -> web.Application:
        """The aiohttp application (routes only; `start()` serves it)."""
        app = web.Application(client_max_size=64 * 1024)
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics_view)
        if self.calendars is not None:
            app.router.add_get("/calendar/{token}.ics", self.calendar_feed)
        if self.pages is not None:
            app.router.add_get("/talks/{key}", self.page_index)
            app.router.add_get(r"/talks/{key}/{talk_id:\d{1,18}}", self.page_talk)
            app.router.add_get(r"/talks/{key}/{talk_id:\d{1,18}}.ics", self.page_talk_ics)
        # Without a secret the trigger does not exist at all (404), rather than existing and refusing.
        if self._secret is not None:
            app.router.add_post("/api/proactive/run", self.trigger)
        return app

    async def start(self, host: str, port: int) -> None:
        """Listen on host:port (port 0: any free port; `self.port` tells which)."""
        runner = web.AppRunner(
            self.app(),
            access_log=None,
            shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS,
            keepalive_timeout=self.header_timeout,
            max_line_size=MAX_LINE_BYTES,
            max_field_size=MAX_LINE_BYTES,
            max_headers=MAX_HEADERS,
        )
        await runner.setup()
        server = runner.server
        assert server is not None
        cap = self.max_connections

        def connection() -> asyncio.BaseProtocol:
            # aiohttp has no connection cap and asyncio cannot stop accepting: one over the cap is told 503
            # and closed before it costs a request handler.
            if len(server.connections) >= cap:
                return _Refuse()
            return server()

        try:
            # Not web.TCPSite: it hands aiohttp's protocol factory to asyncio itself, with no place for the cap.
            listener = await asyncio.get_running_loop().create_server(connection, host, port, reuse_address=True)
        except BaseException:
            await runner.cleanup()
            raise
        self._runner, self._listener = runner, listener
        self.host, self.port = listener.sockets[0].getsockname()[:2]
        log.info(
            "HTTP endpoint on http://%s:%d (/healthz, /metrics%s)",
            host,
            self.port,
            ", POST /api/proactive/run" if self._secret else "",
        )

    async def stop(self) -> None:
        """Stop listening; requests still open get SHUTDOWN_TIMEOUT_SECONDS."""
        if self._listener is not None:
            listener, self._listener = self._listener, None
            listener.close()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    # -- /healthz ---------------------------------------------------------------------------------------

    async def checks(self) -> list[CheckResult]:
        """Gateway connected, database answering, dispatcher loop alive."""
        return [self._check_gateway(), await self._check_database(), await self._check_dispatcher()]

    def _check_gateway(self) -> CheckResult:
        if self.gateway_connected():
            return CheckResult("gateway", True, "connected")
        return CheckResult("gateway", False, "not connected to Discord's gateway")

    async def _check_database(self) -> CheckResult:
        try:
            row = await asyncio.wait_for(self.db.ping(), DATABASE_TIMEOUT_SECONDS)
        except TimeoutError:
            return CheckResult("database", False, f"no answer within {DATABASE_TIMEOUT_SECONDS:g} s")
        except Exception:
            # The exception's text (paths, SQL) is for the operator's log, not for whoever asks /healthz.
            log.warning("health check: the database failed", exc_info=True)
            return CheckResult("database", False, "error (see the log)")
        if row is None or row[0] != 1:
            return CheckResult("database", False, "unexpected answer to SELECT 1")
        return CheckResult("database", True, "answers")

    async def _check_dispatcher(self) -> CheckResult:
        dispatcher = self.dispatcher
        last = dispatcher.last_success_at
        if last is None:
            return CheckResult("dispatcher", False, "the dispatcher loop has not completed a pass yet")
        age = (self.clock.now() - last).total_seconds()
        if age > DISPATCHER_STALE_AFTER.total_seconds():
            return CheckResult("dispatcher", False, f"the dispatcher loop last completed a pass {age:.0f} s ago")
        if dispatcher.paused and dispatcher.pause_reason:
            return CheckResult("dispatcher", False, f"delivery is paused: {dispatcher.pause_reason}")
        try:
            overdue = await asyncio.wait_for(self.oldest_overdue(), DATABASE_TIMEOUT_SECONDS)
        except Exception:
            overdue = None  # the database check reports it
        if overdue is not None and overdue > OVERDUE_LIMIT.total_seconds():
            return CheckResult(
                "dispatcher", False, f"a message due {overdue:.0f} s ago is still waiting (last pass {age:.1f} s ago)"
            )
        return CheckResult("dispatcher", True, f"last pass {age:.1f} s ago")

    async def oldest_overdue(self) -> float | None:
        """Seconds since the earliest pending message fell due (None when none is overdue)."""
        next_due = await self.outbox.next_due()
        if next_due is None:
            return None
        late = (self.clock.now() - next_due).total_seconds()
        return late if late > 0 else None

    async def healthz(self, request: web.Request) -> web.Response:
        """200 when every check passes; 503 naming the failing checks otherwise."""
        results = await self.checks()
        failing = [r.name for r in results if not r.ok]
        body: dict[str, Any] = {
            "status": "ok" if not failing else "failing",
            "checks": {r.name: {"ok": r.ok, "detail": r.detail} for r in results},
        }
        if failing:
            body["failing"] = failing
        return web.json_response(body, status=503 if failing else 200)

    # -- /calendar/<token>.ics -------------------------------------------------------------------------------

    async def calendar_feed(self, request: web.Request) -> web.StreamResponse:
        """A subscribable iCalendar feed: 404 for a wrong token, 304 when the caller already has this version."""
        assert self.calendars is not None
        wait = self.feed_limit.take(client_address(request))
        if wait is not None:
            # Checked before the token: a flood of guesses costs a dictionary look-up, not a query.
            return web.Response(status=429, text="too many requests", headers={"Retry-After": str(math.ceil(wait))})
        feed = await self.calendars.feed(request.match_info["token"])
        if feed is None:
            return web.Response(status=404, text="not found")
        built = await self.calendars.body(feed, name=self.calendar_name(feed))
        headers = {"ETag": built.etag, "Cache-Control": "private, max-age=300"}
        if built.last_modified is not None:
            headers["Last-Modified"] = format_datetime(built.last_modified.astimezone(UTC), usegmt=True)
        if none_match(request, built.etag):
            return web.Response(status=304, headers=headers)
        if "If-None-Match" not in request.headers and built.last_modified is not None:
            since = request.if_modified_since
            if since is not None and built.last_modified.replace(microsecond=0) <= since:
                return web.Response(status=304, headers=headers)
        headers["Content-Type"] = "text/calendar; charset=utf-8"
        return web.Response(body=built.body, headers=headers)

    # -- /talks/<key> (the community's web page) --------------------------------------------------------------

    async def page_index(self, request: web.Request) -> web.StreamResponse:
        """Upcoming talks and one page of the archive (?q= searches it, ?page= pages it)."""
        return await self._page(request, "index")

    async def page_talk(self, request: web.Request) -> web.StreamResponse:
        """One talk's page, with Open Graph tags for chats that unfurl it."""
        return await self._page(request, "talk")

    async def page_talk_ics(self, request: web.Request) -> web.StreamResponse:
        """One talk as a calendar file (the page's "Add to calendar")."""
        return await self._page(request, "ics")

    async def _page(self, request: web.Request, what: str) -> web.StreamResponse:
        assert self.pages is not None
        wait = self.page_limit.take(client_address(request))
        if wait is not None:
            return web.Response(status=429, text="too many requests", headers={"Retry-After": str(math.ceil(wait))})
        page = await self.pages.find(request.match_info["key"])
        built: Built | None = None
        if page is not None and what == "index":
            try:
                number = int(request.query.get("page", "1"))
            except ValueError:
                number = 1
            built = await self.pages.index(page, query=request.query.get("q", ""), number=min(number, 10**6))
        elif page is not None:
            talk_id = int(request.match_info["talk_id"])
            built = await (self.pages.talk(page, talk_id) if what == "talk" else self.pages.talk_ics(page, talk_id))
        if built is None:
            return web.Response(status=404, text="not found")
        # The public address is the server id; the token (even of a public page) stays secret.
        secret = request.match_info["key"] != str(page.guild_id) if page is not None else True
        headers = {
            "ETag": built.etag,
            "Cache-Control": SECRET_PAGE_CACHE_CONTROL if secret else PAGE_CACHE_CONTROL,
            # The secret address must not leave in a Referer when a visitor follows a link to the slides.
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        }
        if page is not None and not page.public:
            headers["X-Robots-Tag"] = "noindex"
        gzipped = built.gzipped and accepts_gzip(request.headers.get("Accept-Encoding", ""))
        if built.gzipped:
            headers["Vary"] = "Accept-Encoding"
        if gzipped:
            headers["ETag"], headers["Content-Encoding"] = built.gzip_etag, "gzip"
        if none_match(request, headers["ETag"]):
            return web.Response(status=304, headers=headers)
        headers["Content-Type"] = built.content_type
        return web.Response(body=built.data if gzipped else built.body(), headers=headers)

    # -- /metrics ---------------------------------------------------------------------------------------

    async def metrics_view(self, request: web.Request) -> web.Response:
        """Prometheus exposition; outbox counts are read from the database at scrape time."""
        try:
            counts = await asyncio.wait_for(self.outbox_counts(), DATABASE_TIMEOUT_SECONDS)
        except Exception:
            # Still export everything else; the outbox gauges keep their last values.
            log.warning("could not read outbox counts for /metrics", exc_info=True)
        else:
            self.metrics.set_outbox_counts(counts)
        try:
            overdue = await asyncio.wait_for(self.oldest_overdue(), DATABASE_TIMEOUT_SECONDS)
        except Exception:
            log.warning("could not read the oldest overdue message for /metrics", exc_info=True)
        else:
            self.metrics.oldest_overdue.set(overdue or 0.0)
        body, content_type = self.metrics.render(request.headers.get("Accept"))
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def outbox_counts(self) -> dict[str, int]:
        """Rows by state: the queue's states read now, the final ones at most every OUTBOX_FULL_COUNT_SECONDS."""
        now = time.monotonic()
        if self._full_counts is None or now - self._full_counts_at >= OUTBOX_FULL_COUNT_SECONDS:
            self._full_counts = await self.outbox.counts_by_state()
            self._full_counts_at = now
            return dict(self._full_counts)
        row = await self.db.fetchone(
            "SELECT (SELECT count(*) FROM outbox WHERE state = 'pending') AS pending,"
            " (SELECT count(*) FROM outbox WHERE state = 'sending') AS sending"
        )
        assert row is not None
        return {**self._full_counts, "pending": row["pending"], "sending": row["sending"]}

    # -- POST /api/proactive/run ------------------------------------------------------------------------

    @functools.cached_property
    def refusals(self) -> RefusalLog:
        """Logs refused trigger calls, at most one line a minute (tests replace it to move its clock)."""
        return RefusalLog()

    def _authorised(self, request: web.Request) -> bool:
        assert self._secret is not None
        # aiohttp decodes header bytes as UTF-8 with surrogateescape: this gives back the bytes that were
        # sent, so a header that is not valid UTF-8 (e.g. 0xff) is simply a wrong secret, not a crash.
        given = request.headers.get(CRON_SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        # Constant time: the answer's timing must not reveal how much of a guess was right.
        return hmac.compare_digest(given, self._secret)

    async def trigger(self, request: web.Request) -> web.Response:
        """Run one dispatch pass now and answer with what it started and how those deliveries ended."""
        if not self._authorised(request):
            self.refusals.refused(request.remote)
            return web.json_response({"error": f"missing or wrong {CRON_SECRET_HEADER} header"}, status=401)
        if not self.logged_in():
            return web.json_response({"error": "not logged in to Discord yet; try again shortly"}, status=503)
        if not self.dispatcher.recovered.is_set():
            # Before recover() a pass could claim rows a crash left 'sending'; recover() would then queue them again.
            return web.json_response({"error": "not ready: recovering from the last stop; try again shortly"},
                                     status=503)
        async with self._trigger_lock:
            result = await self.run_pass()
        log.info("external trigger: %s", result)
        return web.json_response(result)

    async def run_pass(self, wait: float = TRIGGER_WAIT_SECONDS) -> dict[str, Any]:
        """`Dispatcher.dispatch_due()`, then wait (at most `wait` s) for the deliveries it started."""
        started_at = time.monotonic()
        before = set(self.dispatcher.in_flight)
        started = await self.dispatcher.dispatch_due()
        # dispatch_due adds its tasks without yielding after the claim, so the new ones are exactly
        # these (plus, rarely, any the loop's own pass claimed in the same instant).
        tasks = self.dispatcher.in_flight - before
        done, pending = await asyncio.wait(tasks, timeout=wait) if tasks else (set(), set())
        outcomes: Counter[str] = Counter()
        for task in done:
            if task.cancelled() or task.exception() is not None:
                outcomes["error"] += 1
                continue
            result = task.result()
            outcomes[result.state if isinstance(result, Outcome) else "error"] += 1
        return {
            "started": started,
            "finished": len(done),
            "unfinished": len(pending),
            "outcomes": dict(sorted(outcomes.items())),
            "seconds": round(time.monotonic() - started_at, 3),
        }


class RefusalLog:
    """One WARNING for a refused trigger call, then at most one a minute, counting those in between."""

    # Someone guessing the secret in a loop must not be able to fill the disk with log lines.
    INTERVAL_SECONDS = 60.0

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._logged_at: float | None = None
        self._unlogged = 0

    def refused(self, remote: str | None) -> None:
        """Count one refused call; log it if the last line is a minute old (or there was none)."""
        now = self._monotonic()
        if self._logged_at is not None and now - self._logged_at < self.INTERVAL_SECONDS:
            self._unlogged += 1
            return
        since = (
            f" ({self._unlogged} more refused in the last {now - self._logged_at:.0f} s)"
            if self._logged_at is not None and self._unlogged
            else ""
        )
        log.warning(
            "refused POST /api/proactive/run from %s: wrong or missing %s%s", remote, CRON_SECRET_HEADER, since
        )
        self._logged_at = now
        self._unlogged = 0


class _Refuse(asyncio.Protocol):
    """A connection over the cap: told 503 and closed."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Answer and hang up without reading the request."""
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(_REFUSED)
        transport.close()


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether Accept-Encoding takes gzip (RFC 9110 12.5.3): named, or `*`, with a q above 0 ("gzip;q=0" refuses)."""
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, *parameters = item.split(";")
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0  # a weight that cannot be read accepts nothing
        weights[coding.strip().lower()] = weight
    for coding in ("gzip", "x-gzip", "*"):
        if coding in weights:
            return weights[coding] > 0
    return False


def none_match(request: web.Request, etag: str) -> bool:
    """Whether If-None-Match holds `etag` or is `*` (RFC 9110 13.1.2; compared weakly, as a GET's is): a 304."""
    tags = request.if_none_match
    if not tags:
        return False
    return any(tag.value == "*" or f'"{tag.value}"' == etag for tag in tags)


def client_address(request: web.Request) -> str:
    """Who asked: the peer, or for a peer on loopback (the reverse proxy) the address it forwarded for."""
    peer = request.remote or ""
    try:
        local = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        local = False
    forwarded = request.headers.get("X-Forwarded-For", "")
    if local and forwarded:
        # The proxy appends the address it saw; anything left of it is whatever the client claimed.
        return forwarded.rsplit(",", 1)[-1].strip() or peer
    return peer


class AddressLimit:
    """A token bucket per address, for a bounded number of addresses (least recently seen forgotten)."""

    def __init__(
        self,
        *,
        burst: int = FEED_BURST,
        per_second: float = FEED_PER_SECOND,
        kept: int = FEED_ADDRESSES_KEPT,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst, self.per_second, self.kept = burst, per_second, kept
        self._monotonic = monotonic
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, address: str) -> float | None:
        """Take one request from the address's bucket: None when allowed, else seconds until one is."""
        now = self._monotonic()
        tokens, then = self._buckets.pop(address, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.per_second)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[address] = (tokens, now)
        if len(self._buckets) > self.kept:
            # A forgotten address starts again with a full burst: the cost of bounded memory.
            self._buckets.popitem(last=False)
        return None if allowed else (1.0 - tokens) / self.per_second
