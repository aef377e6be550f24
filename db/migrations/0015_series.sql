-- Issue 23 §1 (migration 15): recurring talk nights. A series is a rule ("every Thursday 19:00") in the server's
-- zone; its evenings are materialised a bounded horizon ahead by the hourly planner; a claimed slot is a talk.
CREATE TABLE series (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id       INTEGER NOT NULL,
    name           TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    rule           TEXT    NOT NULL,                -- the recurrence as JSON (podium/recurrence.py)
    every_text     TEXT    NOT NULL,                -- as typed, shown back in the moderator's words
    timezone       TEXT    NOT NULL,                -- IANA: evenings keep their local wall time across DST
    slots          INTEGER NOT NULL CHECK (slots BETWEEN 1 AND 10),
    slot_minutes   INTEGER NOT NULL CHECK (slot_minutes BETWEEN 5 AND 240),
    seat_limit     INTEGER CHECK (seat_limit IS NULL OR seat_limit BETWEEN 1 AND 10000),
    until_ms       INTEGER,                         -- no evening starts after it (NULL: open-ended)
    channel_id     INTEGER,                         -- its post's channel (NULL: the announcement channel)
    state          TEXT    NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'ended')),
    created_by     INTEGER NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    sequence       INTEGER NOT NULL DEFAULT 0       -- grows with every change: its post's edits are keyed by it
);
-- A name is unique per guild among active series (case-insensitive: autocomplete and /series skip find it by name).
CREATE UNIQUE INDEX series_by_name ON series (guild_id, lower(name)) WHERE state = 'active';
CREATE TABLE series_evenings (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    series_id      INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    guild_id       INTEGER NOT NULL,
    starts_at_ms   INTEGER NOT NULL,
    state          TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'skipped')),
    skip_reason    TEXT CHECK (skip_reason IS NULL OR length(skip_reason) <= 300),
    event_id       INTEGER,                         -- its Discord scheduled event (series-claims)
    UNIQUE (series_id, starts_at_ms)
);
CREATE INDEX series_evenings_upcoming ON series_evenings (guild_id, starts_at_ms);
-- A claimed slot is a talk: evening and 0-based slot (it starts at evening start + slot × slot_minutes).
ALTER TABLE talks ADD COLUMN evening_id INTEGER REFERENCES series_evenings(id);
ALTER TABLE talks ADD COLUMN slot INTEGER CHECK (slot IS NULL OR slot BETWEEN 0 AND 9);
-- A slot is claimed iff a scheduled talk (approved or pending) holds it: a cancelled talk releases it, and two
-- claims can never both win (the second INSERT fails inside its transaction).
CREATE UNIQUE INDEX talks_by_slot ON talks (evening_id, slot) WHERE evening_id IS NOT NULL AND state = 'scheduled';
-- An evening's talks in any state (is it referenced: may a re-plan delete it?), without a scan of talks.
CREATE INDEX talks_by_evening ON talks (evening_id) WHERE evening_id IS NOT NULL;
