import asyncio
import json
import logging
from datetime import timedelta

import aiohttp
import pytest
import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families

from db import Database
from podium import ops
from podium.calendar_feed import Calendars
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox, OutboxMessage
from podium.delivery.pacing import Pacer
from podium.delivery.transport import TransientError
from podium.metrics import Metrics
from podium.ops import AddressLimit, OpsServer

SECRET = "s3cret-for-the-cron-trigger-0123456789"
CHANNEL = 555


class Transport:
    """Posts succeed (or fail once, for channels in `fail_once`); records the channel of each post."""

    def __init__(self):
        self.posted = []
        self.fail_once = set()

    async def open_dm(self, user_id):
        return 9000 + user_id

    async def create_thread(self, channel_id, name):
        return 7777

    async def post_message(self, channel_id, body):
        if channel_id in self.fail_once:
            self.fail_once.discard(channel_id)
            raise TransientError("503 Service Unavailable", status=503)
        self.posted.append(channel_id)
        return 100 + len(self.posted)


class Bot:
    """What the server reads from the running bot."""

    def __init__(self, db, clock):
        self.connected = True
        self.logged_in = True
        self.outbox = Outbox(db)
        self.transport = Transport()
        self.metrics = Metrics()
        self.dispatcher = Dispatcher(
            db, self.outbox, self.transport, clock, pacer=Pacer(1000, channel_limit=1000), metrics=self.metrics
        )
        self.dispatcher.last_step_at = clock.now() - timedelta(seconds=10)
        self.dispatcher.last_success_at = clock.now() - timedelta(seconds=10)
        self.dispatcher.recovered.set()  # the loop's recover() ran (tests of the gate clear it)


@pytest.fixture
def bot(db, clock):
    return Bot(db, clock)


async def serve(bot, db, clock, secret=SECRET, **options):
    server = OpsServer(
        db=db,
        outbox=bot.outbox,
        dispatcher=bot.dispatcher,
        metrics=bot.metrics,
        clock=clock,
        gateway_connected=lambda: bot.connected,
        logged_in=lambda: bot.logged_in,
        cron_secret=secret,
        **options,
    )
    await server.start("127.0.0.1", 0)
    return server


@pytest_asyncio.fixture
async def server(bot, db, clock):
    server = await serve(bot, db, clock)
    yield server
    await server.stop()


async def call(server, method, path, headers=None):
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"http://127.0.0.1:{server.port}{path}", headers=headers) as response,
    ):
        body = await response.read()
        return response.status, response.headers.get("Content-Type", ""), body


async def queue(db, clock, *channels, due_in=timedelta(0)):
    outbox = Outbox(db)
    async with db.transaction() as tx:
        for i, channel in enumerate(channels):
            await outbox.enqueue(
                tx,
                OutboxMessage(
                    kind="test",
                    dedupe_key=f"ops-{channel}-{i}-{due_in}",
                    due_at=clock.now() + due_in,
                    target_type="channel",
                    channel_id=channel,
                    payload={"text": "hi"},
                ),
                now=clock.now(),
            )


async def test_healthz_ok_when_every_check_passes(server):
    status, content_type, body = await call(server, "GET", "/healthz")
    assert status == 200
    assert content_type.startswith("application/json")
    data = json.loads(body)
    assert data["status"] == "ok"
    assert {name: check["ok"] for name, check in data["checks"].items()} == {
        "gateway": True,
        "database": True,
        "dispatcher": True,
    }


def disconnect(bot, clock):
    bot.connected = False


def never_ran(bot, clock):
    bot.dispatcher.last_step_at = None
    bot.dispatcher.last_success_at = None


def stalled(bot, clock):
    bot.dispatcher.last_success_at = clock.now() - timedelta(minutes=2, seconds=1)


def failing_passes(bot, clock):
    # Passes keep starting (last_step_at is fresh) but none completes: health must not say OK.
    bot.dispatcher.last_step_at = clock.now()
    bot.dispatcher.last_success_at = clock.now() - timedelta(minutes=3)


def paused(bot, clock):
    bot.dispatcher._pause_for_token("401 Unauthorized")


