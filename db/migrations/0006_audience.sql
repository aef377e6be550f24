-- Issue 13 (migration 6): the audience. Members who asked to be reminded of a talk, talk descriptions, new-talk announcements.
-- A talk's optional description (shown in its announcement and /schedule info).
ALTER TABLE talks ADD COLUMN description TEXT CHECK (description IS NULL OR length(description) <= 1000);
-- Post each new talk in the announcement channel, with a "Remind me" button (off by default).
ALTER TABLE guild_settings ADD COLUMN announce_new_talks INTEGER NOT NULL DEFAULT 0
    CHECK (announce_new_talks IN (0, 1));
-- The server's name as Discord last told it: DM reminders name the server they come from. Its own table: a
-- guild_settings row means the server configured something.
CREATE TABLE guild_names (
    guild_id       INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL,
    updated_at_ms  INTEGER NOT NULL
);
-- Who asked to be reminded of which talk. The primary key answers "is X going" and "how many are going" from the
-- index alone; attendees_by_user answers "which talks is X going to" (re-planning, /opt-out forget-me).
CREATE TABLE attendees (
    talk_id        INTEGER NOT NULL REFERENCES talks (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (talk_id, user_id)
) WITHOUT ROWID;
CREATE INDEX attendees_by_user ON attendees (user_id, talk_id);
-- A talk's rows for one person (an attendee re-planned alone, "is a later reminder due too") without reading the
-- talk's thousands of other attendees' rows; its first column serves every lookup by talk as before.
DROP INDEX outbox_by_talk;
CREATE INDEX outbox_by_talk_user ON outbox (talk_id, user_id, kind, due_at_ms) WHERE talk_id IS NOT NULL;
