"""The operator's side of the real process: /healthz, /metrics, the cron trigger, JSON logs, --backup."""

import asyncio
import json
import socket
import sqlite3
import stat
import time
from datetime import timedelta

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from podium.delivery.outbox import OutboxMessage
from tests.botprocess import TOKEN, bot_command, free_port, http, wait_healthy, working_dir
from tests.e2e.dbcheck import channel_message, now, queue, wait_for_state
from tests.fake_discord import GENERAL_CHANNEL_ID, GUILD_ID, MEMBER_ID, MODERATOR_ID
from tests.waiting import eventually

SECRET = "e2e-cron-secret-0123456789abcdef"


def metric_values(text):
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_health_metrics_and_the_cron_trigger(fake, bot_factory):
    port = free_port()
    # A 60 s safety tick: a row written by another process is then found by the trigger, not the loop.
    bot = bot_factory(HTTP_PORT=str(port), CRON_SECRET=SECRET, DISPATCH_TICK_SECONDS="60")
    await bot.start()
    # Healthy includes "the delivery loop completed a pass": it now sleeps for the tick.
    health = await wait_healthy(port)
    assert set(health["checks"]) == {"gateway", "database", "dispatcher"}

    status, body = await http("POST", port, "/api/proactive/run", {"X-Cron-Secret": "not-the-secret"})
    assert status == 401
    [row_id] = await queue(bot.db_path, channel_message("via-trigger", now()))
    # An absence takes time to show: half a second in which the sleeping loop must not find the row by itself,
    # waited for as the send it must not be (a loop that polls fails here at once, not after a fixed sleep).
    with pytest.raises(TimeoutError):
        await fake.wait_for_message(lambda m: m.nonce == f"podium-{row_id}", timeout=0.5)

    status, body = await http("POST", port, "/api/proactive/run", {"X-Cron-Secret": SECRET})
    assert status == 200, body
    result = json.loads(body)
    assert (result["started"], result["outcomes"]) == (1, {"sent": 1})
    [message] = [m for m in fake.messages if m.nonce == f"podium-{row_id}"]
    assert message.channel_id == GENERAL_CHANNEL_ID
    await wait_for_state(bot.db_path, row_id, "sent")

    status, text = await http("GET", port, "/metrics")
    assert status == 200
    values = metric_values(text)
    assert values[("podium_proactive_messages_total", (("kind", "test"), ("outcome", "sent")))] == 1
    assert values[("podium_outbox_rows", (("state", "sent"),))] == 1
    assert values[("podium_delivery_lateness_seconds_count", (("kind", "test"),))] == 1
    assert values[("podium_gateway_connected", ())] == 1
    commands = {labels: v for (name, labels), v in values.items() if name == "podium_command_invocations_total"}
    assert commands, "one series per slash command, at 0 from the start"
    assert set(commands.values()) == {0}

    started = time.monotonic()
    assert await bot.stop() == 0
    assert time.monotonic() - started < 5
    assert SECRET not in bot.log()
    assert "Traceback" not in bot.log()


async def test_command_invocations_are_counted(fake, bot_factory):
    port = free_port()
    bot = bot_factory(HTTP_PORT=str(port))
    await bot.start()
    for _ in range(2):
        interaction = await fake.invoke(
            guild_id=GUILD_ID,
            channel_id=GENERAL_CHANNEL_ID,
            user_id=MEMBER_ID,
            name="opt-out",
            options=[{"type": 1, "name": "status"}],
        )
        await fake.wait_for_response(interaction)
    # The completion event is dispatched after the response: wait for it to be counted.
    ran = ("podium_command_invocations_total", (("command", "opt-out status"),))

    async def counted():
        values = metric_values((await http("GET", port, "/metrics"))[1])
        return values if values[ran] >= 2 else None

    values = await eventually(counted, what="two /opt-out status counted", fake=fake)
    assert values[ran] == 2
    assert values[("podium_command_errors_total", (("command", "opt-out status"),))] == 0
    assert values[("podium_command_invocations_total", (("command", "opt-out stop"),))] == 0
    status, _ = await http("POST", port, "/api/proactive/run", {"X-Cron-Secret": SECRET})
    assert status == 404  # no CRON_SECRET: no trigger


