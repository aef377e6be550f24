"""Every kind of proactive message, checked the same way: what a checklist forgets, this catches.

A new kind registered anywhere is picked up here: it must be loaded with the built-in ones, render its example
within Discord's limits pinging nobody but its recipient, say who may refuse it in /opt-out's words, and (if it
is bound to a talk) be planned with the talk, cancelled with it and never sent once the talk moved.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import replace
from datetime import timedelta

import pytest

import podium
from cogs.opt_out import TOPIC_CHOICES
from podium import audience, consent
from podium.delivery import kinds
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox
from podium.delivery.pacing import Pacer
from podium.delivery.render import RenderContext, render
from podium.preferences import switches
from podium.talks import Actor, TalkService, default_hooks
from tests import factories
from tests.doubles import ScriptedTransport
from tests.fake_discord import _validate_message_components
from tests.podium.checks import CONTENT, TOTAL, embed_size

SPECS = kinds.all_specs()
TALK_BOUND = kinds.talk_bound()
GUILD, SPEAKER, ANNOUNCE, LOG_CHANNEL = factories.GUILD, factories.SPEAKER, 555, 556
FAN, THREAD_FAN = 43, 44  # two members who clicked 🔔 Remind me: one reminded by DM, one in the talk's thread


def test_every_module_that_registers_kinds_is_loaded_with_the_built_in_ones():
    before = {spec.name for spec in SPECS}
    for module in pkgutil.walk_packages(podium.__path__, "podium."):
        importlib.import_module(module.name)
    assert {spec.name for spec in kinds.all_specs()} == before, "add the module to podium/features.py (MODULES)"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
@pytest.mark.parametrize("recipient", [None, SPEAKER], ids=["broadcast", "to-a-person"])
def test_every_kind_renders_within_discords_limits_and_pings_only_its_recipient(spec, recipient, clock):
    talk = factories.talk(topic="*_`~" * 50, starts_at=clock.now() + timedelta(hours=1), thread_id=10**18,
                          description="*" * 1000)
    late = clock.now() + timedelta(hours=2)  # with the "(delayed ...)" note too
    for now, via in ((clock.now(), "dm"), (late, "thread"), (late, None)):
        ctx = RenderContext(spec.name, dict(spec.example), talk, clock.now(), now, via=via)
        bodies = [render(ctx, mention_user_id=recipient)]
        if spec.kept_true is not None:
            # The post as edited once its talk changed (moved or cancelled) fits too; an edit pings nobody.
            bodies += [render(RenderContext(spec.name, dict(spec.example), replace(talk, state=state), now, now,
                                            via=via), mention_user_id=None, kept_true=True)
                       for state in ("scheduled", "cancelled")]
        for body in bodies:
            _check_body(spec, body, recipient)


def _check_body(spec, body, recipient):
    # Buttons and selects as Discord's form rules want them (the fake's validator: rows, ids, labels, urls).
    _validate_message_components(body.get("components", []), ["components"], 0)
    assert 0 < len(body["content"]) <= CONTENT or body.get("embeds")
    assert len(body["content"]) <= CONTENT
    assert sum(embed_size(e) for e in body.get("embeds", [])) <= TOTAL
    mentions = body["allowed_mentions"]
    assert mentions["parse"] == [] and mentions["replied_user"] is False
    allowed = {str(recipient)} if recipient else set()
    allowed |= {str(i) for i in spec.example.get("ping_ids", [])}
    assert set(mentions["users"]) <= allowed


@pytest.mark.parametrize("spec", [s for s in SPECS if s.consent is not None], ids=lambda s: s.name)
def test_every_consent_topic_is_one_opt_out_offers(spec):
    assert consent.TOPICS[spec.consent.key] is spec.consent
    assert spec.consent.key in TOPIC_CHOICES.values()


async def setup_talk(db, clock):
    """A guild with every optional talk-bound message turned on, a talk 30 hours ahead, and its audience."""
    outbox = Outbox(db)
    talks = TalkService(db, outbox, clock, audience.subscribe(default_hooks(outbox), outbox))
    # Every declared switch on: a kind's own optional post is planned here without an edit of this test.
    # Talks held in a voice channel: who came is read there as each talk's window opens (podium/feedback.py).
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, log_channel_id=LOG_CHANNEL,
                              events_enabled=1, events_entity_type=2, events_channel_id=ANNOUNCE + 50,
                              **{setting.column: 1 for setting in switches()})
    # Issue 23 §4: speakers asked 24 h before (the talk is 30 h ahead), the moderators told in the log channel.
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO workflow_settings (guild_id, confirm_hours) VALUES (?, 24)", (GUILD,))
    talk = await talks.add(guild_id=GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(hours=30))
    await factories.add_user(db, THREAD_FAN, reminder_via="thread")
    members = audience.Audience(db, outbox, clock)
    for fan in (FAN, THREAD_FAN):
        await members.join(talk_id=talk.id, user_id=fan, guild_id=GUILD)
    return outbox, talks, talk


def due_by(talk, spec):
    """When all of a kind's rows for the talk are due: by its start, or for an after-the-talk kind days after it."""
    return talk.ends_at + timedelta(days=3) if spec.after_the_talk else talk.starts_at


