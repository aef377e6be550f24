"""Who may change a talk: one function, every door through it (found in the code, not listed by hand here)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from podium import talks as talks_module
from podium.delivery.outbox import Outbox
from podium.talk_model import TalkError
from podium.talks import ACTIONS, Actor, TalkService, authorize, default_hooks, refusal
from tests import factories
from tests.botprocess import BOT_PY

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(ROOT / "cogs").rglob("*.py"), *(ROOT / "podium").rglob("*.py"), BOT_PY, ROOT / "cli.py"])
# TalkService's methods that change a talk (move_to_slot: "Pick another" moves a series claim, issue 23; refit_slot:
# a series' changed slots bring its claimed talks to their slot's time and length).
WRITERS = ("add", "reschedule", "cancel", "edit", "set_links", "move_to_slot", "refit_slot")
ASKING = ("authorize", "refusal")
SPEAKER, OTHER, MODERATOR, BOT = 1, 2, 3, 999

# Writes of `talks` that are no change of a talk by anyone: links to what Discord made, flags, the hourly `done`.
# Each says why; none may touch what a member changes (time, speaker, topic, length, description, cancellation).
SYSTEM_WRITES = {
    ("podium/delivery/dispatcher.py", "Dispatcher._talk_thread"): "the thread Podium made for the talk",
    ("podium/delivery/dispatcher.py", "Dispatcher._forget_target"): "that thread was deleted in Discord",
    ("podium/housekeeping.py", "tidy"): "talks that are over are marked done",
    ("podium/weekly.py", "mark_announced"): "a summary listed them: announced",
    ("podium/audience.py", "_mark_announced"): "the new-talk post went out: announced",
    ("podium/audience.py", "_forget_deleted_thread"): "the talk's thread was deleted in Discord",
    ("podium/scheduled_events.py", "_store_event_id"): "the event Podium made (or found) for the talk",
    ("podium/scheduled_events.py", "ScheduledEvents._put_back"): "a cancelled event is replaced by a new one",
}
# Writes of `talks` outside the service by the doors of podium/workflow.py (issue 23 §3, §4), each its own rule:
# deciding a sign-up asks `authorize` ("approve"/"decline", moderators) in the same function; releasing a talk
# whose speaker did not confirm is the server's own setting acting (release-unconfirmed), nobody's change.
WORKFLOW_WRITES = {
    ("podium/workflow.py", "Workflow._decide"): "approve or decline a sign-up: asks the rule itself",
    # Reached when the moderators' line is sent and when it has nowhere to go (no log channel): either way.
    ("podium/workflow.py", "_went_unanswered"): "the server chose to release talks whose speaker did not confirm",
}
MEMBER_COLUMNS = ("starts_at_ms", "speaker_id", "topic", "duration_minutes", "description", "'cancelled'",
                  "created_by", "updated_by")
TALK_WRITE = re.compile(r"\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+talks\b", re.IGNORECASE)


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@dataclass(frozen=True)
class Site:
    path: str
    function: str  # qualified: Class.method
    node: ast.AST


def sites(predicate) -> list[Site]:
    """Every node of the sources for which `predicate(node)` holds, with the function it is in."""
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def walk(node: ast.AST, scope: tuple[str, ...], path: Path = path) -> None:
            for child in ast.iter_child_nodes(node):
                named = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                inner = (*scope, child.name) if named else scope  # type: ignore[union-attr]
                if predicate(child):
                    found.append(Site(relative(path), ".".join(inner), child))
                walk(child, inner)

        walk(tree, ())
    return found


def writer_calls() -> list[Site]:
    """Calls of a TalkService writer: `….talks.add(…)`, `self.talks.cancel(…)` and so on."""
    def is_writer_call(node: ast.AST) -> bool:
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITERS
                and ast.unparse(node.func.value).endswith("talks"))
    return [site for site in sites(is_writer_call) if site.path != "podium/talks.py"]


def asking_functions() -> set[tuple[str, str]]:
    """Functions outside the service that ask the rule before acting, directly or through a method of theirs."""
    def is_ask(node: ast.AST) -> bool:
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ASKING
    direct = {(site.path, site.function) for site in sites(is_ask) if site.path != "podium/talks.py"}
    helpers = {(path, function.rsplit(".", 1)[-1]) for path, function in direct}

    def calls_helper(node: ast.AST) -> bool:
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "self")
    through = {(site.path, site.function) for site in sites(calls_helper)
               if (site.path, site.node.func.attr) in helpers}  # type: ignore[attr-defined]
    # A private helper is no door itself; the methods calling it are.
    return {(path, function) for path, function in direct | through if not function.rsplit(".", 1)[-1].startswith("_")}


def documented_doors() -> set[tuple[str, str]]:
    """The `path:Class.method` references of docs/architecture.md's table of doors."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Who may change a talk", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "`" in line]
    return {(path, function) for row in rows
            for path, function in re.findall(r"`((?:cogs|podium)/[\w/]+\.py):([\w.]+)`", row.split("|")[2])}


