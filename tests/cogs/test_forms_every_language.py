"""Every form and every component Podium shows, in every language it speaks, as Discord's form rules want them.

Discord refuses a whole modal or message over one field (a form label of 46 characters, a button label of 81):
the member sees "This interaction failed" and nothing else. Translations are longer than English (German by about
a third), so each modal and view is opened in English and in every catalogue's language and checked by the fake
Discord's own validators (tests/fake_discord/validation.py, which follow Discord's component reference).

The modals and views are found in the code (an AST walk over cogs/ and podium/): one the test cannot open fails
it, so a new form is checked from its first day.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest.mock import AsyncMock, Mock

import nextcord
import pytest

from cogs import _zone
from cogs._time_questions import TimeQuestions
from cogs.audience import AudienceCog
from cogs.feedback import FeedbackCog
from cogs.opt_out import ConfirmForget
from cogs.review import Review
from cogs.schedule import PAST_QUERY_MAX, ConfirmCancel, Schedule, with_calendar
from cogs.slots import SlotsCog
from podium import components, feedback, i18n, slots, timeparse
from podium.archive import Archive
from podium.audience import Audience
from podium.delivery import kinds
from podium.delivery.outbox import Outbox
from podium.delivery.render import RenderContext, render
from podium.feedback import Feedback
from podium.talks import Actor, TalkService, default_hooks
from podium.workflow import Workflow
from tests import factories
from tests.fake_discord import _validate_message_components, _validate_modal

ROOT = Path(__file__).resolve().parents[2]
# Every shipped language, as the Discord locale a member's client sends.
LOCALES = [i18n.discord_locale(language) for language in i18n.languages()]
SPEAKER = factories.SPEAKER
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _sites(predicate: Callable[[ast.AST], bool]) -> set[str]:
    """`file:Class.function` (or `file:Class` for a class) of every node matching `predicate` in Podium's code."""
    found: set[str] = set()
    for path in sorted([*ROOT.glob("*.py"), *ROOT.glob("cogs/*.py"), *ROOT.glob("podium/**/*.py")]):
        tree = ast.parse(path.read_text(), str(path))

        def visit(node: ast.AST, scope: tuple[str, ...], file: str = path.relative_to(ROOT).as_posix()) -> None:
            for child in ast.iter_child_nodes(node):
                inner = scope
                if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                    inner = (*scope, child.name)
                if predicate(child):
                    found.add(f"{file}:{'.'.join(inner)}")
                visit(child, inner)

        visit(tree, ())
    return found


def _name(node: ast.AST) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def _builds(*names: str) -> Callable[[ast.AST], bool]:
    """A call of one of these constructors, or a class deriving from one of them."""
    def matches(node: ast.AST) -> bool:
        if isinstance(node, ast.Call):
            return _name(node.func) in names
        return isinstance(node, ast.ClassDef) and any(_name(base) in names for base in node.bases)
    return matches


# -- modals ----------------------------------------------------------------------------------------------------

def interaction(locale: str, user_id: int = SPEAKER) -> Mock:
    click = Mock(spec_set=nextcord.Interaction)
    click.locale = locale
    click.user = Mock(spec_set=nextcord.Member)
    click.user.id = user_id
    click.response = Mock(spec_set=nextcord.InteractionResponse)
    click.response.is_done.return_value = False
    click.response.send_modal = AsyncMock()
    click.response.send_message = AsyncMock()
    return click


async def services_with_a_talk(db: Any, clock: Any) -> tuple[SimpleNamespace, Any]:
    outbox = Outbox(db)
    talks = TalkService(db, outbox, clock, default_hooks(outbox))
    await factories.add_guild(db, factories.GUILD)
    # The longest topic there is: what a label or option built from it holds is cut to fit, never refused.
    talk = await talks.add(guild_id=factories.GUILD, actor=Actor(SPEAKER), speaker_id=SPEAKER, topic="W" * 200,
                           starts_at=clock.now() + timedelta(days=3))
    services = SimpleNamespace(audience=Audience(db, outbox, clock), talks=talks, people=None, db=db, clock=clock,
                               workflow=Workflow(db, outbox, clock, talks.hooks),
                               archive=Archive(db, outbox, clock), feedback=Feedback(db, outbox, clock))
    return services, talk


async def speaker_form(action: str, locale: str, db: Any, clock: Any) -> dict[str, Any]:
    services, talk = await services_with_a_talk(db, clock)
    click = interaction(locale)
    await AudienceCog(services).ask(click, action, talk.id)  # type: ignore[arg-type]
    [modal] = click.response.send_modal.await_args.args
    return modal.to_dict()


