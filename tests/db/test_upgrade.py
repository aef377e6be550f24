"""A database made by an earlier release opens in place, at the latest version, with every row kept."""

import shutil
import sqlite3
from pathlib import Path

import pytest

from db import Database, latest_version, load_migrations

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Every schema version a release shipped, with the fixture made by it (see fixtures/make_v1_database.py).
OLD_DATABASES = [(1, FIXTURES / "podium-v1.db")]
TABLES = ("guild_settings", "users", "talks", "outbox")


def snapshot(path):
    """Every row of every Podium table, keyed by table, with the columns the old schema had."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        rows = {}
        for table in TABLES:
            rows[table] = [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
        return rows, conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize(("version", "fixture"), OLD_DATABASES, ids=[f"v{v}" for v, _ in OLD_DATABASES])
async def test_old_database_upgrades_in_place_with_no_row_lost(tmp_path, version, fixture):
    before, stored_version = snapshot(fixture)
    assert stored_version == version, "the fixture must keep the schema version it was made with"
    assert all(before[table] for table in TABLES), "the fixture must have rows in every table"

    path = tmp_path / "podium.db"
    shutil.copyfile(fixture, path)
    db = await Database.open(path)
    try:
        assert db.version == latest_version(load_migrations())
        for table, old_rows in before.items():
            # Later versions may add columns; the old ones and their values must all still be there.
            columns = ", ".join(old_rows[0])
            now_rows = [dict(r) for r in await db.fetchall(f"SELECT {columns} FROM {table} ORDER BY rowid")]
            assert now_rows == old_rows, table
        assert [tuple(r) for r in await db.fetchall("PRAGMA foreign_key_check")] == []
        assert (await db.fetchone("PRAGMA integrity_check"))[0] == "ok"
    finally:
        await db.close()
    # Opening again is a no-op: the upgraded file stays as it is.
    db = await Database.open(path)
    try:
        assert db.version == latest_version(load_migrations())
        assert (await db.fetchone("SELECT count(*) FROM outbox"))[0] == len(before["outbox"])
    finally:
        await db.close()


def schema_shape(path):
    """Tables with their columns, and index names: what a fresh database and an upgraded one must share."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        shape = {t: [(c[1], c[2], c[3], c[5]) for c in conn.execute(f"PRAGMA table_info({t})")] for t in tables}
        indexes = sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'"))
        return shape, indexes
    finally:
        conn.close()


@pytest.mark.parametrize(("version", "fixture"), OLD_DATABASES, ids=[f"v{v}" for v, _ in OLD_DATABASES])
async def test_upgraded_schema_is_the_schema_of_a_new_database(tmp_path, version, fixture):
    """A change to schema.sql without a migration would leave old databases behind: caught here."""
    upgraded = tmp_path / "old.db"
    shutil.copyfile(fixture, upgraded)
    await (await Database.open(upgraded)).close()
    await (await Database.open(tmp_path / "new.db")).close()
    assert schema_shape(upgraded) == schema_shape(tmp_path / "new.db")
