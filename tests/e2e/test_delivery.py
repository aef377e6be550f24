"""The proactive-message engine in the real process: on time, retried, fallen back, never doubled."""

from datetime import timedelta

from podium.delivery.outbox import OutboxMessage
from tests.e2e.dbcheck import channel_message, now, query, queue, wait_for_state
from tests.fake_discord import GENERAL_CHANNEL_ID, GUILD_ID, MEMBER_ID
from tests.waiting import eventually

MESSAGES_ROUTE = "/channels/{channel_id}/messages"


async def test_due_row_arrives_on_time(fake, bot_factory):
    bot = bot_factory()
    due = now() + timedelta(seconds=6)
    [row_id] = await queue(bot.db_path, channel_message("on-time", due))
    await bot.start()
    message = await fake.wait_for_message(lambda m: m.nonce == f"podium-{row_id}", timeout=15)
    lateness = message.created_at - due.timestamp()
    assert 0 <= lateness < 0.5, lateness
    assert message.content == "hello"
    assert message.raw["enforce_nonce"] is True
    assert message.mention_everyone is False
    stored = await wait_for_state(bot.db_path, row_id, "sent")
    assert stored["message_id"] == message.id


async def test_server_errors_are_retried_quickly_until_success(fake, bot_factory):
    bot = bot_factory()  # the default RETRY_BASE_SECONDS (10): a short outage is retried after 1 s, then 2 s
    fake.fail("POST", MESSAGES_ROUTE, status=500, times=2)
    [row_id] = await queue(bot.db_path, channel_message("500s", now()))
    await bot.start(wait_ready=False)
    await fake.wait_for_message(lambda m: m.nonce == f"podium-{row_id}", timeout=20)
    stored = await wait_for_state(bot.db_path, row_id, "sent")
    assert stored["attempts"] == 3
    posts = [r for r in fake.requests if r.route == MESSAGES_ROUTE and r.method == "POST"]
    assert [r.status for r in posts] == [500, 500, 200]
    # Not the slow backoff (10 s, then 40 s): bench/lateness.py --server-errors 2 measures how late it is.
    assert posts[2].at - posts[0].at < 10
    assert len([m for m in fake.messages if m.nonce == f"podium-{row_id}"]) == 1


async def test_429_retry_after_is_honoured(fake, bot_factory):
    bot = bot_factory(RETRY_BASE_SECONDS="0.1")
    fake.fail("POST", MESSAGES_ROUTE, status=429, retry_after=2.0)
    [row_id] = await queue(bot.db_path, channel_message("429", now()))
    await bot.start(wait_ready=False)
    message = await fake.wait_for_message(lambda m: m.nonce == f"podium-{row_id}", timeout=20)
    first = next(r for r in fake.requests if r.route == MESSAGES_ROUTE and r.status == 429)
    assert message.created_at - first.at >= 2.0
    assert fake.count_429 == 1


async def test_closed_dms_fall_back_to_the_talk_thread(fake, bot_factory):
    bot = bot_factory()
    fake.closed_dms.add(MEMBER_ID)

    def reminder(talk_id, talk_start):
        return OutboxMessage(
            kind="talk_reminder",
            dedupe_key="talk-reminder",
            due_at=now(),
            target_type="dm",
            guild_id=GUILD_ID,
            user_id=MEMBER_ID,
            talk_id=talk_id,
            talk_start=talk_start,
        )

    [row_id] = await queue(bot.db_path, reminder, guild_announce=GENERAL_CHANNEL_ID, talk_starts_in=timedelta(hours=1))
    await bot.start(wait_ready=False)
    message = await fake.wait_for_message(lambda m: m.nonce == f"podium-{row_id}", timeout=15)
    assert message.channel_id in fake.threads
    assert fake.threads[message.channel_id]["parent_id"] in (GENERAL_CHANNEL_ID, str(GENERAL_CHANNEL_ID))
    assert message.content.startswith(f"<@{MEMBER_ID}>")
    assert "@everyone" in message.content  # the topic, shown as typed...
    assert message.mention_everyone is False  # ...and pinging nobody
    assert message.mention_user_ids == [MEMBER_ID]
    stored = await wait_for_state(bot.db_path, row_id, "sent")
    assert (stored["delivered_via"], stored["delivered_channel_id"]) == ("thread", message.channel_id)
    refused = [r for r in fake.requests if r.route == MESSAGES_ROUTE and r.status == 403]
    assert len(refused) == 1


