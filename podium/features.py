"""The features Podium is built from, found here and not by the engine: a new feature is one line below.

Importing a feature module registers what it declares: its kinds (`kinds.register`), buttons
(`components.declare`), switches (`preferences.switch`), talk subscribers (`talks.subscribes`) and the member
columns of its tables (`privacy`). The delivery engine (podium/delivery/) imports none of them
(docs/architecture.md): the composition root (podium/services.py) and the tools that build services without it
(tests, benches) call `load()` before anything looks a kind, a button or a switch up. The order below is the
order of the switches in /announce-settings and of the talk subscribers.
"""

from __future__ import annotations

import importlib

MODULES = (
    "podium.talks",
    "podium.people",
    "podium.weekly",
    "podium.delivery.dispatcher",
    "podium.starting",
    "podium.audience",
    "podium.scheduled_events",
    "podium.posts",
    "podium.starts_soon",
    "podium.workflow",
    "podium.seats",
    "podium.calendar_feed",
    "podium.series",
    "podium.talk_page",
    "podium.feedback",
    "podium.archive",
    "podium.slots",
)


def load() -> None:
    """Import every feature module (once; importing again is free), so its declarations are registered."""
    for module in MODULES:
        importlib.import_module(module)
