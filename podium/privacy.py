"""Which columns hold a member's id, declared next to the table that holds them; forget-me is built from them.

Red-DiscordBot makes every cog say what user data it stores and how to delete it. Here every table's owner declares
every column: each one that can hold a member's id (`holds_user_ids`: deleted with the row, anonymised, kept, or for
JSON, forgotten by the owner's own function), and the others (`holds_no_user_ids`: a guild, a channel, a time, a
name). A column of any name that no declaration covers (a new table's `author`, its `votes` as JSON) makes `forget`
refuse to run, and the schema test fail: a new table cannot keep member data by forgetting to say so, whatever its
columns are called.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from db import Transaction

log = logging.getLogger(__name__)

# The id that stands where a forgotten member's was, in rows that stay (a talk they moved for someone else).
FORGOTTEN_USER = 0

Forget = Literal["delete_row", "anonymise", "keep"]
# For columns whose cells are more than an id (JSON): the owner's own function, run in the forget transaction.
Forgetter = Callable[[Transaction, int], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class Forgetting:
    """What a declared step of forget-me is given (`when_forgotten`), in the forget transaction."""

    tx: Transaction
    user_id: int
    # podium.delivery.outbox.Outbox (which imports this module): where a public post's edit is queued.
    outbox: Any
    now: datetime
    # The key of `digest`, for a step that leaves a marker (`forgotten_members`).
    key: bytes | None


# What a step leaves to do once the member's rows are gone (a seat they held goes to the next one waiting), or None.
AfterForget = Callable[[], Awaitable[None]]
ForgetStep = Callable[[Forgetting], Awaitable[AfterForget | None]]
_steps: list[ForgetStep] = []


def when_forgotten(step: ForgetStep) -> ForgetStep:
    """Declare what forget-me must also do, next to the table it concerns.

    A public post that counted the member's row is edited; a marker keeps their presence from being collected again.
    Run before any row goes, so a step can read the member's rows; what it queues is rendered after the commit,
    from what is left. A step that must act on what is left (offer a freed seat) returns that as a function, run
    after the rows are gone, in the same transaction.
    """
    _steps.append(step)
    return step


class UndeclaredUserData(RuntimeError):
    """A table holds a column no owner declared: whether it holds member ids, and how forget-me treats them."""


@dataclass(frozen=True, slots=True)
class UserColumn:
    """One column that can hold a member's id, and what forget-me does with it."""

    table: str
    column: str
    forget: Forget
    # Why it is kept or how it is forgotten, in words (README's privacy section, reviews).
    why: str
    # SQL condition on the row (`:user` is the member's id) under which it stays as it is: a talk they give.
    unless: str | None = None
    forgetter: Forgetter | None = None


_declared: dict[tuple[str, str], UserColumn] = {}
# Columns their owner says hold no member's id, and why (a guild's, a channel's, a time, a hash that names nobody).
_not_user_ids: dict[tuple[str, str], str] = {}


# Without a key from the composition root (tests, tools): one for this process, so markers last until a restart.
_PROCESS_KEY = secrets.token_bytes(32)


def forget_key(secret: str) -> bytes:
    """A key for `digest` derived from a secret string (tools and tests; the bot uses `forget_key_file`)."""
    return hmac.new(secret.encode(), b"podium:forgotten-members", hashlib.sha256).digest()


def forget_key_file(database: Path) -> bytes:
    """The key of `digest`: 32 random bytes in a file beside the database (`<database>.forget-key`, mode 0600).

    Not in the database, so a copy of it (a backup) cannot be matched to member ids; not the bot token, so a token
    reset (Discord resets a leaked one) does not make every marker stop matching. Made on first use; lost, the
    markers stop matching and the hourly tidy-up drops them within weeks.
    """
    path = database.with_name(database.name + ".forget-key")
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


def digest(user_id: int, key: bytes | None) -> str:
    """What a forgotten member leaves for a while: a keyed hash of their id, not the id (`forgotten_members`).

    Keyed because an id is one of a server's few thousand member ids, which anyone in it can list: a plain hash of
    one is found by hashing the list. Without the key, a copy of the database cannot be matched to a member.
    """
    return hmac.new(key or _PROCESS_KEY, f"podium:forgotten:{user_id}".encode(), hashlib.sha256).hexdigest()


