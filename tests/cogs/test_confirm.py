"""Confirm buttons: owner only, a visible expiry, and an answer for a click that no live view owns."""

from __future__ import annotations

from unittest.mock import Mock

import nextcord
import pytest

from cogs import _confirm
from cogs._confirm import CONFIRM_PREFIX, EXPIRED_NOTE, ConfirmView, answer_late_click


class Question(ConfirmView):
    """A yes/no question as the cogs build them."""

    def __init__(self) -> None:
        super().__init__(owner_id=7, command_name="schedule cancel")
        self.answered = False

    @nextcord.ui.button(label="Yes")
    async def yes(self, button: nextcord.ui.Button, interaction: nextcord.Interaction) -> None:
        self.stop()
        self.answered = True

    @nextcord.ui.button(label="No")
    async def no(self, button: nextcord.ui.Button, interaction: nextcord.Interaction) -> None:
        self.stop()


def interaction(custom_id: str = "", user_id: int = 7) -> Mock:
    made = Mock(spec_set=nextcord.Interaction)
    made.type = nextcord.InteractionType.component
    made.data = {"custom_id": custom_id}
    made.user = Mock(spec_set=nextcord.Member)
    made.user.id = user_id
    made.response = Mock(spec_set=nextcord.InteractionResponse)
    made.response.is_done.return_value = False
    return made


async def test_its_buttons_carry_the_prefix_and_the_command():
    question = Question()
    ids = [item.custom_id for item in question.children]
    assert all(i.startswith(CONFIRM_PREFIX) and i.endswith(":schedule cancel") for i in ids)
    assert len(set(ids)) == 2


async def test_only_the_owner_may_answer_and_anyone_else_is_told():
    question = Question()
    assert await question.interaction_check(interaction(user_id=7)) is True
    stranger = interaction(user_id=8)
    assert await question.interaction_check(stranger) is False
    assert "Only the person who ran the command" in stranger.response.send_message.await_args.args[0]


async def test_on_timeout_the_buttons_are_disabled_with_a_note():
    question = Question()
    asker = interaction()
    await question.ask(asker, "Cancel **Rust**?")
    assert asker.response.send_message.await_args.kwargs["ephemeral"] is True
    await question.on_timeout()
    edit = asker.edit_original_message.await_args.kwargs
    assert edit["content"] == f"Cancel **Rust**?\n{EXPIRED_NOTE}"
    assert all(item.disabled for item in edit["view"].children)


async def test_a_click_on_a_live_question_is_left_to_its_view_even_after_it_was_answered():
    question = Question()
    custom_id = question.children[0].custom_id
    question.stop()  # answered: its own task may have stopped it before the listener looks
    assert await answer_late_click(interaction(custom_id)) is False


@pytest.mark.parametrize("late", ["expired", "restart"])
async def test_a_click_on_an_expired_or_forgotten_question_is_answered(monkeypatch, late):
    now = [1000.0]
    monkeypatch.setattr(_confirm.time, "monotonic", lambda: now[0])
    question = Question()
    custom_id = question.children[0].custom_id
    if late == "expired":
        now[0] += _confirm.CONFIRM_SECONDS + 1
    else:
        _confirm._live.clear()  # a new process knows none of the old tokens
    click = interaction(custom_id)
    assert await answer_late_click(click) is True
    text = click.response.send_message.await_args.args[0]
    assert "These buttons have expired" in text and "schedule cancel" in text


async def test_other_clicks_are_not_its_business():
    assert await answer_late_click(interaction("podium:att:join:1")) is False
