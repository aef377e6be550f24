"""Member text stays text: nothing a member types becomes a link, heading, quote, list, mention or code in a post.

Differential property over every kind's renderer and every shipped language: a message rendered with hostile
member text (topic, reason, reminder text, description) holds no more live markup characters (those not escaped by
a backslash) and line breaks than the same message rendered with plain letters in their place (it may hold fewer:
escaped text is longer, so less of a list fits). Whatever the member brings is escaped, so it cannot open or close
Podium's own bold, start a heading or make a link.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from podium import i18n
from podium.delivery import kinds
from podium.delivery.render import RenderContext, render
from podium.markup import inert, quote
from tests import factories
from tests.podium.checks import DISCORD_MARKUP, LIVE, live_characters

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
HOSTILE = st.sampled_from([
    "[Claim your Nitro](https://evil.example/login)", "\n# SERVER MOVED\n", "> join", "-# small", "||spoiler||",
    "```code```", "`x`", "<@123>", "<@&456>", "<#789>", "<t:1:R>", "@everyone", "@here", "https://evil.example",
    "1. item", "- item", "* item", "~~gone~~", "__u__", "**b**", "\\", "\u2028", "\r\n", "<https://x.y>", "</c:1>",
])
PIECES = st.one_of(HOSTILE, st.text(alphabet="".join(sorted(LIVE)) + "ab 1.", min_size=1, max_size=12))


# Text an operator queued (POST /api/proactive/run, a benchmark), not a member: posted as written.
OPERATOR_TEXT = {"test"}


def hostile(max_size: int) -> st.SearchStrategy[str]:
    return st.lists(PIECES, min_size=1, max_size=12).map("".join).map(lambda t: t[:max_size]).filter(str.strip)


def rendered(spec: kinds.KindSpec, text: str, locale: str, description: str | None) -> list[dict[str, Any]]:
    talk = factories.talk(topic=text, description=description, starts_at=NOW + timedelta(hours=1))
    payload = dict(spec.example)
    for key in ("topic", "text", "reason"):
        if key in payload:
            payload[key] = text
    if "talks" in payload:
        payload["talks"] = [{**t, "topic": text} for t in payload["talks"]]
    bodies = []
    for via in ("dm", "thread", "channel"):
        ctx = RenderContext(spec.name, payload, talk, NOW, NOW, via=via, locale=locale)
        bodies.append(render(ctx, mention_user_id=42))
        if spec.kept_true is not None:  # the post as edited once its talk changed, too
            bodies.append(render(ctx, mention_user_id=None, kept_true=True))
    return bodies


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(text="[Claim your Nitro](https://evil.example/login)")
@example(text="x\n# SERVER MOVED\n> join [here](https://evil.example)")
@given(text=hostile(200))
def test_member_text_adds_no_live_markup_to_any_message_in_any_language(text):
    # Plain letters taking as much room as the text escaped, with its line breaks: lists fit and clip alike.
    plain = "".join("aa" if char in DISCORD_MARKUP else char if char.isspace() else "a" for char in text)
    for spec in kinds.all_specs():
        if spec.name in OPERATOR_TEXT:
            continue
        for language in i18n.languages():
            locale = i18n.discord_locale(language)
            got = rendered(spec, text, locale, description=text)
            baseline = rendered(spec, plain, locale, description=plain)
            for hostile_body, plain_body in zip(got, baseline, strict=True):
                # Hostile text may leave less room (it takes more characters escaped), never more live markup.
                added = live_characters(hostile_body) - live_characters(plain_body)
                assert not added, (spec.name, language, added)


@given(text=st.text(max_size=300))
def test_inert_escapes_every_markup_character_and_keeps_the_text(text):
    escaped = inert(text)
    assert not set(re.sub(r"\\.", "", escaped, flags=re.DOTALL)) & LIVE
    # Unescaping gives back the text, line breaks as spaces.
    breaks = r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]"
    assert re.sub(r"\\(.)", r"\1", escaped, flags=re.DOTALL) == re.sub(breaks, " ", text)


def test_the_reported_topic_and_reason_are_plain_text():
    assert quote("[Claim your Nitro](https://evil.example/login)") == (
        "**\\[Claim your Nitro\\]\\(https\\://evil.example/login\\)**"
    )
    assert inert("x\n# SERVER MOVED\n> join [here](https://evil.example)") == (
        "x \\# SERVER MOVED \\> join \\[here\\]\\(https\\://evil.example\\)"
    )
    assert inert("1. first\n2. second", one_line=False) == "1\\. first\n2\\. second"
