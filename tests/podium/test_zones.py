from zoneinfo import available_timezones

import pytest

from podium.zones import LOCALE_ZONES, suggest_zone


def test_every_suggested_zone_exists():
    assert set(LOCALE_ZONES.values()) <= available_timezones()


@pytest.mark.parametrize(
    ("locale", "zone"),
    [
        ("de", "Europe/Berlin"),
        ("en-GB", "Europe/London"),
        ("en-US", "America/New_York"),
        ("pt-BR", "America/Sao_Paulo"),
        ("fr-CA", "Europe/Paris"),  # an unknown region falls back to the language
        ("xx", None),
        ("", None),
        (None, None),
    ],
)
def test_a_zone_is_suggested_from_the_locale(locale, zone):
    assert suggest_zone(locale) == zone