@pytest.mark.parametrize(
    ("breakage", "failing", "detail"),
    [
        (disconnect, "gateway", "not connected"),
        (never_ran, "dispatcher", "has not completed a pass yet"),
        (stalled, "dispatcher", "121 s ago"),
        (failing_passes, "dispatcher", "180 s ago"),
        (paused, "dispatcher", "token (401)"),
    ],
)
async def test_healthz_503_names_the_failing_check(server, bot, clock, breakage, failing, detail):
    breakage(bot, clock)
    status, _, body = await call(server, "GET", "/healthz")
    data = json.loads(body)
    assert status == 503
    assert data["status"] == "failing"
    assert data["failing"] == [failing]
    assert detail in data["checks"][failing]["detail"]


async def test_healthz_503_when_the_database_does_not_answer(bot, db, clock, monkeypatch):
    monkeypatch.setattr(ops, "DATABASE_TIMEOUT_SECONDS", 0.2)
    server = await serve(bot, db, clock)
    held = asyncio.Event()
    release = asyncio.Event()

    async def hold_the_database():
        async with db.transaction():
            held.set()
            await release.wait()

    holder = asyncio.create_task(hold_the_database())
    try:
        await held.wait()
        status, _, body = await call(server, "GET", "/healthz")
    finally:
        release.set()
        await holder
        await server.stop()
    data = json.loads(body)
    assert status == 503
    assert data["failing"] == ["database"]
    assert "no answer within 0.2 s" in data["checks"]["database"]["detail"]


async def test_healthz_503_when_the_database_is_closed(bot, clock, tmp_path):
    db = await Database.open(tmp_path / "closed.db")
    server = await serve(Bot(db, clock), db, clock)
    await db.close()
    try:
        status, _, body = await call(server, "GET", "/healthz")
    finally:
        await server.stop()
    assert status == 503
    assert json.loads(body)["failing"] == ["database"]


async def test_healthz_does_not_show_the_database_error_text(bot, clock, tmp_path, caplog):
    db = await Database.open(tmp_path / "closed.db")
    server = await serve(Bot(db, clock), db, clock)
    await db.close()
    try:
        with caplog.at_level(logging.WARNING, logger="podium.ops"):
            status, _, body = await call(server, "GET", "/healthz")
    finally:
        await server.stop()
    assert status == 503
    assert json.loads(body)["checks"]["database"]["detail"] == "error (see the log)"
    # The exception itself is in the log, for the operator.
    [record] = [r for r in caplog.records if r.name == "podium.ops"]
    assert record.exc_info is not None
    assert "database" in record.getMessage()


async def test_metrics_exports_outbox_rows_and_deliveries(server, bot, db, clock):
    await queue(db, clock, CHANNEL, CHANNEL, due_in=timedelta(hours=1))
    bot.metrics.record_delivery("test", "sent", 0.03)
    status, content_type, body = await call(server, "GET", "/metrics")
    assert status == 200
    assert content_type.startswith("text/plain; version=0.0.4")
    found = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }
    assert found[("podium_outbox_rows", (("state", "pending"),))] == 2
    assert found[("podium_outbox_rows", (("state", "sent"),))] == 0
    assert found[("podium_proactive_messages_total", (("kind", "test"), ("outcome", "sent")))] == 1
    assert found[("podium_delivery_lateness_seconds_count", (("kind", "test"),))] == 1


async def test_metrics_reads_the_queue_at_every_scrape_and_final_states_each_minute(
    server, bot, db, clock, monkeypatch
):
    await queue(db, clock, CHANNEL, due_in=timedelta(hours=1))
    assert (await server.outbox_counts()) == {"pending": 1}
    await queue(db, clock, 556, due_in=timedelta(hours=2))
    async with db.transaction() as tx:
        await tx.execute("UPDATE outbox SET state = 'sent' WHERE channel_id = ?", (CHANNEL,))
    # Within the minute: pending is fresh, final states are the last full reading.
    assert (await server.outbox_counts()) == {"pending": 1, "sending": 0}
    monkeypatch.setattr(ops, "OUTBOX_FULL_COUNT_SECONDS", 0.0)
    assert (await server.outbox_counts()) == {"pending": 1, "sent": 1}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Cron-Secret": ""},
        {"X-Cron-Secret": "wrong"},
        {"X-Cron-Secret": SECRET[:-1]},
        {"X-Cron-Secret": SECRET + "x"},
        {"Authorization": f"Bearer {SECRET}"},
    ],
    ids=["missing", "empty", "wrong", "prefix", "longer", "other-header"],
)
async def test_trigger_refuses_a_wrong_secret_and_sends_nothing(server, bot, db, clock, headers):
    await queue(db, clock, CHANNEL)
    status, _, body = await call(server, "POST", "/api/proactive/run", headers)
    assert status == 401
    assert b"X-Cron-Secret" in body
    assert bot.transport.posted == []
    assert (await bot.outbox.counts_by_state()) == {"pending": 1}


