"""Review of issue 20 §1: Discord's Events UI must not change a talk, or keep a wrong event, for a refused member.

The audit log can lag the gateway (the design reads it up to 3 times for that reason). While the refused member's entry
is not written yet, an older entry of the same event by someone else must not be taken as the author of the change.
"""


from datetime import timedelta

from podium import scheduled_events
from podium.preferences import load_guild
from podium.scheduled_events import iso
from tests.doubles import ANN, GUILD, SPEAKER, EventsTransport, LaggingAuditLog  # noqa: F401 (fixtures)
from tests.podium.audit_lag import no_audit_pause, transport  # noqa: F401 (fixtures)
from tests.podium.delivering import run_due
from tests.podium.events_world import dispatcher, event_id_of, events, guild, mirrored, move, outbox, talks, transport  # noqa: F401 (fixtures)


async def test_a_refused_members_move_is_not_followed_as_the_speakers_while_the_audit_log_lags(
        db, guild, talks, clock, dispatcher, events, transport):
    talk, event_id = await mirrored(db, talks, clock, dispatcher)
    # The speaker renames their event in Discord (a change of the event, by someone the rule allows).
    transport.edit_by(SPEAKER, event_id, name="Rust, renamed")
    clock.advance(timedelta(seconds=30))
    # A member with Manage Events on the event's channel only moves it; their entry is a moment late.
    attempt = talk.starts_at + timedelta(days=1)
    data = transport.edit_by(ANN, event_id, scheduled_start_time=iso(attempt))
    transport.hidden_reads = 1
    outcome = await events.event_changed(GUILD, data, transport)
    after = await talks.get(GUILD, talk.id)
    assert after.starts_at == talk.starts_at, f"followed a refused member's move as the speaker's: {outcome}"


async def test_a_refused_members_move_is_not_taken_for_the_bots_own_patch_while_the_audit_log_lags(
        db, guild, talks, clock, dispatcher, events, transport):
    talk, event_id = await mirrored(db, talks, clock, dispatcher)
    # The speaker moves the talk with /schedule reschedule: the bot PATCHes the event (an entry by the bot).
    moved = talk.starts_at + timedelta(hours=2)
    await move(talks, talk, moved)
    await run_due(dispatcher, clock)
    clock.advance(timedelta(seconds=40))
    # A member without rights moves the event elsewhere; their entry is a moment late.
    data = transport.edit_by(ANN, event_id, scheduled_start_time=iso(moved + timedelta(days=1)))
    transport.hidden_reads = 1
    outcome = await events.event_changed(GUILD, data, transport)
    await run_due(dispatcher, clock)
    assert transport.events[event_id]["scheduled_start_time"] == iso(moved), (
        f"the event keeps a refused member's time ({outcome}); Discord tells its Interested members that time")


async def test_a_refused_members_move_back_to_a_recent_start_is_put_back(
        db, guild, talks, clock, dispatcher, events, transport):
    talk, event_id = await mirrored(db, talks, clock, dispatcher)
    first = talk.starts_at + timedelta(hours=2)
    await move(talks, talk, first)
    await run_due(dispatcher, clock)
    second = first + timedelta(hours=2)
    clock.advance(timedelta(minutes=1))
    await move(talks, talk, second)
    await run_due(dispatcher, clock)
    clock.advance(timedelta(minutes=1))
    # A member without rights sets the event to the start the bot sent two minutes ago.
    data = transport.edit_by(ANN, event_id, scheduled_start_time=iso(first))
    outcome = await events.event_changed(GUILD, data, transport)
    await run_due(dispatcher, clock)
    assert (await talks.get(GUILD, talk.id)).starts_at == second
    assert transport.events[event_id]["scheduled_start_time"] == iso(second), (
        f"taken for a late echo ({outcome}): the event shows a time the talk does not have")


async def test_a_refused_members_rename_of_a_talks_event_is_put_back(
        db, guild, talks, clock, dispatcher, events, transport):
    talk, event_id = await mirrored(db, talks, clock, dispatcher)
    # Manage Events on the event's channel only: the name and description under Podium's event are theirs now.
    data = transport.edit_by(ANN, event_id, name="CANCELLED: we moved, see evil.example",
                             description="[Join here](https://evil.example)")
    outcome = await events.event_changed(GUILD, data, transport)
    await run_due(dispatcher, clock)
    shown = transport.events[event_id]
    assert (shown["name"], shown["description"]) == (
        scheduled_events.event_body(talk, await load_guild(db, GUILD))["name"],
        scheduled_events.event_description(await talks.get(GUILD, talk.id)),
    ), f"a refused member's text stays on the talk's event ({outcome})"


async def test_a_refused_member_who_starts_and_ends_a_talks_event_early_does_not_leave_the_talk_without_one(
        db, guild, talks, clock, dispatcher, events, transport):
    talk, event_id = await mirrored(db, talks, clock, dispatcher)
    # Start (Discord tells every Interested member the event is live), then end: days before the talk.
    for status in (scheduled_events.ACTIVE, scheduled_events.COMPLETED):
        data = transport.edit_by(ANN, event_id, status=status)
        await events.event_changed(GUILD, data, transport)
    await run_due(dispatcher, clock)
    mirror = await event_id_of(db, talk.id)
    assert mirror is not None and transport.events[mirror]["status"] == scheduled_events.SCHEDULED, (
        "the talk's event was ended by someone the rule refuses; unlike a cancel, no new one is made")
    assert [r for r in await db.fetchall("SELECT * FROM outbox WHERE kind = 'log'")], "nobody is told"
