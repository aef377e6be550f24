"""Discord side of feedback and who came (domain side: podium/feedback.py): the comment form and voice states.

Thin: the ⭐ buttons and signing are answered by the domain's handlers (podium/feedback.py); here only what needs
Discord objects: the "Leave a comment…" form, and the voice state updates that say who is in the talk's channel.
"""

from __future__ import annotations

import logging

import nextcord
from nextcord import Interaction
from nextcord.ext import commands

from cogs._components import handles, modal_values, view_of
from cogs._replies import NO_MENTIONS, user_id_of
from podium import feedback, i18n
from podium.components import CustomId, custom_id
from podium.services import Services

log = logging.getLogger(__name__)

COMMENT_INPUT = "comment"
MODAL_TIMEOUT = 600.0  # seconds nextcord keeps a shown form; a later submit is still answered by the listener


class FeedbackCog(commands.Cog):
    """The comment form of the feedback post, and presence in the talk's stage or voice channel."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.feedback = services.feedback

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
        """Who came: a member joining or leaving the server's events channel during a talk."""
        left = before.channel.id if before.channel is not None else None
        joined = after.channel.id if after.channel is not None else None
        try:
            await self.feedback.voice_moved(guild_id=member.guild.id, user_id=member.id, left=left, joined=joined)
        except Exception:
            # Attendance is a nicety: a busy database must not break the gateway's event handling.
            log.exception("could not record a voice move in guild %s", member.guild.id)
