"""Posts in a channel or a thread speak to everyone there: third person, never "you" (issue 21 §1).

Every kind is rendered from its example as a post (in the channel and in a thread, with the channel audience where
a kind has one) in every shipped language; none may address the reader as "you". The kinds written to one person,
which reach a channel only as a fallback that mentions that person, are the exceptions, named below.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from datetime import timedelta

import pytest

from podium import i18n
from podium.delivery import kinds
from podium.delivery.render import RenderContext, render
from tests import factories

# Written to one person (the speaker, a member's own reminder, the operator's log): when a DM is refused they are
# posted with that person's mention, and speak to them.
TO_ONE_PERSON = {"talk_reminder", "personal_reminder", "speaker_notice", "log", "test", "seat_offer",
                 # Issue 23: the decision on a sign-up, and "are you still giving it?", are the speaker's.
                 "approval_notice", "speaker_confirmation"}
# Never posted at all (a refused DM is skipped: KindSpec.announce_fallback is False and the row has no channel).
TO_ONE_PERSON |= {"feedback_summary",
                  # Issue 23: "you have a seat" when a seat limit is removed or raised (podium/seats.py).
                  "seat_given"}
# Second-person words of each shipped language (whole words, any case).
SECOND_PERSON = {
    "en": r"you|your|yours|yourself|you'll|you're|you've",
    "de": r"du|dir|dich|dein|deine|deinen|deinem|deiner|deines",
}
POSTS = [spec for spec in kinds.all_specs() if spec.name not in TO_ONE_PERSON and spec.act is None]


def test_every_shipped_language_has_its_second_person_words():
    assert set(i18n.languages()) <= set(SECOND_PERSON), "add the language's second-person words"


def texts(body: dict) -> list[str]:
    found = [body.get("content") or ""]
    for embed in body.get("embeds") or []:
        found += [embed.get("title") or "", embed.get("description") or "", (embed.get("footer") or {}).get("text", "")]
        found += [f.get("name", "") + " " + f.get("value", "") for f in embed.get("fields") or []]
    for row in body.get("components") or []:
        for item in row.get("components") or []:
            found += [item.get("label") or "", item.get("placeholder") or ""]
            found += [option.get("label", "") for option in item.get("options") or []]
    return found


@pytest.mark.parametrize("language", i18n.languages())
@pytest.mark.parametrize("spec", POSTS, ids=lambda s: s.name)
def test_no_post_in_a_channel_or_thread_says_you(spec, language, clock):
    scheduled = factories.talk(topic="Intro to Rust", starts_at=clock.now() + timedelta(hours=1), thread_id=10**18,
                               description="About Rust")
    payload = dict(spec.example)
    if "audience" in payload or spec.name in ("reschedule_notice", "cancel_notice"):
        payload["audience"] = "channel"
    forbidden = re.compile(rf"(?<![\w'])(?:{SECOND_PERSON[language]})(?![\w'])", re.IGNORECASE)
    # A cancelled talk too: its posts are edited to say so (podium/posts.py).
    for via, talk in itertools.product(("channel", "thread"), (scheduled, replace(scheduled, state="cancelled"))):
        ctx = RenderContext(spec.name, payload, talk, clock.now(), clock.now(), via=via, locale=language)
        # Button labels speak for the clicker ("Can't make it / stop reminding me"): only the post's own text counts.
        # And as it is edited once its talk changed (KindSpec.kept_true).
        for body in [render(ctx, mention_user_id=None)] + (
                [render(ctx, mention_user_id=None, kept_true=True)] if spec.kept_true is not None else []):
            for text in texts({**body, "components": []}):
                found = forbidden.search(text)
                assert found is None, f"{spec.name} ({language}, {via}) says {found.group(0)!r}: {text!r}"
