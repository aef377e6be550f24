"""Third review of forget-me's keyed marker (cb8f0cd): the marker must outlive a reset of the bot token."""

from podium import privacy
from podium.audience import Audience
from podium.delivery.outbox import Outbox
from podium.people import People
from podium.scheduled_events import ScheduledEvents
from tests import factories
from tests.doubles import ANN, BEN, GUILD
from tests.podium.events_world import dispatcher, events, guild, mirrored, outbox, talks, transport

__all__ = ["dispatcher", "events", "guild", "outbox", "talks", "transport"]  # fixtures, imported for pytest


async def test_a_token_reset_does_not_bring_a_forgotten_member_back_as_an_attendee(db, guild, talks, clock,
                                                                                   dispatcher, transport, tmp_path):
    """bot.py keys the forgotten-members hash by the bot token. Discord resets a leaked token, and owners rotate
    it; after the restart with the new token no marker matches, so the reconciliation on ready stores the member's
    id again (an attendee, with reminders by DM) from the Interested mark Discord still shows.
    """
    outbox = Outbox(db)
    # The bot's key (bot.py: privacy.forget_key_file) lives beside the database, whatever the token is.
    before_reset = privacy.forget_key_file(tmp_path / "podium.db")
    talk, event_id = await mirrored(db, talks, clock, dispatcher)
    await Audience(db, outbox, clock, before_reset).join(talk_id=talk.id, user_id=ANN, guild_id=GUILD)
    await People(db, outbox, clock, forget_key=before_reset).forget(ANN)
    transport.interested[event_id] = {ANN, BEN}  # Discord still shows them Interested
    # The process restarts with the reset token.
    after_reset = privacy.forget_key_file(tmp_path / "podium.db")
    events = ScheduledEvents(db, outbox, clock, talks, Audience(db, outbox, clock, after_reset))
    await events.reconcile(transport, [GUILD])
    attendees = [r["user_id"] for r in await db.fetchall("SELECT user_id FROM attendees")]
    assert ANN not in attendees, "a member who ran forget-me is an attendee again after a token reset"


async def test_an_opted_out_member_marked_interested_is_not_made_an_attendee_after_forget_me(db, guild, talks, clock,
                                                                                            dispatcher, transport):
    """A member who stopped talk reminders marks a talk's event Interested: rightly not an attendee. They run
    forget-me, which deletes their opt-out with the rest; `remember_forgotten` leaves a marker only for attendees,
    so none is left. The reconciliation after the next restart makes them an attendee: their id is stored again
    and they get reminders they had stopped, from a mark Discord still shows.
    """
    outbox = Outbox(db)
    key = privacy.forget_key("the-token")
    _, event_id = await mirrored(db, talks, clock, dispatcher)
    members = Audience(db, outbox, clock, key)
    events = ScheduledEvents(db, outbox, clock, talks, members)
    await factories.add_user(db, ANN, opt_out_talk_reminders=1)
    assert await events.member_interested(GUILD, event_id, ANN) is False
    await People(db, outbox, clock, forget_key=key).forget(ANN)
    transport.interested[event_id] = {ANN, BEN}  # Discord still shows them Interested
    await events.reconcile(transport, [GUILD])
    attendees = [r["user_id"] for r in await db.fetchall("SELECT user_id FROM attendees")]
    assert ANN not in attendees, "forget-me made an opted-out member an attendee at the next restart"
