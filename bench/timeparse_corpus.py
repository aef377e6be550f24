"""The time-input corpus against the parser: how many entries are read as meant, asked, refused, misread; and how fast.

Run from the repository root: .venv/bin/python bench/timeparse_corpus.py [--rounds 5] [--show refuse,misread]
Another version of the module: --module /tmp/timeparse_before.py (from `git show REV:podium/timeparse.py`).
Targets (the time-input issue): misread 0; refused <= 10 % of the plausible entries; parse p99 <= 5 ms after warm-up.
The corpus and its categories: tests/podium/timeparse_corpus.py; the rules: docs/time-input.md.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import inspect
import statistics
import sys
import time
from collections import Counter
from types import ModuleType

from _common import ROOT, percentile

from tests.podium.timeparse_corpus import CASES, HELD_OUT, ZONE, judge, outcome, pinned

OUTCOMES = ("agree", "ask", "refuse", "misread")


def load(path: str | None) -> ModuleType:
    """podium.timeparse, or a module file given on the command line (an older version, say)."""
    if path is None:
        from podium import timeparse

        return timeparse
    spec = importlib.util.spec_from_file_location("timeparse_under_test", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def breakdown(pairs: list[tuple[str, str, str]]) -> str:
    """What the agreeing entries were, and what kind of misreads there were: (verdict, meant kind, got kind)."""
    agreed = Counter(got for verdict, _, got in pairs if verdict == "agree")
    wrong = Counter(
        "a guess where the corpus asks" if meant == "ask" and got == "read"
        else "a question without the meant reading" if got == "ask"
        else "a reading of a refuse-worthy entry" if meant == "refuse"
        else "a different instant"
        for verdict, meant, got in pairs
        if verdict == "misread"
    )  # fmt: skip
    text = f"agree = {agreed['read']} instants + {agreed['ask']} questions + {agreed['refuse']} refusals"
    if wrong:
        text += "; misread = " + " + ".join(f"{count} {kind}" for kind, count in sorted(wrong.items()))
    return text


def counts_line(label: str, verdicts: list[tuple[bool, str]]) -> str:
    counts = Counter(verdict for _, verdict in verdicts)
    plausible = [verdict for is_plausible, verdict in verdicts if is_plausible]
    refused = sum(1 for verdict in plausible if verdict == "refuse")
    parts = ", ".join(f"{name} {counts[name]}" for name in OUTCOMES)
    rate = 100 * refused / len(plausible) if plausible else 0.0
    share = f"refused {refused}/{len(plausible)} plausible = {rate:.1f} %"
    return f"{label:<4} {len(verdicts):>4} entries: {parts}; {share}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", help="a timeparse module file to measure instead of podium.timeparse")
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over the corpus after warm-up")
    parser.add_argument("--show", default="misread,refuse,ask", help="outcomes to list entry by entry ('' for none)")
    args = parser.parse_args()
    module = load(args.module)
    print(f"parser: {args.module or 'podium.timeparse'}; corpus: {len(CASES)} entries, zone {ZONE}")
    warm = getattr(module, "warm_up", None)
    if warm is not None:
        print(f"warm_up(): {warm() * 1000:.0f} ms")

    verdicts: dict[str, list[tuple[bool, str]]] = {"all": [], "en": [], "de": [], "held": []}
    held_out = set(HELD_OUT)
    shown = {name for name in args.show.split(",") if name}
    lines = []
    kinds: list[tuple[str, str, str]] = []
    for case in CASES:
        got = outcome(case, module)
        verdict = judge(case, got)
        kinds.append((verdict, case.kind, got.kind))
        for key in ("all", case.lang, *(("held",) if case in held_out else ())):
            verdicts[key].append((case.plausible, verdict))
        if verdict in shown:
            expected = f"{case.kind} {' | '.join(case.walls)}".strip()
            found = f"{got.kind} {' | '.join(got.walls)}".strip()
            note = f" [known: {case.known}]" if case.known else ""
            where = f"{case.lang} {case.locale or '-'} {case.at[11:]}"
            lines.append(f"  {verdict:<8} {where} {case.text!r}: meant {expected}; got {found}{note}")
    for key in ("all", "en", "de", "held"):
        print(counts_line(key, verdicts[key]))
    print(f"all: {breakdown(kinds)}")
    if lines:
        print("entries not read as meant:")
        print("\n".join(sorted(lines)))

    timings: list[float] = []
    takes_locale = "locale" in inspect.signature(module.parse_when).parameters
    calls = [(case, pinned(case.at), {"locale": case.locale} if takes_locale else {}) for case in CASES]
    for _ in range(args.rounds):
        for case, now, kwargs in calls:
            start = time.perf_counter()
            with contextlib.suppress(module.TimeInputError):
                module.parse_when(case.text, zone=ZONE, now=now, **kwargs)
            timings.append(time.perf_counter() - start)
    ms = [t * 1000 for t in timings]
    print(
        f"parse time per expression ({len(ms)} calls, {args.rounds} rounds): p50 {statistics.median(ms):.3f} ms, "
        f"p95 {percentile(ms, 95):.3f} ms, p99 {percentile(ms, 99):.3f} ms, max {max(ms):.3f} ms"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
