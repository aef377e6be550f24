"""Seats and the waitlist through the real bot process and the loopback Discord, in English and German."""

from __future__ import annotations

import pytest

from tests.botprocess import clock_file
from tests.e2e.commands import SPEAKER, click, dm_of, iso_in, run
from tests.e2e.dbcheck import query
from tests.fake_discord import GENERAL_CHANNEL_ID, GUILD_ID, MEMBER_ID, MODERATOR_ID
from tests.fake_discord.models import FakeMember

GUEST = 820000000000000099
WORDS = {
    "en-US": {"signed": "1 seat; a waitlist", "join": "🎟️ Join (0/1)", "full": "⏳ Join the waitlist (1 waiting)",
              "first": "is full: you're number 1", "second": "is full: you're number 2", "offer": "A seat at",
              "take": "✅ Take the seat", "yours": "is yours", "late": "no longer open",
              "hours": "has 2 hours to take it"},
    "de": {"signed": "1 Platz; ist er belegt", "join": "🎟️ Teilnehmen (0/1)", "full": "⏳ Auf die Warteliste (1 wartet)",
           "first": "ist voll: Du bist Nummer 1", "second": "ist voll: Du bist Nummer 2", "offer": "ist ein Platz frei",
           "take": "✅ Platz nehmen", "yours": "gehört dir", "late": "nicht mehr für dich frei",
           "hours": "2 Stunden Zeit"},
}


@pytest.fixture
async def bot(bot_factory, tmp_path):
    process = bot_factory(CLOCK_FILE=clock_file(tmp_path), DISPATCH_TICK_SECONDS="1")
    await process.start()
    await run(process.fake, "announce-settings", "channel", MODERATOR_ID, channel=GENERAL_CHANNEL_ID)
    process.fake.guilds[GUILD_ID].members.append(FakeMember(id=GUEST, username="guest"))
    process.fake.add_user(GUEST, "guest")
    return process


async def full_workshop(fake, bot, locale):
    """A one-seat workshop: the moderator takes the seat, the member and the guest wait (in that order)."""
    words = WORDS[locale]
    _, content = await run(fake, "schedule", "add", SPEAKER, locale=locale, when=iso_in(3 * 86400),
                           topic="Workshop", seats=1)
    assert words["signed"] in content, content
    talk = query(bot.db_path, "SELECT * FROM talks ORDER BY id DESC LIMIT 1")[0]
    join = f"podium:att:join:{talk['id']}"

    async def info(user):
        # Each member's own /schedule info: its buttons are theirs (an ephemeral reply only they can click).
        shown, _ = await run(fake, "schedule", "info", user, locale=locale, talk=str(talk["id"]))
        [button] = [c for row in shown.original.components for c in row["components"] if c.get("custom_id") == join]
        return shown.original, button["label"]

    mine, label = await info(MODERATOR_ID)
    assert label == words["join"]
    await click(fake, mine, join, MODERATOR_ID, locale=locale)
    message, _ = await info(MEMBER_ID)
    _, first = await click(fake, message, join, MEMBER_ID, locale=locale)
    assert words["first"] in first, first
    message, label = await info(GUEST)
    assert label == words["full"]
    _, second = await click(fake, message, join, GUEST, locale=locale)
    assert words["second"] in second, second
    # The seated one leaves: the first waiting is offered the seat by DM.
    mine, _ = await info(MODERATOR_ID)
    await click(fake, mine, f"podium:att:leave:{talk['id']}", MODERATOR_ID, locale=locale)
    return talk


@pytest.mark.parametrize("locale", ["en-US", "de"])
async def test_a_leave_offers_the_seat_to_the_first_waiting_who_accepts_it(fake, bot, locale):
    words = WORDS[locale]
    talk = await full_workshop(fake, bot, locale)
    offer = await fake.wait_for_message(dm_of(fake, MEMBER_ID, words["offer"]), timeout=20)
    accept = f"podium:seat:accept:{talk['id']}"
    assert accept in offer.custom_ids and f"podium:seat:decline:{talk['id']}" in offer.custom_ids
    [button] = [c for row in offer.components for c in row["components"] if c.get("custom_id") == accept]
    assert button["label"] == words["take"]
    assert offer.mention_user_ids in ([], [MEMBER_ID])
    _, content = await click(fake, offer, accept, MEMBER_ID, locale=locale)
    assert words["yours"] in content, content
    seated = query(bot.db_path, "SELECT user_id FROM attendees WHERE talk_id = ?", talk["id"])
    assert [r["user_id"] for r in seated] == [MEMBER_ID]
    assert [r["user_id"] for r in query(bot.db_path, "SELECT user_id FROM waitlist")] == [GUEST]
    # Seated like any joiner: their reminders are planned.
    planned = query(bot.db_path, "SELECT count(*) AS n FROM outbox WHERE kind = 'attendee_reminder'"
                                 " AND user_id = ? AND state = 'pending'", MEMBER_ID)
    assert planned[0]["n"] > 0
    # The guest was never offered it: one seat, one offer.
    assert not [m for m in fake.messages if dm_of(fake, GUEST, words["offer"])(m)]


