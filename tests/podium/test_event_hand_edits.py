"""Hand edits of a talk's event in Discord's Events beyond moves and cancels: renames, starts, ends, late echoes."""


from datetime import timedelta

from podium import scheduled_events
from podium.preferences import load_guild
from podium.scheduled_events import ACTIVE, COMPLETED, SCHEDULED, iso
from tests.doubles import ANN, GUILD, LOG_CHANNEL, MOD, SPEAKER

# The lagging audit log, and no real wait between its reads: shared with the review tests of §1.
from tests.podium.audit_lag import no_audit_pause, transport  # noqa: F401 (fixtures)
from tests.podium.delivering import run_due
from tests.podium.events_world import dispatcher, event_id_of, events, guild, mirrored, mod, move, outbox, rows, talks  # noqa: F401 (fixtures)


def audit_reads(transport):
    return len([c for c in transport.calls if c[0] == "audit_log"])


async def test_the_speakers_own_rename_is_put_back_and_the_log_channel_says_where_topics_change(
        db, guild, talks, clock, dispatcher, events, transport):
    talk, event_id = await mirrored(db, talks, clock, dispatcher)
    data = transport.edit_by(SPEAKER, event_id, name="Rust, renamed")
    outcome = await events.event_changed(GUILD, data, transport)
    assert outcome == f"put back: {SPEAKER} changed its details; the event shows the talk's"
    await run_due(dispatcher, clock)
    assert transport.events[event_id]["name"] == scheduled_events.event_body(talk, await load_guild(db, GUILD))["name"]
    assert (await talks.get(GUILD, talk.id)).topic == talk.topic
    # The same text set again is told once.
    data = transport.edit_by(SPEAKER, event_id, name="Rust, renamed")
    await events.event_changed(GUILD, data, transport)
    await run_due(dispatcher, clock)
    [line] = [c for c in transport.calls if c[0] == "post" and c[1] == LOG_CHANNEL]
    assert f"<@{SPEAKER}> changed the name or description" in line[2]["content"]
    assert "/schedule edit" in line[2]["content"]


async def test_a_refused_move_to_a_start_the_bot_sent_is_put_back_though_the_members_entry_never_shows(
        db, guild, talks, clock, dispatcher, events, transport):
    talk, event_id = await mirrored(db, talks, clock, dispatcher)
    first = talk.starts_at + timedelta(hours=2)
    await move(talks, talk, first)
    await run_due(dispatcher, clock)
    second = first + timedelta(hours=2)
    await move(talks, talk, second)
    await run_due(dispatcher, clock)
    # The bot's entry that sent `first` is the only one showing it: taken for a late echo of ours, which is
    # harmless only if the event is made to show the talk again.
    data = transport.edit_by(ANN, event_id, scheduled_start_time=iso(first))
    transport.hidden_reads = scheduled_events.AUDIT_TRIES
    assert await events.event_changed(GUILD, data, transport) == "our own change"
    await run_due(dispatcher, clock)
    assert transport.events[event_id]["scheduled_start_time"] == iso(second)
    assert (await talks.get(GUILD, talk.id)).starts_at == second


async def test_a_refused_member_who_starts_a_talks_event_early_has_it_ended_and_replaced(
        db, guild, talks, clock, dispatcher, events, transport):
    talk, event_id = await mirrored(db, talks, clock, dispatcher)
    data = transport.edit_by(ANN, event_id, status=ACTIVE)
    assert await events.event_changed(GUILD, data, transport) == f"put back: {ANN} may not edit it"
    await run_due(dispatcher, clock)
    # Discord allows ACTIVE → COMPLETED only: the live one is ended, a new one mirrors the talk.
    assert transport.events[event_id]["status"] == COMPLETED
    new_id = await event_id_of(db, talk.id)
    assert new_id not in (None, event_id) and transport.events[new_id]["status"] == SCHEDULED
    [line] = await rows(db, "log")
    assert line["payload"]["params"]["what"]["message"] == "start {topic} before its time"


async def test_a_talk_cancelled_meanwhile_still_ends_the_event_started_early(
        db, guild, talks, clock, dispatcher, events, transport):
    talk, event_id = await mirrored(db, talks, clock, dispatcher)
    data = transport.edit_by(ANN, event_id, status=ACTIVE)
    await events.event_changed(GUILD, data, transport)
    await talks.cancel(guild_id=GUILD, actor=mod, talk_id=talk.id, reason="ill")
    await run_due(dispatcher, clock)
    assert transport.events[event_id]["status"] == COMPLETED, "the old event stays live for a cancelled talk"


async def test_the_speaker_starting_their_event_early_is_left_alone(
        db, guild, talks, clock, dispatcher, events, transport):
    talk, event_id = await mirrored(db, talks, clock, dispatcher)
    data = transport.edit_by(SPEAKER, event_id, status=ACTIVE)
    assert await events.event_changed(GUILD, data, transport) == f"left started by {SPEAKER}"
    await run_due(dispatcher, clock)
    assert await event_id_of(db, talk.id) == event_id and transport.events[event_id]["status"] == ACTIVE


async def test_status_changes_once_the_talk_is_on_are_not_questioned(
        db, guild, talks, clock, dispatcher, events, transport):
    talk, event_id = await mirrored(db, talks, clock, dispatcher)
    clock.advance(talk.starts_at - clock.now())
    data = transport.edit_by(MOD, event_id, status=ACTIVE)
    before = audit_reads(transport)
    assert await events.event_changed(GUILD, data, transport) == "matches the talk"
    assert audit_reads(transport) == before


async def test_an_imported_events_own_text_is_not_taken_for_a_rename(db, guild, clock, events, transport):
    start = clock.now() + timedelta(days=4)
    event = {"id": "4242", "name": "Meetup", "description": "Bring snacks", "status": SCHEDULED, "creator_id": "12",
             "scheduled_start_time": iso(start), "scheduled_end_time": iso(start + timedelta(minutes=90))}
    await events.import_event(guild_id=GUILD, actor=mod, event=event, speaker_id=None, speaker_name="Ben")
    # E.g. a moderator changes its cover image: the update shows the moderator's own text, as imported.
    assert await events.event_changed(GUILD, {**event, "guild_id": str(GUILD)}, transport) == "matches the talk"
    assert audit_reads(transport) == 0


async def test_a_talk_whose_event_the_speaker_ended_early_gets_a_new_one_at_its_next_change(
        db, guild, talks, clock, dispatcher, events, transport):
    talk, event_id = await mirrored(db, talks, clock, dispatcher)
    for status in (ACTIVE, COMPLETED):
        data = transport.edit_by(SPEAKER, event_id, status=status)
        await events.event_changed(GUILD, data, transport)
    moved = talk.starts_at + timedelta(hours=1)
    await move(talks, talk, moved)
    await run_due(dispatcher, clock)
    new_id = await event_id_of(db, talk.id)
    assert new_id not in (None, event_id), "a finished event takes no PATCH: the move never reaches Discord"
    assert transport.events[new_id]["scheduled_start_time"] == iso(moved)