def holds_user_ids(
    table: str, column: str, *, forget: Forget, why: str, unless: str | None = None, forgetter: Forgetter | None = None
) -> UserColumn:
    """Declare a column that can hold a member's id (next to the code that owns the table)."""
    declared = UserColumn(table, column, forget, why, unless, forgetter)
    existing = _declared.get((table, column))
    if (existing is not None and existing != declared) or (table, column) in _not_user_ids:
        raise ValueError(f"{table}.{column} is declared twice, differently")
    _declared[(table, column)] = declared
    return declared


def holds_no_user_ids(table: str, *columns: str, why: str) -> None:
    """Declare columns that never hold a member's id (next to the code that owns the table), and why not."""
    for column in columns:
        if (table, column) in _declared or _not_user_ids.get((table, column), why) != why:
            raise ValueError(f"{table}.{column} is declared twice, differently")
        _not_user_ids[(table, column)] = why


def declared() -> tuple[UserColumn, ...]:
    """Every declaration, in the order they were made (deletions of whole rows run first)."""
    return tuple(_declared.values())


async def undeclared_columns(tx: Transaction) -> list[str]:
    """`table.column` of every column of every table that no declaration covers, whatever it is called.

    By name alone a member column cannot be told from another (`author`, `votes` as JSON): each must be declared.
    """
    tables = await tx.fetchall("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    missing = []
    for table in (row["name"] for row in tables):
        for column in await tx.fetchall(f"PRAGMA table_info({table})"):
            name = column["name"]
            if (table, name) not in _declared and (table, name) not in _not_user_ids:
                missing.append(f"{table}.{name}")
    return missing


def not_user_ids() -> dict[tuple[str, str], str]:
    """Every column declared to hold no member's id, with why."""
    return dict(_not_user_ids)


async def forget(tx: Transaction, user_id: int, context: Forgetting | None = None) -> dict[str, int]:
    """/opt-out forget-me: every declared column forgets the member; rows changed per `table.column`.

    With `context` (forget-me itself; a test of the declarations alone leaves it out), the declared steps
    (`when_forgotten`) run first.
    """
    if missing := await undeclared_columns(tx):
        raise UndeclaredUserData(
            "forget-me cannot promise to forget: no declaration says how to treat " + ", ".join(missing)
        )
    afterwards = [after for step in _steps if (after := await step(context)) is not None] \
        if context is not None else []
    changed: dict[str, int] = {}
    ordered = sorted(declared(), key=lambda c: {"delete_row": 0, "anonymise": 1, "keep": 2}[c.forget])
    for column in ordered:
        key = f"{column.table}.{column.column}"
        if column.forgetter is not None:
            changed[key] = await column.forgetter(tx, user_id)
            continue
        keep = f" AND NOT ({column.unless})" if column.unless else ""
        params = {"user": user_id, "forgotten": FORGOTTEN_USER}
        if column.forget == "delete_row":
            cursor = await tx.execute(f"DELETE FROM {column.table} WHERE {column.column} = :user{keep}", params)
        elif column.forget == "anonymise":
            cursor = await tx.execute(
                f"UPDATE {column.table} SET {column.column} = :forgotten WHERE {column.column} = :user{keep}", params
            )
        else:
            continue
        changed[key] = cursor.rowcount
    for after in afterwards:
        await after()
    return changed


def without_user(value: Any, user_id: int) -> Any:
    """A JSON value with the member's id replaced wherever it stands: as a number, or in a mention `<@id>`."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return FORGOTTEN_USER if value == user_id else value
    if isinstance(value, str):
        return value.replace(f"<@{user_id}>", f"<@{FORGOTTEN_USER}>").replace(f"<@!{user_id}>", f"<@{FORGOTTEN_USER}>")
    if isinstance(value, list):
        return [without_user(item, user_id) for item in value if item != user_id or isinstance(item, bool)]
    if isinstance(value, dict):
        return {key: without_user(item, user_id) for key, item in value.items()}
    return value


def json_without_user(text: str, user_id: int) -> str:
    """`without_user` on a JSON document (payloads); text that is not JSON is returned with mentions replaced."""
    try:
        return json.dumps(without_user(json.loads(text), user_id), separators=(",", ":"), sort_keys=True)
    except ValueError:
        return str(without_user(text, user_id))
