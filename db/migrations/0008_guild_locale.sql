-- Issue 15 (migration 8): the server's Discord preferred locale, stored when seen, so channel posts queued before
-- a restart are written in the server's language before the gateway has told it again.
ALTER TABLE guild_names ADD COLUMN locale TEXT;
