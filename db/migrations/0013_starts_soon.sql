-- Issue 22 (migration 13): the "⏳ starts in 10 minutes" post in a talk's thread (podium/starts_soon.py), off by
-- default.
ALTER TABLE guild_settings ADD COLUMN starts_soon INTEGER NOT NULL DEFAULT 0 CHECK (starts_soon IN (0, 1));
