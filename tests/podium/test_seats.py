"""Seats and the fair waitlist (podium/seats.py): real SQLite, the injectable clock, the real dispatcher."""

import asyncio
import random
from datetime import timedelta
from types import SimpleNamespace

import pytest

from podium import components, i18n, privacy, seats, starts_soon
from podium.audience import ATTENDEE_REMINDER, TALK_ANNOUNCEMENT, Audience
from podium.components import Click, CustomId
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox, OutboxRow
from podium.delivery.pacing import Pacer
from podium.delivery.render import RenderContext, render
from podium.delivery.transport import RefusedError
from podium.errors import UserError
from podium.people import People
from podium.talk_model import load_talk
from podium.talks import Actor, TalkService, composed_hooks
from tests import factories
from tests.doubles import ScriptedTransport

GUILD, ANNOUNCE = factories.GUILD, 555
SPEAKER = 1
speaker, mod = Actor(SPEAKER), Actor(2, is_moderator=True)


@pytest.fixture
def outbox(db):
    return Outbox(db)


@pytest.fixture
def talks(db, outbox, clock):
    return TalkService(db, outbox, clock, composed_hooks(outbox))


@pytest.fixture
def members(db, outbox, clock):
    return Audience(db, outbox, clock)


@pytest.fixture
def services(db, outbox, clock, members):
    return SimpleNamespace(db=db, outbox=outbox, clock=clock, audience=members)


async def workshop(db, talks, clock, limit=2):
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, announce_new_talks=1)
    return await talks.add(guild_id=GUILD, actor=speaker, speaker_id=SPEAKER, topic="Workshop",
                           starts_at=clock.now() + timedelta(days=3), seat_limit=limit)


async def join(members, user, talk):
    return await members.join(talk_id=talk.id, user_id=user, guild_id=GUILD)


async def leave(members, user, talk):
    return await members.leave(talk_id=talk.id, user_id=user, guild_id=GUILD)


async def waitlist(db, talk):
    rows = await db.fetchall("SELECT user_id, state FROM waitlist WHERE talk_id = ? ORDER BY position", (talk.id,))
    return [(r["user_id"], r["state"]) for r in rows]


async def seated(db, talk):
    return {r["user_id"] for r in await db.fetchall("SELECT user_id FROM attendees WHERE talk_id = ?", (talk.id,))}


async def offers(db, talk, state="pending"):
    rows = await db.fetchall("SELECT user_id FROM outbox WHERE talk_id = ? AND kind = ? AND state = ? ORDER BY id",
                             (talk.id, seats.SEAT_OFFER.name, state))
    return [r["user_id"] for r in rows]


def click(services, action, talk, user):
    return Click(CustomId(action, (talk.id,)), user, None, "en-US", (), services)


async def test_a_full_talk_puts_joiners_on_its_waitlist_in_the_order_they_came(db, talks, members, clock):
    talk = await workshop(db, talks, clock)
    assert [(await join(members, u, talk)).waiting_position for u in (10, 11)] == [None, None]
    third, fourth = await join(members, 12, talk), await join(members, 13, talk)
    assert (third.waiting_position, third.changed, third.attending) == (1, True, False)
    assert fourth.waiting_position == 2
    again = await join(members, 12, talk)
    assert (again.waiting_position, again.changed) == (1, False)
    assert await seated(db, talk) == {10, 11}
    assert await waitlist(db, talk) == [(12, "waiting"), (13, "waiting")]
    # Waiting is not going: no reminders planned for those on the waitlist.
    reminded = await db.fetchall("SELECT DISTINCT user_id FROM outbox WHERE kind = ? AND state = 'pending'",
                                 (ATTENDEE_REMINDER.name,))
    assert {r["user_id"] for r in reminded} == {10, 11}


