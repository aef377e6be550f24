from datetime import UTC, datetime
from zoneinfo import available_timezones

import pytest

from podium import i18n, timeparse
from podium.zones import LOCALE_ZONES, suggest_zone, zone_note, zone_reason, zones_to_offer

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_every_suggested_zone_exists():
    assert set(LOCALE_ZONES.values()) <= available_timezones()


@pytest.mark.parametrize(
    ("locale", "zone"),
    [
        ("de", "Europe/Berlin"),
        ("de-AT", "Europe/Berlin"),  # a region Discord does not list falls back to the language
        ("ja", "Asia/Tokyo"),
        ("DE", "Europe/Berlin"),
        # Locales whose speakers live on many clocks: no guess.
        ("en-US", None),  # six US zones
        ("en-GB", None),  # English outside the US: Europe, India, Australia …
        ("es-419", None),
        ("pt-BR", None),
        ("ru", None),
        ("id", None),
        ("fr", None),
        ("fr-CA", None),
        ("es-ES", None),
        ("xx", None),
        ("", None),
        (None, None),
    ],
)
def test_a_zone_is_suggested_only_where_the_locale_settles_it(locale, zone):
    assert suggest_zone(locale) == zone


@pytest.mark.parametrize(
    ("server", "locale", "offers"),
    [
        ("Europe/Berlin", "en-US", ("Europe/Berlin",)),  # the case: never America/New_York
        ("Europe/Berlin", "de", ("Europe/Berlin",)),  # the same zone once
        ("Europe/London", "de", ("Europe/London", "Europe/Berlin")),  # the server's first
        (None, "de", ("Europe/Berlin",)),
        (None, "en-US", ()),
    ],
)
def test_the_servers_zone_is_offered_first_then_an_unambiguous_guess(server, locale, offers):
    assert zones_to_offer(server, locale) == offers


def _parsed(text: str, zone: str = "Europe/Berlin") -> timeparse.ParsedTime:
    return timeparse.parse_when(text, zone=zone, now=NOW, locale="en-US")


@pytest.mark.parametrize(
    ("text", "zone"), [("3pm PST", "America/Los_Angeles"), ("6pm tomorrow EST", "America/New_York")]
)
def test_a_zone_written_in_the_time_is_marked_as_typed(text, zone):
    parsed = _parsed(text)
    assert (parsed.zone, parsed.zone_typed) == (zone, True)
    assert _parsed("tomorrow 3pm").zone_typed is False


# Every reason there is, in every shipped language: the note names it, never the server's zone by mistake.
REASONS = {
    ("3pm PST", "Europe/Berlin", "Europe/Berlin"):
        ("typed", {"en": "named in what you typed", "de": "stand in deiner Eingabe"}),
    ("tomorrow 3pm", "Asia/Tokyo", "Europe/Berlin"):
        ("yours", {"en": "That is your time zone", "de": "Das ist deine Zeitzone"}),
    ("tomorrow 3pm", None, "Europe/Berlin"): ("server", {"en": "the server's time zone", "de": "Zeitzone des Servers"}),
    ("tomorrow 3pm", None, None): ("default", {"en": "That is UTC", "de": "Das ist UTC"}),
}  # fmt: skip


@pytest.mark.parametrize("language", i18n.languages())
@pytest.mark.parametrize(("case", "expected"), REASONS.items())
def test_each_reason_for_a_zone_is_said_truthfully_in_every_language(case, expected, language):
    text, user_zone, server_zone = case
    reason, notes = expected
    parsed = _parsed(text, user_zone or server_zone or "UTC")
    got = zone_reason(typed=parsed.zone_typed, user_zone=user_zone, server_zone=server_zone)
    assert got == reason
    note = zone_note(got, i18n.translator(language))
    assert notes[language] in note
    if reason != "server":
        assert notes["en" if language != "en" else "de"] not in note
        assert "server's time zone" not in note and "Zeitzone des Servers" not in note


async def test_a_chosen_utc_is_the_servers_zone_until_the_zone_is_cleared(db, clock):
    """'UTC' is both the default and a zone a moderator may choose: only the choice is credited and offered."""
    from cogs._zone import server_zone
    from podium.delivery.outbox import Outbox
    from podium.guild_settings import GuildSettingsService
    from podium.preferences import load_guild

    settings = GuildSettingsService(db, Outbox(db), clock)
    assert server_zone(await load_guild(db, 1)) is None  # never configured
    await settings.set_timezone(1, "UTC")
    assert server_zone(await load_guild(db, 1)) == "UTC"
    await settings.clear(1, "time zone")  # back to the default, which nobody chose
    assert server_zone(await load_guild(db, 1)) is None
    await settings.set_timezone(1, "Europe/Berlin")
    assert server_zone(await load_guild(db, 1)) == "Europe/Berlin"