async def raw_post(server, secret: bytes) -> tuple[int, bytes]:
    """POST the trigger with header bytes no HTTP client library would send; (status, body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(
            b"POST /api/proactive/run HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Cron-Secret: "
            + secret
            + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        response = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
        await writer.wait_closed()
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize(
    "secret",
    [b"\xff", b"\xff\xfe" + SECRET.encode(), SECRET.encode() + b"\xc3", SECRET.encode()[:-1] + b"\xe9"],
    ids=["0xff", "garbage-then-secret", "truncated-utf8", "latin-1"],
)
async def test_trigger_refuses_a_secret_that_is_not_utf8(server, bot, db, clock, secret, caplog):
    await queue(db, clock, CHANNEL)
    status, body = await raw_post(server, secret)
    assert status == 401
    assert b"X-Cron-Secret" in body
    assert b"Traceback" not in body
    assert bot.transport.posted == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("wrong", [False, True])
async def test_a_non_ascii_cron_secret_works_as_utf8(bot, db, clock, wrong):
    secret = "pässwörd-für-den-cron-0123456789"
    server = await serve(bot, db, clock, secret=secret)
    try:
        sent = secret.encode("latin-1") if wrong else secret.encode("utf-8")
        status, _ = await raw_post(server, sent)
    finally:
        await server.stop()
    assert status == (401 if wrong else 200)


class Monotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


async def test_refused_attempts_are_logged_at_most_once_a_minute_with_a_count(server, caplog):
    monotonic = Monotonic()
    server.refusals = ops.RefusalLog(monotonic=monotonic)

    async def refuse(times):
        for _ in range(times):
            status, _, _ = await call(server, "POST", "/api/proactive/run", {"X-Cron-Secret": "guess"})
            assert status == 401

    def warnings():
        return [r.getMessage() for r in caplog.records if r.name == "podium.ops" and r.levelno == logging.WARNING]

    with caplog.at_level(logging.WARNING, logger="podium.ops"):
        await refuse(20)
        assert len(warnings()) == 1
        assert "refused POST /api/proactive/run from 127.0.0.1" in warnings()[0]
        monotonic.now += 59
        await refuse(5)
        assert len(warnings()) == 1
        monotonic.now += 1
        await refuse(3)
        assert len(warnings()) == 2
        assert "24 more refused in the last 60 s" in warnings()[1]
        monotonic.now += 3600
        await refuse(1)
        assert len(warnings()) == 3
        assert "2 more refused" in warnings()[2]
    assert all(SECRET not in w and "guess" not in w for w in warnings())


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_trigger_does_not_exist_without_a_cron_secret(bot, db, clock, method):
    server = await serve(bot, db, clock, secret=None)
    try:
        await queue(db, clock, CHANNEL)
        status, _, _ = await call(server, method, "/api/proactive/run", {"X-Cron-Secret": SECRET})
    finally:
        await server.stop()
    assert status == 404
    assert bot.transport.posted == []


async def test_trigger_only_accepts_post(server):
    status, _, _ = await call(server, "GET", "/api/proactive/run", {"X-Cron-Secret": SECRET})
    assert status == 405


async def test_trigger_runs_one_pass_and_reports_outcomes(server, bot, db, clock):
    await queue(db, clock, CHANNEL, 556, 557)
    await queue(db, clock, 558, due_in=timedelta(hours=1))  # not due: not part of the pass
    bot.transport.fail_once.add(557)
    status, _, body = await call(server, "POST", "/api/proactive/run", {"X-Cron-Secret": SECRET})
    assert status == 200
    data = json.loads(body)
    assert data["started"] == 3
    assert data["finished"] == 3
    assert data["unfinished"] == 0
    assert data["outcomes"] == {"retry": 1, "sent": 2}
    assert sorted(bot.transport.posted) == [CHANNEL, 556]
    assert (await bot.outbox.counts_by_state()) == {"pending": 2, "sent": 2}


async def test_trigger_with_nothing_due_starts_nothing(server):
    status, _, body = await call(server, "POST", "/api/proactive/run", {"X-Cron-Secret": SECRET})
    assert status == 200
    assert json.loads(body)["started"] == 0


async def test_trigger_waits_for_recovery(server, bot, db, clock):
    """Logged in but recover() has not run: a pass now would claim rows a crash left 'sending'."""
    bot.dispatcher.recovered.clear()
    await queue(db, clock, CHANNEL)
    status, _, body = await call(server, "POST", "/api/proactive/run", {"X-Cron-Secret": SECRET})
    assert (status, json.loads(body)["error"]) == (503, "not ready: recovering from the last stop; try again shortly")
    assert bot.transport.posted == []
    await bot.dispatcher.recover()
    status, _, body = await call(server, "POST", "/api/proactive/run", {"X-Cron-Secret": SECRET})
    assert (status, json.loads(body)["outcomes"]) == (200, {"sent": 1})


async def test_the_trigger_and_the_loop_never_exceed_the_in_flight_limit(bot, db, clock):
    """A trigger pass beside the loop's pass: together they start at most max_in_flight deliveries."""
    dispatcher = bot.dispatcher
    dispatcher.max_in_flight = 5
    await queue(db, clock, *range(1000, 1020))
    gate = asyncio.Event()
    original = bot.transport.post_message

    async def held(channel_id, body):
        await gate.wait()
        return await original(channel_id, body)

    bot.transport.post_message = held
    # Both passes read the free slots before either claim has returned.
    started = await asyncio.gather(dispatcher.dispatch_due(), dispatcher.dispatch_due())
    assert sorted(started) == [0, 5]
    assert len(dispatcher.in_flight) == 5
    assert (await bot.outbox.counts_by_state())["sending"] == 5
    gate.set()
    await asyncio.gather(*dispatcher.in_flight)


