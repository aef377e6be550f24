"""Review of issue 21, §3 (times in the reader's zone, honest notes about zones): reviewer r3."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from podium import i18n
from podium.delivery.render import RenderContext, render
from podium.weekly import WEEKLY_SUMMARY

BERLIN = ZoneInfo("Europe/Berlin")


def _plain_labels(body):
    found = []
    for row in body.get("components", []):
        for item in row["components"]:
            found += [option["label"] for option in item.get("options", [])] + [item.get("label") or ""]
    return [label for label in found if label]


@pytest.mark.parametrize("count", [2, 8])  # buttons for a few talks, a select for many
@pytest.mark.parametrize("locale", ["en-US", "de"])
def test_the_weekly_summary_does_not_claim_reader_zones_for_labels_in_the_servers_zone(clock, count, locale):
    """The weekly summary's footer says "times are shown in each reader's own time zone", but its button / select
    labels are plain text in the server's zone (Europe/Berlin): a member in Tokyo reads "Talk 0 — Tue 08 Dec 18:00"
    as 18:00 Tokyo time. §3: "honest notes about zones" — say which zone the plain-text times are in (or make the
    footer true).
    """
    now = clock.now()
    talks = [
        {
            "id": i,
            "speaker_id": 42,
            "topic": f"Talk {i}",
            "start_ms": int((now + timedelta(days=1, hours=i)).timestamp() * 1000),
        }
        for i in range(count)
    ]
    body = render(
        RenderContext(WEEKLY_SUMMARY.name, {"talks": talks}, None, now, now, locale=locale, zone="Europe/Berlin"),
        mention_user_id=None,
    )
    t = i18n.translator(locale)
    berlin_time = t.moment((now + timedelta(days=1)).astimezone(BERLIN))
    labels = _plain_labels(body)
    assert any(berlin_time in label for label in labels), labels  # the labels really show Berlin wall time
    footer = body["embeds"][0]["footer"]["text"]
    claims_own_zone = t._("Sign up with /schedule add · times are shown in each reader's own time zone") == footer
    names_the_zone = "Europe/Berlin" in str(body) or "Berlin" in footer
    assert not claims_own_zone or names_the_zone, (
        f"footer {footer!r} claims each reader's own zone while the labels {labels} are Berlin times, unnamed"
    )
