import contextlib
import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from db import Database, latest_version, load_migrations
from db import backup as db_backup
from db.backup import BackupError, backup_file, backup_name

NOW = datetime(2026, 11, 28, 23, 30, 5, tzinfo=UTC)

# Another process that keeps committing one outbox row at a time, as the running bot would.
WRITER = r"""
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA busy_timeout = 5000")
i = 0
print("writing", flush=True)
while True:
    i += 1
    conn.execute(
        "INSERT INTO outbox (kind, target_type, user_id, payload, due_at_ms, next_attempt_at_ms, dedupe_key,"
        " created_at_ms, updated_at_ms) VALUES ('test', 'dm', 1, '{}', 0, 0, ?, 0, 0)", (f"w-{i}",))
    if i % 50 == 0:
        conn.execute("UPDATE outbox SET state = 'sent' WHERE id = ?", (i - 10,))
"""


async def make_database(path, rows=0):
    db = await Database.open(path)
    try:
        async with db.transaction() as tx:
            for i in range(rows):
                await tx.execute(
                    "INSERT INTO outbox (kind, target_type, user_id, payload, due_at_ms, next_attempt_at_ms,"
                    " dedupe_key, created_at_ms, updated_at_ms) VALUES ('test', 'dm', 1, '{}', 0, 0, ?, 0, 0)",
                    (f"pre-{i}",),
                )
    finally:
        await db.close()


def ids(path):
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM outbox ORDER BY id")]
    finally:
        conn.close()