# -- every door goes through the one function -------------------------------------------------------------------


def test_every_door_that_changes_a_talk_is_in_the_table_and_asks_the_rule():
    """A new call of a TalkService writer, or a new place asking the rule, fails here until the table names it."""
    doors = {(site.path, site.function) for site in writer_calls()} | asking_functions()
    assert doors, "the enumeration found nothing: it is broken"
    assert doors == documented_doors()
    # The service's writers are the only ways in from the Discord side, the Events UI and imports included.
    # Issue 23 added podium/series.py's and podium/workflow.py's doors: moving a series' claimed talks, deciding a
    # sign-up, the speaker's "still coming" answer.
    assert {"cogs/scheduled_events.py", "cogs/schedule.py", "cogs/audience.py", "podium/scheduled_events.py",
            "podium/series.py", "podium/workflow.py", "podium/slots.py", "cogs/slots.py"} >= {
        path for path, _ in doors}


def test_every_writer_of_the_service_asks_the_rule_itself():
    """Each public TalkService method that writes a talk calls `authorize` (directly or through `_editable`)."""
    tree = ast.parse((ROOT / "podium" / "talks.py").read_text(encoding="utf-8"))
    [service] = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "TalkService"]
    methods = {node.name: node for node in service.body if isinstance(node, ast.AsyncFunctionDef)}

    def calls(node: ast.AST) -> set[str]:
        return {ast.unparse(call.func) for call in ast.walk(node) if isinstance(call, ast.Call)}

    assert "authorize" in calls(methods["_editable"])
    writing = {name for name, node in methods.items() if not name.startswith("_")
               and any(isinstance(c, ast.Constant) and isinstance(c.value, str) and TALK_WRITE.search(c.value)
                       for c in ast.walk(node))}
    assert writing == set(WRITERS)
    for name in writing:
        assert {"authorize", "self._editable"} & calls(methods[name]), f"TalkService.{name} does not ask the rule"


def test_nothing_else_writes_what_a_member_changes():
    """Every SQL write of `talks` outside the service is a declared system write touching no member's field."""
    def writes_talks(node: ast.AST) -> bool:
        return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(TALK_WRITE.search(node.value))
    outside = [site for site in sites(writes_talks) if site.path != "podium/talks.py"
               or not site.function.startswith(tuple(f"TalkService.{name}" for name in WRITERS))]
    assert outside
    for site in [site for site in outside if (site.path, site.function) in WORKFLOW_WRITES]:
        if site.function == "Workflow._decide":
            source = ast.unparse(next(s.node for s in sites(lambda n: isinstance(n, ast.AsyncFunctionDef)
                                                                     and n.name == "_decide")))
            assert "authorize(" in source
    outside = [site for site in outside if (site.path, site.function) not in WORKFLOW_WRITES]
    for site in outside:
        key = (site.path, site.function)
        assert key in SYSTEM_WRITES, f"{key} writes talks without the rule: {site.node.value!r}"  # type: ignore
        sql = site.node.value  # type: ignore[attr-defined]
        # Only UPDATEs (no talk is made or deleted behind the rule), and what they set is no member's field.
        assigned = re.search(r"\bUPDATE\s+talks\s+SET\b(.*?)(\bWHERE\b|$)", sql, re.IGNORECASE | re.DOTALL)
        assert assigned is not None, f"{key} makes or deletes talks: {sql!r}"
        assert not any(column in assigned.group(1) for column in MEMBER_COLUMNS), f"{key} changes {sql!r}"
    assert {(site.path, site.function) for site in outside} == set(SYSTEM_WRITES)  # no stale entry


def test_no_door_makes_anyone_a_moderator_by_itself():
    """Only a computation of rights makes a moderator: no `Actor(…, is_moderator=True)` in the code (the bot was)."""
    def constant_moderator(node: ast.AST) -> bool:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Actor"):
            return False
        values = [k.value for k in node.keywords if k.arg == "is_moderator"] + node.args[1:2]
        return any(isinstance(v, ast.Constant) and v.value is True for v in values)
    assert sites(constant_moderator) == []
    for site in writer_calls():
        # A variable (computed above: the clicker, the audit log's author) or the command's rights, computed here.
        [actor] = [k.value for k in site.node.keywords if k.arg == "actor"]  # type: ignore[attr-defined]
        computed = isinstance(actor, ast.Await) and ast.unparse(actor.value).startswith(("self.actor(",
                                                                                         "self.cog.actor("))
        assert isinstance(actor, ast.Name) or computed, f"{site.path}:{site.function} acts as {ast.unparse(actor)}"


@pytest.fixture
def service(db, clock):
    outbox = Outbox(db)
    return TalkService(db, outbox, clock, default_hooks(outbox))


