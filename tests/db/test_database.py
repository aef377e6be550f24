import asyncio
import os
import sqlite3
import stat

import pytest

from db import Database, DatabaseError, DatabaseTooNew, latest_version, load_migrations
from db.migrations import split_statements

SCHEMA_V1 = "CREATE TABLE talks (id INTEGER PRIMARY KEY, topic TEXT NOT NULL);\n"


def write_migrations(folder, files):
    folder.mkdir()
    for name, sql in files.items():
        (folder / name).write_text(sql, encoding="utf-8")
    return folder


async def test_new_database_gets_schema_and_pragmas(tmp_path):
    path = tmp_path / "nested" / "dir" / "podium.db"
    db = await Database.open(path)
    try:
        assert path.exists()
        assert db.version == latest_version(load_migrations())
        tables = {r["name"] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"guild_settings", "users", "talks", "outbox"} <= tables
        assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
        assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1
        assert (await db.fetchone("PRAGMA busy_timeout"))[0] == 5000
    finally:
        await db.close()


@pytest.mark.parametrize("umask", [0o000, 0o022])
async def test_a_new_database_is_readable_by_its_owner_only(tmp_path, umask):
    path = tmp_path / "podium.db"
    old = os.umask(umask)
    try:
        db = await Database.open(path)
        try:
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO users (user_id, created_at_ms, updated_at_ms) VALUES (1, 0, 0)")
            # SQLite gives the -wal and -shm files the database file's mode.
            files = [path, path.with_name("podium.db-wal"), path.with_name("podium.db-shm")]
            assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == {f.name: 0o600 for f in files}
        finally:
            await db.close()
    finally:
        os.umask(old)


async def test_an_existing_database_keeps_its_mode(tmp_path):
    path = tmp_path / "podium.db"
    await (await Database.open(path)).close()
    path.chmod(0o640)  # the operator's choice, e.g. for a backup user's group: warned about, not changed
    await (await Database.open(path)).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


async def test_reopen_keeps_data(tmp_path):
    path = tmp_path / "podium.db"
    db = await Database.open(path)
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO users (user_id, created_at_ms, updated_at_ms) VALUES (7, 0, 0)")
    await db.close()
    db = await Database.open(path)
    try:
        assert (await db.fetchone("SELECT user_id FROM users"))["user_id"] == 7
    finally:
        await db.close()


async def test_transaction_rolls_back_on_error_and_skips_on_commit(tmp_path):
    db = await Database.open(tmp_path / "p.db")
    called = []
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO users (user_id, created_at_ms, updated_at_ms) VALUES (1, 0, 0)")
                tx.on_commit(lambda: called.append("committed"))
                raise RuntimeError("boom")
        assert await db.fetchall("SELECT * FROM users") == []
        assert called == []
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO users (user_id, created_at_ms, updated_at_ms) VALUES (1, 0, 0)")
            tx.on_commit(lambda: called.append("committed"))
        assert called == ["committed"]
    finally:
        await db.close()


async def test_transactions_from_many_tasks_do_not_interleave(tmp_path):
    db = await Database.open(tmp_path / "p.db")

    async def bump(user_id):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO users (user_id, created_at_ms, updated_at_ms) VALUES (?, 0, 0)", (user_id,))
            await asyncio.sleep(0)
            if user_id % 2:
                raise ValueError(user_id)

    results = await asyncio.gather(*(bump(i) for i in range(20)), return_exceptions=True)
    try:
        assert sum(isinstance(r, ValueError) for r in results) == 10
        rows = await db.fetchall("SELECT user_id FROM users ORDER BY user_id")
        assert [r["user_id"] for r in rows] == list(range(0, 20, 2))
    finally:
        await db.close()


async def test_older_database_is_upgraded_in_place(tmp_path):
    schema = tmp_path / "schema.sql"
    schema.write_text(SCHEMA_V1, encoding="utf-8")
    empty = write_migrations(tmp_path / "m1", {})
    db = await Database.open(tmp_path / "p.db", schema_path=schema, migrations_dir=empty)
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO talks (topic) VALUES ('kept')")
    await db.close()

    migrations = write_migrations(
        tmp_path / "m2",
        {
            "0002_add_speaker.sql": "ALTER TABLE talks ADD COLUMN speaker INTEGER;\n-- a comment\n",
            "0003_index.sql": "CREATE INDEX talks_speaker ON talks (speaker);\nUPDATE talks SET speaker = 5;",
        },
    )
    db = await Database.open(tmp_path / "p.db", schema_path=schema, migrations_dir=migrations)
    try:
        assert db.version == 3
        assert dict(await db.fetchone("SELECT topic, speaker FROM talks")) == {"topic": "kept", "speaker": 5}
    finally:
        await db.close()


