"""Every slash command answers Discord within its 3 s while Discord makes the bot wait.

Discord drops an interaction that is not answered within 3 s ("This interaction failed"). A handler that makes
a REST call before its reply (a post to a channel, say) must defer first, because that call can wait for a
rate limit. This runs EVERY registered command with the channel rate-limited; a new command without an entry
in COMMANDS fails the test, so the rule cannot be forgotten.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from cogs.help import PUBLIC_COMMANDS
from tests.e2e.dbcheck import query
from tests.fake_discord import EPHEMERAL_FLAG, GENERAL_CHANNEL_ID, GUILD_ID, MODERATOR_ID, InteractionFailed

ROUTE = "/channels/{channel_id}/messages"


def option(name: str, value: object) -> dict[str, object]:
    kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
    if name == "channel":
        kind = 7
    if name == "speaker":
        kind = 6
    return {"type": kind, "name": name, "value": str(value) if kind in (6, 7) else value}


# Every leaf command with options that exercise its real path ("{talk}" is the setup talk's id).
COMMANDS: dict[str, dict[str, object]] = {
    "help": {},
    "announce-settings calendar": {},
    "announce-settings channel": {"channel": GENERAL_CHANNEL_ID},
    "announce-settings clear": {"setting": "log channel"},
    "announce-settings engagement": {"days": 14},
    "announce-settings events": {"enabled": True, "location": "#talks"},
    "announce-settings feedback": {"summary-after": 24},
    "announce-settings language": {"language": "de"},
    "announce-settings slots": {"per-member": 2, "days-before": 3},
    "announce-settings log-channel": {"channel": GENERAL_CHANNEL_ID},
    "announce-settings new-talks": {"enabled": True},
    "announce-settings page": {"action": "on"},
    "announce-settings posts": {"post": "starting-now", "enabled": True},
    "announce-settings preview": {},
    "announce-settings reminders": {"before": "24h, 1h"},
    "announce-settings show": {},
    "announce-settings starting-now": {"enabled": True},
    "announce-settings talks": {"slot-minutes": 45},
    "announce-settings seats": {"offer-hours": 24},
    "announce-settings test": {},
    "announce-settings timezone": {"zone": "Europe/Berlin"},
    "announce-settings weekly": {"day": "0", "time": "09:00"},
    "opt-out forget-me": {},
    "opt-out status": {},
    "opt-out stop": {"what": "personal-reminders"},
    "opt-out allow": {"what": "personal-reminders"},
    "remind-me at": {"when": "in 2 hours", "message": "slides"},
    "remind-me calendar": {},
    "remind-me delete": {"reminder": "999999"},
    "remind-me edit": {"reminder": "999999", "when": "in 3 hours", "message": "slides v2"},
    "remind-me list": {},
    "remind-me reset": {"what": "all"},
    "remind-me show": {},
    "remind-me talks": {"before": "24h, 1h"},
    "remind-me timezone": {"zone": "Europe/Berlin"},
    "schedule add": {"when": "in 3 days at 18:00", "topic": "Another talk", "seats": 20},
    "schedule cancel": {"talk": "{talk}"},
    "schedule edit": {"talk": "{talk}", "topic": "Rust, edited", "description": "All about ownership", "seats": 30},
    "schedule export": {},
    "schedule import": {"event": "{event}"},
    "schedule info": {"talk": "{talk}"},
    "schedule links": {"talk": "{talk}", "slides": "https://example.org/slides.pdf"},
    "schedule list": {},
    "schedule mine": {},
    "schedule past": {"query": "rust"},
    "schedule reschedule": {"talk": "{talk}", "when": "in 4 days at 19:00"},
    "series create": {"name": "Rust Thursdays", "every": "thursday 19:00", "slots": 2, "channel": GENERAL_CHANNEL_ID},
    "series list": {},
    "series edit": {"series": "Rust Thursdays", "every": "thursday 19:30"},
    "series skip": {"series": "Rust Thursdays", "date": "{evening}", "reason": "Holiday"},
    "series end": {"series": "Rust Thursdays"},
    "schedule stats": {"speaker": MODERATOR_ID},
}


def registered(fake) -> set[str]:
    names = set()
    for command in fake.global_commands.values():
        subs = [o for o in command.get("options", []) if o["type"] in (1, 2)]
        names.update(f"{command['name']} {s['name']}" for s in subs)
        if not subs:
            names.add(command["name"])
    return names


@pytest.fixture
async def bot(fake, bot_factory):
    process = bot_factory()
    await process.start()
    return process


async def test_every_command_answers_within_3_s_while_the_channel_is_rate_limited(fake, bot):
    assert set(COMMANDS) == registered(fake), "add the new command to COMMANDS with options that exercise it"
    # Setup: an announcement channel, and a talk for the commands that act on one.
    channel = [{"type": 1, "name": "channel", "options": [option("channel", GENERAL_CHANNEL_ID)]}]
    setup = await fake.invoke(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MODERATOR_ID,
                              name="announce-settings", options=channel)
    await fake.wait_for_response(setup)
    added = await fake.invoke(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MODERATOR_ID,
                              name="schedule", options=[{"type": 1, "name": "add", "options": [
                                  option("when", "in 2 days at 18:00"), option("topic", "Rust")]}])
    await fake.wait_for_response(added)
    [talk] = query(bot.db_path, "SELECT id FROM talks")
    # An event made by hand in Discord's client, for /schedule import.
    start = datetime.now(UTC) + timedelta(days=5)
    made = fake.create_event_as_moderator(GUILD_ID, name="Meetup", start=start, end=start + timedelta(hours=1),
                                          location="Library")

    slow = []
    public = set()
    for qualified, values in COMMANDS.items():
        # Other traffic used up the channel's message bucket: any post there now waits ~10 s for it.
        fake.exhaust_bucket("POST", ROUTE, seconds=10, channel_id=GENERAL_CHANNEL_ID)
        name, _, sub = qualified.partition(" ")
        evenings = query(bot.db_path, "SELECT id FROM series_evenings ORDER BY starts_at_ms")
        ids = {"talk": talk["id"], "event": made["id"], "evening": evenings[0]["id"] if evenings else 0}
        options = [option(k, str(v).format(**ids) if isinstance(v, str) else v) for k, v in values.items()]
        started = time.monotonic()
        interaction = await fake.invoke(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=MODERATOR_ID,
                                        name=name,
                                        options=[{"type": 1, "name": sub, "options": options}] if sub else options)
        try:
            response = await fake.wait_for_response(interaction, timeout=5)
            if not (response.get("data") or {}).get("flags", 0) & EPHEMERAL_FLAG:
                public.add(qualified)
        except (InteractionFailed, TimeoutError) as exc:
            slow.append(f"/{qualified}: {exc}")
            continue
        if time.monotonic() - started > 3:
            slow.append(f"/{qualified}: answered after {time.monotonic() - started:.1f} s")
    assert slow == []
    # /help says which answers everyone sees: exactly those (and commands that post elsewhere, like a test post).
    assert public == {"schedule list"}
    assert public <= PUBLIC_COMMANDS
    # Each ran its real path: no handler failed on the way (the options above are valid).
    assert [line for line in bot.log().splitlines() if "failed (guild" in line] == []
