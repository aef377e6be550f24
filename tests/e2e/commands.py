"""What a member does in the e2e tests, through the loopback Discord: commands, clicks, talks, times to type."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.botprocess import BotProcess
from tests.e2e.dbcheck import query
from tests.fake_discord import (
    EPHEMERAL_FLAG,
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    OWNER_ID,
    FakeDiscord,
    FakeInteraction,
    FakeMessage,
)

SPEAKER = OWNER_ID  # signs up for talks; MEMBER_ID is the audience


def option(name: str, value: Any) -> dict[str, Any]:
    """One option in Discord's JSON form, typed as the command declares it (a channel, a member, a flag, a number)."""
    kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
    if name == "channel":
        kind = 7
    if name == "speaker":
        kind = 6
    return {"type": kind, "name": name, "value": str(value) if kind in (6, 7) else value}


def sub(name: str, **options: Any) -> list[dict[str, Any]]:
    """A subcommand and its options (None leaves an option out); name "" for a command without subcommands."""
    values = [option(k, v) for k, v in options.items() if v is not None]
    return [{"type": 1, "name": name, "options": values}] if name else values


async def invoke(fake: FakeDiscord, command: str, name: str, user_id: int = MEMBER_ID, *, locale: str = "en-US",
                 **options: Any) -> tuple[FakeInteraction, dict[str, Any]]:
    """Run `/command name option:value…` in #general; the interaction and Discord's record of the first response."""
    interaction = await fake.invoke(guild_id=GUILD_ID, channel_id=GENERAL_CHANNEL_ID, user_id=user_id, name=command,
                                    options=sub(name, **options), locale=locale)
    return interaction, await fake.wait_for_response(interaction)


async def run(fake: FakeDiscord, command: str, name: str, user_id: int = MEMBER_ID, *, locale: str = "en-US",
              private: bool = False, **options: Any) -> tuple[FakeInteraction, str]:
    """Run `/command name option:value…`; the interaction and its reply's text (a deferred reply's followup).

    `private` also checks that the reply is one only the member sees.
    """
    interaction, response = await invoke(fake, command, name, user_id, locale=locale, **options)
    if response["type"] == 5:
        return interaction, (await fake.wait_for_followup(interaction)).content
    if private:
        assert response["data"]["flags"] & EPHEMERAL_FLAG, response
    return interaction, response["data"].get("content", "")


async def click(fake: FakeDiscord, message: FakeMessage, custom_id: str, user_id: int = MEMBER_ID,
                **kwargs: Any) -> tuple[FakeInteraction, str]:
    """Click a component of a message; the interaction and the private reply's text."""
    interaction = await fake.invoke_component(message_id=message.id, custom_id=custom_id, user_id=user_id, **kwargs)
    response = await fake.wait_for_response(interaction)
    if response["type"] == 4:
        assert response["data"]["flags"] & EPHEMERAL_FLAG
    return interaction, response.get("data", {}).get("content", "")


def iso_in(seconds: float) -> str:
    """The moment `seconds` from now, as a member could type it (ISO 8601, UTC)."""
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat(timespec="seconds")


def iso_on(days: int, hour: int = 18) -> str:
    """`hour`:00 UTC, `days` from today, as a member could type it (ISO 8601)."""
    day = datetime.now(UTC) + timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0).isoformat(timespec="minutes")


def dm_of(fake: FakeDiscord, user_id: int, needle: str) -> Callable[[FakeMessage], bool]:
    """A predicate for fake.wait_for_message: a DM to the user that contains `needle`."""
    return lambda m: m.channel_id == fake.dm_channels.get(user_id) and needle in m.content


async def add_talk(fake: FakeDiscord, bot: BotProcess, seconds: float, topic: str = "Rust @everyone",
                   speaker: int = SPEAKER) -> dict[str, Any]:
    """The speaker signs up with /schedule add for a talk `seconds` from now; the talk's row."""
    _, content = await run(fake, "schedule", "add", speaker, when=iso_in(seconds), topic=topic)
    assert "signed up" in content, content
    return query(bot.db_path, "SELECT * FROM talks ORDER BY id DESC LIMIT 1")[0]


async def remind_me(fake: FakeDiscord, talk: dict[str, Any], user_id: int = MEMBER_ID) -> tuple[FakeInteraction, str]:
    """The member opens /schedule info and clicks 🔔 Remind me; the info interaction and the reply's text."""
    info, _ = await run(fake, "schedule", "info", user_id, talk=str(talk["id"]))
    assert info.original is not None and f"podium:att:join:{talk['id']}" in info.original.custom_ids
    _, content = await click(fake, info.original, f"podium:att:join:{talk['id']}", user_id)
    return info, content


async def forget_me(fake: FakeDiscord) -> str:
    """MEMBER runs /opt-out forget-me and confirms; the text the question is replaced with."""
    question, _ = await run(fake, "opt-out", "forget-me")
    assert question.original is not None
    press = await fake.invoke_component(
        message_id=question.original.id, custom_id=question.original.custom_ids[0], user_id=MEMBER_ID
    )
    assert (await fake.wait_for_response(press))["type"] == 6  # deferred within Discord's 3 s
    edit = await fake.wait_for_interaction_response(press, lambda r: r.kind == "edit_original", timeout=15)
    assert edit.status < 300, edit.error
    content: str = edit.json["content"]
    return content


def sent_file(fake: FakeDiscord, interaction: FakeInteraction) -> tuple[str, bytes]:
    """The name and bytes of the file the bot attached to its answer to this interaction."""
    [request] = [r for r in fake.requests if r.files and f"/interactions/{interaction.id}/" in r.path]
    [upload] = request.files
    return upload["filename"], upload["data"]


async def edited(fake: FakeDiscord, message: FakeMessage, count: int) -> dict[str, Any]:
    """Wait until the message has `count` edits; it never gets more for one change."""
    await fake.wait_for_request(lambda r: r.method == "PATCH" and r.path.endswith(f"/messages/{message.id}")
                                and len(message.edits) >= count, timeout=20)
    assert len(message.edits) == count, [e.get("content") for e in message.edits]
    return message.edits[-1]
