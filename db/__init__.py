"""The database: one aiosqlite connection, explicit transactions, numbered migrations."""

from db.database import Database, DatabaseError, DatabaseTooNew, Transaction, fold
from db.migrations import MIGRATIONS_DIR, SCHEMA_PATH, Migration, latest_version, load_migrations

__all__ = [
    "MIGRATIONS_DIR",
    "SCHEMA_PATH",
    "Database",
    "DatabaseError",
    "DatabaseTooNew",
    "Migration",
    "Transaction",
    "fold",
    "latest_version",
    "load_migrations",
]
