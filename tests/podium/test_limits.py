"""Nothing a member types can break a message or a reply: property tests over every renderer and reply builder.

Topics are up to 200 characters and escaping doubles markdown characters; texts up to 500. Whatever they hold
(markdown, mentions, emoji, right-to-left text), every message and reply stays within Discord's limits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cogs.remind_me import reminders_text
from cogs.schedule import choice_label, info_text, mine_text, talk_line
from podium.delivery import kinds
from podium.delivery.outbox import OutboxRow
from podium.delivery.render import RenderContext, render
from podium.markup import fit_lines
from podium.people import PersonalReminder
from podium.talk_model import TOPIC_MAX
from tests import factories
from tests.podium.checks import TOTAL, embed_size

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
MARKDOWN = "*_`~|>\\<@#:!&"
TRICKY = st.sampled_from(
    ["@everyone", "<@123>", "<@&456>", "\u202e", "שלום", "مرحبا", "🎤", "👨‍👩‍👧‍👦", "\u200b", "||"]
)
PIECES = st.one_of(st.text(alphabet=MARKDOWN, min_size=1, max_size=20), TRICKY, st.text(min_size=1, max_size=10))


def user_text(max_size: int) -> st.SearchStrategy[str]:
    """Text a member could type: markdown, mentions, emoji, RTL, up to max_size characters."""
    return st.lists(PIECES, min_size=1, max_size=60).map("".join).map(lambda t: t[:max_size]).filter(str.strip)


TOPICS = user_text(TOPIC_MAX)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def talks_of(topics: list[str]) -> list:
    return [factories.talk(id=i + 1, topic=t, starts_at=NOW + timedelta(hours=i + 1)) for i, t in enumerate(topics)]


def assert_message_fits(body: dict) -> None:
    assert len(body["content"]) <= 2000
    assert sum(embed_size(e) for e in body.get("embeds", [])) <= TOTAL
    assert body["allowed_mentions"]["parse"] == []


WORST_TOPIC = "_*" * (TOPIC_MAX // 2)  # every character escaped: twice as long on screen


@SETTINGS
@example(topic=WORST_TOPIC, text="`" * 500, reason="*" * 300)
@given(topic=TOPICS, text=user_text(500), reason=user_text(300))
def test_every_kind_fits_with_any_user_text(topic, text, reason):
    talk = factories.talk(topic=topic, starts_at=NOW + timedelta(hours=1))
    for spec in kinds.all_specs():
        payload = dict(spec.example)
        for key, value in (("topic", topic), ("text", text), ("reason", reason)):
            if key in payload:
                payload[key] = value
        if "talks" in payload:
            payload["talks"] = [{**t, "topic": topic} for t in payload["talks"]]
        for now in (NOW, NOW + timedelta(hours=3)):
            assert_message_fits(render(RenderContext(spec.name, payload, talk, NOW, now), mention_user_id=42))


@SETTINGS
@example(topics=[WORST_TOPIC] * 10)
@given(topics=st.lists(TOPICS, min_size=1, max_size=10))
def test_a_page_of_schedule_list_fits_one_embed(topics):
    description, shown = fit_lines([talk_line(t) for t in talks_of(topics)], 4096)
    assert len(description) <= 4096 and shown == len(topics)  # a page of 10 always shows all ten


@SETTINGS
@example(topics=[WORST_TOPIC] * 100)
@given(topics=st.lists(TOPICS, min_size=1, max_size=100))
def test_schedule_mine_fits_for_a_moderator_with_many_talks(topics):
    assert len(mine_text(talks_of(topics), len(topics))) <= 2000


@SETTINGS
@example(topic=WORST_TOPIC, planned=3000)
@given(topic=TOPICS, planned=st.integers(min_value=0, max_value=3000))
def test_schedule_info_fits_with_thousands_of_planned_messages(topic, planned):
    messages = [("attendee_reminder", NOW + timedelta(minutes=i), "dm") for i in range(planned)]
    talk = factories.talk(topic=topic)
    assert len(info_text(talk, messages)) <= 2000
    assert len(info_text(talk, None)) <= 2000
    assert len(choice_label(talk)) <= 100


@SETTINGS
@example(texts=["_" * 500] * 25, talk_rows=200)
@given(texts=st.lists(user_text(500), min_size=0, max_size=25), talk_rows=st.integers(min_value=0, max_value=200))
def test_remind_me_list_fits(texts, talk_rows):
    personal = [PersonalReminder(i, NOW + timedelta(hours=i), t, 77 if i % 2 else None) for i, t in enumerate(texts)]
    rows = [
        OutboxRow(i, "talk_reminder", 1, "dm", 42, None, 1, {}, NOW + timedelta(hours=i), None, "pending", 0, f"k{i}")
        for i in range(talk_rows)
    ]
    missed = [PersonalReminder(i, NOW, t, None, "skipped", "DMs refused") for i, t in enumerate(texts[:10])]
    assert len(reminders_text(personal, rows, missed)) <= 2000
    # Each talk reminder names its talk, whose topic may be the longest one allowed.
    talks = {1: factories.talk(id=1, topic=WORST_TOPIC)}
    assert len(reminders_text(personal, rows, missed, talks=talks)) <= 2000
