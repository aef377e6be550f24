"""⏳ "Starts in 10 minutes": planned only where a guild turned it on, in the talk's thread, with 🙋 I'm coming."""

from __future__ import annotations

import random
from datetime import timedelta
from types import SimpleNamespace

from podium import components, posts
from podium.audience import Audience
from podium.clock import to_ms
from podium.components import Click
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox
from podium.delivery.pacing import Pacer
from podium.guild_settings import GuildSettingsService
from podium.starts_soon import COMING, SETTING, STARTS_SOON
from podium.talks import Actor, TalkService, composed_hooks, default_hooks
from tests import factories
from tests.doubles import ScriptedTransport

GUILD, SPEAKER, ANNOUNCE, FAN = factories.GUILD, factories.SPEAKER, 200, 77


async def soon_rows(db):
    return [dict(r) for r in await db.fetchall(
        "SELECT talk_id, state, due_at_ms, expires_at_ms, target_type FROM outbox WHERE kind = ? ORDER BY id",
        (STARTS_SOON.name,))]


async def services(db, clock):
    outbox = Outbox(db)
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE)
    return outbox, TalkService(db, outbox, clock, default_hooks(outbox)), GuildSettingsService(db, outbox, clock)


async def test_planned_ten_minutes_before_in_the_thread_only_when_the_guild_turned_it_on(db, clock):
    _, talks, settings = await services(db, clock)
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(hours=3))
    assert await soon_rows(db) == []  # off by default
    await settings.set_switch(GUILD, SETTING, True)  # upcoming talks get theirs at once
    [row] = await soon_rows(db)
    assert (row["talk_id"], row["state"], row["target_type"]) == (talk.id, "pending", "thread")
    assert row["due_at_ms"] == to_ms(talk.starts_at - timedelta(minutes=10))
    assert row["expires_at_ms"] == to_ms(talk.starts_at)
    moved = await talks.reschedule(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id,
                                   starts_at=talk.starts_at + timedelta(hours=1))
    assert [(r["state"], r["due_at_ms"]) for r in await soon_rows(db)] == [
        ("cancelled", to_ms(talk.starts_at - timedelta(minutes=10))),
        ("pending", to_ms(moved[1].starts_at - timedelta(minutes=10)))]
    await settings.set_switch(GUILD, SETTING, False)
    assert {r["state"] for r in await soon_rows(db)} == {"cancelled"}


async def test_not_planned_with_less_than_ten_minutes_to_go(db, clock):
    _, talks, settings = await services(db, clock)
    await settings.set_switch(GUILD, SETTING, True)
    await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                    starts_at=clock.now() + timedelta(minutes=9))
    assert await soon_rows(db) == []


async def test_delivered_in_the_talks_thread_with_its_button(db, clock):
    outbox, talks, settings = await services(db, clock)
    await settings.set_switch(GUILD, SETTING, True)
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(hours=1))
    transport = ScriptedTransport(clock)
    dispatcher = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000),
                            rng=random.Random(1))
    clock.set(talk.starts_at - timedelta(minutes=10))
    rows = [r for r in await outbox.claim_due(clock.now(), 100) if r.kind == STARTS_SOON.name]
    [outcome] = [await dispatcher.deliver(row) for row in rows]
    assert outcome.state == "sent" and outcome.via == "thread"
    [post] = [c for c in transport.posts() if "starts in 10 minutes" in c[2]["content"]]
    assert post[1] == outcome.channel_id != ANNOUNCE  # the talk's thread, made under the announcement channel
    [button] = post[2]["components"][0]["components"]
    assert components.parse(button["custom_id"]) == components.CustomId(COMING, (talk.id,))


