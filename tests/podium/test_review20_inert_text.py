"""Review of issue 20 §5: member text Podium shows outside the kinds' renderers stays text too.

The same differential as tests/podium/test_inert_text.py: with hostile member text in place of plain letters, no
more live (unescaped) markup characters or line breaks. `/schedule info` is a reply anyone may ask for; a talk's
Discord event description is shown by Discord's Events UI, which renders markdown (masked links, headings).
"""

from datetime import UTC, datetime, timedelta

from cogs.schedule import info_text
from podium import i18n
from podium.scheduled_events import event_description
from tests import factories
from tests.podium.checks import live_characters

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
HOSTILE = "Slides:\n# SERVER MOVED\n> join [Claim your Nitro](https://evil.example/login) <@&123> ||x||"
# A description keeps its lines (inert(one_line=False), as in every renderer): the plain baseline keeps the same
# line breaks, as tests/podium/test_inert_text.py's does; every other character is a letter.
PLAIN = "".join(char if char == "\n" else "a" for char in HOSTILE)


def talk(description: str, speaker_name: str = "Ada"):
    return factories.talk(topic="Rust", description=description, speaker_name=speaker_name,
                          starts_at=NOW + timedelta(hours=1))


def more_live(hostile: str, plain: str) -> dict[str, int]:
    counts = live_characters({"content": hostile}) - live_characters({"content": plain})
    return dict(counts)


def test_schedule_info_shows_a_members_description_as_text_in_every_language():
    for language in ("en-US", "de"):
        t = i18n.translator(language)
        assert more_live(info_text(talk(HOSTILE), None, t=t), info_text(talk(PLAIN), None, t=t)) == {}, language


def test_a_talks_event_description_shows_the_members_description_as_text():
    assert more_live(event_description(talk(HOSTILE)), event_description(talk(PLAIN))) == {}


def test_a_talks_event_description_shows_the_speakers_display_name_as_text():
    name = "[Support](https://evil.example) #1"
    assert more_live(event_description(talk(PLAIN, name)), event_description(talk(PLAIN, "a" * len(name)))) == {}
