-- Issue 14 (migration 7): talks mirrored as Discord's native Guild Scheduled Events (a guild setting, off by default).
-- On/off; where the event takes place: a stage (entity type 1) or voice (2) channel, or elsewhere (3, "external")
-- with a location text (Discord: 1-100 characters; the cog stores the announcement channel's name by default).
ALTER TABLE guild_settings ADD COLUMN events_enabled INTEGER NOT NULL DEFAULT 0 CHECK (events_enabled IN (0, 1));
ALTER TABLE guild_settings ADD COLUMN events_entity_type INTEGER NOT NULL DEFAULT 3
    CHECK (events_entity_type IN (1, 2, 3));
ALTER TABLE guild_settings ADD COLUMN events_channel_id INTEGER;
ALTER TABLE guild_settings ADD COLUMN events_location TEXT
    CHECK (events_location IS NULL OR length(events_location) BETWEEN 1 AND 100);
-- The talk's scheduled event, once made (or imported with /schedule import). Unique: one talk per event, so a
-- gateway event about it finds its talk through the index, and an event cannot be imported twice.
ALTER TABLE talks ADD COLUMN event_id INTEGER;
CREATE UNIQUE INDEX talks_by_event ON talks (event_id) WHERE event_id IS NOT NULL;
