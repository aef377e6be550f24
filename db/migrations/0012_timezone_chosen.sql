-- Issue 21 (migration 12): whether a moderator chose the server's zone. The column's default, 'UTC', is also a zone
-- a server may choose on purpose; without this a chosen UTC reads as "the server has chosen none". Rows from
-- before: a zone other than UTC can only have been chosen.
ALTER TABLE guild_settings ADD COLUMN timezone_chosen INTEGER NOT NULL DEFAULT 0 CHECK (timezone_chosen IN (0, 1));
UPDATE guild_settings SET timezone_chosen = 1 WHERE timezone <> 'UTC';