def state(path):
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT state FROM outbox").fetchone()[0]


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def back_up_during_writes(live, folder, times=3):
    """Back up `times` times while a writer process commits; (result, max id before, max id after) each."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(live)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "writing"
        copies = []
        for n in range(times):
            time.sleep(0.2)  # the writer goes on committing between backups: each one is taken mid-stream
            committed_before = max(ids(live))
            result = backup_file(live, folder / f"copy-{n}.db", now=NOW)
            committed_after = max(ids(live))
            copies.append((result, committed_before, committed_after))
        return copies
    finally:
        writer.kill()
        writer.wait()


async def test_backup_while_another_process_writes_is_consistent_and_complete(tmp_path):
    live = tmp_path / "live.db"
    await make_database(live, rows=100)
    copies = back_up_during_writes(live, tmp_path)
    for result, committed_before, committed_after in copies:
        copied = ids(result.path)
        # Every row committed before the backup began is in it, and it is one snapshot: no gap.
        assert copied == list(range(1, len(copied) + 1))
        assert committed_before <= len(copied) <= committed_after
        assert committed_after > committed_before, "the writer must really be writing during the backup"
        assert result.counts["outbox"] == len(copied)
        assert result.version == latest_version(load_migrations())
        # The copy is a self-contained file that Podium opens.
        assert not result.path.with_name(result.path.name + "-wal").exists()
        db = await Database.open(result.path)
        try:
            assert (await db.fetchone("SELECT count(*) FROM outbox"))[0] == len(copied)
        finally:
            await db.close()


async def test_backup_never_changes_the_live_file(tmp_path):
    live = tmp_path / "live.db"
    await make_database(live, rows=5)
    before = digest(live)
    result = backup_file(live, tmp_path / "copy.db", now=NOW)
    assert digest(live) == before
    assert {t: n for t, n in result.counts.items() if n} == {"outbox": 5}  # every table counted, only these hold rows
    assert {"attendees", "guild_names", "guild_settings", "outbox", "talks", "users"} <= set(result.counts)


async def test_backup_does_not_migrate_an_old_database(tmp_path):
    live = tmp_path / "live.db"
    await make_database(live)
    conn = sqlite3.connect(live)
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    # Even a database Podium would refuse to open (too new) is copied as it is.
    conn = sqlite3.connect(live)
    conn.execute("PRAGMA user_version = 7")
    conn.close()
    result = backup_file(live, tmp_path / "copy.db", now=NOW)
    assert result.version == 7
    conn = sqlite3.connect(live)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 7
    finally:
        conn.close()


async def test_a_folder_target_gets_a_time_stamped_file(tmp_path):
    live = tmp_path / "live.db"
    await make_database(live, rows=1)
    folder = tmp_path / "backups"
    folder.mkdir()
    result = backup_file(live, folder, now=NOW)
    assert result.path == folder / "podium-20261128T233005Z.db" == folder / backup_name(NOW)
    assert [p.name for p in folder.iterdir()] == [result.path.name]  # no partial file left behind


async def test_an_existing_backup_is_replaced_whole(tmp_path):
    live = tmp_path / "live.db"
    await make_database(live, rows=3)
    target = tmp_path / "copy.db"
    target.write_bytes(b"an old, broken backup")
    assert backup_file(live, target, now=NOW).counts["outbox"] == 3
    assert ids(target) == [1, 2, 3]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "there is no database"),
        ("itself", "is the live database itself"),
        ("its-wal", "is the live database itself"),
        ("folder-is-a-file", "cannot create the folder"),
        ("not-podium", "is not a Podium database"),
        ("not-sqlite", "failed"),
    ],
)
async def test_errors_are_one_clear_message_and_leave_nothing_behind(tmp_path, case, message):
    live = tmp_path / "live.db"
    target = tmp_path / "copy.db"
    if case == "missing":
        live = tmp_path / "nothing-here.db"
    else:
        await make_database(live)
    if case == "itself":
        target = tmp_path / "." / "live.db"
    elif case == "its-wal":
        target = tmp_path / "live.db-wal"
    elif case == "folder-is-a-file":
        (tmp_path / "a-file").write_text("not a folder")
        target = tmp_path / "a-file" / "copy.db"
    elif case == "not-podium":
        live = tmp_path / "other.db"
        conn = sqlite3.connect(live)
        conn.execute("CREATE TABLE t (x)")
        conn.close()
    elif case == "not-sqlite":
        live = tmp_path / "text.db"
        live.write_text("just text " * 100)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(BackupError, match=message):
        backup_file(live, target, now=NOW)
    after = sorted(p.name for p in tmp_path.iterdir())
    assert not target.exists() or case in ("itself", "its-wal")
    assert not any(".partial" in name for name in after)
    if case == "missing":
        assert after == before  # sqlite3.connect would have created it


@pytest.fixture
def open_umask():
    """Umask 000: what a careless shell or service manager may give; backups must be private anyway."""
    old = os.umask(0)
    yield
    os.umask(old)


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("target", ["folder", "file", "existing-file"])
async def test_backups_are_readable_by_their_owner_only(tmp_path, open_umask, target):
    live = tmp_path / "live.db"
    await make_database(live, rows=1)
    (tmp_path / "backups").mkdir()
    destination = {"folder": tmp_path / "backups", "file": tmp_path / "copy.db", "existing-file": tmp_path / "old.db"}
    if target == "existing-file":
        destination[target].write_bytes(b"an old backup")
        destination[target].chmod(0o666)
    result = backup_file(live, destination[target], now=NOW)
    assert mode(result.path) == 0o600


async def test_backups_in_the_same_second_get_distinct_names(tmp_path):
    live = tmp_path / "live.db"
    await make_database(live, rows=1)
    folder = tmp_path / "backups"
    folder.mkdir()
    first = backup_file(live, folder, now=NOW).path
    conn = sqlite3.connect(live)
    conn.execute("UPDATE outbox SET state = 'sent'")  # the second backup differs from the first
    conn.commit()
    conn.close()
    second = backup_file(live, folder, now=NOW).path
    third = backup_file(live, folder, now=NOW).path
    assert [first.name, second.name, third.name] == [
        "podium-20261128T233005Z.db",
        "podium-20261128T233005Z_2.db",
        "podium-20261128T233005Z_3.db",
    ]
    # Listed in name order, they are in the order they were taken.
    assert sorted(p.name for p in folder.iterdir()) == [first.name, second.name, third.name]
    assert [state(first), state(second)] == ["pending", "sent"]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("new/", "new/podium-20261128T233005Z.db"),
        ("new/deeper/", "new/deeper/podium-20261128T233005Z.db"),
        ("new/daily", "new/daily/podium-20261128T233005Z.db"),  # no .db suffix: a folder
        ("new/copy.db", "new/copy.db"),
        ("new/deeper/Copy.DB", "new/deeper/Copy.DB"),
    ],
)
async def test_missing_folders_are_created(tmp_path, target, expected):
    live = tmp_path / "live.db"
    await make_database(live, rows=1)
    result = backup_file(live, f"{tmp_path}/{target}", now=NOW)
    assert result.path == tmp_path / expected
    assert ids(result.path) == [1]
    assert mode(result.path.parent) == 0o700  # holds user data: the folder it creates is private too


@pytest.mark.parametrize("failure", [KeyboardInterrupt, OSError, sqlite3.OperationalError])
@pytest.mark.parametrize("target", ["folder", "file"])
async def test_an_interrupted_backup_leaves_nothing_that_looks_like_a_backup(
    tmp_path, monkeypatch, open_umask, failure, target
):
    live = tmp_path / "live.db"
    await make_database(live, rows=3)
    folder = tmp_path / "backups"
    folder.mkdir()
    seen = {}

    def interrupted(path):
        # The copy is written and about to be checked: look at the temporary file, then fail.
        seen["name"] = path.name
        seen["mode"] = mode(path)
        seen["listing"] = sorted(p.name for p in folder.iterdir())
        raise failure("interrupted")

    monkeypatch.setattr(db_backup, "_verify_and_count", interrupted)
    with pytest.raises(KeyboardInterrupt if failure is KeyboardInterrupt else BackupError):
        backup_file(live, folder if target == "folder" else folder / "copy.db", now=NOW)
    assert list(folder.iterdir()) == []
    assert seen["mode"] == 0o600
    # Hidden, and not ending in .db: neither a restore nor `find -name 'podium-*.db'` can take it for a backup.
    assert seen["name"].startswith(".")
    assert not seen["name"].endswith(".db")
    assert all(name.startswith(".") and ".partial" in name for name in seen["listing"])
