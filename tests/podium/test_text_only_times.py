"""Times written as plain text in what the outbox sends (button and select labels cannot render `<t:…>`): in the
reader's zone, never UTC for a server that has a zone (issue 21, §3). The slash-command places are in
tests/e2e/test_zones.py.
"""

import random
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from podium import i18n
from podium.delivery.dispatcher import Dispatcher
from podium.delivery.outbox import Outbox, OutboxMessage
from podium.delivery.pacing import Pacer
from podium.delivery.render import RenderContext, render
from podium.weekly import WEEKLY_SUMMARY
from tests import factories
from tests.doubles import ScriptedTransport
from tests.podium.delivering import ANNOUNCE, GUILD, run_due

BERLIN = ZoneInfo("Europe/Berlin")


def labels(body):
    found = []
    for row in body.get("components", []):
        for item in row["components"]:
            found += [option["label"] for option in item.get("options", [])] + [item.get("label") or ""]
    return [label for label in found if label]


@pytest.mark.parametrize("count", [2, 8])  # buttons for a few talks, a select for many
@pytest.mark.parametrize("locale", i18n.languages())
def test_the_weekly_summarys_labels_show_the_readers_zone(clock, count, locale):
    now = clock.now()
    talks = [{"id": i, "speaker_id": 42, "topic": f"Talk {i}", "start_ms": int((now + timedelta(days=1, hours=i))
                                                                                  .timestamp() * 1000)}
             for i in range(count)]
    body = render(RenderContext(WEEKLY_SUMMARY.name, {"talks": talks}, None, now, now, locale=locale,
                                zone="Europe/Berlin"), mention_user_id=None)
    t = i18n.translator(locale)
    shown = labels(body)
    first = t.moment((now + timedelta(days=1)).astimezone(BERLIN))
    assert any(f"Talk 0 — {first}" in label for label in shown), shown
    assert not any("UTC" in label for label in shown)


async def test_the_dispatcher_renders_a_post_in_the_servers_zone(db, clock):
    """The zone reaches the renderer from the server's settings when the summary goes out."""
    await factories.add_guild(db, GUILD, announce_channel_id=ANNOUNCE, timezone="Europe/Berlin")
    start = clock.now() + timedelta(days=1)
    await factories.add_talk(db, guild_id=GUILD, speaker_id=42, topic="Rust", starts_at=start)
    transport = ScriptedTransport(clock)
    dispatcher = Dispatcher(db, Outbox(db), transport, clock, pacer=Pacer(1000, channel_limit=1000),
                            retry_base_seconds=10, rng=random.Random(1))
    async with db.transaction() as tx:
        await dispatcher.outbox.enqueue(tx, OutboxMessage(
            kind=WEEKLY_SUMMARY.name, dedupe_key="w", due_at=clock.now(), target_type="channel", guild_id=GUILD,
            channel_id=ANNOUNCE, payload={}), now=clock.now())
    [outcome] = await run_due(dispatcher, clock)
    assert outcome.state == "sent"
    [post] = transport.posts()
    assert f"Rust — {i18n.ENGLISH.moment(start.astimezone(BERLIN))}" in labels(post[2])

