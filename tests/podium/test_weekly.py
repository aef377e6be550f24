import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from podium.clock import ManualClock
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox
from podium.delivery.pacing import Pacer
from podium.preferences import GuildSettings, load_guild, update_guild
from podium.weekly import check_engagement, ensure_weekly, next_slot, plan_weekly, summary_key, summary_payload
from tests import factories

GUILD, CHANNEL = 10, 20


@pytest.mark.parametrize(
    ("zone", "after", "day", "wall", "expected_local", "expected_utc_offset_h"),
    [
        # America/Los_Angeles: DST starts 2026-03-08 02:00, ends 2026-11-01 02:00.
        ("America/Los_Angeles", "2026-03-02 12:00", 0, "09:00", "2026-03-09 09:00", -7),  # Monday after the change
        ("America/Los_Angeles", "2026-03-02 12:00", 6, "09:00", "2026-03-08 09:00", -7),  # the change day itself
        ("America/Los_Angeles", "2026-03-02 12:00", 6, "02:30", "2026-03-08 03:30", -7),  # inside the skipped hour
        ("America/Los_Angeles", "2026-10-26 12:00", 0, "09:00", "2026-11-02 09:00", -8),
        ("America/Los_Angeles", "2026-10-26 12:00", 6, "01:30", "2026-11-01 01:30", -7),  # ambiguous: the first
        # Europe/Berlin: 2026-03-29 02:00 -> 03:00, 2026-10-25 03:00 -> 02:00.
        ("Europe/Berlin", "2026-03-23 12:00", 0, "09:00", "2026-03-30 09:00", 2),
        ("Europe/Berlin", "2026-03-23 12:00", 6, "02:15", "2026-03-29 03:15", 2),
        ("Europe/Berlin", "2026-10-19 12:00", 0, "09:00", "2026-10-26 09:00", 1),
        ("Europe/Berlin", "2026-10-19 12:00", 6, "02:30", "2026-10-25 02:30", 2),
        # Australia/Sydney: 2026-04-05 03:00 -> 02:00 (DST ends), 2026-10-04 02:00 -> 03:00 (starts).
        ("Australia/Sydney", "2026-03-30 12:00", 0, "09:00", "2026-04-06 09:00", 10),
        ("Australia/Sydney", "2026-03-30 12:00", 6, "02:30", "2026-04-05 02:30", 11),
        ("Australia/Sydney", "2026-09-28 12:00", 0, "09:00", "2026-10-05 09:00", 11),
        ("Australia/Sydney", "2026-09-28 12:00", 6, "02:30", "2026-10-04 03:30", 11),
    ],
)
def test_next_slot_keeps_local_wall_time_across_dst(zone, after, day, wall, expected_local, expected_utc_offset_h):
    tz = ZoneInfo(zone)
    after_dt = datetime.fromisoformat(after).replace(tzinfo=tz)
    slot = next_slot(after_dt, day, time.fromisoformat(wall), zone)
    local = slot.astimezone(tz)
    assert local.strftime("%Y-%m-%d %H:%M") == expected_local
    assert local.utcoffset() == timedelta(hours=expected_utc_offset_h)
    assert slot.tzinfo is UTC


def test_monday_0900_los_angeles_is_0900_all_year():
    tz = ZoneInfo("America/Los_Angeles")
    slot = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(60):
        slot = next_slot(slot, 0, time(9, 0), "America/Los_Angeles")
        local = slot.astimezone(tz)
        assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)


def test_slot_exactly_now_means_next_week():
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday 09:00 UTC
    assert next_slot(now, 0, time(9, 0), "UTC") == now + timedelta(weeks=1)


@pytest.fixture
async def configured(db, clock):
    async with db.transaction() as tx:
        await update_guild(tx, GUILD, clock.now(), announce_channel_id=CHANNEL)
    return await load_guild(db, GUILD)


async def summaries(db):
    return [dict(r) for r in await db.fetchall("SELECT * FROM outbox WHERE kind = 'weekly_summary' ORDER BY id")]


async def test_ensure_weekly_is_idempotent(db, clock, configured):
    outbox = Outbox(db)
    for _ in range(3):
        async with db.transaction() as tx:
            await ensure_weekly(tx, outbox, configured, clock.now())
    [row] = await summaries(db)
    assert row["dedupe_key"] == summary_key(GUILD, next_slot(clock.now(), 0, time(9), "UTC"), "UTC")
    assert row["expires_at_ms"] - row["due_at_ms"] == 6 * 3600 * 1000


