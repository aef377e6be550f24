"""Many servers on one process: the real bot over several gateway shards (SHARD_COUNT), as Discord splits servers."""

import json

import pytest_asyncio

from tests.botprocess import free_port, http, wait_healthy
from tests.fake_discord import MEMBER_ID, FakeDiscord, FakeGuild

MINE = [{"type": 1, "name": "mine", "options": []}]
# (id >> 22) % 2 puts these on shards 0, 1, 0, 1 (Discord's rule).
GUILDS = [FakeGuild(id=(810000000000 + n) << 22, name=f"Server {n}") for n in range(4)]


@pytest_asyncio.fixture
async def fake():
    # Discord recommends 2 shards (GET /gateway/bot); SHARD_COUNT=auto follows it.
    async with FakeDiscord(guilds=GUILDS, shards=2) as server:
        yield server


async def test_auto_shards_as_discord_recommends_and_each_shard_serves_its_servers(fake, bot_factory):
    port = free_port()
    bot = bot_factory(SHARD_COUNT="auto", HTTP_PORT=str(port))
    await bot.start()
    assert sorted(p["shard"] for p in fake.identify_payloads) == [[0, 2], [1, 2]]
    ready = [data for event, data in fake.dispatched if event == "READY"]
    by_shard = {tuple(r["shard"]): {int(g["id"]) for g in r["guilds"]} for r in ready}
    assert by_shard == {(0, 2): {GUILDS[0].id, GUILDS[2].id}, (1, 2): {GUILDS[1].id, GUILDS[3].id}}
    # A command in a server of each shard is answered (its interaction arrives on that shard's session).
    for guild in GUILDS[:2]:
        interaction = await fake.invoke(guild_id=guild.id, channel_id=guild.id + 1, user_id=MEMBER_ID,
                                        name="schedule", options=MINE)
        assert "no upcoming talks" in (await fake.wait_for_response(interaction))["data"]["content"]
    # Healthy only with every shard's session up (a sharded client has no single websocket).
    assert (await wait_healthy(port))["status"] == "ok"
    await fake.stop()  # every shard's session drops
    status, body = await http("GET", port, "/healthz")
    while status == 200:
        status, body = await http("GET", port, "/healthz")
    assert json.loads(body)["failing"] == ["gateway"]
    assert await bot.stop() == 0


async def test_one_session_by_default(fake, bot_factory):
    await bot_factory().start()
    assert [p.get("shard") for p in fake.identify_payloads] in ([None], [[0, 1]])
    ready = next(data for event, data in fake.dispatched if event == "READY")
    assert {int(g["id"]) for g in ready["guilds"]} == {g.id for g in GUILDS}