async def decline_form(locale: str, db: Any, clock: Any) -> dict[str, Any]:
    services, talk = await services_with_a_talk(db, clock)
    click = interaction(locale, user_id=99)
    click.user.guild_permissions = nextcord.Permissions(manage_events=True)  # a moderator decides
    await Review(services).on_decline(click, components.parse(components.custom_id(  # type: ignore[arg-type]
        "podium:review:decline", talk.id)))
    [modal] = click.response.send_modal.await_args.args
    return modal.to_dict()


AUDIENCE = SPEAKER + 1  # votes on the speaker's talk


async def voted(db: Any, clock: Any) -> tuple[SimpleNamespace, Any]:
    """A member's vote on the longest talk there is, once it took place: the comment form and its reply follow."""
    services, talk = await services_with_a_talk(db, clock)
    clock.set(talk.ends_at)
    await services.feedback.vote(talk_id=talk.id, user_id=AUDIENCE, guild_id=factories.GUILD, stars=5)
    return services, talk


async def comment_form(locale: str, db: Any, clock: Any) -> dict[str, Any]:
    services, talk = await voted(db, clock)
    click = interaction(locale, AUDIENCE)
    click.guild_id = factories.GUILD
    await FeedbackCog(services).on_comment(click, components.parse(components.custom_id(feedback.COMMENT, talk.id)))  # type: ignore[arg-type]
    [modal] = click.response.send_modal.await_args.args
    return modal.to_dict()


async def slot_topic_form(locale: str, db: Any, clock: Any) -> dict[str, Any]:
    services, talk = await services_with_a_talk(db, clock)
    click = interaction(locale)
    await SlotsCog(services).on_topic(click, components.CustomId(slots.TOPIC, (talk.id,)))  # type: ignore[arg-type]
    [modal] = click.response.send_modal.await_args.args
    return modal.to_dict()


# Where a modal is built -> how to open each modal built there, by name.
MODALS: dict[str, dict[str, Callable[[str, Any, Any], Awaitable[dict[str, Any]]]]] = {
    "cogs/audience.py:AudienceCog.ask": {
        "reschedule": lambda locale, db, clock: speaker_form(components.MOVE, locale, db, clock),
        "cancel": lambda locale, db, clock: speaker_form(components.CANCEL, locale, db, clock),
    },
    "cogs/review.py:Review.on_decline": {"decline": decline_form},
    "cogs/feedback.py:FeedbackCog.on_comment": {"comment": comment_form},
    "cogs/slots.py:SlotsCog.on_topic": {"slot topic": slot_topic_form},
}
EVERY_MODAL = [(site, name) for site, openers in MODALS.items() for name in openers]


def test_the_test_opens_every_modal_podium_builds():
    built = _sites(_builds("Modal")) | _sites(lambda node: isinstance(node, ast.Call) and _name(node.func)
                                              == "send_modal")
    assert built == set(MODALS), "a new modal: add how to open it to MODALS"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("site", "name"), EVERY_MODAL, ids=[name for _, name in EVERY_MODAL])
async def test_every_modal_is_accepted_by_discord_in_every_language(site, name, locale, db, clock):
    modal = await MODALS[site][name](locale, db, clock)
    _validate_modal(modal, ["data"])


# -- views on replies --------------------------------------------------------------------------------------------

def sent_view(click: Mock) -> nextcord.ui.View:
    return click.response.send_message.await_args.kwargs["view"]


async def zone_offer(locale: str, db: Any, clock: Any) -> nextcord.ui.View | None:
    await factories.add_guild(db, factories.GUILD)
    await factories.add_user(db, SPEAKER)
    parsed = timeparse.parse_when("in 2 hours", zone="UTC", now=clock.now(), locale=locale)
    # The suggestion depends on the locale: the longest zone name shows whether the label fits in any.
    original = _zone.zones_to_offer
    longest = "America/Argentina/ComodRivadavia"
    _zone.zones_to_offer = lambda _server, _locale: (longest, longest[::-1])  # type: ignore[assignment]
    try:
        click = interaction(locale)
        click.guild_id = factories.GUILD
        _, view = await _zone.read_in(SimpleNamespace(db=db), click, parsed)  # type: ignore[arg-type]
    finally:
        _zone.zones_to_offer = original  # type: ignore[assignment]
    return view


async def time_question(locale: str, db: Any, clock: Any) -> nextcord.ui.View:
    text = "Freitag um 8" if locale == "de" else "friday at 8"
    with pytest.raises(timeparse.AmbiguousTimeError) as asked:
        timeparse.parse_when(text, zone="Europe/Berlin", now=clock.now(), locale=locale)
    click = interaction(locale)
    questions = TimeQuestions(Mock())
    await questions.ask(click, asked.value, command=Mock(), options=[])
    for timer in list(questions._timers):
        timer.cancel()
    return sent_view(click)


