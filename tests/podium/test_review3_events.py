"""Third review of issue 20 §1 (dd53a5e): the audit log entry taken as a change's author must be that change's."""


from datetime import timedelta

from podium.scheduled_events import iso
from tests.doubles import ANN, GUILD, SPEAKER

# The lagging audit log, and no real wait between its reads: shared with the review tests of §1.
from tests.podium.audit_lag import no_audit_pause, transport  # noqa: F401 (fixtures)
from tests.podium.delivering import run_due
from tests.podium.events_world import dispatcher, events, guild, mirrored, move, outbox, talks  # noqa: F401 (fixtures)


async def test_a_refused_members_move_to_a_time_the_speaker_set_a_minute_ago_is_not_the_speakers(
        db, guild, talks, clock, dispatcher, events, transport):
    """`_editor` takes the newest entry that *shows* the change. The speaker dragged the event to X in Discord
    (followed), then moved the talk back with /schedule reschedule. A member the rule refuses now drags it to X;
    their entry is a moment late, and the speaker's older entry also shows X: the move is followed as the
    speaker's, and the refused change sticks on the talk (with notices to the audience in the speaker's name).
    """
    talk, event_id = await mirrored(db, talks, clock, dispatcher)
    elsewhere = talk.starts_at + timedelta(days=1)
    data = transport.edit_by(SPEAKER, event_id, scheduled_start_time=iso(elsewhere))
    assert (await events.event_changed(GUILD, data, transport)).startswith("moved the talk")
    await run_due(dispatcher, clock)
    clock.advance(timedelta(seconds=20))
    await move(talks, await talks.get(GUILD, talk.id), talk.starts_at)  # the speaker changes their mind
    await run_due(dispatcher, clock)
    clock.advance(timedelta(seconds=20))
    data = transport.edit_by(ANN, event_id, scheduled_start_time=iso(elsewhere))
    transport.hidden_reads = 1
    outcome = await events.event_changed(GUILD, data, transport)
    after = await talks.get(GUILD, talk.id)
    assert after.starts_at == talk.starts_at, f"a refused member's move was followed as the speaker's: {outcome}"
