"""Discord side of claiming slots (domain side: podium/slots.py): the "✏️ Set your topic…" form of a claim.

The claim itself, "Pick another" and a slot picked from a select are answered in the domain (their handlers return
a `Reply`); only the form needs Discord's own response (a modal), so only it is here.
"""

from __future__ import annotations

import nextcord
from nextcord import Interaction
from nextcord.ext import commands

from cogs._components import handles, modal_values
from cogs._replies import MODAL_TIMEOUT, reply_ephemeral, user_id_of
from podium import components, i18n
from podium.components import CustomId
from podium.i18n import N_
from podium.markup import both_times, quote_clipped
from podium.services import Services
from podium.slots import TOPIC, TOPIC_MODAL
from podium.talk_model import TOPIC_MAX, TalkError
from podium.talks import Actor, refusal

TOPIC_INPUT = "topic"


class SlotsCog(commands.Cog):
    """The topic form of a claimed slot."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def _own(self, interaction: Interaction, talk_id: int) -> tuple[int, Actor]:
        talk = await self.services.talks.find(talk_id)
        if talk is None or talk.state != "scheduled":
            raise TalkError(N_("That talk is no longer scheduled; nothing to change."))
        actor = Actor(user_id_of(interaction))
        if refusal(actor, "edit", talk) is not None:  # the one rule: the speaker (moderators use /schedule edit)
            raise TalkError(N_("Only the speaker who claimed the slot can set its topic here."))
        return talk.guild_id, actor

    @handles(TOPIC)
    async def on_topic(self, interaction: Interaction, clicked: CustomId) -> None:
        """✏️ Set your topic…: the form, after checking the claim is theirs."""
        await self._own(interaction, clicked.numbers[0])
        t = i18n.translator(interaction.locale)
        # auto_defer=False: the listener answers the submit (nextcord would defer it first otherwise).
        modal = nextcord.ui.Modal(
            # Translators: a form's title, at most 45 characters (Discord refuses the whole form otherwise).
            title=t._("Your talk in this slot"), timeout=MODAL_TIMEOUT, auto_defer=False,
            custom_id=components.custom_id(TOPIC_MODAL, clicked.numbers[0]),
        )
        modal.add_item(nextcord.ui.TextInput(
            # Translators: a form label, at most 45 characters; the placeholder below holds up to 100.
            label=t._("Topic"), custom_id=TOPIC_INPUT, placeholder=t._("e.g. Intro to Rust"),
            min_length=1, max_length=TOPIC_MAX, required=True,
        ))
        await interaction.response.send_modal(modal)

    @handles(TOPIC_MODAL)
    async def on_topic_sent(self, interaction: Interaction, clicked: CustomId) -> None:
        """The form sent: the claim's talk gets the topic (a talk edit, with its notices and kept-true posts)."""
        guild_id, actor = await self._own(interaction, clicked.numbers[0])
        topic = modal_values(interaction).get(TOPIC_INPUT, "")
        _, after = await self.services.talks.edit(guild_id=guild_id, actor=actor, talk_id=clicked.numbers[0],
                                                  topic=topic)
        t = i18n.translator(interaction.locale)
        await reply_ephemeral(interaction, t._("✏️ Your talk {topic} on {when} is set.",
                                               topic=quote_clipped(after.topic, 400), when=both_times(after.starts_at)))
