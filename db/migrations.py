"""Numbered migrations: `db/migrations/NNNN_name.sql` brings a database from version NNNN-1 to NNNN."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "schema.sql"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The version schema.sql describes when no migration files exist yet.
BASE_VERSION = 1

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One upgrade step: the version it produces and its SQL statements."""

    version: int
    name: str
    statements: tuple[str, ...]


def split_statements(script: str) -> tuple[str, ...]:
    """Split an SQL script into statements (executescript would COMMIT behind our back)."""
    statements: list[str] = []
    start = 0
    for end, char in enumerate(script):
        # A ';' ends a statement only where SQLite agrees (not inside strings or trigger bodies).
        if char == ";" and sqlite3.complete_statement(script[start : end + 1]):
            text = script[start : end + 1]
            if _strip_comments(text):
                statements.append(text.strip())
            start = end + 1
    rest = script[start:]
    if _strip_comments(rest):
        raise ValueError(f"incomplete SQL statement at the end of the script: {rest.strip()[:80]!r}")
    return tuple(statements)


def _strip_comments(text: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in text.splitlines()).strip().strip(";").strip()


def load_migrations(directory: Path = MIGRATIONS_DIR) -> tuple[Migration, ...]:
    """The migrations in `directory`, in order; numbering must run from BASE_VERSION+1 with no gap."""
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(f"migration file {path.name!r} must be named NNNN_lowercase_words.sql")
        migrations.append(Migration(int(match.group(1)), path.stem, split_statements(path.read_text(encoding="utf-8"))))
    expected = list(range(BASE_VERSION + 1, BASE_VERSION + 1 + len(migrations)))
    if [m.version for m in migrations] != expected:
        found = [m.version for m in migrations]
        raise ValueError(f"migrations in {directory} must be numbered {expected}, found {found}")
    return tuple(migrations)


def load_schema(path: Path = SCHEMA_PATH) -> tuple[str, ...]:
    """The statements of schema.sql, which creates a new database at the latest version."""
    return split_statements(path.read_text(encoding="utf-8"))


def latest_version(migrations: tuple[Migration, ...]) -> int:
    """The schema version the code expects: schema.sql plus every migration."""
    return migrations[-1].version if migrations else BASE_VERSION
