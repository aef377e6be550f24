"""Review r23g (issues 23/24, second round): trust and privacy across the new doors."""

from __future__ import annotations

from tests.e2e.commands import add_talk, run
from tests.e2e.dbcheck import query
from tests.e2e.series_helpers import series
from tests.fake_discord import (
    BOT_ROLE_ID,
    EMBED_LINKS,
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    MODERATOR_ID,
    SEND_MESSAGES,
    FakeChannel,
)

READ_ONLY = GUILD_ID + 77
SLIDES = "https://example.org/rust-slides.pdf"


async def test_a_moderator_cannot_present_a_series_in_a_channel_they_cannot_post_in(fake, clocked_bot):
    """README: "A member can't make the bot post where they can't post." The moderator (Manage Server, not
    Manage Channels/Roles, not Administrator) may not send messages in #rules; /series create channel:#rules must
    refuse and store nothing instead of having Podium post the series (with its 🎤 button) there for them.
    """
    bot = clocked_bot
    fake.add_channel(GUILD_ID, FakeChannel(READ_ONLY, "rules", permission_overwrites=[
        {"id": str(GUILD_ID), "type": 0, "allow": "0", "deny": str(SEND_MESSAGES)},
        {"id": str(BOT_ROLE_ID), "type": 0, "allow": str(SEND_MESSAGES | EMBED_LINKS), "deny": "0"}]))
    guild = fake.guilds[GUILD_ID]
    assert not guild.channel_permissions(MODERATOR_ID, guild.get_channel(READ_ONLY)) & SEND_MESSAGES

    reply = await series(fake, "create", MODERATOR_ID, name="Rust Thursdays", every="thursday 19:00",
                         channel=READ_ONLY)
    stored = query(bot.db_path, "SELECT channel_id FROM series")
    assert stored == [], (reply, stored)
    assert "Send Messages" in reply or "post" in reply.lower(), reply


async def test_a_speaker_without_embed_links_cannot_make_the_bot_preview_their_links(fake, clocked_bot):
    """Standards: no member can use the bot to act beyond their rights. The speaker may not embed links in the
    talk's channel (no Embed Links there, so their own messages show no previews), yet `/schedule links embed:True`
    makes Podium post the bare URLs in the talk's thread, which Discord previews (an unfurled image or page of the
    speaker's choosing). Either the choice is refused or the post keeps the links plain (<url>).
    """
    bot = clocked_bot
    general = fake.guilds[GUILD_ID].get_channel(GENERAL_CHANNEL_ID)
    general.permission_overwrites.append(
        {"id": str(MEMBER_ID), "type": 1, "allow": "0", "deny": str(EMBED_LINKS)})
    fake.update_channel(GENERAL_CHANNEL_ID)
    guild = fake.guilds[GUILD_ID]
    assert not guild.channel_permissions(MEMBER_ID, general) & EMBED_LINKS

    talk = await add_talk(fake, bot, 3600, topic="Intro to Rust", speaker=MEMBER_ID)
    bot.advance_clock(2 * 3600)  # the talk took place
    _, reply = await run(fake, "schedule", "links", MEMBER_ID, private=True, talk=str(talk["id"]),
                         slides=SLIDES, embed=True)
    [row] = query(bot.db_path, "SELECT slides_url, links_embed FROM talks WHERE id = ?", talk["id"])
    # Refused (the fix's choice over storing the links plain): nothing stored, and the reply names the permission.
    assert row["slides_url"] is None and not row["links_embed"], row
    assert "Embed Links" in reply, reply
