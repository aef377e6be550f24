-- Issue 23 §2 (migration 16): claiming a series' slots (podium/slots.py). Per server: how many slots of one evening
-- a member may hold, and how many days before an evening its open slots are announced. No row: the defaults.
CREATE TABLE slot_settings (
    guild_id       INTEGER PRIMARY KEY,
    per_member     INTEGER NOT NULL DEFAULT 1 CHECK (per_member BETWEEN 1 AND 10),
    days_before    INTEGER NOT NULL DEFAULT 5 CHECK (days_before BETWEEN 1 AND 28),
    updated_at_ms  INTEGER NOT NULL
);
-- The speaker limit at each claim: one member's held slots of one evening.
CREATE INDEX talks_by_evening_speaker ON talks (evening_id, speaker_id) WHERE evening_id IS NOT NULL;