async def test_leaving_the_waitlist_keeps_the_order_of_the_others(db, talks, members, clock):
    talk = await workshop(db, talks, clock, limit=1)
    for user in (10, 11, 12, 13):
        await join(members, user, talk)
    left = await leave(members, 11, talk)
    assert (left.left_waitlist, left.changed) == (True, True)
    assert await waitlist(db, talk) == [(12, "waiting"), (13, "waiting")]
    assert (await join(members, 13, talk)).waiting_position == 2
    assert await offers(db, talk) == []  # nobody seated left: no seat to offer


async def test_a_seat_freed_is_offered_to_the_first_waiting_only_and_accepting_seats_them(
    db, talks, members, clock, services
):
    talk = await workshop(db, talks, clock, limit=1)
    for user in (10, 11, 12):
        await join(members, user, talk)
    await leave(members, 10, talk)
    assert await waitlist(db, talk) == [(11, "offered"), (12, "waiting")]
    assert await offers(db, talk) == [11]
    deadline = await db.fetchval("SELECT offer_expires_at_ms FROM waitlist WHERE user_id = 11")
    assert deadline == int((clock.now() + seats.DEFAULT_OFFER).timestamp() * 1000)
    # The seat is held by the offer: a newcomer waits behind, the second waiting cannot take it.
    assert (await join(members, 13, talk)).waiting_position == 3
    with pytest.raises(seats.SeatError):
        await seats.accept(click(services, seats.ACCEPT, talk, 12))
    reply = await seats.accept(click(services, seats.ACCEPT, talk, 11))
    assert "is yours" in reply.text
    assert await seated(db, talk) == {11}
    assert await waitlist(db, talk) == [(12, "waiting"), (13, "waiting")]
    reminders = await db.fetchall("SELECT 1 FROM outbox WHERE kind = ? AND user_id = 11 AND state = 'pending'",
                                  (ATTENDEE_REMINDER.name,))
    assert reminders  # seated like any joiner: reminded
    # Answered: its deadline row is cancelled, and a second click is refused.
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE kind = ? AND state = 'pending'",
                             (seats.SEAT_OFFER_EXPIRY.name,)) == 0
    again = await join(members, 11, talk)
    assert (again.changed, again.attending, again.waiting_position) == (False, True, None)


async def test_declining_offers_the_seat_to_the_next(db, talks, members, clock, services):
    talk = await workshop(db, talks, clock, limit=1)
    for user in (10, 11, 12):
        await join(members, user, talk)
    await leave(members, 10, talk)
    reply = await seats.decline(click(services, seats.DECLINE, talk, 11))
    assert "next one waiting" in reply.text
    assert await waitlist(db, talk) == [(12, "offered")]
    assert await offers(db, talk) == [12]
    assert await offers(db, talk, "cancelled") == [11]
    with pytest.raises(seats.SeatError):
        await seats.decline(click(services, seats.DECLINE, talk, 11))


async def test_an_expired_offer_goes_to_the_next_at_its_deadline_on_the_clock(db, talks, members, clock, services):
    talk = await workshop(db, talks, clock, limit=1)
    for user in (10, 11, 12):
        await join(members, user, talk)
    await leave(members, 10, talk)
    transport = ScriptedTransport(clock)
    dispatcher = Dispatcher(db, Outbox(db), transport, clock, pacer=Pacer(1000, channel_limit=1000),
                            retry_base_seconds=10, rng=random.Random(1))

    async def deliver_due():
        for row in await Outbox(db).claim_due(clock.now(), 50):
            await dispatcher.deliver(row)
    await deliver_due()  # the offer DM to 11
    assert await waitlist(db, talk) == [(11, "offered"), (12, "waiting")]
    clock.advance(seats.DEFAULT_OFFER - timedelta(seconds=1))
    await deliver_due()
    assert await waitlist(db, talk) == [(11, "offered"), (12, "waiting")]  # not yet
    clock.advance(timedelta(seconds=1))
    await deliver_due()  # the deadline acts
    # 11's offer taken back, 12 offered
    assert await waitlist(db, talk) == [(12, "offered")]
    with pytest.raises(seats.SeatError):
        await seats.accept(click(services, seats.ACCEPT, talk, 11))
    await deliver_due()  # 12's DM
    sent = await db.fetchall("SELECT user_id FROM outbox WHERE kind = ? AND state = 'sent' ORDER BY id",
                             (seats.SEAT_OFFER.name,))
    assert [r["user_id"] for r in sent] == [11, 12]
    await seats.accept(click(services, seats.ACCEPT, talk, 12))
    assert await seated(db, talk) == {12}