async def schedule_page(locale: str, db: Any, clock: Any) -> nextcord.ui.View:
    services, _ = await services_with_a_talk(db, clock)
    for day in range(4, 30):  # more than a page: the previous/next buttons too
        await services.talks.add(guild_id=factories.GUILD, actor=Actor(SPEAKER, is_moderator=True),
                                 speaker_id=SPEAKER + day, topic="W" * 200,
                                 starts_at=clock.now() + timedelta(days=day))
    schedule = Schedule.__new__(Schedule)  # without warming dateparser up again
    schedule.services, schedule.talks = services, services.talks  # type: ignore[assignment]
    _, view = await schedule.list_page(factories.GUILD, 60, 1, i18n.translator(locale))
    assert view is not None
    return view


async def past_page(locale: str, db: Any, clock: Any) -> nextcord.ui.View:
    services, _ = await services_with_a_talk(db, clock)
    for day in range(4, 30):  # more than a page: the previous/next buttons too
        await services.talks.add(guild_id=factories.GUILD, actor=Actor(SPEAKER, is_moderator=True),
                                 speaker_id=SPEAKER + day, topic="W" * 200,
                                 starts_at=clock.now() + timedelta(days=day))
    clock.advance(timedelta(days=60))
    schedule = Schedule.__new__(Schedule)
    schedule.services, schedule.talks = services, services.talks  # type: ignore[assignment]
    # The longest search the option takes, carried by the buttons' ids.
    _, view = await schedule.past_page(factories.GUILD, None, "W" * PAST_QUERY_MAX, 1, i18n.translator(locale))
    assert view is not None
    return view


async def schedule_info(locale: str, db: Any, clock: Any) -> nextcord.ui.View:
    services, talk = await services_with_a_talk(db, clock)
    schedule = Schedule.__new__(Schedule)
    schedule.services, schedule.talks = services, services.talks  # type: ignore[assignment]
    click = interaction(locale)
    click.guild_id = factories.GUILD
    schedule.actor = AsyncMock(return_value=Actor(SPEAKER))  # type: ignore[method-assign]
    await Schedule.info.callback(schedule, click, str(talk.id))
    return sent_view(click)


async def confirm_cancel(locale: str, db: Any, clock: Any) -> nextcord.ui.View:
    _, talk = await services_with_a_talk(db, clock)
    view = ConfirmCancel(Mock(), talk, Actor(SPEAKER), None)
    await view.ask(interaction(locale), "?")
    return view


async def confirm_forget(locale: str, db: Any, clock: Any) -> nextcord.ui.View:
    view = ConfirmForget(Mock(), Mock(), SPEAKER)
    await view.ask(interaction(locale), "?")
    return view


async def add_to_calendar(locale: str, db: Any, clock: Any) -> nextcord.ui.View:
    services, talk = await services_with_a_talk(db, clock)
    click = interaction(locale)
    click.guild_id = factories.GUILD
    await AudienceCog(services).add_to_calendar(click, talk.id)  # type: ignore[arg-type]
    return sent_view(click)


async def comment_sent(locale: str, db: Any, clock: Any) -> nextcord.ui.View:
    services, talk = await voted(db, clock)
    click = interaction(locale, AUDIENCE)
    click.guild_id = factories.GUILD
    click.data = {"components": [{"components": [{"custom_id": "comment", "value": "W" * feedback.COMMENT_MAX}]}]}
    await FeedbackCog(services).on_comment_sent(  # type: ignore[arg-type]
        click, components.parse(components.custom_id(feedback.COMMENT_MODAL, talk.id)))
    return sent_view(click)


async def signed_up(locale: str, db: Any, clock: Any) -> nextcord.ui.View:
    # /schedule add and reschedule: the time zone offer (longest labels) with 📅 Add to calendar below it.
    return with_calendar(await zone_offer(locale, db, clock), 1, i18n.translator(locale))


async def schedule_add_series(locale: str, db: Any, clock: Any) -> nextcord.ui.View:
    # /schedule add series: the claim's reply, "Pick another slot…" listing the open slots of later evenings.
    from podium.series import SeriesService
    from tests.podium.series_world import add_series

    services, _ = await services_with_a_talk(db, clock)
    await add_series(db, clock, slots_n=10, evenings=4, name="S" * 100)
    services.series = SeriesService(db, services.talks.outbox, clock, services.talks)
    schedule = Schedule.__new__(Schedule)
    schedule.services, schedule.talks = services, services.talks  # type: ignore[assignment]
    click = interaction(locale)
    click.guild_id = factories.GUILD
    click.user.display_name = "Ada"
    await schedule.add_to_series(click, Actor(SPEAKER), "S" * 100, "W" * 200, False)
    return sent_view(click)