async def test_im_coming_puts_the_member_on_the_talks_list_and_says_so_in_their_language(db, clock):
    _, talks, _ = await services(db, clock)
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(minutes=10))
    [control] = [c for c in components.controls() if c.prefix == COMING]
    assert control.handler is not None  # answered in the domain: no cog knows this button
    members = Audience(db, Outbox(db), clock)
    click = Click(components.CustomId(COMING, (talk.id,)), FAN, GUILD, "de", (), SimpleNamespace(audience=members))
    reply = await control.handler(click)
    assert reply.text.startswith("🙋 Bis gleich bei") and "1" in reply.text
    assert await members.is_attending(talk.id, FAN)


# -- the post stays true (KindSpec.kept_true, podium/posts.py) ------------------------------------------------------


async def _posted(db, clock, transport=None):
    """The services with every feature's talk subscribers (posts' edits among them), and the ⏳ post sent."""
    outbox = Outbox(db)
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE)
    talks = TalkService(db, outbox, clock, composed_hooks(outbox))
    await GuildSettingsService(db, outbox, clock).set_switch(GUILD, SETTING, True)
    transport = transport or ScriptedTransport(clock)
    dispatcher = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000), rng=random.Random(1))
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(hours=1))
    clock.set(talk.starts_at - timedelta(minutes=10))
    outcomes = [await dispatcher.deliver(r) for r in await outbox.claim_due(clock.now(), 50)
                if r.kind == STARTS_SOON.name]
    assert [o.state for o in outcomes] == ["sent"]
    return talks, transport, dispatcher, talk, outcomes[0].message_id


async def _edits(dispatcher, transport, clock, message_id):
    clock.advance(posts.EDIT_HOLD)
    for row in await dispatcher.outbox.claim_due(clock.now(), 50):
        if row.kind == posts.POST_UPDATE.name:
            await dispatcher.deliver(row)
    return [c[3] for c in transport.calls if c[0] == "edit" and c[2] == message_id]


async def test_the_post_is_edited_to_the_new_time_when_its_talk_is_moved(db, clock):
    talks, transport, dispatcher, talk, message_id = await _posted(db, clock)
    _, moved = await talks.reschedule(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id,
                                      starts_at=talk.starts_at + timedelta(hours=2))
    [edit] = await _edits(dispatcher, transport, clock, message_id)
    assert "10 minutes" not in edit["content"] and f"<t:{int(moved.starts_at.timestamp())}:F>" in edit["content"]
    [button] = edit["components"][0]["components"]
    assert button["custom_id"] == f"{COMING}:{talk.id}" and not button.get("disabled")  # still true: come then
    assert edit["allowed_mentions"]["users"] == []


async def test_the_post_is_struck_and_its_button_greyed_out_when_its_talk_is_cancelled(db, clock):
    talks, transport, dispatcher, talk, message_id = await _posted(db, clock)
    await talks.cancel(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id, reason="ill")
    [edit] = await _edits(dispatcher, transport, clock, message_id)
    assert edit["content"].startswith("🚫 ~~") and "cancelled" in edit["content"]
    assert [b.get("disabled") for b in edit["components"][0]["components"]] == [True]


class ChangedInFlight(ScriptedTransport):
    """The talk changes while the ⏳ post's request is on its way (after the last look)."""

    change = None

    async def post_message(self, channel_id, body):
        message_id = await super().post_message(channel_id, body)
        if self.change is not None:
            change, self.change = self.change, None
            await change()
        return message_id


async def test_a_change_committed_while_the_post_was_in_flight_is_edited_into_it(db, clock):
    # The last look saw the talk as it was; the rename commits while the POST is on its way, and found no sent post
    # to edit: the engine's kept-true step (posts.correct_if_changed) queues the edit when the post is marked sent.
    transport = ChangedInFlight(clock)
    talks = TalkService(db, Outbox(db), clock, composed_hooks(Outbox(db)))

    async def rename():
        talk_id = await db.fetchval("SELECT id FROM talks")
        await talks.edit(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk_id, topic="Zig")

    transport.change = rename
    _, _, dispatcher, _, message_id = await _posted(db, clock, transport)
    [edit] = await _edits(dispatcher, transport, clock, message_id)
    assert "Zig" in edit["content"]
