"""A strict reading of iCalendar text for tests (RFC 5545): CRLF lines, folding at 75 octets, TEXT escapes."""

from __future__ import annotations

import re


def unescape_text(value: str) -> str:
    """An RFC 5545 TEXT value (3.3.11), strictly: an unescaped ',' or ';' or a stray backslash is an error."""
    out, i = [], 0
    while i < len(value):
        char = value[i]
        if char == "\\":
            nxt = value[i + 1 : i + 2]
            if nxt not in ("\\", ";", ",", "n", "N"):
                raise AssertionError(f"bad escape \\{nxt} in {value!r}")
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        if char in ",;":
            raise AssertionError(f"unescaped {char!r} in TEXT {value!r}")
        out.append(char)
        i += 1
    return "".join(out)


def strict_parse(body: bytes) -> list[tuple[str, dict[str, str], str]]:
    """Content lines (name, parameters, raw value), checking CRLF endings and folding at 75 octets (3.1)."""
    assert body.endswith(b"\r\n")
    physical = body[:-2].split(b"\r\n")
    for line in physical:
        assert b"\n" not in line and b"\r" not in line, line  # no bare LF or CR
        assert len(line) <= 75, (len(line), line)
    logical: list[bytes] = []
    for line in physical:
        if line[:1] in (b" ", b"\t"):
            logical[-1] += line[1:]  # unfolding: a fold may fall inside a UTF-8 sequence
        else:
            logical.append(line)
    parsed = []
    for raw in logical:
        text = raw.decode("utf-8")  # strict: the unfolded line must be whole UTF-8
        found = re.fullmatch(r"([A-Z-]+)((?:;[A-Z-]+=[^;:]*)*):(.*)", text)
        assert found is not None, text
        params = dict(p.split("=", 1) for p in found.group(2).split(";")[1:])
        parsed.append((found.group(1), params, found.group(3)))
    return parsed
