"""Review of issue 20: the speaker's Reschedule…/Cancel… forms must be forms Discord accepts in every language.

A modal Discord refuses shows the member "This interaction failed" and nothing else (FIELD-NOTES: labels 1 to 45
characters; a translated label is often longer). The form is checked by the fake Discord's own modal validator.
"""

from datetime import timedelta
from types import SimpleNamespace
from unittest.mock import AsyncMock, Mock

import nextcord
import pytest

from cogs.audience import AudienceCog
from podium import components
from podium.outbox import Outbox
from podium.talks import Actor, TalkService, default_hooks
from tests import factories
from tests.fake_discord import _validate_modal

SPEAKER = 1


@pytest.mark.parametrize("locale", ["en-US", "de"])
@pytest.mark.parametrize("action", [components.MOVE, "cancel"])
async def test_the_speakers_forms_are_accepted_by_discord_in_every_language(db, clock, locale, action):
    outbox = Outbox(db)
    talks = TalkService(db, outbox, clock, default_hooks(outbox))
    await factories.add_guild(db, factories.GUILD)
    talk = await talks.add(guild_id=factories.GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="Rust",
                           starts_at=clock.now() + timedelta(days=3))
    cog = AudienceCog(SimpleNamespace(audience=None, talks=talks, people=None, db=db, clock=clock))  # type: ignore[arg-type]
    click = Mock(spec_set=nextcord.Interaction)
    click.locale = locale
    click.user = Mock(spec_set=nextcord.Member)
    click.user.id = SPEAKER
    click.response = Mock(spec_set=nextcord.InteractionResponse)
    click.response.send_modal = AsyncMock()
    await cog.ask(click, action, talk.id)
    [modal] = click.response.send_modal.await_args.args
    _validate_modal(modal.to_dict(), ["data"])
