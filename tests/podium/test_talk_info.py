"""What /schedule info shows of a talk's plan is each kind's declaration (`KindSpec.in_talk_info`), not the cog's."""

from datetime import timedelta

from podium.audience import AUDIENCE_KINDS
from podium.delivery import kinds
from podium.delivery.outbox import Outbox, OutboxMessage
from podium.talks import Actor, TalkService, default_hooks

GUILD, CHANNEL, SPEAKER = 10, 20, 1


def test_the_counted_kinds_are_the_ones_the_audience_counts():
    # /schedule info counts these through Audience.planned; a kind declared counted but not counted there would vanish.
    assert {spec.name for spec in kinds.all_specs() if spec.in_talk_info == "counted"} == set(AUDIENCE_KINDS)


async def test_info_lists_each_pending_row_of_a_listed_kind_only(db, clock):
    outbox = Outbox(db)
    talks = TalkService(db, outbox, clock, default_hooks(outbox))
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(days=2))
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM outbox")  # only the rows below: one of every kind
        for spec in kinds.all_specs():
            await outbox.enqueue(tx, OutboxMessage(
                kind=spec.name, dedupe_key=f"info-test:{spec.name}", due_at=clock.now() + timedelta(hours=1),
                target_type="channel", guild_id=GUILD, channel_id=CHANNEL, talk_id=talk.id,
                payload=dict(spec.example), talk_start=talk.starts_at), now=clock.now())
    listed = {row["kind"] for row in await talks.planned_messages(talk.id)}
    assert listed == {spec.name for spec in kinds.all_specs() if spec.in_talk_info == "listed"}
    # The actions that are no message to anyone, and the audience's rows (counted instead), are not listed.
    assert not listed & {"post_update", "scheduled_event", "scheduled_event_end", *AUDIENCE_KINDS}
    assert {"talk_reminder", "thread_archive"} <= listed