# Where a view is built -> how to show it; None: a base class or helper, shown through the others.
VIEWS: dict[str, Callable[[str, Any, Any], Awaitable[nextcord.ui.View | None]] | None] = {
    "cogs/_zone.py:read_in": zone_offer,
    "cogs/_time_questions.py:TimeQuestions.ask": time_question,
    "cogs/schedule.py:Schedule.list_page": schedule_page,
    "cogs/schedule.py:Schedule.past_page": past_page,
    "cogs/schedule.py:Schedule.info": schedule_info,
    "cogs/schedule.py:with_calendar": signed_up,
    "cogs/schedule.py:Schedule.add_to_series": schedule_add_series,
    "cogs/schedule.py:ConfirmCancel": confirm_cancel,
    "cogs/opt_out.py:ConfirmForget": confirm_forget,
    "cogs/audience.py:AudienceCog.add_to_calendar": add_to_calendar,
    "cogs/feedback.py:FeedbackCog.on_comment_sent": comment_sent,
    "cogs/_confirm.py:ConfirmView": None,
    "cogs/_replies.py:PodiumView": None,
    "cogs/_components.py:view_of": None,  # the kinds' component rows as a view: schedule_page, schedule_info
    # A domain handler's reply rows (podium/components.Reply): built by the podium module that declares the button.
    "cogs/_components.py:ComponentRouter._reply": None,
}


def test_the_test_shows_every_view_podium_builds():
    assert _sites(_builds("View", "PodiumView", "ConfirmView", "view_of")) == set(VIEWS), \
        "a new view: add how to show it to VIEWS"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("site", [site for site, show in VIEWS.items() if show is not None])
async def test_every_view_is_accepted_by_discord_in_every_language(site, locale, db, clock):
    show = VIEWS[site]
    assert show is not None
    view = await show(locale, db, clock)
    assert view is not None
    _validate_message_components(view.to_components(), ["components"], 0)


# -- proactive messages -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("spec", kinds.all_specs(), ids=lambda spec: spec.name)
def test_every_kinds_components_are_accepted_by_discord_in_every_language(spec, locale, clock):
    talk = factories.talk(topic="W" * 200, starts_at=clock.now() + timedelta(hours=1), thread_id=10**18)
    for via in ("dm", "thread", "channel", None):
        body = render(RenderContext(spec.name, dict(spec.example), talk, clock.now(), clock.now(), via=via,
                                    locale=locale), mention_user_id=SPEAKER)
        _validate_message_components(body.get("components", []), ["components"], 0)


# -- labels that would be cut ----------------------------------------------------------------------------------
# Labels built from member text are cut to fit ([:80]); a catalogue label must fit whole in every language, or
# the cut hides a translation that lost its end.

LIMITS = {  # (constructor, field) -> Discord's limit
    ("Modal", "title"): 45, ("TextInput", "label"): 45, ("TextInput", "placeholder"): 100,
    ("Button", "label"): 80, ("button", "label"): 80, ("link", "label"): 80,
    ("StringSelect", "placeholder"): 150, ("talk_picker", "placeholder"): 150,
    ("SelectOption", "label"): 100, ("SelectOption", "description"): 100,
}
ASSIGNED = {"label": 80, "placeholder": 100, "title": 45}  # `label = t._(…)`, then used as one


def _catalogue_strings(node: ast.AST) -> list[str]:
    """The msgids of the t._(…) / N_(…) calls inside an expression."""
    return [call.args[0].value for call in ast.walk(node)
            if isinstance(call, ast.Call) and _name(call.func) in ("_", "N_") and call.args
            and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)]


def _labels() -> dict[str, int]:
    found: dict[str, int] = {}
    for path in sorted([*ROOT.glob("cogs/*.py"), *ROOT.glob("podium/**/*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = _name(node.func)
                fields = [(k.arg, k.value) for k in node.keywords if k.arg]
                if name in ("button", "link") and node.args:
                    fields.append(("label", node.args[0]))
                for field, value in fields:
                    if (limit := LIMITS.get((name, field))) is not None:
                        for msgid in _catalogue_strings(value):
                            found[msgid] = min(limit, found.get(msgid, limit))
            elif (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                  and (limit := ASSIGNED.get(node.targets[0].id)) is not None):
                for msgid in _catalogue_strings(node.value):
                    found[msgid] = min(limit, found.get(msgid, limit))
    return found


LABELS = _labels()


def test_the_label_scan_finds_the_labels_it_must():
    assert {"Reason (optional)", "Reschedule your talk", "🔔 Remind me", "Cancel the talk",
            "🌍 Use {zone} as my time zone"} <= set(LABELS)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_catalogue_label_fits_whole_in_every_language(locale):
    t = i18n.translator(locale)
    # A placeholder's value is counted as 20 characters (a zone name, a topic is cut to fit anyway).
    too_long = {msgid: text for msgid, limit in LABELS.items()
                if len(re.sub(r"\{[^}]*\}", "x" * 20, text := t._(msgid))) > limit}
    assert not too_long