async def test_nothing_is_planned_without_a_channel_or_when_off(db, clock):
    outbox = Outbox(db)
    async with db.transaction() as tx:
        assert await ensure_weekly(tx, outbox, GuildSettings(GUILD), clock.now()) is None
        assert (
            await ensure_weekly(
                tx, outbox, GuildSettings(GUILD, announce_channel_id=CHANNEL, weekly_enabled=False), clock.now()
            )
            is None
        )
    assert await summaries(db) == []


async def test_replanning_moves_the_pending_summary(db, clock, configured):
    outbox = Outbox(db)
    async with db.transaction() as tx:
        await ensure_weekly(tx, outbox, configured, clock.now())
        guild = await update_guild(tx, GUILD, clock.now(), weekly_day=4, weekly_time="18:30")
        await plan_weekly(tx, outbox, guild, clock.now())
    pending = [r for r in await summaries(db) if r["state"] == "pending"]
    [row] = pending
    due = datetime.fromtimestamp(row["due_at_ms"] / 1000, tz=UTC)
    assert (due.weekday(), due.hour, due.minute) == (4, 18, 30)


class Transport:
    def __init__(self):
        self.posts = []

    async def open_dm(self, user_id):
        return 1

    async def create_thread(self, channel_id, name):
        return 2

    async def post_message(self, channel_id, body):
        self.posts.append((channel_id, body))
        return len(self.posts)


@pytest.mark.parametrize(("late_hours", "state", "posted"), [(1, "sent", True), (7, "expired", False)])
async def test_catch_up_after_downtime(db, configured, late_hours, state, posted):
    slot = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    clock = ManualClock(slot - timedelta(days=2))
    outbox = Outbox(db)
    async with db.transaction() as tx:
        await ensure_weekly(tx, outbox, configured, clock.now())
    clock.set(slot + timedelta(hours=late_hours))  # the bot was down over the slot
    transport = Transport()
    dispatcher = Dispatcher(
        db,
        outbox,
        transport,
        clock,
        pacer=Pacer(100),
        rng=random.Random(0),
    )
    [row] = await outbox.claim_due(clock.now(), 10)
    outcome = await dispatcher.deliver(row)
    assert outcome.state == state
    assert bool(transport.posts) is posted
    if posted:
        assert "(delayed" in transport.posts[0][1]["content"]
    # Either way the next week's summary gets planned, once.
    async with db.transaction() as tx:
        await ensure_weekly(tx, outbox, configured, clock.now())
    pending = [r for r in await summaries(db) if r["state"] == "pending"]
    assert len(pending) == 1
    assert datetime.fromtimestamp(pending[0]["due_at_ms"] / 1000, tz=UTC) == slot + timedelta(weeks=1)


async def add_talk(db, clock, days):
    await factories.add_talk(db, guild_id=GUILD, speaker_id=1, starts_at=clock.now() + timedelta(days=days))


async def engage(db, outbox, clock):
    async with db.transaction() as tx:
        return await check_engagement(tx, outbox, await load_guild(tx, GUILD), clock.now())


async def test_engagement_prompt_rule(db, clock, configured):
    outbox = Outbox(db)
    await add_talk(db, clock, days=10)
    assert await engage(db, outbox, clock) is None  # a talk within 14 days
    clock.advance(timedelta(days=11))
    first = await engage(db, outbox, clock)
    assert first is not None  # the schedule ran dry
    clock.advance(timedelta(days=13))
    assert await engage(db, outbox, clock) is None  # at most once every 14 days
    clock.advance(timedelta(days=2))
    assert await engage(db, outbox, clock) is not None
    async with db.transaction() as tx:
        await update_guild(tx, GUILD, clock.now(), engagement_days=None)
    clock.advance(timedelta(days=30))
    assert await engage(db, outbox, clock) is None  # off


@pytest.mark.parametrize("ping", [False, True])
def test_summary_names_speakers_and_pings_them_only_when_enabled(ping):
    from podium.delivery.render import RenderContext, render

    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    talks = [
        {"id": 1, "speaker_id": 42, "topic": "@everyone *Rust*", "start_ms": 1796100000000},
        {"id": 2, "speaker_id": 42, "topic": "Go", "start_ms": 1796200000000},
    ]
    body = render(
        RenderContext("weekly_summary", {"talks": talks, "ping_speakers": ping}, None, now, now), mention_user_id=None
    )
    assert "<@42>" in body["embeds"][0]["description"]
    assert "\\*Rust\\*" in body["embeds"][0]["description"]
    assert body["allowed_mentions"]["parse"] == []
    assert body["allowed_mentions"]["users"] == (["42"] if ping else [])
    assert ("<@42>" in body["content"]) is ping


