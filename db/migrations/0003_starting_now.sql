-- Issue 11: the "🎤 starting now" channel post at a talk's start, a guild setting (off by default).
ALTER TABLE guild_settings ADD COLUMN starting_now INTEGER NOT NULL DEFAULT 0 CHECK (starting_now IN (0, 1));
