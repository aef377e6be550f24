from datetime import UTC, datetime, timedelta

import pytest

from podium.clock import to_ms
from podium.delivery.render import RenderContext, RenderError, render
from tests import factories

NOW = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
START = NOW + timedelta(hours=1)
TALK = factories.talk(id=7, topic="Rust_*intro*", speaker_id=42, starts_at=START)


def ctx(kind, payload, talk=None, due=NOW, now=NOW):
    return RenderContext(kind, payload, talk, due, now)


@pytest.mark.parametrize(
    ("kind", "payload", "talk", "expected"),
    [
        (
            "talk_reminder",
            {"offset_s": 3600},
            TALK,
            f"your talk **Rust\\_\\*intro\\*** starts <t:{int(START.timestamp())}:F>",
        ),
        (
            "reschedule_notice",
            {
                "topic": "T",
                "old_start_ms": to_ms(NOW),
                "new_start_ms": to_ms(START),
                "by_user_id": 42,
                "speaker_id": 42,
                "audience": "channel",
            },
            None,
            # The channel reads who moved it, in the third person, and the change at a glance.
            f"The talk **T** by <@42> was moved by <@42>: ~~<t:{int(NOW.timestamp())}:F>~~ → "
            f"**<t:{int(START.timestamp())}:F>**",
        ),
        (
            "reschedule_notice",
            {
                "topic": "T",
                "old_start_ms": to_ms(NOW),
                "new_start_ms": to_ms(START),
                "by_user_id": 9,
                "speaker_id": 42,
                "audience": "channel",
            },
            None,
            "The talk **T** by <@42> was moved by <@9>",
        ),
        (
            "cancel_notice",
            {"topic": "T", "start_ms": to_ms(START), "reason": "ill", "by_user_id": 9, "speaker_id": 42},
            None,
            "was cancelled by <@9>: **ill**",
        ),
        ("personal_reminder", {"text": "water"}, None, "You asked me to remind you: **water**"),
        ("engagement_prompt", {"days": 14}, None, "next 14 days"),
        ("log", {"text": "plain"}, None, "plain"),
    ],
)
def test_each_kind_renders(kind, payload, talk, expected):
    body = render(ctx(kind, payload, talk), mention_user_id=None)
    assert expected in body["content"]
    assert body["allowed_mentions"] == {"parse": [], "users": [], "replied_user": False}


@pytest.mark.parametrize(
    ("kind", "payload", "talk", "problem"),
    [
        ("talk_reminder", {}, None, "no longer exists"),
        ("personal_reminder", {}, None, "payload.text"),
        ("personal_reminder", {"text": 5}, None, "payload.text"),
        ("engagement_prompt", {"days": True}, None, "payload.days"),
        ("personal_reminder", {"_malformed": "x"}, None, "not a JSON object"),
        ("nonsense", {}, None, "no renderer"),
    ],
)
def test_malformed_rows_fail_with_a_reason(kind, payload, talk, problem):
    with pytest.raises(RenderError, match=problem):
        render(ctx(kind, payload, talk), mention_user_id=None)


def test_only_the_recipient_can_be_pinged():
    body = render(ctx("personal_reminder", {"text": "@everyone <@&1> <@2>"}), mention_user_id=42)
    assert body["content"].startswith("<@42> ")
    assert body["allowed_mentions"] == {"parse": [], "users": ["42"], "replied_user": False}


@pytest.mark.parametrize(("late", "noted"), [(timedelta(seconds=59), False), (timedelta(minutes=5), True)])
def test_late_messages_say_so(late, noted):
    body = render(ctx("personal_reminder", {"text": "x"}, now=NOW + late), mention_user_id=None)
    assert ("(delayed: this was due" in body["content"]) is noted
