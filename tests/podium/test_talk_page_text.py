"""Member text on the web page is text, for any text: a property test over topics, names, descriptions and links."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from db import Database
from podium.clock import ManualClock
from podium.talk_model import has_control_character
from podium.talk_page import LOCAL_TIMES_JS, TalkPages, web_link
from tests.factories import GUILD, add_talk

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
HTML_BITS = "<>&\"'=/ \n;:"
TRICKY = st.sampled_from(["<script>", "</title>", "javascript:", "\"><svg onload=x>", "{{ 7*7 }}", "{% raw %}",
                          "&amp;", "<!--", "]]>", "\u202e", "🎤", "https://x.example/?a=1&b=2"])
PIECES = st.one_of(st.text(alphabet=HTML_BITS, min_size=1, max_size=20), TRICKY, st.text(min_size=1, max_size=10))


def member_text(max_size: int, lines: bool = False) -> st.SearchStrategy[str]:
    """Text a member could type (control characters are refused at input, line breaks but in descriptions)."""
    return (st.lists(PIECES, min_size=1, max_size=40).map("".join).map(lambda t: t[:max_size].strip())
            .filter(lambda t: bool(t) and not has_control_character(t, allowed="\n" if lines else "")))


# Every element the templates write; member text must add none.
TAGS = {"html", "head", "meta", "title", "link", "style", "body", "a", "header", "h1", "h2", "h3", "p", "main",
        "section", "ol", "li", "ul", "form", "div", "label", "input", "button", "nav", "time", "script"}


class Parsed(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.hrefs: list[str] = []
        self.h1: list[str] = []
        self.h3: list[str] = []
        self.scripts: list[str] = []
        self.meta: dict[str, str] = {}
        self._in: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        values = dict(attrs)
        if tag == "a":
            self.hrefs.append(values.get("href") or "")
        if tag == "meta" and "property" in values:
            self.meta[values["property"]] = values.get("content") or ""
        if tag in ("h1", "h3", "script"):
            self._in, self._text = tag, ""

    def handle_endtag(self, tag):
        if tag == self._in:
            {"h1": self.h1, "h3": self.h3, "script": self.scripts}[tag].append(self._text)
            self._in = None

    def handle_data(self, data):
        if self._in:
            self._text += data


async def pages_of(topic: str, speaker: str, description: str, link: str) -> tuple[str, str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "podium.db")
        try:
            clock = ManualClock(NOW)
            talk_id = await add_talk(db, starts_at=NOW - timedelta(days=1), topic=topic, speaker_name=speaker,
                                     description=description, slides_url=link, recording_url=link)
            pages = TalkPages(db, clock, "https://podium.example.org")
            page = await pages.turn_on(GUILD)
            index = (await pages.index(page)).body().decode()
            searched = (await pages.index(page, query=topic)).body().decode()
            built = await pages.talk(page, talk_id)
            assert built is not None
            return index, searched, built.body().decode()
        finally:
            await db.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(topic=member_text(200), speaker=member_text(80), description=member_text(1000, lines=True),
       link=member_text(512))
@example(topic='<script>alert(1)</script>', speaker='"><img src=x onerror=alert(1)>',
         description="</p><script>x</script>", link="javascript:alert(1)")
@example(topic="{{ config }}", speaker="{% if 1 %}x{% endif %}", description="&lt;b&gt;", link="https://ok.example/")
def test_any_member_text_is_shown_as_itself_and_never_becomes_markup_or_a_link(topic, speaker, description, link):
    index, searched, talk = asyncio.run(pages_of(topic, speaker, description, link))
    allowed_links = {link} if web_link(link) else set()
    for html in (index, searched, talk):
        parsed = Parsed(html)
        assert parsed.tags <= TAGS, parsed.tags - TAGS
        assert parsed.scripts == [LOCAL_TIMES_JS]
        for href in parsed.hrefs:
            ours = href == "#talks" or href.startswith(("/talks/", "https://discord.com/", "https://calendar.google.com/"))
            assert ours or href.strip() in allowed_links, href
    # The topic reads exactly as typed: in the archive's list, in a search for it, and as the talk page's title.
    assert topic in Parsed(index).h3 and topic in Parsed(searched).h3
    assert Parsed(talk).h1 == [topic] and Parsed(talk).meta["og:title"] == topic
