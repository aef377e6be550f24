"""The time-input corpus against podium.timeparse: nothing misread, nothing read as meant may regress.

The corpus and what each entry means: tests/podium/timeparse_corpus.py. Counts and timings: bench/timeparse_corpus.py.
"""

from __future__ import annotations

import re

import pytest

from podium import timeparse
from tests.podium.timeparse_corpus import CASES, ZONE, Case, judge, outcome, pinned

# Refused plausible entries, at most (the target).
MAX_REFUSED_SHARE = 0.10


def case_id(case: Case) -> str:
    return f"{case.lang}-{case.locale or 'none'}-{case.at[11:]}-{case.text}"


class KnownShortfall(Exception):
    """A plausible entry the parser does not read yet, in the accepted way (`known=`): an xfail, not a pass."""


def with_shortfalls(cases: list[Case]) -> list[object]:
    """Known shortfalls show as xfail; strict, so a parser that starts reading one as meant is noticed."""
    return [pytest.param(case, marks=pytest.mark.xfail(raises=KnownShortfall, strict=True,
                                                      reason=f"known shortfall: {case.known}"))
            if case.known else case for case in cases]


@pytest.mark.parametrize("case", with_shortfalls(CASES), ids=case_id)
def test_corpus_entry_is_read_as_meant(case):
    got = outcome(case, timeparse)
    verdict = judge(case, got)
    detail = f"meant {case.kind} {case.walls}, got {got.kind} {got.walls}: {got.message}"
    assert verdict != "misread", detail  # an AssertionError: never the expected xfail
    if verdict != "agree" and verdict == case.known:
        raise KnownShortfall(detail)
    assert verdict == "agree", detail


def test_refused_plausible_entries_stay_under_the_target():
    plausible = [case for case in CASES if case.plausible]
    refused = [case.text for case in plausible if outcome(case, timeparse).kind == "refuse"]
    assert len(refused) <= MAX_REFUSED_SHARE * len(plausible), refused


def test_the_corpus_is_big_enough_and_has_german():
    assert len(CASES) >= 300
    assert sum(1 for case in CASES if case.lang == "de") >= 60
    assert len({(case.text, case.locale, case.at) for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [case for case in CASES if case.kind == "ask"], ids=case_id)
def test_every_question_in_the_corpus_suggests_inputs_that_read_back(case):
    now = pinned(case.at)
    with pytest.raises(timeparse.AmbiguousTimeError) as caught:
        timeparse.parse_when(case.text, zone=ZONE, now=now, locale=case.locale)
    examples = re.findall(r"`([^`]+)`", str(caught.value))
    assert len(examples) == len(caught.value.readings)
    for reading, example in zip(caught.value.readings, examples, strict=True):
        assert reading.label and reading.label in str(caught.value)
        # Examples are in the language the text was read in: a German member is given German inputs.
        assert timeparse.parse_when(example, zone=ZONE, now=now, locale=case.locale).when == reading.when, example