async def test_the_offer_window_is_the_servers_setting(db, talks, members, clock):
    talk = await workshop(db, talks, clock, limit=1)
    async with db.transaction() as tx:
        await seats.set_offer_hours(tx, GUILD, 2)
    for user in (10, 11):
        await join(members, user, talk)
    await leave(members, 10, talk)
    deadline = await db.fetchval("SELECT offer_expires_at_ms FROM waitlist WHERE user_id = 11")
    assert deadline == int((clock.now() + timedelta(hours=2)).timestamp() * 1000)
    async with db.transaction() as tx:
        with pytest.raises(seats.SeatError):
            await seats.set_offer_hours(tx, GUILD, 0)


async def test_raising_the_limit_offers_the_new_seats_and_lowering_it_keeps_everyone_seated(
    db, talks, members, clock
):
    talk = await workshop(db, talks, clock, limit=2)
    for user in (10, 11, 12, 13, 14):
        await join(members, user, talk)
    await talks.edit(guild_id=GUILD, actor=speaker, talk_id=talk.id, seat_limit=4)
    assert await waitlist(db, talk) == [(12, "offered"), (13, "offered"), (14, "waiting")]
    await talks.edit(guild_id=GUILD, actor=speaker, talk_id=talk.id, seat_limit=1)
    assert await seated(db, talk) == {10, 11}  # nobody loses their seat
    await leave(members, 10, talk)
    assert await waitlist(db, talk) == [(12, "offered"), (13, "offered"), (14, "waiting")]  # still 1 over
    await talks.edit(guild_id=GUILD, actor=speaker, talk_id=talk.id, seat_limit=None)
    # No limit: room for everyone, so everyone waiting is seated at once and told (review r23b: an offer would
    # only give them a deadline to miss); the open offers are withdrawn.
    assert await waitlist(db, talk) == []
    assert await seated(db, talk) == {11, 12, 13, 14}
    assert await offers(db, talk) == []
    told = await db.fetchall("SELECT user_id FROM outbox WHERE talk_id = ? AND kind = ? AND state = 'pending'",
                             (talk.id, seats.SEAT_GIVEN.name))
    assert sorted(r["user_id"] for r in told) == [12, 13, 14]


async def test_raising_the_limit_past_everyone_waiting_seats_them_without_an_offer(db, talks, members, clock):
    talk = await workshop(db, talks, clock, limit=1)
    for user in (10, 11, 12):
        await join(members, user, talk)
    await talks.edit(guild_id=GUILD, actor=speaker, talk_id=talk.id, seat_limit=3)
    assert await waitlist(db, talk) == []
    assert await seated(db, talk) == {10, 11, 12}
    assert await offers(db, talk) == []


async def test_a_seat_given_that_cannot_be_dmed_is_posted_nowhere(db, talks, members, clock):
    """"You have a seat" is one member's news: with their DMs closed it is skipped, never posted in the talk's
    thread or the announcement channel, where it would speak to everyone as "you".
    """
    talk = await workshop(db, talks, clock, limit=1)
    for user in (10, 11):
        await join(members, user, talk)
    await talks.edit(guild_id=GUILD, actor=speaker, talk_id=talk.id, seat_limit=None)
    transport = ScriptedTransport(clock)
    transport.fail("open_dm", 11, RefusedError("50007: Cannot send messages to this user"))
    dispatcher = Dispatcher(db, Outbox(db), transport, clock, pacer=Pacer(1000, channel_limit=1000),
                            retry_base_seconds=10, rng=random.Random(1))
    outcomes = [await dispatcher.deliver(row) for row in await Outbox(db).claim_due(clock.now(), 50)]
    [given] = [o for o in outcomes if o.kind == seats.SEAT_GIVEN.name]
    assert given.state == "skipped", given
    posted = [c for c in transport.calls if c[0] == "post" and "room for everyone" in c[2]["content"]]
    assert posted == []