async def test_failed_migration_leaves_the_old_version_whole(tmp_path):
    schema = tmp_path / "schema.sql"
    schema.write_text(SCHEMA_V1, encoding="utf-8")
    db = await Database.open(tmp_path / "p.db", schema_path=schema, migrations_dir=write_migrations(tmp_path / "a", {}))
    await db.close()
    broken = write_migrations(
        tmp_path / "b", {"0002_half.sql": "ALTER TABLE talks ADD COLUMN speaker INTEGER;\nSELECT * FROM nowhere;"}
    )
    with pytest.raises(DatabaseError, match="0002_half"):
        await Database.open(tmp_path / "p.db", schema_path=schema, migrations_dir=broken)
    conn = sqlite3.connect(tmp_path / "p.db")
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert [c[1] for c in conn.execute("PRAGMA table_info(talks)")] == ["id", "topic"]
    finally:
        conn.close()


async def test_database_newer_than_the_code_is_refused(tmp_path):
    path = tmp_path / "p.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE x (y)")
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseTooNew, match="99"):
        await Database.open(path)


async def test_foreign_database_is_refused(tmp_path):
    path = tmp_path / "p.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE other_program (y)")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError, match="another program"):
        await Database.open(path)


def test_migration_files_must_be_numbered_without_gaps(tmp_path):
    folder = write_migrations(tmp_path / "m", {"0003_skip.sql": "SELECT 1;"})
    with pytest.raises(ValueError, match="numbered"):
        load_migrations(folder)


@pytest.mark.parametrize(
    ("script", "count"),
    [
        ("", 0),
        ("-- only a comment\n", 0),
        ("SELECT 1; SELECT 2;", 2),
        ("INSERT INTO a VALUES ('x;y'); -- c;\n", 1),
        ("SELECT 1;\nSELECT 2;\n", 2),
        ("CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET x = 1;\n  UPDATE a SET y = 2;\nEND;\n", 1),
    ],
)
def test_split_statements(script, count):
    assert len(split_statements(script)) == count


# -- the reader connection (issue 19 §6): reads outside a transaction never wait for a write transaction ----------


async def test_a_read_does_not_wait_for_a_running_write_transaction(db):
    began, release = asyncio.Event(), asyncio.Event()

    async def long_write():
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO guild_settings (guild_id, created_at_ms, updated_at_ms) VALUES (1, 0, 0)")
            began.set()
            await release.wait()

    writer = asyncio.create_task(long_write())
    await began.wait()
    try:
        # One connection and one lock made this read wait until the writer committed (here: forever).
        count = await asyncio.wait_for(db.fetchval("SELECT count(*) FROM guild_settings"), timeout=5)
        assert count == 0  # the transaction has not committed: its row is not seen
    finally:
        release.set()
        await writer
    assert await db.fetchval("SELECT count(*) FROM guild_settings") == 1


async def test_a_read_after_a_commit_sees_it(db):
    for guild_id in range(1, 51):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO guild_settings (guild_id, created_at_ms, updated_at_ms) VALUES (?, 0, 0)",
                             (guild_id,))
        # Each read is a new snapshot: the commit just made is in it.
        assert await db.fetchval("SELECT max(guild_id) FROM guild_settings") == guild_id
        assert len(await db.fetchall("SELECT guild_id FROM guild_settings")) == guild_id


async def test_a_read_sees_a_commit_made_by_another_process(db):
    assert await db.fetchval("SELECT count(*) FROM guild_settings") == 0
    other = sqlite3.connect(db.path)
    try:
        with other:
            other.execute("INSERT INTO guild_settings (guild_id, created_at_ms, updated_at_ms) VALUES (7, 0, 0)")
    finally:
        other.close()
    assert await db.fetchval("SELECT count(*) FROM guild_settings") == 1


async def test_a_read_inside_a_transaction_sees_its_own_writes(db):
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO guild_settings (guild_id, created_at_ms, updated_at_ms) VALUES (1, 0, 0)")
        assert await tx.fetchval("SELECT count(*) FROM guild_settings") == 1


async def test_reads_outside_a_transaction_cannot_write(db):
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await db.fetchone(
            "INSERT INTO guild_settings (guild_id, created_at_ms, updated_at_ms) VALUES (1, 0, 0) RETURNING guild_id"
        )
    assert await db.fetchval("SELECT count(*) FROM guild_settings") == 0


async def test_an_in_memory_database_is_refused():
    # A second connection to ":memory:" would be another, empty database.
    with pytest.raises(DatabaseError, match="must be a file"):
        await Database.open(":memory:")


async def test_close_closes_both_connections(tmp_path):
    path = tmp_path / "podium.db"
    db = await Database.open(path)
    await db.fetchone("SELECT count(*) FROM talks")
    await db.close()
    # SQLite removes the WAL file when the last connection to the database closes.
    assert not path.with_name("podium.db-wal").exists()
    with pytest.raises(ValueError):
        await db.fetchone("SELECT 1")