async def test_trigger_waits_for_the_login(server, bot, db, clock):
    bot.logged_in = False
    await queue(db, clock, CHANNEL)
    status, _, _ = await call(server, "POST", "/api/proactive/run", {"X-Cron-Secret": SECRET})
    assert status == 503
    assert bot.transport.posted == []


async def test_a_busy_port_is_an_oserror(bot, db, clock):
    first = await serve(bot, db, clock)
    try:
        with pytest.raises(OSError):
            await OpsServer(
                db=db,
                outbox=bot.outbox,
                dispatcher=bot.dispatcher,
                metrics=bot.metrics,
                clock=clock,
                gateway_connected=lambda: True,
                logged_in=lambda: True,
            ).start("127.0.0.1", first.port)
    finally:
        await first.stop()


async def test_healthz_503_when_a_due_message_waits_too_long(server, bot, db, clock):
    await queue(db, clock, 555, due_in=-ops.OVERDUE_LIMIT - timedelta(seconds=30))
    status, _, body = await call(server, "GET", "/healthz")
    data = json.loads(body)
    assert status == 503
    assert data["failing"] == ["dispatcher"]
    assert "330 s ago is still waiting" in data["checks"]["dispatcher"]["detail"]
    status, _, text = await call(server, "GET", "/metrics")
    assert "podium_outbox_oldest_overdue_seconds 330.0" in text.decode()


async def test_healthz_ok_while_due_messages_are_only_seconds_late(server, db, clock):
    await queue(db, clock, 555, due_in=-timedelta(seconds=20))
    status, _, _ = await call(server, "GET", "/healthz")
    assert status == 200


# -- the HTTP side holds no connection for long (issue 20 §6) ---------------------------------------------------


