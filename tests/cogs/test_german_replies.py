"""A German member reads /schedule and /remind-me replies in German; English readers get the English as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest.mock import AsyncMock, Mock

import nextcord

from cogs._confirm import ConfirmView
from cogs.remind_me import reminders_text
from cogs.schedule import ConfirmCancel, Schedule, info_text, mine_text
from podium import i18n
from podium.audience import AudienceError
from podium.consent import TALK_REMINDERS
from podium.delivery.outbox import OutboxRow
from podium.errors import Text
from podium.people import PersonalReminder
from podium.talks import Actor
from tests import factories

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
GERMAN, ENGLISH = i18n.translator("de"), i18n.translator("en-US")


def talks(n: int) -> list:
    return [factories.talk(id=i + 1, topic=f"Talk {i + 1}", starts_at=NOW + timedelta(days=i + 1)) for i in range(n)]


def test_info_in_german_with_its_planned_messages():
    talk = factories.talk(starts_at=NOW + timedelta(days=1))
    planned = [("talk_reminder", NOW, "dm")]
    german = info_text(talk, planned, attendees=3, mine=True, audience_rows={"attendee_reminder": 1000}, t=GERMAN)
    assert "(Vortrag #7, geplant)" in german
    assert "Vortrag von <@" in german and "30 Min." in german
    assert "🔔 3 dabei (du auch)" in german
    assert "Geplante Nachrichten:" in german
    assert "• Erinnerung an die vortragende Person <t:" in german and "per DM" in german
    assert "• 1.000 × Erinnerung an Teilnehmende" in german
    assert "Keine Nachrichten geplant." in info_text(talk, [], t=GERMAN)
    english = info_text(talk, planned, attendees=3, mine=True, audience_rows={"attendee_reminder": 1000})
    assert "(talk #7, scheduled)" in english and "Speaker: <@" in english and "🔔 3 going (you too)" in english
    assert "• talk reminder <t:" in english and "via DM" in english and "• 1,000 × attendee reminder" in english


def test_mine_in_german():
    german = mine_text(talks(2), 2, GERMAN)
    assert german.startswith("Deine anstehenden Vorträge (2):\n<t:")
    assert " von <@" in german and " Min. (Vortrag #1)\n" in german
    # The number says what it is: no bare "#1" in front of a line.
    assert mine_text(talks(2), 2).startswith("Your upcoming talks (2):\n<t:")
    assert "min (talk #1)\n" in mine_text(talks(2), 2)


def schedule_cog(found: list, total: int) -> Schedule:
    services = Mock()
    services.talks.upcoming = AsyncMock(return_value=(found, total))
    services.audience.counts = AsyncMock(return_value={t.id: 0 for t in found})
    # The list reads the server's coming series evenings too: none here.
    services.clock.now.return_value = datetime(2026, 1, 1, tzinfo=UTC)
    services.db.fetchall = AsyncMock(return_value=[])
    return Schedule(services)


async def test_the_list_page_in_german_and_in_english():
    cog = schedule_cog(talks(10), 12)
    embed, view = await cog.list_page(1, 30, 0, GERMAN)
    assert embed.title == "Anstehende Vorträge — nächste 30 Tage"
    assert embed.footer.text == "Seite 1/2 · 12 Vorträge"
    assert view is not None
    buttons = [c for c in view.children if isinstance(c, nextcord.ui.Button)]
    assert [b.label for b in buttons] == ["◀ Zurück", "Weiter ▶"]
    # The custom ids do not depend on the language (a list posted in one language is paged in another).
    assert [b.custom_id for b in buttons] == ["podium:list:30:-1:◀", "podium:list:30:1:N"]
    embed, view = await cog.list_page(1, 1, 0)
    assert embed.title == "Upcoming talks — next 1 day" and embed.footer.text == "Page 1/2 · 12 talks"

    empty = schedule_cog([], 0)
    embed, view = await empty.list_page(1, 30, 0, GERMAN)
    assert embed.description.startswith("Noch keine Vorträge — trag dich mit ")
    assert embed.footer.text == "Seite 1/1 · 0 Vorträge" and view is None


async def test_the_cancel_question_s_buttons_are_in_the_askers_language():
    question = ConfirmCancel(Mock(), factories.talk(), Actor(1), None)
    asker = Mock(spec_set=nextcord.Interaction)
    asker.locale = "de"
    asker.response = Mock(spec_set=nextcord.InteractionResponse)
    asker.response.send_message = AsyncMock()
    await question.ask(asker, "?")
    assert [b.label for b in question.children if isinstance(b, nextcord.ui.Button)] == ["Vortrag absagen", "Behalten"]
    assert isinstance(question, ConfirmView)


def test_the_reminder_list_in_german_and_in_english():
    personal = [PersonalReminder(1, NOW, "stretch", 77), PersonalReminder(2, NOW, "drink", None)]
    rows = [OutboxRow(3, "attendee_reminder", 1, "thread", 42, None, 1, {}, NOW, None, "pending", 0, "k")]
    missed = [PersonalReminder(4, NOW, "call", None, "skipped", "DMs refused")]
    german = reminders_text(personal, rows, missed, GERMAN)
    assert german.startswith("**Persönliche Erinnerungen**\n• <t:")
    assert "(sonst <#77>)" in german and "(nur per DM)" in german
    assert "**Erinnerungen an Vorträge**" in german and "per Thread des Vortrags" in german
    assert "**In den letzten 7 Tagen nicht zugestellt**" in german and "deine DMs sind geschlossen" in german
    assert "• keine" in reminders_text([], [], [], GERMAN)
    english = reminders_text(personal, rows, missed)
    assert english.startswith("**Personal reminders**\n• <t:") and "#1" not in english and "(else <#77>)" in english
    assert "(DM only)" in english and "via the talk's thread" in english
    assert "**Not delivered in the last 7 days**" in english


def test_a_refusal_naming_what_was_stopped_names_it_in_the_readers_language():
    error = AudienceError(
        "You stopped {what} with {stop}, so I won't remind you of {topic}. "
        "Allow them again with {command} `what:{key}`, then click again.",
        what=Text(TALK_REMINDERS.label), topic="**Rust**", stop="`/opt-out stop`", command="`/opt-out allow`",
        key=Text(TALK_REMINDERS.choice),
    )
    assert str(error).startswith("You stopped reminders before talks you speak at")
    german = error.text_for(GERMAN)
    assert GERMAN._(TALK_REMINDERS.label) in german and GERMAN._(TALK_REMINDERS.choice) in german
    assert "reminders before talks" not in german


def test_engagement_choices_and_permission_names_are_in_the_catalogue():
    from cogs.announce_settings import ENGAGEMENT_CHOICES, REQUIRED, names

    for label in ENGAGEMENT_CHOICES:
        assert i18n.localizations(label).get("de"), label
    assert i18n.localizations("after 14 empty days (default)") == {"de": "nach 14 leeren Tagen (Standard)"}
    error = AudienceError("I can't use {channel}: I'm missing **{missing}** there.", channel="<#1>",
                          missing=names(list(REQUIRED.values())[:2]))
    assert str(error).endswith("**View Channel, Send Messages** there.")
    assert "**Kanal ansehen, Nachrichten senden**" in error.text_for(GERMAN)


def test_the_settings_overview_says_where_events_take_place_in_german():
    from cogs.announce_settings import describe
    from podium.preferences import GuildSettings

    guild = GuildSettings(1, events_enabled=True, events_location="#talks")
    assert "Vorträge in Discords Events: ja, Ort: **\\#talks**" in describe(guild, GERMAN)
    assert "Talks in Discord's Events: yes, at **\\#talks**" in describe(guild)
    assert "Talks in Discord's Events: no" in describe(GuildSettings(1))


def test_each_talk_reminder_in_the_list_names_its_talk_and_when_it_starts():
    talk = factories.talk(id=1, topic="Intro to *Rust*", starts_at=NOW + timedelta(days=2))
    rows = [
        OutboxRow(3, "attendee_reminder", 1, "dm", 42, None, 1, {}, NOW + timedelta(days=1), None, "pending", 0, "k"),
        # The same talk's second reminder is on the same line: two lines read as one reminder shown twice.
        OutboxRow(5, "attendee_reminder", 1, "dm", 42, None, 1, {}, NOW + timedelta(days=2, hours=-1), None,
                  "pending", 0, "k3"),
        OutboxRow(4, "talk_reminder", 1, "thread", 42, None, 1, {}, NOW, None, "pending", 0, "k2"),
    ]
    starts = f"<t:{int(talk.starts_at.timestamp())}:f>"
    due = f"<t:{int((NOW + timedelta(days=1)).timestamp())}:R>"
    english = reminders_text([], rows, [], talks={1: talk}).splitlines()
    assert english[-2] == f"• 🔔 **Intro to \\*Rust\\*** ({starts}): 1 day and 1 hour before, via DM; next {due}"
    assert english[-1] == (f"• **Intro to \\*Rust\\*** ({starts}): 2 days before, via the talk's thread; "
                           f"next <t:{int(NOW.timestamp())}:R>")
    german = reminders_text([], rows, [], GERMAN, talks={1: talk}).splitlines()
    assert german[-2] == (f"• 🔔 **Intro to \\*Rust\\*** ({starts}): 1 Tag und 1 Stunde vorher, per DM; "
                          f"die nächste {due}")
    # A talk gone between the two reads: the line still says when.
    assert reminders_text([], rows[:1], []).endswith(f"• 🔔 <t:{int((NOW + timedelta(days=1)).timestamp())}:F> via DM")
