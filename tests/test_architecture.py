"""Rules of the architecture, held for every module (docs/architecture.md)."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.architecture_rules import DELIVERY_MAY_IMPORT

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    p for p in [*ROOT.glob("*.py"), *(ROOT / "podium").rglob("*.py"), *(ROOT / "cogs").rglob("*.py"),
                *(ROOT / "db").rglob("*.py")]
    if "fixtures" not in p.parts
)
WRITES_OUTBOX = re.compile(r"\b(insert\s+(or\s+\w+\s+)?into|update|delete\s+from|replace\s+into)\s+outbox\b", re.I)
NEXTCORD = re.compile(r"^\s*(import nextcord|from nextcord)", re.M)


NOT_OUTBOX = [p for p in SOURCES if p != ROOT / "podium" / "delivery" / "outbox.py"]


@pytest.mark.parametrize("path", NOT_OUTBOX, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_outbox_module_writes_the_outbox_table(path):
    assert not WRITES_OUTBOX.search(path.read_text(encoding="utf-8")), "write it through podium.delivery.outbox.Outbox"


DOMAIN = [p for p in SOURCES if p.is_relative_to(ROOT / "podium") or p.is_relative_to(ROOT / "db")]


@pytest.mark.parametrize("path", DOMAIN, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_domain_does_not_know_discord(path):
    assert not NEXTCORD.search(path.read_text(encoding="utf-8")), "Discord objects belong in cogs/ and bot.py"


# Loaded when first used, not at start (docs/performance.md, "Idle memory"): the calendar builder (icalendar, for
# feeds and /schedule export) and aiohttp's server (only with HTTP_PORT). Each costs the idle process MBs.
LOADED_ON_FIRST_USE = ("icalendar", "aiohttp.web")


def test_start_up_leaves_features_that_are_used_later_unimported(tmp_path):
    from tests.botprocess import TOKEN, bot_command, inherited_environ, working_dir

    # `--check` builds the whole bot (every cog and service, the command localizations) as a start does.
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *bot_command("--check")[1:]],
        cwd=working_dir(tmp_path),
        env={**inherited_environ(), "DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(tmp_path / "p.db")},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = result.stderr.splitlines()
    imported = {line.rsplit("|", 1)[1].strip() for line in lines if line.startswith("import time:")}
    assert "nextcord" in imported, result.stderr[-2000:]  # the check saw the imports at all
    assert [name for name in LOADED_ON_FIRST_USE if name in imported] == []


# -- imports between podium's modules ------------------------------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


PODIUM_MODULES = {_module_name(p): p for p in DOMAIN}


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported_modules(path: Path, *, type_checking: bool) -> set[str]:
    """The podium/db modules `path` imports: at its top and inside functions alike (a deferred import is a
    dependency all the same); those under `if TYPE_CHECKING:` only when `type_checking`.
    """
    me = _module_name(path)
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking_only(child) and not type_checking:
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    add(alias.name)
            elif isinstance(child, ast.ImportFrom):
                module = _absolute(child.module, child.level)
                for alias in child.names:
                    full = f"{module}.{alias.name}" if module else alias.name
                    if full in PODIUM_MODULES:
                        found.add(full)  # `from podium import talks`, `from .. import talks`
                    elif module:
                        add(module)
            elif isinstance(child, ast.Call) and _imports_by_name(child.func):
                # `importlib.import_module("podium.talks")`, `__import__("podium.talks")`: an import all the same.
                for arg in child.args[:1]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        add(arg.value)
            visit(child)

    def add(name: str) -> None:
        while name and name not in PODIUM_MODULES:
            name = name.rpartition(".")[0]
        if name:
            found.add(name)

    def _absolute(module: str | None, level: int) -> str:
        """`from ..x import y` in podium/delivery/render.py is `from podium.x import y`."""
        if not level:
            return module or ""
        package = me.split(".") if path.name == "__init__.py" else me.split(".")[:-1]
        base = package[: len(package) - (level - 1)]
        return ".".join([*base, module] if module else base)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(me)
    return found


def _imports_by_name(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id in ("__import__", "import_module")) or (
        isinstance(func, ast.Attribute) and func.attr == "import_module")


def test_the_import_rules_see_imports_written_any_way(tmp_path, monkeypatch):
    source = ("from . import outbox\nfrom ..talks import Talk\nimport importlib\n"
              "importlib.import_module('podium.people')\n__import__('podium.weekly')\n")
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    found = imported_modules(ROOT / "podium" / "delivery" / "render.py", type_checking=True)
    assert {"podium.delivery.outbox", "podium.talks", "podium.people", "podium.weekly"} <= found


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def connect(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph.get(module, ())):
            if other not in index:
                connect(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                other = stack.pop()
                group.append(other)
                if other == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            connect(module)
    return cycles


def test_the_cycle_finder_finds_a_cycle_through_three_modules():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(graph) == [["a", "b", "c"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_between_podium_modules():
    # Runtime imports count, at a module's top or inside a function: a function-level import that dodges a cycle at
    # start is still a cycle. `if TYPE_CHECKING:` imports do not: they are never run, and name a type, not behaviour.
    # A module that must call back into one that imports it takes a registered step instead (posts.py adds its
    # corrections with kinds.after_kept_true_post_sent and weekly.after_summary_sent).
    graph = {name: imported_modules(path, type_checking=False) for name, path in PODIUM_MODULES.items()}
    assert graph["podium.talks"], "the import graph was read at all"
    assert import_cycles(graph) == []


DELIVERY = [p for p in SOURCES if p.is_relative_to(ROOT / "podium" / "delivery")]


def _module_names_written(path: Path) -> set[str]:
    """Strings in `path` that are exactly a podium module's name: a list of modules to import by name (as
    kinds.BUILTIN_MODULES was) is a dependency on each, whoever's call imports them.
    """
    return {node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in PODIUM_MODULES}


@pytest.mark.parametrize("path", DELIVERY, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_delivery_engine_imports_no_feature(path):
    # Type-only imports count here: an annotation naming a feature's type is knowledge of that feature.
    outside = {name for name in imported_modules(path, type_checking=True) | _module_names_written(path)
               if not name.startswith(("podium.delivery", "db")) and name != "podium"}
    assert outside <= DELIVERY_MAY_IMPORT, f"features register into podium/delivery/: {outside - DELIVERY_MAY_IMPORT}"


# -- the entry point -----------------------------------------------------------------------------------------------


def _is_main_guard(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) == "__name__ == '__main__'"


def test_bot_py_top_level_only_defines_names():
    # `python bot.py` runs bot.py as __main__ and hands over to cli.main(), which imports bot.py again as `bot`. The
    # unused __main__ copy is harmless only while the top of bot.py defines names and calls nothing (no
    # registration, no sys.modules patch): a call here would run twice.
    from tests.botprocess import BOT_PY

    tree = ast.parse(BOT_PY.read_text(encoding="utf-8"))
    definitions = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign,
                   ast.AnnAssign)
    docstring = tree.body[0]
    others = [node for node in tree.body[1:] if not isinstance(node, definitions) and not _is_main_guard(node)]
    assert isinstance(docstring, ast.Expr) and isinstance(docstring.value, ast.Constant)
    assert [ast.unparse(node)[:80] for node in others] == []
    guards = [node for node in tree.body if _is_main_guard(node)]
    assert len(guards) == 1
    guard = ast.unparse(guards[0])
    assert "sys.modules" not in guard and "cli.main()" in guard, guard


# -- modules with the same name on both sides of the Discord boundary ----------------------------------------------


def _pair_name(path: Path) -> str:
    return path.stem.removeprefix("_")


_DOMAIN_NAMED = {_pair_name(p): p for p in (ROOT / "podium").rglob("*.py") if p.stem != "__init__"}
_DISCORD_NAMED = {_pair_name(p): p for p in (ROOT / "cogs").rglob("*.py") if p.stem != "__init__"}
PAIRS = sorted((_DOMAIN_NAMED[name], _DISCORD_NAMED[name]) for name in _DOMAIN_NAMED.keys() & _DISCORD_NAMED.keys())


def test_the_pairs_are_found():
    assert {_pair_name(domain) for domain, _ in PAIRS} >= {"audience", "scheduled_events", "components"}


@pytest.mark.parametrize(("domain", "discord"), PAIRS, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_pair_of_modules_says_which_side_each_is(domain, discord):
    # Two files named alike read as one; the first line of each says its side and names the other.
    first = {path: (ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or "").splitlines()[:1]
             for path in (domain, discord)}
    assert first[domain] and first[domain][0].startswith("Domain side"), first[domain]
    assert f"(Discord side: {discord.relative_to(ROOT)})" in first[domain][0]
    assert first[discord] and first[discord][0].startswith("Discord side"), first[discord]
    assert f"(domain side: {domain.relative_to(ROOT)})" in first[discord][0]


# -- thin cogs -----------------------------------------------------------------------------------------------------

COGS = [p for p in SOURCES if p.is_relative_to(ROOT / "cogs")]


def _reaches_into_a_service(tree: ast.AST) -> list[str]:
    """`services.<service>.<attribute>` read but not called (settings aside: configuration values), or anything
    private of a service: what the cog takes out of a service instead of asking it.
    """
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)):
            continue
        holder = node.value.value
        if not (isinstance(holder, ast.Attribute | ast.Name) and
                (holder.attr if isinstance(holder, ast.Attribute) else holder.id) == "services"):
            continue
        if node.attr.startswith("_") or (id(node) not in called and node.value.attr != "settings"):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_the_reach_finder_finds_an_engine_attribute():
    tree = ast.parse("t = self.services.dispatcher.transport\nself.services.clock.now()\n"
                     "services.settings.guild_ids\nself.services.people._locales.clear()")
    assert _reaches_into_a_service(tree) == ["line 1: self.services.dispatcher.transport",
                                             "line 4: self.services.people._locales"]


@pytest.mark.parametrize("path", COGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_cog_asks_a_service_and_takes_nothing_out_of_it(path):
    assert _reaches_into_a_service(ast.parse(path.read_text(encoding="utf-8"))) == [], "give the domain a method"


# -- custom ids ----------------------------------------------------------------------------------------------------


def _custom_id_read_by_hand(tree: ast.AST) -> list[str]:
    """`….data.get("custom_id")` or `….data["custom_id"]`: a click's custom id read past `custom_id_of`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            source, key = node.func.value, node.args[0] if node.args else None
        elif isinstance(node, ast.Subscript):
            source, key = node.value, node.slice
        else:
            continue
        if isinstance(key, ast.Constant) and key.value == "custom_id" and ".data" in ast.unparse(source):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_the_custom_id_finder_finds_a_cast_by_hand():
    tree = ast.parse('str(cast(dict[str, Any], interaction.data or {}).get("custom_id", ""))\n'
                     'interaction.data["custom_id"]\nitem["custom_id"]\ncustom_id_of(interaction)')
    assert len(_custom_id_read_by_hand(tree)) == 2


# cogs/_components.py is where `custom_id_of` reads it; everywhere else asks it.
CLICK_READERS = [p for p in SOURCES if (p in COGS or p.parent == ROOT) and p != ROOT / "cogs" / "_components.py"]


@pytest.mark.parametrize("path", CLICK_READERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_clicks_custom_id_is_read_through_custom_id_of(path):
    assert _custom_id_read_by_hand(ast.parse(path.read_text(encoding="utf-8"))) == [], "use custom_id_of"


def test_the_import_rules_see_a_relative_import_of_a_feature(monkeypatch):
    # Review 22 (r22a), kept beside the rules it checks: read with `child.level == 0` only, `from .. import talks`
    # in podium/delivery/render.py (or `from . import audience` in a feature) was invisible to the cycle and the
    # "delivery imports no feature" rules. A rule that a one-dot edit dodges cannot fail.
    path = ROOT / "podium" / "delivery" / "render.py"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: "from .. import talks\n")
    assert "podium.talks" in imported_modules(path, type_checking=True)
