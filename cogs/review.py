"""Discord side of sign-up approval (domain side: podium/workflow.py): the review post's Approve and Decline….

Cog methods, not domain handlers: deciding is for moderators, and only the interaction carries the clicker's
server-wide roles; Decline… answers with a form (the reason), which only Discord objects can give.
"""

from __future__ import annotations

import nextcord
from nextcord import Interaction
from nextcord.ext import commands

from cogs._components import handles, modal_values
from cogs._replies import MODAL_TIMEOUT, is_moderator, reply_ephemeral, user_id_of
from podium import i18n, workflow
from podium.components import CustomId, custom_id
from podium.markup import quote
from podium.services import Services
from podium.talks import Actor

REASON_INPUT = "reason"


class Review(commands.Cog):
    """✅ Approve and ❌ Decline… on the review post in the log (or review) channel."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.workflow = services.workflow

    async def _actor(self, interaction: Interaction) -> Actor:
        return Actor(user_id_of(interaction), is_moderator=await is_moderator(interaction, self.services))

    @handles(workflow.APPROVE)
    async def on_approve(self, interaction: Interaction, clicked: CustomId) -> None:
        """✅ Approve: the talk goes on the schedule; the speaker is told."""
        talk = await self.workflow.approve(talk_id=clicked.numbers[0], actor=await self._actor(interaction))
        t = i18n.translator(interaction.locale)
        await reply_ephemeral(interaction, t._("✅ {topic} is approved: it is on the schedule now, and its speaker "
                                               "is told.", topic=quote(talk.topic)))

    @handles(workflow.DECLINE)
    async def on_decline(self, interaction: Interaction, clicked: CustomId) -> None:
        """❌ Decline…: the form for the reason, once the clicker may decide."""
        talk = await self.workflow.check_decider(clicked.numbers[0], await self._actor(interaction))
        t = i18n.translator(interaction.locale)
        modal = nextcord.ui.Modal(
            # Translators: a form's title, at most 45 characters (Discord refuses the whole form otherwise).
            title=t._("Decline this sign-up?"), timeout=MODAL_TIMEOUT, auto_defer=False,
            custom_id=custom_id(workflow.DECLINE_MODAL, talk.id),
        )
        modal.add_item(nextcord.ui.TextInput(
            # Translators: a form label, at most 45 characters.
            label=t._("Reason (told to the speaker)"), custom_id=REASON_INPUT,
            placeholder=t._("e.g. This evening is already full"), style=nextcord.TextInputStyle.paragraph,
            max_length=workflow.REASON_MAX, required=False,
        ))
        await interaction.response.send_modal(modal)

    @handles(workflow.DECLINE_MODAL)
    async def on_decline_form(self, interaction: Interaction, clicked: CustomId) -> None:
        """The Decline… form sent: declined, its time freed, the speaker told with the reason."""
        reason = modal_values(interaction).get(REASON_INPUT) or None
        talk = await self.workflow.decline(talk_id=clicked.numbers[0], actor=await self._actor(interaction),
                                           reason=reason)
        t = i18n.translator(interaction.locale)
        await reply_ephemeral(interaction, t._("❌ {topic} is declined; its speaker is told.",
                                               topic=quote(talk.topic)))