async def test_the_service_asks_the_rule_for_each_change(db, clock, service, monkeypatch):
    """Run each writer: the rule is asked with the action it is, before anything is stored."""
    await factories.add_guild(db)
    asked: list[tuple[int, str]] = []

    def recording(actor, action, talk=None, *, speaker_id=None):
        asked.append((actor.user_id, action))
        authorize(actor, action, talk, speaker_id=speaker_id)

    monkeypatch.setattr(talks_module, "authorize", recording)
    speaker = Actor(SPEAKER)
    start = clock.now() + timedelta(days=2)
    talk = await service.add(guild_id=factories.GUILD, actor=speaker, speaker_id=SPEAKER, topic="Rust",
                             starts_at=start)
    await service.reschedule(guild_id=factories.GUILD, actor=speaker, talk_id=talk.id,
                             starts_at=start + timedelta(hours=1))
    await service.edit(guild_id=factories.GUILD, actor=speaker, talk_id=talk.id, topic="Rust 2")
    with pytest.raises(TalkError, match="Only moderators can give"):
        await service.edit(guild_id=factories.GUILD, actor=speaker, talk_id=talk.id, speaker_id=OTHER)
    with pytest.raises(TalkError, match="Only the speaker or a moderator"):
        await service.cancel(guild_id=factories.GUILD, actor=Actor(OTHER), talk_id=talk.id)
    await service.cancel(guild_id=factories.GUILD, actor=speaker, talk_id=talk.id)
    with pytest.raises(TalkError, match="can import events"):
        await service.add(guild_id=factories.GUILD, actor=speaker, speaker_id=SPEAKER, topic="Go",
                          starts_at=start + timedelta(days=1), event_id=77)
    # Links (issue 24): asked on a talk that took place too, the archive's main use.
    other = await service.add(guild_id=factories.GUILD, actor=speaker, speaker_id=SPEAKER, topic="Go",
                              starts_at=start + timedelta(days=3))
    clock.advance(timedelta(days=4))
    with pytest.raises(TalkError, match="Only the speaker or a moderator"):
        await service.set_links(guild_id=factories.GUILD, actor=Actor(OTHER), talk_id=other.id,
                                slides="https://example.org/s")
    await service.set_links(guild_id=factories.GUILD, actor=speaker, talk_id=other.id, slides="https://example.org/s")
    assert asked == [(SPEAKER, "add"), (SPEAKER, "reschedule"), (SPEAKER, "edit"), (SPEAKER, "give"),
                     (OTHER, "cancel"), (SPEAKER, "cancel"), (SPEAKER, "import"), (SPEAKER, "add"),
                     (OTHER, "links"), (SPEAKER, "links")]
    assert int(await db.fetchval("SELECT count(*) FROM talks")) == 2  # the refused import stored nothing


# -- the rule, as a table -----------------------------------------------------------------------------------------

ACTOR_KINDS = {
    "a member": Actor(OTHER),
    "a moderator": Actor(MODERATOR, is_moderator=True),
    # Since issue 20 an edit in Discord's Events is its author's, never the bot's; the bot is no moderator.
    "the bot": Actor(BOT),
}
EVERYTHING = set(ACTIONS)
SPEAKERS_OWN = {"add", "reschedule", "cancel", "edit", "confirm", "links"}
# (actor kind, whose talk) → the actions allowed. "own": the actor speaks at it (for `add`: names themselves).
ALLOWED = {
    ("a member", "own"): SPEAKERS_OWN,
    ("a member", "someone else's"): set(),
    ("a moderator", "own"): EVERYTHING,
    ("a moderator", "someone else's"): EVERYTHING,
    ("the bot", "own"): SPEAKERS_OWN,
    ("the bot", "someone else's"): set(),
}
REASONS = {
    "add": "Only moderators can sign someone else up",
    "give": "Only moderators can give a talk to another speaker",
    "import": "Only moderators (Manage Events, Manage Server or the moderator role) can import events",
    "reschedule": "Only the speaker or a moderator",
    "cancel": "Only the speaker or a moderator",
    "edit": "Only the speaker or a moderator",
    "confirm": "Only the speaker or a moderator",
    # Not even their own: approval held a member's sign-up precisely so that someone else decides it.
    "approve": "Only moderators (Manage Events, Manage Server or the moderator role) can approve or decline",
    "decline": "Only moderators (Manage Events, Manage Server or the moderator role) can approve or decline",
    "links": "Only the speaker or a moderator",
}


@pytest.mark.parametrize("whose", ["own", "someone else's"])
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("kind", list(ACTOR_KINDS))
def test_the_rule(kind, action, whose):
    actor = ACTOR_KINDS[kind]
    speaker = actor.user_id if whose == "own" else SPEAKER
    talk = factories.talk(speaker_id=speaker)
    reason = refusal(actor, action, talk, speaker_id=speaker)
    if action in ALLOWED[kind, whose]:
        assert reason is None
        authorize(actor, action, talk, speaker_id=speaker)
    else:
        assert reason is not None and str(reason).startswith(REASONS[action])
        with pytest.raises(TalkError):
            authorize(actor, action, talk, speaker_id=speaker)