async def test_a_moved_talk_keeps_its_waitlist_and_a_cancelled_one_withdraws_its_offers(
    db, talks, members, clock, services
):
    talk = await workshop(db, talks, clock, limit=1)
    for user in (10, 11, 12):
        await join(members, user, talk)
    await leave(members, 10, talk)
    await talks.reschedule(guild_id=GUILD, actor=speaker, talk_id=talk.id, starts_at=clock.now() + timedelta(days=4))
    assert await waitlist(db, talk) == [(11, "offered"), (12, "waiting")]
    assert await offers(db, talk) == [11]
    await talks.cancel(guild_id=GUILD, actor=speaker, talk_id=talk.id)
    assert await waitlist(db, talk) == [(11, "waiting"), (12, "waiting")]
    assert await offers(db, talk) == []
    with pytest.raises(UserError):
        await seats.accept(click(services, seats.ACCEPT, talk, 11))


async def test_200_concurrent_clicks_on_the_last_seat_seat_exactly_one_and_queue_the_rest_fairly(
    db, talks, members, clock
):
    talk = await workshop(db, talks, clock, limit=5)
    for user in range(10, 14):
        await join(members, user, talk)
    clickers = list(range(1000, 1200))
    results = await asyncio.gather(*(join(members, u, talk) for u in clickers), return_exceptions=True)
    assert [r for r in results if isinstance(r, BaseException)] == []
    winners = [u for u, r in zip(clickers, results, strict=True) if r.waiting_position is None]
    assert len(winners) == 1
    assert await seated(db, talk) == {10, 11, 12, 13, *winners}
    # Fair: everyone else has one place, 1 to 199, in the order their transactions ran (the order of the queue).
    places = sorted(r.waiting_position for r in results if r.waiting_position is not None)
    assert places == list(range(1, 200))
    queue = await db.fetchall("SELECT user_id, position FROM waitlist WHERE talk_id = ? ORDER BY position",
                              (talk.id,))
    by_place = {r.waiting_position: u for u, r in zip(clickers, results, strict=True) if r.waiting_position}
    assert [r["user_id"] for r in queue] == [by_place[p] for p in range(1, 200)]


async def test_concurrent_leaves_and_joins_give_each_freed_seat_exactly_once(db, talks, members, clock):
    talk = await workshop(db, talks, clock, limit=10)
    for user in range(10, 20):
        await join(members, user, talk)
    for user in range(100, 120):
        await join(members, user, talk)
    steps = [leave(members, u, talk) for u in range(10, 20)] + [join(members, u, talk) for u in range(200, 220)]
    random.Random(7).shuffle(steps)
    results = await asyncio.gather(*steps, return_exceptions=True)
    assert [r for r in results if isinstance(r, BaseException)] == []
    # 10 seats freed → 10 offers to the first 10 waiting, none to the newcomers, nobody offered twice.
    assert await seated(db, talk) == set()
    queue = await waitlist(db, talk)
    assert [u for u, state in queue if state == "offered"] == list(range(100, 110))
    assert sorted(await offers(db, talk)) == list(range(100, 110))
    assert [u for u, state in queue if state == "waiting"][:10] == list(range(110, 120))