@pytest.mark.parametrize("locale", ["en-US", "de"])
async def test_an_unanswered_offer_expires_and_the_next_waiting_is_offered_the_seat(fake, bot, locale):
    words = WORDS[locale]
    _, content = await run(fake, "announce-settings", "seats", MODERATOR_ID, locale=locale, **{"offer-hours": 2})
    assert words["hours"] in content, content
    talk = await full_workshop(fake, bot, locale)
    offer = await fake.wait_for_message(dm_of(fake, MEMBER_ID, words["offer"]), timeout=20)
    bot.advance_clock(2 * 3600 + 5)  # the server's 2 h deadline (not the default 12 h), on the bot's clock
    second = await fake.wait_for_message(dm_of(fake, GUEST, words["offer"]), timeout=25)
    _, late = await click(fake, offer, f"podium:seat:accept:{talk['id']}", MEMBER_ID, locale=locale)
    assert words["late"] in late, late
    _, content = await click(fake, second, f"podium:seat:accept:{talk['id']}", GUEST, locale=locale)
    assert words["yours"] in content, content
    seated = query(bot.db_path, "SELECT user_id FROM attendees WHERE talk_id = ?", talk["id"])
    assert [r["user_id"] for r in seated] == [GUEST]
    assert query(bot.db_path, "SELECT user_id FROM waitlist") == []


@pytest.mark.parametrize("locale", ["en-US", "de"])
async def test_the_new_talk_posts_join_button_counts_seats_and_then_the_waitlist(fake, bot, locale):
    words = WORDS[locale]
    await run(fake, "announce-settings", "new-talks", MODERATOR_ID, enabled=True)
    await run(fake, "announce-settings", "language", MODERATOR_ID, language=locale.split("-")[0])
    post_of = {"en-US": "📣 **New talk**", "de": "📣 **Neuer Vortrag**"}[locale]
    talk_id = None

    def label(message):
        return next(c for row in message.components for c in row["components"]
                if c.get("custom_id") == f"podium:att:join:{talk_id}")["label"]

    _, _content = await run(fake, "schedule", "add", SPEAKER, locale=locale, when=iso_in(3 * 86400),
                           topic="Workshop", seats=1)
    talk_id = query(bot.db_path, "SELECT id FROM talks ORDER BY id DESC LIMIT 1")[0]["id"]
    post = await fake.wait_for_message(lambda m: m.content.startswith(post_of), timeout=20)
    assert label(post) == words["join"]
    join = f"podium:att:join:{talk_id}"
    await click(fake, post, join, MODERATOR_ID, locale=locale)
    _, first = await click(fake, post, join, MEMBER_ID, locale=locale)
    assert words["first"] in first, first
    bot.advance_clock(61)  # "who is going" edits are held a minute and merged (podium/posts.py GOING_HOLD)
    await fake.wait_for_request(lambda r: r.method == "PATCH" and r.path.endswith(f"/messages/{post.id}")
                                and label(post) == words["full"], timeout=20)
    assert label(post) == words["full"]


@pytest.mark.parametrize(("locale", "kept"), [("en-US", "2 members already have a seat, more than the 1 seats: "
                                                         "they all keep it"),
                                               ("de", "2 Mitglieder haben schon einen Platz, mehr als die 1 Plätze: "
                                                      "Alle behalten ihn")])
async def test_lowering_the_limit_below_those_seated_keeps_them_seated_and_says_so(fake, bot, locale, kept):
    await run(fake, "schedule", "add", SPEAKER, locale=locale, when=iso_in(3 * 86400), topic="Workshop", seats=2)
    talk_id = query(bot.db_path, "SELECT id FROM talks ORDER BY id DESC LIMIT 1")[0]["id"]
    for user in (MODERATOR_ID, MEMBER_ID):
        shown, _ = await run(fake, "schedule", "info", user, locale=locale, talk=str(talk_id))
        await click(fake, shown.original, f"podium:att:join:{talk_id}", user, locale=locale)
    _, content = await run(fake, "schedule", "edit", SPEAKER, locale=locale, talk=str(talk_id), seats=1)
    assert kept in content, content
    seated = query(bot.db_path, "SELECT user_id FROM attendees WHERE talk_id = ?", talk_id)
    assert {r["user_id"] for r in seated} == {MODERATOR_ID, MEMBER_ID}
    _, refused = await run(fake, "schedule", "edit", SPEAKER, locale=locale, talk=str(talk_id), seats=20000)
    assert "seats:20" in refused, refused  # a clear refusal with an example (Discord's own max also stops it)