async def test_healthz_fails_while_the_gateway_is_down(fake, bot_factory):
    port = free_port()
    bot = bot_factory(HTTP_PORT=str(port))
    await bot.start()
    await wait_healthy(port)
    await fake.stop()  # Discord is gone: the gateway drops and cannot come back
    async def unhealthy():
        status, body = await http("GET", port, "/healthz")
        return (status, body) if status == 503 else None

    status, body = await eventually(unhealthy, what="/healthz answers 503")
    assert status == 503
    assert json.loads(body)["failing"] == ["gateway"]
    assert await bot.stop() == 0


async def test_busy_http_port_is_one_clear_line_and_exit_2(fake, bot_factory):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        bot = bot_factory(HTTP_PORT=str(taken.getsockname()[1]))
        await bot.start(wait_ready=False)
        assert await asyncio.wait_for(bot.proc.wait(), 20) == 2
    lines = [line for line in bot.log().splitlines() if line and not line.startswith("=====")]
    errors = [line for line in lines if "error" in line.lower()]
    assert len(errors) == 1, lines
    assert errors[0] == lines[-1]
    assert errors[0].startswith("podium: configuration error: HTTP_PORT: cannot listen on 127.0.0.1:")
    assert "Traceback" not in bot.log()


async def test_json_logs_one_object_per_line(fake, bot_factory):
    bot = bot_factory(LOG_FORMAT="json", LOG_LEVEL="DEBUG")
    [row_id] = await queue(bot.db_path, channel_message("json-log", now()))
    await bot.start()
    await wait_for_state(bot.db_path, row_id, "sent")
    assert await bot.stop() == 0
    entries = []
    for line in bot.log().splitlines():
        if not line or line.startswith("====="):
            continue
        entries.append(json.loads(line))  # every line is one JSON object
    assert all({"timestamp", "level", "logger", "message"} <= set(e) for e in entries)
    assert all(e["timestamp"].endswith("+00:00") for e in entries)
    [delivery] = [e for e in entries if e["message"].startswith(f"outbox {row_id} ")]
    assert delivery["logger"] == "podium.dispatcher"
    for part in (
        "kind=test",
        f"guild={GUILD_ID}",
        f"target={GENERAL_CHANNEL_ID}",
        "outcome=sent",
        "attempt=1",
        "lateness=",
    ):
        assert part in delivery["message"]
    assert TOKEN.split(".", 1)[1] not in bot.log()


