"""The bot's SQLite file: one writer connection (every write inside `transaction()`) and one reader connection."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
import unicodedata
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from db.migrations import (
    MIGRATIONS_DIR,
    SCHEMA_PATH,
    Migration,
    latest_version,
    load_migrations,
    load_schema,
)

log = logging.getLogger(__name__)

Params = Sequence[Any] | dict[str, Any]


class DatabaseError(Exception):
    """The database cannot be used; the message says why and what to do."""


class DatabaseTooNew(DatabaseError):
    """The database was written by a newer Podium than this one."""


# One writer serialises every transaction (and one reader every read): one that takes this long holds up the
# others of its side, so it is logged.
SLOW_QUERY_SECONDS = 0.1


class NoRowError(LookupError):
    """A query that must return a row (count(*), RETURNING of a row just written) returned none."""


def _warn_if_slow(started: float, what: str, sql: str) -> None:
    elapsed = time.perf_counter() - started
    if elapsed >= SLOW_QUERY_SECONDS:
        log.warning("slow %s (%.0f ms): %s", what, elapsed * 1000, " ".join(sql.split())[:200])


class _Reads:
    """fetchval / fetchrow on top of fetchone, for a connection or a transaction."""

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a query (None if there is none)."""
        raise NotImplementedError

    async def fetchrow(self, sql: str, params: Params = ()) -> sqlite3.Row:
        """The first row of a query that always returns one (NoRowError otherwise)."""
        row = await self.fetchone(sql, params)
        if row is None:
            raise NoRowError(f"no row from {' '.join(sql.split())[:80]!r}")
        return row

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row of a query that always returns one, e.g. a count(*)."""
        return (await self.fetchrow(sql, params))[0]


class Transaction(_Reads):
    """An open write transaction; callbacks registered with `on_commit` run after COMMIT."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._after_commit: list[Callable[[], None]] = []
        self.first_statement = ""

    async def execute(self, sql: str, params: Params = ()) -> aiosqlite.Cursor:
        """Run one statement; the cursor gives rowcount and lastrowid."""
        self.first_statement = self.first_statement or sql
        started = time.perf_counter()
        cursor = await self._conn.execute(sql, params)
        _warn_if_slow(started, "statement", sql)
        return cursor

    async def executemany(self, sql: str, rows: Iterable[Params]) -> aiosqlite.Cursor:
        """Run one statement for many parameter rows."""
        self.first_statement = self.first_statement or sql
        return await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a query, seeing this transaction's own writes."""
        self.first_statement = self.first_statement or sql
        started = time.perf_counter()
        async with self._conn.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        _warn_if_slow(started, "query", sql)
        return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """All rows of a query, seeing this transaction's own writes."""
        self.first_statement = self.first_statement or sql
        started = time.perf_counter()
        async with self._conn.execute(sql, params) as cursor:
            rows = list(await cursor.fetchall())
        _warn_if_slow(started, "query", sql)
        return rows

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the transaction has committed (never if it rolls back)."""
        self._after_commit.append(callback)


def _first(row: sqlite3.Row | None) -> Any:
    if row is None:
        raise NoRowError("a PRAGMA or count(*) returned no row")
    return row[0]


def _create_private(path: Path) -> None:
    """A new database file only its owner may read or write (SQLite gives -wal and -shm the same mode)."""
    # It holds user ids and reminder texts; SQLite would create it with the umask's mode (usually 0644).
    # An existing file keeps its mode: the operator may have chosen one (start-up warns if it is open).
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, 0o600)  # exactly 0600, whatever the umask
    finally:
        os.close(fd)


async def _connect(target: Path | str, *, uri: bool = False) -> aiosqlite.Connection:
    # isolation_level=None: no implicit transactions; the writer BEGINs and COMMITs itself, and each read of
    # the reader is its own transaction, so it sees everything committed before it started.
    conn = await aiosqlite.connect(target, isolation_level=None, uri=uri)
    conn.row_factory = sqlite3.Row
    await conn.execute("PRAGMA busy_timeout = 5000")
    await conn.create_function("fold", 1, _sql_fold, deterministic=True)
    return conn


def fold(text: str) -> str:
    """Text as a search compares it: case folded in every script and normalised (a query, and SQL's `fold(…)`).

    SQLite's lower() and LIKE fold ASCII only: "über" would not find "Über", nor "özlem" "Özlem". NFKC after
    casefold() also matches a composed "ü" with a decomposed one, and "ß" with "ss".
    """
    return unicodedata.normalize("NFKC", text.casefold())


def _sql_fold(value: object) -> object:
    # NULL (None) and anything else not text is returned as it is.
    return fold(value) if isinstance(value, str) else value


def _read_only_uri(path: Path) -> str:
    """The database file as a read-only SQLite URI (as_uri escapes what a URI must not hold as it is)."""
    return path.absolute().as_uri() + "?mode=ro"


async def _open_reader(path: Path) -> aiosqlite.Connection:
    """A read-only connection to the same WAL file: reads run beside a write transaction instead of after it."""
    reader = await _connect(_read_only_uri(path), uri=True)
    try:
        # mode=ro already refuses writes; query_only says so again should the URI ever be dropped.
        await reader.execute("PRAGMA query_only = ON")
        # The same settings as the writer, so a PRAGMA read through either answers the same.
        await reader.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        await reader.close()
        raise
    return reader


class Database(_Reads):
    """The bot's SQLite file: WAL, foreign keys, explicit transactions on the writer, reads on a reader, migrations."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, version: int) -> None:
        self._conn = conn
        self.path = path
        self.version = version
        # One writer connection means one transaction at a time.
        self._lock = asyncio.Lock()
        # Reads outside a transaction go to their own connection (opened after the migrations): in WAL mode a
        # reader never waits for the writer, and never sees a transaction that has not committed. Until it is
        # open (during the migrations) reads take the writer.
        self._reader: aiosqlite.Connection | None = None
        self._read_lock = asyncio.Lock()

    @classmethod
    async def open(
        cls, path: Path | str, *, schema_path: Path = SCHEMA_PATH, migrations_dir: Path = MIGRATIONS_DIR
    ) -> Database:
        """Open (creating folders and file), set pragmas, and bring the schema up to date."""
        path = Path(path)
        if str(path) == ":memory:":
            # A second connection to ":memory:" would be another, empty database.
            raise DatabaseError(f"the database must be a file, not {str(path)!r}")
        migrations = load_migrations(migrations_dir)
        target = latest_version(migrations)
        schema = load_schema(schema_path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _create_private(path)
            conn = await _connect(path)
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseError(f"cannot open the database at {path}: {exc}") from exc
        try:
            async with conn.execute("PRAGMA journal_mode = WAL") as cur:
                mode = _first(await cur.fetchone())
            if mode != "wal":
                log.warning("SQLite refused WAL mode for %s (got %s)", path, mode)
            # FULL: a queued message must survive a power cut, not only a process crash (~0.1 ms more).
            await conn.execute("PRAGMA synchronous = FULL")
            await conn.execute("PRAGMA foreign_keys = ON")
            db = cls(conn, path, 0)
            db.version = await db._migrate(schema, migrations, target)
            db._reader = await _open_reader(path)
            return db
        except sqlite3.DatabaseError as exc:
            await conn.close()
            raise DatabaseError(f"{path} is not a usable SQLite database: {exc}") from exc
        except BaseException:
            await conn.close()
            raise

    async def _migrate(self, schema: tuple[str, ...], migrations: tuple[Migration, ...], target: int) -> int:
        async with self._conn.execute("PRAGMA user_version") as cur:
            version = int(_first(await cur.fetchone()))
        if version > target:
            raise DatabaseTooNew(
                f"the database {self.path} has schema version {version}, newer than this Podium "
                f"understands ({target}): run the newer Podium, or restore a backup made by this version"
            )
        if version == target:
            return version
        if version == 0:
            async with self._conn.execute("SELECT count(*) FROM sqlite_master") as cur:
                if _first(await cur.fetchone()):
                    raise DatabaseError(
                        f"{self.path} holds tables but no Podium schema version: is it another program's database?"
                    )
            await self._apply(schema, target, "create the schema")
            log.info("created a new database at %s (schema version %d)", self.path, target)
            return target
        for migration in migrations:
            if migration.version <= version:
                continue
            await self._apply(migration.statements, migration.version, migration.name)
            log.info("migrated %s to schema version %d (%s)", self.path, migration.version, migration.name)
        return target

    async def _apply(self, statements: tuple[str, ...], version: int, what: str) -> None:
        """Run statements and set user_version in ONE transaction: a crash leaves the old version whole."""
        async with self.transaction() as tx:
            for statement in statements:
                try:
                    await tx.execute(statement)
                except sqlite3.Error as exc:
                    raise DatabaseError(f"migration {what!r} failed at {statement[:60]!r}: {exc}") from exc
            await tx.execute(f"PRAGMA user_version = {int(version)}")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (cancellation included)."""
        async with self._lock:
            started = time.perf_counter()
            # IMMEDIATE takes the write lock now, so a concurrent writer (a backup, a test) makes us
            # wait at BEGIN under busy_timeout instead of failing halfway through.
            await self._conn.execute("BEGIN IMMEDIATE")
            tx = Transaction(self._conn)
            try:
                yield tx
            except BaseException:
                await asyncio.shield(self._conn.execute("ROLLBACK"))
                raise
            await self._conn.execute("COMMIT")
            # The whole transaction held the one connection: slow ones are named by their first statement.
            _warn_if_slow(started, "transaction", tx.first_statement or "BEGIN")
        for callback in tx._after_commit:
            try:
                callback()
            except Exception:
                log.exception("an after-commit callback failed")

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[aiosqlite.Connection]:
        if self._reader is None:
            async with self._lock:
                yield self._conn
        else:
            async with self._read_lock:
                yield self._reader

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a read-only query, as of the last commit (a write transaction does not hold it up)."""
        async with self._reading() as conn:
            started = time.perf_counter()
            # Closing the cursor ends the read's snapshot: the next read sees every commit made before it.
            async with conn.execute(sql, params) as cursor:
                row = await cursor.fetchone()
            _warn_if_slow(started, "query", sql)
            return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """All rows of a read-only query, as of the last commit (a write transaction does not hold it up)."""
        async with self._reading() as conn:
            started = time.perf_counter()
            async with conn.execute(sql, params) as cursor:
                rows = list(await cursor.fetchall())
            _warn_if_slow(started, "query", sql)
            return rows

    async def ping(self) -> sqlite3.Row | None:
        """`SELECT 1` on the writer: whether a write could start now (reads answer even beside a stuck one)."""
        async with self._lock, self._conn.execute("SELECT 1") as cursor:
            return await cursor.fetchone()

    async def backup_to(self, target: Path) -> None:
        """Write a consistent copy of the live database with SQLite's online backup API."""
        target.parent.mkdir(parents=True, exist_ok=True)
        async with self._lock:
            dest = await aiosqlite.connect(target)
            try:
                await self._conn.backup(dest)
            finally:
                await dest.close()

    async def close(self) -> None:
        """Close both connections (waiting for a running transaction and a running read to finish)."""
        async with self._read_lock:
            if self._reader is not None:
                await self._reader.close()
                self._reader = None
        async with self._lock:
            await self._conn.close()
