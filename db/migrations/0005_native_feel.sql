-- Issue 15: settings that make sense, and the members' own language.
-- Publish (crosspost) the weekly summary to following servers when the announcement channel is one.
ALTER TABLE guild_settings ADD COLUMN crosspost_summary INTEGER NOT NULL DEFAULT 0 CHECK (crosspost_summary IN (0, 1));
-- The language of channel posts: NULL follows the server's Discord preferred locale.
ALTER TABLE guild_settings ADD COLUMN locale TEXT;
-- The locale a member last used Podium in: their DMs are written in it.
ALTER TABLE users ADD COLUMN locale TEXT;
