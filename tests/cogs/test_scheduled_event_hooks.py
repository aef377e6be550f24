"""nextcord 3.2 keeps no status on its ScheduledEvent and drops gateway events of uncached ones: we read them raw."""

import nextcord

from cogs.scheduled_events import RAW_EVENTS, install_raw_hooks


def test_nextcord_has_the_parsers_we_wrap_and_the_payload_reaches_us_even_for_an_unknown_guild():
    client = nextcord.Client(intents=nextcord.Intents(guilds=True, scheduled_events=True))
    parsers = client._connection.parsers
    assert set(RAW_EVENTS) <= set(parsers)  # an upgrade that renames them fails here, not in production
    seen = []
    install_raw_hooks(parsers, lambda name, data: seen.append((name, data)))
    payload = {"guild_scheduled_event_id": "1", "user_id": "2", "guild_id": "3"}
    parsers["GUILD_SCHEDULED_EVENT_USER_ADD"](payload)  # nextcord discards it: guild 3 is not cached
    assert seen == [("GUILD_SCHEDULED_EVENT_USER_ADD", payload)]


def test_the_bot_asks_for_the_scheduled_events_intent_and_no_privileged_one():
    from bot import intents

    wanted = intents()
    assert wanted.scheduled_events and wanted.guilds
    assert not (wanted.members or wanted.presences or wanted.message_content)
