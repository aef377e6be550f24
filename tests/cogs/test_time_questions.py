"""The click side of asking about a time: what happens when the question is gone."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import Mock

import nextcord
import pytest

from cogs import _time_questions
from cogs._time_questions import EXPIRED, PREFIX, TimeQuestions, chosen_reading, leaf_command
from podium.timeparse import AmbiguousTimeError, ParsedTime

READINGS = (
    ParsedTime(datetime(2026, 12, 3, 3, 30, tzinfo=UTC), "UTC", "3:30", "Thu 03:30"),
    ParsedTime(datetime(2026, 12, 3, 15, 30, tzinfo=UTC), "UTC", "3:30", "Thu 15:30"),
)


def click(custom_id: str, user_id: int = 1) -> Mock:
    interaction = Mock(spec_set=nextcord.Interaction)
    interaction.data = {"custom_id": custom_id}
    interaction.user = Mock(spec_set=nextcord.Member)
    interaction.user.id = user_id
    interaction.response = Mock(spec_set=nextcord.InteractionResponse)
    interaction.response.is_done.return_value = False
    return interaction


async def test_a_click_on_someone_elses_component_is_not_ours():
    assert await TimeQuestions(Mock()).on_click(click("podium:list:30:1:N")) is False


@pytest.mark.parametrize("custom_id", [f"{PREFIX}unknown:0", f"{PREFIX}garbage", PREFIX])
async def test_a_click_after_a_restart_is_answered_politely(custom_id):
    interaction = click(custom_id)
    assert await TimeQuestions(Mock()).on_click(interaction) is True
    interaction.response.send_message.assert_awaited_once()
    assert interaction.response.send_message.await_args.args[0] == EXPIRED


async def test_a_question_expires_after_a_few_minutes(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(_time_questions.time, "monotonic", lambda: now[0])
    questions = TimeQuestions(Mock())
    asker = click("", user_id=7)
    command = Mock()
    await questions.ask(asker, AmbiguousTimeError("ambiguous", READINGS), command=command, options=[])
    sent_view = asker.response.send_message.await_args.kwargs["view"]
    custom_id = sent_view.children[1].custom_id
    now[0] += _time_questions.QUESTION_SECONDS + 1
    late = click(custom_id, user_id=7)
    assert await questions.on_click(late) is True
    assert late.response.send_message.await_args.args[0] == EXPIRED
    command.invoke_callback_with_hooks.assert_not_called()


def test_the_chosen_reading_applies_only_while_the_choice_runs():
    assert chosen_reading("3:30") is None
    with _time_questions._choosing({"3:30": READINGS[1]}):
        assert chosen_reading(" 3:30 ") is READINGS[1]
        assert chosen_reading("4:30") is None
    assert chosen_reading("3:30") is None


def test_leaf_command_walks_subcommands():
    add = Mock(children={})
    root = Mock(children={"add": add})
    leaf, options = leaf_command(root, {"options": [{"type": 1, "name": "add", "options": [{"name": "when"}]}]})
    assert leaf is add and options == [{"name": "when"}]


async def test_an_unanswered_question_says_it_expired(monkeypatch):
    monkeypatch.setattr(_time_questions, "QUESTION_SECONDS", 0.01)
    questions = TimeQuestions(Mock())
    asker = click("", user_id=7)
    await questions.ask(asker, AmbiguousTimeError("ambiguous", READINGS), command=Mock(), options=[])
    for task in list(questions._timers):
        await task
    asker.edit_original_message.assert_awaited_once_with(content=_time_questions.EXPIRED_NOTE, view=None)
