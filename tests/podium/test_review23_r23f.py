"""Review of issues 23/24, second round: what members and moderators see, in English and German (reviewer r23f).

Each test shows a defect in the text of a new post, DM or reply.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from podium.delivery.render import RenderContext, render
from podium.errors import UserError
from podium.feedback import FEEDBACK_POST, FEEDBACK_SUMMARY
from tests import factories


def _talk(clock):
    return factories.talk(topic="Intro to Rust", starts_at=clock.now() - timedelta(hours=2), thread_id=10**18)


# -- numbers as the reader's language writes them (docs/i18n.md: "1,000" / "1.000") ----------------------------


@pytest.mark.parametrize(("locale", "written"), [("en", "1,234"), ("de", "1.234")])
def test_the_feedback_posts_vote_count_is_written_as_the_readers_language_writes_numbers(clock, locale, written):
    # docs/i18n.md: numbers Podium writes itself go through Babel ("{n} of a plural is formatted too"). The public
    # feedback post passes its count as `{count}`, which ngettext leaves raw: "1234 votes so far".
    ctx = RenderContext(FEEDBACK_POST.name, {"votes": 1234}, _talk(clock), clock.now(), clock.now(), via="thread",
                        locale=locale)
    content = render(ctx, mention_user_id=None)["content"]
    assert written in content, content


@pytest.mark.parametrize(("locale", "written"), [("en", "1,234"), ("de", "1.234")])
def test_the_feedback_summary_writes_its_counts_as_the_readers_language_writes_numbers(clock, locale, written):
    # The speaker's DM: the vote count, each star's count and who came (total, peak) are all left raw.
    payload = {"count": 1234, "distribution": [1234, 0, 0, 0, 0], "turnout": [1234, 1234, 61.0], "comments": []}
    ctx = RenderContext(FEEDBACK_SUMMARY.name, payload, _talk(clock), clock.now(), clock.now(), via="dm",
                        locale=locale)
    content = render(ctx, mention_user_id=None)["content"]
    raw = [line for line in content.splitlines() if "1234" in line]
    assert content.count(written) >= 4 and raw == [], content



@pytest.mark.parametrize(("locale", "written"), [("en", "1,500/2,000"), ("de", "1.500/2.000")])
def test_the_join_buttons_seat_count_is_written_as_the_readers_language_writes_numbers(locale, written):
    # A workshop may have up to 10,000 seats: "🎟️ Join (1500/2000)" leaves both numbers raw.
    from podium import i18n
    from podium.components import Seats, join_label

    label = join_label(i18n.translator(locale), Seats(taken=1500, limit=2000, waiting=0))
    assert written in label, label


# -- Discord's limits at worst-case lengths: a 100-character series name, 10 slots -------------------------------


@pytest.mark.parametrize("locale", ["en", "de"])
def test_pick_another_slot_tells_the_slots_apart_when_the_series_name_is_long(clock, locale):
    # A series name may have 100 characters (/series create name: max_length=100). Each option of the slot select
    # is "{series} · slot {n} · {when}" cut at Discord's 100: with a long name, every option reads the same name,
    # the slot and its time cut off. The member cannot tell which slot they pick.
    from podium import i18n
    from podium.slots import Evening, slot_options, slot_select

    evening = Evening(id=7, series_id=1, guild_id=factories.GUILD, starts_at=clock.now() + timedelta(days=3),
                      state="open", name="Rust Thursdays: " + "R" * 84, slots=10, slot_minutes=30, seat_limit=None,
                      channel_id=None, timezone="Europe/Berlin", series_state="active")
    t = i18n.translator(locale)
    row = slot_select("podium:test", slot_options([(evening, list(range(10)))], t), "…", 7)
    labels = [option["label"] for option in row["components"][0]["options"]]
    assert all(len(label) <= 100 for label in labels)
    assert len(set(labels)) == len(labels) == 10, labels


# -- a refusal's example in the reader's language (docs/i18n.md, "Examples in German") ----------------------------


@pytest.mark.parametrize("link", ["ftp://example.org/slides.pdf", "https://exa mple.org", "x" * 600])
def test_a_refused_links_example_is_in_german_for_a_german_reader(link):
    # Every other example of the catalogue names the talk in German ("`/schedule edit talk:Einführung in Rust …`");
    # the links' example is a constant passed as a value, so a German member reads "talk:Intro to Rust".
    from podium import i18n
    from podium.talk_model import validate_link

    with pytest.raises(UserError) as refused:
        validate_link(link)
    text = refused.value.text_for(i18n.translator("de"))
    assert "Beispiel" in text and "Intro to Rust" not in text, text


# -- times shown as <t:…> or in a zone that is named -------------------------------------------------------------


def test_an_evenings_event_line_up_says_which_zone_its_times_are_in(clock):
    # Discord's Events card shows the evening's start in each reader's own clock; its description lists the
    # line-up as bare "19:00 Lifetimes", in the series' zone, never named: a member in New York reads 19:00 next to
    # an event starting at 1:00 PM. Plain-text times say their zone (podium/zones.local_moment), else are <t:…>.
    from podium.preferences import GuildSettings
    from podium.slots import Evening, evening_event_body

    evening = Evening(id=7, series_id=1, guild_id=factories.GUILD, starts_at=clock.now() + timedelta(days=3),
                      state="open", name="Rust Thursdays", slots=2, slot_minutes=30, seat_limit=None,
                      channel_id=None, timezone="Europe/Berlin", series_state="active")
    talk = factories.talk(topic="Lifetimes", starts_at=evening.starts_at, speaker_name="Ada")
    description = evening_event_body(evening, {0: talk}, GuildSettings(factories.GUILD))["description"]
    line = next(line for line in description.splitlines() if "Lifetimes" in line)
    assert "<t:" in line or "Europe/Berlin" in description, description


# -- what a setting says is what happens ---------------------------------------------------------------------------


async def test_release_unconfirmed_releases_the_talk_on_a_server_without_a_log_channel(db, clock):
    # /announce-settings talks release-unconfirmed:True answers "no answer within a day cancels the talk" on any
    # server. The release is done by the log channel's line (podium/workflow.py _overdue_sent), which is never
    # planned without a log channel: the unanswered talk silently stays, its slot never offered again.
    from podium.audience import Audience
    from podium.delivery.outbox import Outbox
    from podium.preferences import switches
    from podium.talk_model import load_talk
    from podium.talks import Actor, TalkService, composed_hooks
    from podium.workflow import Workflow
    from tests.podium.workflow_world import deliver_due, rows

    outbox = Outbox(db)
    hooks = composed_hooks(outbox)
    await factories.add_guild(db, factories.GUILD, announce_channel_id=555,
                              **{setting.column: 1 for setting in switches()})
    await Workflow(db, outbox, clock, hooks).configure(factories.GUILD, approval=False, confirm_hours=72,
                                                       release_unconfirmed=True)
    talks = TalkService(db, outbox, clock, hooks)
    talk = await talks.add(guild_id=factories.GUILD, actor=Actor(factories.SPEAKER), speaker_id=factories.SPEAKER,
                           topic="Rust", starts_at=clock.now() + timedelta(hours=100))
    await Audience(db, outbox, clock).join(talk_id=talk.id, user_id=77, guild_id=factories.GUILD)
    clock.set(talk.starts_at - timedelta(hours=72))
    _, [asked] = await deliver_due(db, outbox, clock, "speaker_confirmation")
    assert asked.state == "sent"
    clock.set(talk.starts_at - timedelta(hours=47))  # a day and an hour later: no answer
    for row in await rows(db, talk.id, "pending"):
        if row["kind"] == "confirmation_overdue":
            await deliver_due(db, outbox, clock, "confirmation_overdue")
    assert (await load_talk(db, talk.id)).state == "cancelled"


@pytest.mark.parametrize("locale", ["en", "de"])
def test_series_list_and_the_edit_reply_show_the_series_last_date_and_seats(clock, locale):
    # /series edit until:2027-06-30 (or seats:20) answers "✏️ Series changed: {summary}", and /series list shows
    # the same summary: name, rule, zone, slots. The last date and the seat limit are in neither, so a moderator
    # who set them is never shown them, and cannot tell from /series list which series ends when.
    from datetime import UTC, datetime

    from cogs.series import summary
    from podium import i18n
    from podium.recurrence import parse_every
    from podium.series import Series

    series = Series(id=1, guild_id=factories.GUILD, name="Rust Thursdays",
                    rule=parse_every("thursday 19:00", today=clock.now().date()), every_text="thursday 19:00",
                    timezone="Europe/Berlin", slots=2, slot_minutes=30, seat_limit=20,
                    until=datetime(2027, 6, 30, 21, 59, 59, tzinfo=UTC), channel_id=None, state="active",
                    created_by=1, sequence=0)
    text = summary(series, i18n.translator(locale))
    assert "2027" in text or "<t:1814" in text, text
    assert "20" in text.replace("2027", ""), text


# -- `every` in the words the time input already reads (issue 23 §1) ---------------------------------------------


@pytest.mark.parametrize(("locale", "typed"), [("de", "Do. 19 Uhr"), ("de", "jeden Di. 18:30"), ("en", "thu. 19:00")])
def test_every_reads_a_weekday_abbreviated_with_a_dot_as_the_time_input_does(clock, locale, typed):
    # `/schedule add when:Do. 19 Uhr` is read (and Podium itself writes German weekdays so: "Do. 10. Dez. 19:00");
    # `/series create every:Do. 19 Uhr` is refused with "I can't read … as a repeating time".
    from podium.recurrence import parse_every
    from podium.timeparse import parse_when

    assert parse_when(typed.replace("jeden ", ""), zone="Europe/Berlin", now=clock.now(), locale=locale)
    rule = parse_every(typed, today=clock.now().date(), locale=locale)
    assert (rule.weekday, rule.hour) in ((3, 19), (1, 18))


@pytest.mark.parametrize("locale", ["en", "de"])
def test_the_settings_say_when_an_unanswered_talk_is_released_for_a_short_lead(locale):
    # Asked 24 hours before, a speaker has half the lead, 12 hours, to answer (podium/workflow._overdue_at): then
    # the talk is cancelled. /announce-settings talks answers "no answer within a day cancels the talk" whatever
    # the lead: the moderators are told a deadline twice as long as the one the speaker gets.
    from cogs.announce_settings import describe_workflow
    from podium import i18n
    from podium.workflow import WorkflowSettings

    text = describe_workflow(WorkflowSettings(factories.GUILD, False, None, 24, True), i18n.translator(locale))
    assert "12" in text and "within a day" not in text and "binnen eines Tages" not in text, text
