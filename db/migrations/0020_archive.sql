-- Issue 24 §3, the archive. Whether the talk's "📎 Slides and recording" post lets Discord preview its links
-- (/schedule links embed:true), and the index /schedule past reads a server's past talks through, newest first.
ALTER TABLE talks ADD COLUMN links_embed INTEGER NOT NULL DEFAULT 0 CHECK (links_embed IN (0, 1));
CREATE INDEX talks_by_guild_start ON talks (guild_id, starts_at_ms);