async def test_the_join_button_shows_seats_and_the_waitlist_in_every_language():
    for locale in i18n.languages():
        t = i18n.translator(locale)
        free = components.remind_buttons(7, t, seats=components.Seats(12, 20, 0))
        full = components.remind_buttons(7, t, seats=components.Seats(20, 20, 3))
        assert "12/20" in free["components"][0]["label"]
        assert "3" in full["components"][0]["label"]
        assert free["components"][0]["label"] != full["components"][0]["label"]
        # Whole within Discord's 80 characters at the largest numbers (the button would cut it otherwise).
        for seats_shown in (components.Seats(9999, 10000, 0), components.Seats(10000, 10000, 99999)):
            assert len(components.join_label(t, seats_shown)) <= components.LABEL_MAX
    assert components.remind_buttons(7, seats=components.Seats(12, 20, 0))["components"][0]["label"] == \
        "🎟️ Join (12/20)"
    assert components.remind_buttons(7, seats=components.Seats(20, 20, 3))["components"][0]["label"] == \
        "⏳ Join the waitlist (3 waiting)"
    # Seats held by those waiting count as taken: newcomers queue behind them.
    assert components.Seats(18, 20, 2).full


async def test_the_new_talk_post_counts_seats_and_waiting(db, talks, members, clock):
    talk = await workshop(db, talks, clock, limit=1)
    for user in (10, 11, 12):
        await join(members, user, talk)
    talk = await load_talk(db, talk.id)
    row = await db.fetchrow("SELECT * FROM outbox WHERE kind = 'talk_announcement'")
    payload = await TALK_ANNOUNCEMENT.prepare(db, OutboxRow.from_db(row), clock.now())
    assert payload == {"attendees": 1, "waiting": 2}
    body = render(RenderContext("talk_announcement", payload, talk, clock.now(), clock.now(), via="channel"),
                  mention_user_id=None)
    assert body["components"][0]["components"][0]["label"] == "⏳ Join the waitlist (2 waiting)"


async def test_forget_me_takes_a_member_off_every_waitlist(db, talks, members, clock):
    talk = await workshop(db, talks, clock, limit=1)
    for user in (10, 11):
        await join(members, user, talk)
    async with db.transaction() as tx:
        await privacy.forget(tx, 11)
    assert await waitlist(db, talk) == []


async def test_a_seat_held_by_a_member_who_is_forgotten_is_offered_to_the_first_waiting(
    db, talks, members, clock, outbox
):
    talk = await workshop(db, talks, clock, limit=1)
    for user in (10, 11, 12):
        await join(members, user, talk)
    await People(db, outbox, clock).forget(10)
    assert await seated(db, talk) == set()
    assert await waitlist(db, talk) == [(11, "offered"), (12, "waiting")]
    # Forgetting the one offered it passes the offer on, and leaves nothing of them behind.
    await People(db, outbox, clock).forget(11)
    assert await waitlist(db, talk) == [(12, "offered")]
    assert await offers(db, talk) == [12]


async def test_im_coming_on_a_full_talk_queues_and_says_so(db, talks, members, clock, services):
    talk = await workshop(db, talks, clock, limit=1)
    await join(members, 10, talk)
    reply = await starts_soon.coming(Click(CustomId(starts_soon.COMING, (talk.id,)), 11, GUILD, "de", (), services))
    assert "ist voll: Du bist Nummer 1" in reply.text
    assert await waitlist(db, talk) == [(11, "waiting")]


async def test_joining_again_after_ones_offer_expired_queues_at_the_end(db, talks, members, clock):
    talk = await workshop(db, talks, clock, limit=1)
    for user in (10, 11, 12):
        await join(members, user, talk)
    await leave(members, 10, talk)
    clock.advance(seats.DEFAULT_OFFER)  # 11's offer ran out; its deadline row has not run yet
    again = await join(members, 11, talk)
    assert (again.waiting_position, again.changed) == (2, True)
    assert await waitlist(db, talk) == [(12, "offered"), (11, "waiting")]
