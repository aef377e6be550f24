-- Issue 14: subscribable calendar feeds.
-- iCalendar's SEQUENCE: grows with every change of a talk, so calendar apps take the newest version.
ALTER TABLE talks ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
-- The speaker's display name when the talk was last signed up or changed: feeds name people, not ids.
ALTER TABLE talks ADD COLUMN speaker_name TEXT;
-- Cancelled talks stay in feeds for 30 days (so subscribed calendars remove them): found by their last change.
CREATE INDEX talks_changed ON talks (guild_id, updated_at_ms);
-- One unguessable token per feed: a guild's (user_id NULL) or one member's in a guild.
CREATE TABLE calendar_feeds (
    token          TEXT    PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    user_id        INTEGER,
    created_at_ms  INTEGER NOT NULL
);
CREATE UNIQUE INDEX calendar_feeds_owner ON calendar_feeds (guild_id, coalesce(user_id, 0));
