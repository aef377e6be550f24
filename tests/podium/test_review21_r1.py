"""Review of issue 21 §1 (reviewer r1): posts that stay true, and the one confirmation per action that says who
was told "with counts". Each test fails on the reviewed code because of a product defect.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from podium import audience, i18n, posts
from podium.audience import Audience
from podium.talks import Actor, TalkService, confirmation, default_hooks, who_is_told
from tests import factories
from tests.podium.test_dispatcher import ANNOUNCE, GUILD, SPEAKER, dispatcher, run_due, transport  # noqa: F401
from tests.podium.test_posts import posted_talk

MOD = 77
MEMBER = 555
mod = Actor(MOD, is_moderator=True)
ENGLISH = i18n.translator("en-US")


@pytest.fixture
def talks(db, clock, dispatcher):  # noqa: F811
    outbox = dispatcher.outbox
    return TalkService(db, outbox, clock, posts.subscribe(audience.subscribe(default_hooks(outbox), outbox), outbox))


async def deliver_everything(dispatcher, clock, minutes=15):  # noqa: F811
    """Run the dispatcher over the next quarter hour (every hold and NOTICE_EVERY passes)."""
    for _ in range(minutes * 2):
        clock.advance(timedelta(seconds=30))
        await run_due(dispatcher, clock)


async def sent_to(db, user_id, kinds):
    marks = ",".join("?" * len(kinds))
    return await db.fetchval(
        f"SELECT count(*) FROM outbox WHERE user_id = ? AND kind IN ({marks}) AND state = 'sent'", (user_id, *kinds))


@pytest.mark.parametrize("column", ["opt_out_notices", "opt_out_everything"])
async def test_the_confirmation_does_not_say_the_speaker_was_told_when_no_notice_can_reach_them(
    column, db, clock, dispatcher, talks, transport  # noqa: F811
):
    # A moderator cancels the talk of a speaker who stopped notices (or everything): Podium knows it
    # will not tell them, yet the moderator reads "The speaker was told." and does not tell them themselves.
    await factories.add_user(db, SPEAKER, **{column: 1})
    talk, _ = await posted_talk(db, clock, dispatcher, talks, transport, summary=False)
    after = await talks.cancel(guild_id=GUILD, actor=mod, talk_id=talk.id, reason="room closed")
    text = confirmation(ENGLISH, "cancel", after, await who_is_told(db, after, mod))
    await deliver_everything(dispatcher, clock)
    told = await sent_to(db, SPEAKER, ["cancel_notice"])
    assert told == 0  # the product's own consent rules: nothing reached the speaker
    assert "The speaker was told." not in text, text


async def test_the_confirmation_does_not_count_an_attendee_who_stopped_notices_as_told(
    db, clock, dispatcher, talks, transport  # noqa: F811
):
    # "1 person who asked for a reminder was told." — the one attendee stopped notices and is never told.
    talk, _ = await posted_talk(db, clock, dispatcher, talks, transport, summary=False)
    await Audience(db, dispatcher.outbox, clock).join(talk_id=talk.id, user_id=MEMBER, guild_id=GUILD)
    await factories.add_user(db, MEMBER, opt_out_notices=1)
    later = talk.starts_at + timedelta(hours=2)
    _, after = await talks.reschedule(guild_id=GUILD, actor=mod, talk_id=talk.id, starts_at=later)
    text = confirmation(ENGLISH, "reschedule", after, await who_is_told(db, after, mod))
    await deliver_everything(dispatcher, clock)
    assert await sent_to(db, MEMBER, ["attendee_notice"]) == 0
    assert "1 person who asked for a reminder was told." not in text, text


async def test_a_move_back_before_the_attendees_heard_does_not_claim_they_were_told(
    db, clock, dispatcher, talks, transport  # noqa: F811
):
    # Moved by mistake and moved straight back: the attendees' held notice is dropped ("changed and changed back
    # before anyone was told"), but the second confirmation says they were told.
    talk, _ = await posted_talk(db, clock, dispatcher, talks, transport, summary=False)
    await Audience(db, dispatcher.outbox, clock).join(talk_id=talk.id, user_id=MEMBER, guild_id=GUILD)
    start = talk.starts_at
    await talks.reschedule(guild_id=GUILD, actor=mod, talk_id=talk.id, starts_at=start + timedelta(hours=1))
    clock.advance(timedelta(seconds=5))
    _, after = await talks.reschedule(guild_id=GUILD, actor=mod, talk_id=talk.id, starts_at=start)
    text = confirmation(ENGLISH, "reschedule", after, await who_is_told(db, after, mod))
    await deliver_everything(dispatcher, clock)
    assert await sent_to(db, MEMBER, ["attendee_notice"]) == 0
    assert "1 person who asked for a reminder was told." not in text, text