async def half_sent(port, count):
    """`count` real connections that each send half a request line and nothing more."""
    connections = []
    for _ in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HT")
        await writer.drain()
        connections.append((reader, writer))
    return connections


async def test_half_sent_requests_are_closed_after_the_header_timeout_while_requests_get_through(bot, db, clock):
    server = await serve(bot, db, clock, header_timeout=1.0)
    try:
        loop = asyncio.get_running_loop()
        opened = loop.time()
        hanging = await half_sent(server.port, 50)
        status, _, _ = await call(server, "GET", "/healthz")  # served while the 50 hang
        assert status == 200
        # Each read ends when the server closes that connection (EOF); aiohttp's own default would be an hour.
        ends = await asyncio.wait_for(asyncio.gather(*(reader.read() for reader, _ in hanging)), 10)
        closed_after = loop.time() - opened
        assert ends == [b""] * 50
        assert 0.9 <= closed_after < 5, closed_after
        for _, writer in hanging:
            writer.close()
    finally:
        await server.stop()


async def test_connections_over_the_cap_are_refused_with_503(bot, db, clock):
    server = await serve(bot, db, clock, max_connections=5)
    try:
        hanging = await half_sent(server.port, 5)
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = await asyncio.wait_for(reader.read(), 5)
        assert answer.startswith(b"HTTP/1.1 503 ")
        writer.close()
        for _, held in hanging:
            held.close()
    finally:
        await server.stop()


async def test_a_request_line_longer_than_allowed_is_refused(server):
    status, _, _ = await call(server, "GET", "/healthz?" + "x" * 4000)
    assert status in (400, 414)


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


async def feed_get(port, token, *, source="127.0.0.1", headers=None):
    connector = aiohttp.TCPConnector(local_addr=(source, 0))
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.get(f"http://127.0.0.1:{port}/calendar/{token}.ics", headers=headers) as response,
    ):
        await response.read()
        return response.status, response.headers


async def test_a_flood_from_one_address_gets_429_while_another_is_served(bot, db, clock):
    ticks = Ticks()
    calendars = Calendars(db, clock)
    token = await calendars.token(1)
    server = await serve(bot, db, clock, calendars=calendars,
                         feed_limit=AddressLimit(burst=3, per_second=0.5, monotonic=ticks))
    try:
        assert [(await feed_get(server.port, token))[0] for _ in range(3)] == [200, 200, 200]
        status, headers = await feed_get(server.port, token)
        assert (status, headers["Retry-After"]) == (429, "2")
        assert (await feed_get(server.port, "unknown-token"))[0] == 429  # refused before any look-up
        assert (await feed_get(server.port, token, source="127.0.0.2"))[0] == 200
        ticks.now += 2
        assert (await feed_get(server.port, token))[0] == 200
        # Behind a reverse proxy on loopback, the address it forwards for is the one limited.
        assert (await feed_get(server.port, token, headers={"X-Forwarded-For": "203.0.113.9"}))[0] == 200
    finally:
        await server.stop()


def test_the_address_limit_keeps_a_bounded_number_of_addresses():
    limit = AddressLimit(burst=1, per_second=0.001, kept=100, monotonic=Ticks())
    for i in range(1000):
        assert limit.take(f"10.0.{i // 256}.{i % 256}") is None
    assert len(limit._buckets) == 100
    assert limit.take("10.0.3.231") is not None  # the most recent ones are still limited


async def test_a_request_head_trickled_byte_by_byte_is_closed_at_the_header_timeout(bot, db, clock):
    server = await serve(bot, db, clock, header_timeout=1.0)
    try:
        loop = asyncio.get_running_loop()
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        opened = loop.time()
        closed = asyncio.ensure_future(reader.read())
        for byte in b"GET /healthz HTTP/1.1\r\nHost: slow" * 10:
            if closed.done():
                break
            writer.write(bytes([byte]))
            await asyncio.sleep(0.05)  # the client's pace, not a wait for the server
        assert await asyncio.wait_for(closed, 5) == b""
        # The bytes did not keep it open: they would for 17 s; the header timeout is 1 s, the rest is room for load.
        assert loop.time() - opened < 8
        writer.close()
    finally:
        await server.stop()
