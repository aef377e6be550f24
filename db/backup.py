"""Copy a database file that another process may be writing, with SQLite's online backup API.

For `python bot.py --backup PATH`: the running bot holds the database open and keeps writing; this
opens the file read-only (so it never migrates or changes it) and copies one consistent snapshot.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000


class BackupError(Exception):
    """The backup could not be made; the message says why."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    """Where the copy went, its schema version, and how many rows each table holds."""

    path: Path
    version: int
    counts: dict[str, int]


def backup_name(now: datetime) -> str:
    """The file name used when the target is a folder: podium-20261128T233000Z.db."""
    return f"podium-{now:%Y%m%dT%H%M%SZ}.db"


def backup_file(source: Path, target: Path, *, now: datetime) -> BackupResult:
    """Copy `source` to `target` (a file, or a folder to put a time-stamped file in); returns what was written."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"there is no database at {source} (DATABASE_PATH)")
    target = Path(target)
    if target.is_dir():
        target = target / backup_name(now)
    live = source.resolve()
    if target.resolve() in {live, live.with_name(live.name + "-wal"), live.with_name(live.name + "-shm")}:
        raise BackupError(f"{target} is the live database itself; choose another path")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    # Written beside the target and renamed at the end: an interrupted backup never leaves a partial file
    # under the name a restore would use.
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        version = _copy(live, partial)
        counts = _verify_and_count(partial)
        os.replace(partial, target)
        _fsync_folder(target.parent)
    except sqlite3.Error as exc:
        raise BackupError(f"copying {source} failed: {exc}") from exc
    except OSError as exc:
        raise BackupError(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return BackupResult(target, version, counts)


def _copy(source: Path, target: Path) -> int:
    # mode=ro: this process must never write to the live file (no migration, no checkpoint on close).
    src = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    try:
        src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = src.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version < 1 or "outbox" not in tables:
            raise BackupError(f"{source} is not a Podium database (schema version {version}, no outbox table)")
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        dst = sqlite3.connect(target)
        try:
            # pages=-1: the whole copy in one step, under one read transaction, so it is one consistent
            # snapshot; in WAL mode the bot's writes go on meanwhile and are simply not in it.
            src.backup(dst, pages=-1)
            # A single self-contained file: a restore is then one copy, with no -wal file to carry along.
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    return version


def _verify_and_count(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        problems = [r[0] for r in conn.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise BackupError(f"the copy failed its integrity check: {'; '.join(problems[:3])}")
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        quoted = {t: '"' + t.replace('"', '""') + '"' for t in tables}
        return {t: conn.execute(f"SELECT count(*) FROM {quoted[t]}").fetchone()[0] for t in tables}
    finally:
        conn.close()


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (a power cut right after must not bring back the old file)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
