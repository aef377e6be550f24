"""The fake Discord cannot hide a bug: its own crashes fail the test that ran it, a wrong token is refused.

The crash tests run an inner pytest session in a subprocess (pytester): the point is the outcome of a whole
test, teardown included, and the inner fake's crash log must not reach this session's own guard.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import aiohttp
import nextcord
import pytest
from nextcord.http import Route

from tests.fake_discord import (
    APPLICATION_ID,
    BOT_TOKEN,
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    PER_BOT,
    ROUTE_LIMITS,
    FakeDiscord,
    loopback_only,
)

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]

INNER_TESTS = '''
import aiohttp

from tests.fake_discord import FakeDiscord


def boom(call):
    raise KeyError("a bug in the fake")


async def crash(fake):
    fake._router.add("GET", "/crash", boom)
    async with aiohttp.ClientSession() as session:
        async with session.get(fake.api_base + "/crash",
                               headers={"Authorization": f"Bot {fake.token}"}) as response:
            # What the bot sees: a 500 it would retry like Discord's own.
            assert response.status == 500


async def test_crash_inside_async_with():
    async with FakeDiscord() as fake:
        await crash(fake)


async def test_crash_with_start_and_stop():
    fake = FakeDiscord()
    await fake.start()
    try:
        await crash(fake)
    finally:
        await fake.stop()


async def test_no_crash_passes():
    async with FakeDiscord() as fake:
        fake.fail("GET", "/gateway", status=500)  # injected: the test asked for it
        async with aiohttp.ClientSession() as session:
            async with session.get(fake.api_base + "/gateway",
                                   headers={"Authorization": f"Bot {fake.token}"}) as response:
                assert response.status == 500
'''


def test_a_crashing_fake_handler_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makeconftest("from tests.conftest import fail_on_fake_crash  # noqa: F401\n")
    pytester.makepyfile(test_inner=INNER_TESTS)
    pytester._monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA")
    output = result.stdout.str()
    # Inside `async with`: FakeCrashed from the fake's exit; started and stopped by hand: the crash log line
    # fails the test in teardown (pytest reports its call as passed, then the error). An injected 500 is no crash.
    result.stdout.fnmatch_lines_random([
        "FAILED test_inner.py::test_crash_inside_async_with*", "ERROR test_inner.py::test_crash_with_start_and_stop*",
        "PASSED test_inner.py::test_no_crash_passes"])
    assert "ERROR test_inner.py::test_crash_inside_async_with" in output  # the log line fails it too
    assert "test_inner.py::test_no_crash_passes - " not in output
    assert "FakeCrashed: fake Discord crash 1:" in output and "a bug in the fake" in output


async def test_only_the_bots_token_is_accepted() -> None:
    """Like Discord: a wrong or missing token is 401 on REST and close code 4004 on IDENTIFY."""
    original_base = Route.BASE
    with loopback_only():
        async with FakeDiscord() as fake:
            assert fake.token == BOT_TOKEN
            async with aiohttp.ClientSession() as session:
                for auth in ("Bot not-the-token", None):
                    headers = {"Authorization": auth} if auth else {}
                    async with session.get(fake.api_base + "/users/@me", headers=headers) as response:
                        assert response.status == 401
                        assert (await response.json(content_type=None))["message"] == "401: Unauthorized"
                async with session.get(fake.api_base + "/users/@me",
                                       headers={"Authorization": f"Bot {BOT_TOKEN}"}) as response:
                    assert response.status == 200
            Route.BASE = fake.api_base
            try:
                client = nextcord.Client(intents=nextcord.Intents(guilds=True))
                with pytest.raises(nextcord.LoginFailure):
                    await client.login("an.other.token")
                await client.close()
            finally:
                Route.BASE = original_base
            assert fake.invalid_request_count == 3


# --- rate limits on every route ---------------------------------------------------------------------------

MAJOR = {"channel_id": GENERAL_CHANNEL_ID, "guild_id": GUILD_ID, "message_id": 1, "emoji": "%F0%9F%91%8D",
         "user_id": MEMBER_ID, "event_id": 1, "webhook_id": APPLICATION_ID, "webhook_token": "not-a-token"}
OTHER_MAJOR = {"channel_id": GENERAL_CHANNEL_ID + 100, "guild_id": GUILD_ID + 100}


def concrete(template: str, values: dict[str, object]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), template)


async def hit(session: aiohttp.ClientSession, fake: FakeDiscord, method: str, path: str) -> aiohttp.ClientResponse:
    async with session.request(method, fake.api_base + path, json={"recipient_id": str(MEMBER_ID), "name": "t"},
                               headers={"Authorization": f"Bot {fake.token}"}) as response:
        await response.read()
        return response


@pytest.mark.parametrize(("method", "route"), sorted(ROUTE_LIMITS), ids=" ".join)
async def test_every_limited_route_answers_429_past_its_limit_per_major_parameter(method, route):
    """Each route Podium uses is refused past its limit, counted per major parameter under one bucket name."""
    _, limit, window, major = ROUTE_LIMITS[method, route]
    # The table's limit, over a window no loaded machine outlasts (the figures themselves are data, not behaviour).
    limits = {(method, route): (limit, 60.0)}
    with loopback_only():
        async with FakeDiscord(global_limit_per_s=None, route_limits=limits) as fake, \
                aiohttp.ClientSession() as session:
            path = concrete(route, MAJOR)
            answers = [await hit(session, fake, method, path) for _ in range(limit + 1)]
            *allowed, refused = answers
            assert all(a.status != 429 for a in allowed), [a.status for a in answers]
            assert refused.status == 429 and refused.headers["Via"] and refused.headers["X-RateLimit-Scope"] == "user"
            assert float(refused.headers["Retry-After"]) > 0 and refused.headers["X-RateLimit-Limit"] == str(limit)
            if "{channel_id}" in route or "{guild_id}" in route:
                # Another channel / guild has its own count under the same bucket name (Discord's naming), unless the
                # route is limited for the whole bot (new threads, thread members).
                other = await hit(session, fake, method, concrete(route, MAJOR | OTHER_MAJOR))
                assert (other.status == 429) == (major == PER_BOT), other.status
                assert other.headers["X-RateLimit-Bucket"] == refused.headers["X-RateLimit-Bucket"]
    assert window > 0


async def test_message_edits_have_their_own_bucket():
    """Hata saw edits counted apart from sends: a channel's full send bucket does not refuse an edit."""
    channel = f"/channels/{GENERAL_CHANNEL_ID}/messages"
    with loopback_only():
        async with FakeDiscord(global_limit_per_s=None, channel_message_limit=(2, 60.0)) as fake, \
                aiohttp.ClientSession() as session:
            statuses = [(await hit(session, fake, "POST", channel)).status for _ in range(3)]
            edit = await hit(session, fake, "PATCH", f"{channel}/1")
    assert statuses[-1] == 429 and edit.status != 429


async def test_the_advertised_limit_is_the_tables():
    with loopback_only():
        async with FakeDiscord() as fake, aiohttp.ClientSession() as session:
            response = await hit(session, fake, "POST", f"/channels/{GENERAL_CHANNEL_ID}/threads")
    _, limit, window, _ = ROUTE_LIMITS["POST", "/channels/{channel_id}/threads"]
    assert response.status == 201
    assert response.headers["X-RateLimit-Limit"] == str(limit)
    assert float(response.headers["X-RateLimit-Reset-After"]) == pytest.approx(window, abs=0.5)