async def rows_of(db, talk_id, kind):
    return [dict(r) for r in await db.fetchall(
        "SELECT id, state FROM outbox WHERE talk_id = ? AND kind = ? ORDER BY id", (talk_id, kind))]


@pytest.mark.parametrize("spec", TALK_BOUND, ids=lambda s: s.name)
async def test_every_talk_bound_kind_is_planned_with_its_talk_and_cancelled_with_it(spec, db, clock):
    _, talks, talk = await setup_talk(db, clock)
    planned = await rows_of(db, talk.id, spec.name)
    assert planned and all(r["state"] == "pending" for r in planned), "turn its feature on in setup_talk"
    await talks.cancel(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id)
    assert {r["state"] for r in await rows_of(db, talk.id, spec.name)} == {"cancelled"}


@pytest.mark.parametrize("spec", TALK_BOUND, ids=lambda s: s.name)
async def test_every_talk_bound_kind_is_not_sent_once_its_talk_moved(spec, db, clock):
    outbox, talks, talk = await setup_talk(db, clock)
    transport = ScriptedTransport()
    dispatcher = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000))
    clock.set(talk.starts_at - timedelta(minutes=1))  # the talk can still be moved...
    # ...and every one of its messages is in flight (claimed as if due: the last are due at its very start, or, for
    # a kind about the talk once it took place, after it).
    claimed = [r for r in await outbox.claim_due(due_by(talk, spec), 100) if r.kind == spec.name]
    assert claimed
    await talks.reschedule(guild_id=GUILD, actor=Actor(SPEAKER), talk_id=talk.id,
                           starts_at=talk.starts_at + timedelta(days=1))
    outcomes = [await dispatcher.deliver(row) for row in claimed]
    assert {o.state for o in outcomes} == {"cancelled"}
    assert not [c for c in transport.posts() if c[2].get("nonce") in {r.nonce for r in claimed}]


SWITCHED = [(s, kinds.get(kind)) for s in switches() for kind in s.replans]


@pytest.mark.parametrize(("setting", "spec"), SWITCHED, ids=lambda x: getattr(x, "name", ""))
async def test_every_kind_a_switch_turns_on_is_not_sent_once_the_switch_is_off(setting, spec, db, clock):
    # Turning a switch off re-plans the upcoming talks only; a row already in flight, or of a talk under way (a
    # "starting now" being retried, an after-the-talk kind), is stopped by the last look reading the switch.
    outbox, _, talk = await setup_talk(db, clock)
    transport = ScriptedTransport()
    dispatcher = Dispatcher(db, outbox, transport, clock, pacer=Pacer(1000, channel_limit=1000))
    clock.set(talk.starts_at - timedelta(minutes=1))
    claimed = [r for r in await outbox.claim_due(due_by(talk, spec), 100) if r.kind == spec.name]
    assert claimed
    async with db.transaction() as tx:  # as a /announce-settings click would store it, without its re-planning
        await tx.execute(f"UPDATE guild_settings SET {setting.column} = 0 WHERE guild_id = ?", (GUILD,))
    outcomes = [await dispatcher.deliver(row) for row in claimed]
    assert {o.state for o in outcomes} == {"cancelled"}
    assert not [c for c in transport.posts() if c[2].get("nonce") in {r.nonce for r in claimed}]
