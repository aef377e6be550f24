"""Discord side of feedback and who came (domain side: podium/feedback.py): the comment form and voice states.

Thin: the ⭐ buttons and signing are answered by the domain's handlers (podium/feedback.py); here only what needs
Discord objects: the "Leave a comment…" form, and the voice state updates that say who is in the talk's channel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from typing import Any

import nextcord
from nextcord import Interaction
from nextcord.ext import commands

from cogs._components import handles, modal_values, view_of
from cogs._replies import MODAL_TIMEOUT, NO_MENTIONS, user_id_of
from podium import feedback, i18n
from podium.components import CustomId, custom_id
from podium.services import Services

log = logging.getLogger(__name__)

COMMENT_INPUT = "comment"


# The gateway event read raw: nextcord keeps none of the members it lists without the (privileged) members intent.
RAW_EVENTS = ("GUILD_CREATE",)


def watch_bots(parsers: dict[str, Callable[[Any], None]], bots: set[int]) -> None:
    """Note the bots among the members Discord lists as a server becomes available (those in voice channels).

    nextcord drops them, so a music bot already in the talk's channel at a fresh connect would look like a person
    until its next voice update (which carries its member, and nextcord keeps that one).
    """
    original = parsers[RAW_EVENTS[0]]  # KeyError on a nextcord without it: cogs/_nextcord_internals.py checks

    def wrapped(data: Any) -> None:
        try:
            original(data)
        finally:
            if isinstance(data, dict):
                listed = [*(data.get("members") or ()), *(v.get("member") for v in data.get("voice_states") or ()
                                                          if isinstance(v, dict))]
                for member in listed:
                    user = member.get("user") if isinstance(member, dict) else None
                    if isinstance(user, dict) and user.get("bot") and str(user.get("id", "")).isdigit():
                        bots.add(int(user["id"]))

    parsers[RAW_EVENTS[0]] = wrapped


def people_in(guild: nextcord.Guild, channel: nextcord.abc.GuildChannel, bots: Collection[int] = ()) -> frozenset[int]:
    """Who is in a voice or stage channel now: nextcord's voice state cache, updated before a listener runs.

    Bots are left out: a music or recording bot sitting in the channel is not someone who came (nextcord's member,
    else the bots noted as the server became available: `watch_bots`).
    """
    people = []
    for user_id in getattr(channel, "voice_states", {}):
        member = guild.get_member(user_id)
        if not (member.bot if member is not None else user_id in bots):
            people.append(user_id)
    return frozenset(people)


def voice_members(client: commands.Bot, guild_id: int, channel_id: int) -> frozenset[int] | None:
    """The transport's look at who is in a channel (podium/feedback.py's first look); None: server not available."""
    guild = client.get_guild(guild_id)
    if guild is None or guild.unavailable:
        return None
    channel = guild.get_channel(channel_id)
    cog = client.get_cog(FeedbackCog.__cog_name__)
    bots = cog.bots if isinstance(cog, FeedbackCog) else set()
    return people_in(guild, channel, bots) if channel is not None else frozenset()


class FeedbackCog(commands.Cog):
    """The comment form of the feedback post, and presence in the talk's stage or voice channel."""

    def __init__(self, services: Services, bot: commands.Bot | None = None) -> None:
        self.services = services
        self.feedback = services.feedback
        self.bots: set[int] = set()  # user ids of bots, as Discord listed them (`watch_bots`)
        if bot is not None:
            watch_bots(bot._connection.parsers, self.bots)

    @handles(feedback.COMMENT)
    async def on_comment(self, interaction: Interaction, clicked: CustomId) -> None:
        """💬 Leave a comment…: the form, once the member has voted (else told to tap a star first)."""
        talk = await self.feedback.may_comment(talk_id=clicked.numbers[0], user_id=user_id_of(interaction),
                                               guild_id=interaction.guild_id)
        t = i18n.translator(interaction.locale)
        # auto_defer=False: the listener answers the submit (nextcord would defer it first otherwise).
        modal = nextcord.ui.Modal(
            # Translators: a form's title, at most 45 characters (Discord refuses the whole form otherwise).
            title=t._("Your comment for the speaker"), timeout=MODAL_TIMEOUT, auto_defer=False,
            custom_id=custom_id(feedback.COMMENT_MODAL, talk.id),
        )
        modal.add_item(nextcord.ui.TextInput(
            # Translators: a form label, at most 45 characters; the placeholder below holds up to 100.
            label=t._("Comment (anonymous unless you sign it)"), custom_id=COMMENT_INPUT,
            placeholder=t._("e.g. Clear slides, more examples next time"),
            style=nextcord.TextInputStyle.paragraph, min_length=1, max_length=feedback.COMMENT_MAX, required=True,
        ))
        await interaction.response.send_modal(modal)

    @handles(feedback.COMMENT_MODAL)
    async def on_comment_sent(self, interaction: Interaction, clicked: CustomId) -> None:
        """The comment form sent: stored with the member's vote; the reply offers to sign it (or not)."""
        talk, signed = await self.feedback.comment(
            talk_id=clicked.numbers[0], user_id=user_id_of(interaction), guild_id=interaction.guild_id,
            text=modal_values(interaction).get(COMMENT_INPUT, ""),
        )
        reply = feedback.comment_reply(i18n.translator(interaction.locale), talk, signed)
        await interaction.response.send_message(reply.text, view=view_of(reply.rows), ephemeral=True,
                                                allowed_mentions=NO_MENTIONS)

    @commands.Cog.listener("on_voice_state_update")
    async def voice_moved(self, member: nextcord.Member, before: nextcord.VoiceState,
                          after: nextcord.VoiceState) -> None:
        """Who came: a member joined, left or moved; who is in the channels they left and joined now."""
        channels = [c for c in (before.channel, after.channel) if c is not None]
        if len({c.id for c in channels}) == 1 and before.channel == after.channel:
            return  # muted, deafened, streaming: nobody came or went
        await self._seen(member.guild, channels)

    @commands.Cog.listener("on_guild_available")
    async def voice_at_connect(self, guild: nextcord.Guild) -> None:
        """At every (re)connect Discord says who is in each voice channel: stays begun or ended meanwhile."""
        await self._seen(guild, [*guild.voice_channels, *guild.stage_channels])

    @commands.Cog.listener("on_guild_scheduled_event_update")
    async def voice_at_event_change(self, before: nextcord.ScheduledEvent, after: nextcord.ScheduledEvent) -> None:
        """A host starting (or ending) the talk's stage: members sitting there since before are seen then too."""
        await self._seen(after.guild, [*after.guild.voice_channels, *after.guild.stage_channels])

    async def _seen(self, guild: nextcord.Guild, channels: Sequence[nextcord.abc.GuildChannel]) -> None:
        present = {channel.id: people_in(guild, channel, self.bots) for channel in channels}
        try:
            await self.feedback.voice_seen(guild_id=guild.id, channels=present)
        except Exception:
            # Attendance is a nicety: a busy database must not break the gateway's event handling.
            log.exception("could not record who is in the voice channels of guild %s", guild.id)
