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
from datetime import UTC, datetime
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


def backup_name(now: datetime, number: int = 1) -> str:
    """The file name used when the target is a folder: podium-20261128T233000Z.db, then ..._2.db in the same second."""
    # "_2" sorts after ".db": listed by name, backups of the same second are in the order they were taken.
    suffix = "" if number == 1 else f"_{number}"
    return f"podium-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}{suffix}.db"


def is_folder_target(target: Path | str) -> bool:
    """An existing folder, a path ending with '/', or a path that does not exist and has no .db suffix."""
    path = Path(target)
    if path.is_dir() or str(target).endswith(("/", os.sep)):
        return True
    return not path.exists() and path.suffix.lower() != ".db"


def backup_file(source: Path, target: Path | str, *, now: datetime) -> BackupResult:
    """Copy `source` to `target` (a file, or a folder to put a time-stamped file in); returns what was written."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"there is no database at {source} (DATABASE_PATH)")
    live = source.resolve()
    if Path(target).resolve() in {live, live.with_name(live.name + "-wal"), live.with_name(live.name + "-shm")}:
        raise BackupError(f"{target} is the live database itself; choose another path")
    into_folder = is_folder_target(target)
    folder = Path(target) if into_folder else Path(target).parent
    try:
        # 0700: the folder Podium creates holds user ids and reminder texts (parents get the usual mode).
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot create the folder {folder}: {exc.strerror or exc}") from None
    name = backup_name(now) if into_folder else Path(target).name
    # Written beside the target and renamed at the end: an interrupted backup never leaves a partial file
    # under the name a restore would use. Hidden and not ending in .db, it cannot be taken for a backup.
    partial = folder / f".{name}.partial-{os.getpid()}"
    try:
        _create_private(partial)
        version = _copy(live, partial)
        counts = _verify_and_count(partial)
        final = _place(partial, folder, now) if into_folder else _replace(partial, folder / name)
        _fsync_folder(folder)
    except sqlite3.Error as exc:
        raise BackupError(f"copying {source} failed: {exc}") from exc
    except OSError as exc:
        raise BackupError(f"cannot write into {folder}: {exc.strerror or exc}") from exc
    finally:
        # On any failure, Ctrl+C included; after success only the hard link's second name is left to remove.
        for leftover in (partial, *(partial.with_name(partial.name + end) for end in ("-journal", "-wal", "-shm"))):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    return BackupResult(final, version, counts)


def _create_private(path: Path) -> None:
    """An empty file only the owner can read or write, whatever the umask; SQLite then writes into it."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # left by an earlier run killed with the same process id
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # a umask like 0277 would leave it unwritable
    finally:
        os.close(fd)


def _replace(partial: Path, target: Path) -> Path:
    """An explicit file target: replaced if it exists (the documented behaviour)."""
    os.replace(partial, target)
    return target


def _place(partial: Path, folder: Path, now: datetime) -> Path:
    """Give the copy the first free time-stamped name; an existing backup is never overwritten."""
    for number in range(1, 1000):
        final = folder / backup_name(now, number)
        try:
            # A hard link fails if the name is taken, even by another backup finishing at the same instant.
            os.link(partial, final)
        except FileExistsError:
            continue
        except OSError:
            # A file system without hard links: check, then rename (a same-instant race is then possible).
            if final.exists():
                continue
            os.replace(partial, final)
        return final
    raise BackupError(f"{folder} already holds 999 backups taken at {backup_name(now)}")


def _copy(source: Path, target: Path) -> int:
    # mode=ro: this process must never write to the live file (no migration, no checkpoint on close).
    src = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    try:
        src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = src.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version < 1 or "outbox" not in tables:
            raise BackupError(f"{source} is not a Podium database (schema version {version}, no outbox table)")
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
    return int(version)


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
