"""Checks shared by unit tests: Discord's embed limits and the characters that make text live markup."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

# Discord's limits on one message.
CONTENT, TITLE, DESCRIPTION, FIELDS, FIELD_NAME, FIELD_VALUE, FOOTER, TOTAL = 2000, 256, 4096, 25, 256, 1024, 2048, 6000


def embed_size(embed):
    fields = embed.get("fields") or []
    assert len(fields) <= FIELDS
    for field in fields:
        assert len(field.get("name", "")) <= FIELD_NAME and len(field.get("value", "")) <= FIELD_VALUE
    assert len(embed.get("title") or "") <= TITLE
    assert len(embed.get("description") or "") <= DESCRIPTION
    assert len((embed.get("footer") or {}).get("text") or "") <= FOOTER
    return sum(len(x) for x in (embed.get("title") or "", embed.get("description") or "",
                                (embed.get("footer") or {}).get("text") or "",
                                *(f.get("name", "") + f.get("value", "") for f in fields)))


def live_characters(body: dict[str, Any]) -> Counter[str]:
    """Markup characters and line breaks not escaped by a backslash, in the content and every embed string."""
    texts = [body.get("content") or ""]

    def strings(value: Any) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key not in ("url", "icon_url", "color", "timestamp", "type"):
                    strings(item)
        elif isinstance(value, list | tuple):
            for item in value:
                strings(item)

    strings(body.get("embeds") or [])
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(char for char in re.sub(r"\\.", "", text, flags=re.DOTALL) if char in LIVE)
    return counts


# What Discord's markdown gives a meaning to, written here independently of podium.markup (a character dropped
# there must fail here): emphasis, code, spoilers, quotes, headings, lists, subtext, masked links, autolinks
# (https:), mentions, channels, timestamps, emoji (<, @), the escape itself, and line breaks.
DISCORD_MARKUP = frozenset("\\*_`~|>#-+[]()<:@")


LIVE = DISCORD_MARKUP | {"\n", "\r"}
