-- Issue 21 (migration 11): when the server first got an announcement channel, so the first call for speakers waits
-- a few days instead of greeting a server mid-setup with "no talk is scheduled". NULL on older rows: no wait.
ALTER TABLE guild_settings ADD COLUMN announce_channel_set_at_ms INTEGER;
