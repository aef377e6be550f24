"""/schedule past's lines and /schedule info of a past talk: the longest talks with the longest links fit Discord."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cogs.schedule import (
    CONTENT_LIMIT,
    EMBED_DESCRIPTION_LIMIT,
    PAST_LINE_CHARS,
    PAST_PAGE_SIZE,
    info_text,
    masked_link,
    past_line,
)
from podium import archive, i18n
from podium.markup import fit_lines
from podium.talk_model import LINK_MAX
from tests import factories

LONGEST = "https://example.org/" + "a" * (LINK_MAX - len("https://example.org/"))


@pytest.mark.parametrize("locale", [i18n.discord_locale(language) for language in i18n.languages()])
def test_a_page_of_the_longest_talks_and_links_fits_one_embed_whole(locale):
    t = i18n.translator(locale)
    talks = [factories.talk(id=i, topic="*" * 200, speaker_id=2**63 - 1, slides_url=LONGEST, recording_url=LONGEST,
                            starts_at=factories.DEFAULT_START - timedelta(days=i)) for i in range(PAST_PAGE_SIZE)]
    lines = [past_line(talk, t) for talk in talks]
    assert all(len(line) <= PAST_LINE_CHARS + 100 for line in lines)
    text, shown = fit_lines(lines, EMBED_DESCRIPTION_LIMIT)
    assert shown == PAST_PAGE_SIZE and len(text) <= EMBED_DESCRIPTION_LIMIT
    assert "/schedule info" in lines[0] and LONGEST not in lines[0]  # too long to show: named, left to info


def test_short_links_are_shown_as_links_that_a_parenthesis_cannot_end():
    talk = factories.talk(slides_url="https://en.wikipedia.org/wiki/Rust_(language)")
    line = past_line(talk)
    assert "[Slides](https://en.wikipedia.org/wiki/Rust_%28language%29)" in line
    assert masked_link("Recording", "https://x.org/a)b") == "[Recording](https://x.org/a%29b)"
    assert "📎" not in past_line(factories.talk())


LOCALES = [i18n.discord_locale(language) for language in i18n.languages()]
PLANNED = {"viewer": None, "nothing planned": [],
           "many planned": [("talk_reminder", factories.DEFAULT_START, "dm")] * 40}


@pytest.mark.parametrize("planned", list(PLANNED))
@pytest.mark.parametrize("locale", LOCALES)
def test_info_of_a_past_talk_with_the_longest_of_everything_fits_discords_2000(locale, planned):
    t = i18n.translator(locale)
    talk = factories.talk(topic="*" * 200, description="*" * 1000, slides_url=LONGEST, recording_url=LONGEST,
                          state="done")
    sections = ["\n".join(f"📎 {line}" for line in archive.link_lines(talk, t)), "⭐ " + "x" * 300]
    content = info_text(talk, PLANNED[planned], attendees=5000, names=list(range(10**17, 10**17 + 30)),
                        sections=sections, t=t)
    assert len(content) <= CONTENT_LIMIT
    # Whatever did not fit is counted, never cut: a link shown is whole.
    assert all(LONGEST in line for line in content.split("\n") if "example.org" in line)


@pytest.mark.parametrize("locale", LOCALES)
def test_info_of_a_past_talk_shows_both_long_links_whole_and_cuts_the_description_instead(locale):
    t = i18n.translator(locale)
    talk = factories.talk(description="ownership " * 100, slides_url=LONGEST, recording_url=LONGEST, state="done")
    sections = ["\n".join(f"📎 {line}" for line in archive.link_lines(talk, t))]
    content = info_text(talk, [], sections=sections, t=t)
    assert len(content) <= CONTENT_LIMIT and content.count(LONGEST) == 2
    assert ">>> ownership" in content and content.endswith("…")