async def test_a_failed_call_for_speakers_is_not_requeued_every_hour(db, clock, configured):
    outbox = Outbox(db)
    first = await engage(db, outbox, clock)
    async with db.transaction() as tx:  # the channel was deleted: the prompt failed
        await tx.execute("UPDATE outbox SET state = 'failed', last_error = 'unknown channel' WHERE id = ?", (first,))
    for _ in range(24):
        clock.advance(timedelta(hours=1))
        assert await engage(db, outbox, clock) is None
    async with db.transaction() as tx:  # a moderator picks another channel: try there at once
        await update_guild(tx, GUILD, clock.now(), announce_channel_id=CHANNEL + 1)
    assert await engage(db, outbox, clock) is not None


async def test_weekly_pings_leave_out_speakers_who_opted_out(db, clock, configured):
    from podium.delivery.render import RenderContext, render
    from podium.preferences import update_user

    async with db.transaction() as tx:
        await update_guild(tx, GUILD, clock.now(), ping_speakers=1)
        for speaker, minutes in ((41, 60), (42, 120), (43, 180)):
            await factories.add_talk(tx, guild_id=GUILD, speaker_id=speaker,
                                     starts_at=clock.now() + timedelta(minutes=minutes))
        await update_user(tx, 42, clock.now(), opt_out_talk_reminders=1)
        await update_user(tx, 43, clock.now(), opt_out_everything=1)
    payload = await summary_payload(db, GUILD, clock.now())
    body = render(RenderContext("weekly_summary", payload, None, clock.now(), clock.now()), mention_user_id=None)
    assert body["allowed_mentions"]["users"] == ["41"]
    description = body["embeds"][0]["description"]
    assert all(f"<@{s}>" in description for s in (41, 42, 43))  # still named
    assert "<@42>" not in body["content"] and "<@41>" in body["content"]


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("SELECT 1 FROM outbox WHERE guild_id = ? AND kind = 'weekly_summary' AND state = 'pending'", (GUILD,)),
        (
            "UPDATE outbox SET state = 'cancelled' WHERE guild_id = ? AND kind = 'weekly_summary'"
            " AND state = 'pending'",
            (GUILD,),
        ),
        (
            "SELECT 1 FROM outbox WHERE guild_id = ? AND kind = 'engagement_prompt' AND created_at_ms > ?"
            " AND (state IN ('pending', 'sending', 'sent') OR (state = 'failed' AND channel_id IS ?))",
            (GUILD, 0, CHANNEL),
        ),
    ],
)
async def test_hourly_checks_use_an_index_not_a_scan(db, sql, params):
    plan = [r["detail"] for r in await db.fetchall(f"EXPLAIN QUERY PLAN {sql}", params)]
    assert any("USING INDEX outbox_by_guild_kind" in step for step in plan), plan
    assert not any(step.startswith("SCAN outbox") for step in plan), plan


async def prompts(db):
    return await db.fetchall("SELECT * FROM outbox WHERE kind = 'engagement_prompt'")


async def test_the_first_call_for_speakers_waits_a_few_days_after_the_channel_is_set(db, clock):
    from podium.guild_settings import GuildSettingsService
    from podium.planner import Planner
    from podium.weekly import FIRST_CALL_WAIT

    outbox = Outbox(db)
    settings = GuildSettingsService(db, outbox, clock)
    planner = Planner(db, outbox, clock)
    await settings.set_announce_channel(GUILD, CHANNEL)
    assert await prompts(db) == []  # not while the server is being set up
    # The planner's hourly passes during the wait queue nothing.
    for _ in range(int(FIRST_CALL_WAIT / timedelta(hours=1)) - 1):
        clock.advance(timedelta(hours=1))
        await planner.run_once()
    assert await prompts(db) == []
    # A talk added meanwhile is what the wait is for: no call while one is coming up.
    await add_talk(db, clock, days=5)
    clock.advance(timedelta(hours=1))
    await planner.run_once()
    assert await prompts(db) == []
    # Choosing another channel later keeps the server's rhythm: no new wait, and a dry schedule is called out.
    clock.advance(timedelta(days=6))
    await settings.set_announce_channel(GUILD, CHANNEL + 1)
    [prompt] = await prompts(db)
    assert prompt["channel_id"] == CHANNEL + 1


async def test_after_the_wait_the_first_call_goes_out_on_the_planners_next_pass(db, clock):
    from podium.guild_settings import GuildSettingsService
    from podium.planner import Planner
    from podium.weekly import FIRST_CALL_WAIT

    outbox = Outbox(db)
    await GuildSettingsService(db, outbox, clock).set_announce_channel(GUILD, CHANNEL)
    clock.advance(FIRST_CALL_WAIT)
    await Planner(db, outbox, clock).run_once()
    [prompt] = await prompts(db)
    assert prompt["channel_id"] == CHANNEL