async def test_backup_of_the_running_bot_while_it_writes(fake, bot_factory, tmp_path):
    bot = bot_factory()
    users = [910000000000000000 + i for i in range(150)]
    for user_id in users:
        fake.add_user(user_id, f"user{user_id % 1000}")
    ids = await queue(
        bot.db_path,
        *(
            # Spread over 6 s, so that the bot is still writing while the backup runs.
            OutboxMessage(
                kind="personal_reminder",
                dedupe_key=f"backup-{u}",
                due_at=now() + timedelta(seconds=1 + 6 * n / len(users)),
                target_type="dm",
                user_id=u,
                payload={"text": "backup"},
            )
            for n, u in enumerate(users)
        ),
    )
    await bot.start(wait_ready=False)
    await fake.wait_for_message(lambda m: len(fake.messages) >= 20, timeout=30)
    conn = sqlite3.connect(bot.db_path)
    sent_before = conn.execute("SELECT count(*) FROM outbox WHERE state = 'sent'").fetchone()[0]
    conn.close()
    backup = await asyncio.create_subprocess_exec(
        # A folder that does not exist yet: the trailing "/" says it is one, and it is created.
        *bot_command("--backup", f"{tmp_path}/backups/"),
        cwd=working_dir(tmp_path),
        env={"PATH": "/usr/bin:/bin", "DATABASE_PATH": str(bot.db_path)},  # no token needed
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(backup.communicate(), 30)
    assert backup.returncode == 0, err
    [copy] = list((tmp_path / "backups").iterdir())
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert str(copy) in out.decode()
    assert f"outbox: {len(ids)} row(s)" in out.decode()
    conn = sqlite3.connect(copy)
    try:
        states = dict(conn.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
        sent_in_copy = states.get("sent", 0)
        assert sum(states.values()) == len(ids)
        assert sent_in_copy >= sent_before  # every write committed before the backup is in it
        assert sent_in_copy < len(ids), "the backup must have run while the bot was still sending"
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        assert (
            conn.execute("SELECT count(*) FROM outbox WHERE state = 'sent' AND message_id IS NULL").fetchone()[0] == 0
        )
    finally:
        conn.close()
    expected = {f"podium-{i}" for i in ids}
    await fake.wait_for_message(lambda m: expected <= {x.nonce for x in fake.messages}, timeout=60)
    assert await bot.stop() == 0


async def test_user_mistakes_are_answered_privately_and_counted_as_refused(fake, bot_factory):
    """One path for user mistakes: a time that cannot be read (refused while nextcord converts the option) and a
    domain refusal (an empty topic) both get the reason privately and count as refused, not as errors.
    """
    port = free_port()
    bot = bot_factory(HTTP_PORT=str(port))
    await bot.start()
    cases = [
        ("add", [{"type": 3, "name": "when", "value": "whenever"}, {"type": 3, "name": "topic", "value": "Rust"}],
         "Try"),
        ("add", [{"type": 3, "name": "when", "value": "in 2 days at 18:00"}, {"type": 3, "name": "topic",
                                                                              "value": "   "}], "topic"),
    ]
    for sub, options, expected in cases:
        interaction = await fake.invoke(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MEMBER_ID,
                                        name="schedule", options=[{"type": 1, "name": sub, "options": options}])
        response = await fake.wait_for_response(interaction)
        assert response["data"]["flags"] & 64, "the reason is private"
        assert expected in response["data"]["content"]
    refused = ("podium_command_refusals_total", (("command", "schedule add"),))

    async def counted():
        values = metric_values((await http("GET", port, "/metrics"))[1])
        return values if values[refused] >= 2 else None

    values = await eventually(counted, what="two refusals of /schedule add counted", fake=fake)
    assert values[refused] == 2
    assert values[("podium_command_errors_total", (("command", "schedule add"),))] == 0
    assert "Traceback" not in bot.log()


async def test_calendar_feeds_over_http_with_etag_304_and_rotation(fake, bot_factory):
    port = free_port()
    bot = bot_factory(HTTP_PORT=str(port), PUBLIC_URL="https://podium.example.org")
    await bot.start()

    async def settings(name, **options):
        values = [{"type": 5 if isinstance(v, bool) else 3, "name": k, "value": v} for k, v in options.items()]
        interaction = await fake.invoke(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MODERATOR_ID,
                                        name="announce-settings",
                                        options=[{"type": 1, "name": name, "options": values}])
        return (await fake.wait_for_response(interaction))["data"]["content"]

    reply = await settings("calendar")
    token = reply.split("/calendar/")[1].split(".ics")[0]
    assert "webcal://podium.example.org/calendar/" in reply
    status, body = await http("GET", port, f"/calendar/{token}.ics")
    assert status == 200 and body.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" not in body
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/calendar/{token}.ics") as r:
        assert r.headers["Content-Type"] == "text/calendar; charset=utf-8"
        etag = r.headers["ETag"]
    async with aiohttp.ClientSession() as session, session.get(
        f"http://127.0.0.1:{port}/calendar/{token}.ics", headers={"If-None-Match": etag}
    ) as r:
        assert r.status == 304
    # RFC 9110 13.1.2: "*" matches any current version, as the web page answers it; a list holding the tag matches.
    for header in ("*", f'"other", {etag}'):
        async with aiohttp.ClientSession() as session, session.get(
            f"http://127.0.0.1:{port}/calendar/{token}.ics", headers={"If-None-Match": header}
        ) as r:
            assert r.status == 304, header
    interaction = await fake.invoke(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MEMBER_ID,
                                    name="schedule", options=[{"type": 1, "name": "add", "options": [
                                        {"type": 3, "name": "when", "value": "in 3 days at 18:00"},
                                        {"type": 3, "name": "topic", "value": "Feeds"}]}])
    await fake.wait_for_response(interaction)
    async with aiohttp.ClientSession() as session, session.get(
        f"http://127.0.0.1:{port}/calendar/{token}.ics", headers={"If-None-Match": etag}
    ) as r:
        assert r.status == 200 and b"SUMMARY:Feeds" in await r.read()  # a change: a new version
    rotated = (await settings("calendar", rotate=True)).split("/calendar/")[1].split(".ics")[0]
    assert rotated != token
    assert (await http("GET", port, f"/calendar/{token}.ics"))[0] == 404
    assert (await http("GET", port, f"/calendar/{rotated}.ics"))[0] == 200
    assert (await http("GET", port, "/calendar/guessing.ics"))[0] == 404