async def test_unknown_channel_fails_at_once_and_others_still_go(fake, bot_factory):
    bot = bot_factory()
    ids = await queue(
        bot.db_path,
        channel_message("bad", now(), channel_id=999),
        *(channel_message(f"good-{i}", now(), text=f"good {i}") for i in range(3)),
    )
    await bot.start(wait_ready=False)
    for row_id in ids[1:]:
        await fake.wait_for_message(lambda m, row_id=row_id: m.nonce == f"podium-{row_id}", timeout=15)
    failed = await wait_for_state(bot.db_path, ids[0], "failed")
    assert failed["attempts"] == 1
    assert "10003" in failed["last_error"]


async def test_kill_9_during_a_burst_of_200_loses_none_and_doubles_none(fake, bot_factory):
    bot = bot_factory()
    users = [900000000000000000 + i for i in range(200)]
    for user_id in users:
        fake.add_user(user_id, f"user{user_id % 1000}")
    ids = await queue(
        bot.db_path,
        *(
            OutboxMessage(
                kind="personal_reminder",
                dedupe_key=f"burst-{user_id}",
                due_at=now(),
                target_type="dm",
                user_id=user_id,
                payload={"text": "burst"},
            )
            for user_id in users
        ),
    )
    await bot.start(wait_ready=False)
    await fake.wait_for_message(lambda m: len({x.nonce for x in fake.messages}) >= 60, timeout=30)
    await bot.kill()
    delivered_before = len(fake.messages)
    assert delivered_before < 200
    await bot.start(wait_ready=False)
    expected = {f"podium-{row_id}" for row_id in ids}
    await fake.wait_for_message(lambda m: expected <= {x.nonce for x in fake.messages}, timeout=60)
    # Once every row is recorded as sent, nothing is left to send (twice or at all): a double would be in by now.
    states = await eventually(
        lambda: (rows := query(bot.db_path, "SELECT state, count(*) AS n FROM outbox GROUP BY state"))
        == [{"state": "sent", "n": 200}] and rows,
        what="all 200 rows sent", fake=fake)
    nonces = [m.nonce for m in fake.messages]
    assert len(nonces) == len(set(nonces)) == 200
    assert states == [{"state": "sent", "n": 200}]


def dm(key, due, user_id, text="hi"):
    return OutboxMessage(kind="personal_reminder", dedupe_key=key, due_at=due, target_type="dm", user_id=user_id,
                         payload={"text": text})


async def test_warm_channels_are_not_throttled_together(fake, bot_factory):
    """Discord's bucket naming, every channel already used: 2 DMs each to 8 people all go out at once.

    nextcord 3.2 alone would merge the 8 channels' limiters into one (5 per 5 s for all of them), so the 16
    messages would take over 10 s; keyed per channel they fit each channel's own limit.
    """
    users = [830000000000000000 + i for i in range(8)]
    for user_id in users:
        fake.add_user(user_id, f"w{user_id % 100}")
    bot = bot_factory(DISPATCH_TICK_SECONDS="1")
    await bot.start()
    await queue(bot.db_path, *[dm(f"warm-{u}", now(), u) for u in users])
    await fake.wait_for_message(lambda m: len([x for x in fake.messages if x.content.endswith("**hi**")]) >= 8,
                                timeout=15)
    # Every channel's limiter is known to the bot now (one of its 5 per 5 s used): two more each fit, unless the
    # bot merges the 8 channels' limiters into one.
    due = now() + timedelta(seconds=2)
    await queue(bot.db_path, *[dm(f"pair-{u}-{n}", due, u, text=f"pair {n}") for u in users for n in (1, 2)])
    await fake.wait_for_message(lambda m: len([x for x in fake.messages if "pair" in x.content]) >= 16, timeout=30)
    pairs = sorted(m.created_at for m in fake.messages if "pair" in m.content)
    assert pairs[-1] - due.timestamp() < 3.0, f"the last of 16 arrived {pairs[-1] - due.timestamp():.1f} s late"
    assert fake.count_429 == 0
