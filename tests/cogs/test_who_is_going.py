"""/schedule info names who is going: up to GOING_SHOWN mentions, then "and N more", in every language."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from cogs.schedule import info_text
from podium import i18n
from podium.audience import GOING_SHOWN
from tests import factories

EXPECTED = {
    # attendees: (English line, German line) with @N standing for the N-th member's mention
    0: ("🔔 0 going", "🔔 0 dabei"),
    1: ("🔔 1 going: @1", "🔔 1 dabei: @1"),
    2: ("🔔 2 going: @1 and @2", "🔔 2 dabei: @1 und @2"),
    10: ("🔔 10 going: @1, @2, @3, @4, @5, @6, @7, @8, @9, and @10",
         "🔔 10 dabei: @1, @2, @3, @4, @5, @6, @7, @8, @9 und @10"),
    11: ("🔔 11 going: @1, @2, @3, @4, @5, @6, @7, @8, @9, @10, and 1 more",
         "🔔 11 dabei: @1, @2, @3, @4, @5, @6, @7, @8, @9, @10 und 1 weitere Person"),
    25: ("🔔 25 going: @1, @2, @3, @4, @5, @6, @7, @8, @9, @10, and 15 more",
         "🔔 25 dabei: @1, @2, @3, @4, @5, @6, @7, @8, @9, @10 und 15 weitere Personen"),
}


@pytest.mark.parametrize("attendees", sorted(EXPECTED))
@pytest.mark.parametrize("language", ["en", "de"])
def test_info_names_who_is_going_then_counts_the_rest(attendees, language):
    names = [1000 + i for i in range(1, min(attendees, GOING_SHOWN) + 1)]
    text = info_text(factories.talk(), None, attendees=attendees, names=names, t=i18n.translator(language))
    line = next(line for line in text.splitlines() if line.startswith("🔔"))
    assert re.sub(r"<@10(\d\d)>", lambda m: f"@{int(m.group(1))}", line) == EXPECTED[attendees][language == "de"]


def test_every_language_has_the_plural_forms_of_the_rest():
    for language in i18n.languages():
        t = i18n.translator(language)
        text = info_text(factories.talk(), None, attendees=12, names=list(range(1, 11)), mine=True, t=t)
        assert "12" in text and "<@10>" in text and "<@11>" not in text and "{" not in text


@pytest.mark.parametrize("language", i18n.languages())
def test_named_attendees_still_fit_the_reply_at_its_largest(language):
    talk = factories.talk(topic="*" * 200, description="*_~`>" * 200)
    planned = [("talk_reminder", talk.starts_at - timedelta(hours=i), "dm") for i in range(60)]
    text = info_text(talk, planned, attendees=10**6, names=[10**18 + i for i in range(GOING_SHOWN)], mine=True,
                     audience_rows={"attendee_reminder": 10**6}, t=i18n.translator(language))
    assert len(text) <= 2000 and text.count("<@10000000000000000") == GOING_SHOWN
