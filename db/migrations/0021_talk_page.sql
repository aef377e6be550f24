-- Issue 24 §4 (migration 21): the community's web page of talks (podium/talk_page.py), off until a moderator turns
-- it on. A server has one row while its page is on: its unguessable address (token, rotatable like a calendar feed),
-- whether it is also public at /talks/<server id>, and whether the archive shows each talk's rating count.
CREATE TABLE talk_pages (
    guild_id          INTEGER PRIMARY KEY,
    token             TEXT    NOT NULL UNIQUE,
    public            INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
    show_ratings      INTEGER NOT NULL DEFAULT 0 CHECK (show_ratings IN (0, 1)),
    created_at_ms     INTEGER NOT NULL,
    updated_at_ms     INTEGER NOT NULL
);
-- The page's archive reads a server's past talks newest first (talks_upcoming covers only scheduled ones). The
-- archive's migration 20 makes the same index for /schedule past: IF NOT EXISTS, so either may come first.
CREATE INDEX IF NOT EXISTS talks_by_guild_start ON talks (guild_id, starts_at_ms);
