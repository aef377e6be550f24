-- Issue 24 §1 and §2 (migration 19): feedback after a talk and who came (podium/feedback.py). Off by default.
-- One vote per member per talk, changeable: the primary key is the member's one row.
CREATE TABLE feedback_votes (
    talk_id        INTEGER NOT NULL REFERENCES talks(id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL,
    stars          INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    comment        TEXT,
    signed         INTEGER NOT NULL DEFAULT 0,
    created_at_ms  INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (talk_id, user_id)
);
-- forget-me deletes a member's votes: found by an index, not a scan.
CREATE INDEX feedback_votes_by_user ON feedback_votes (user_id);
-- Who came: one row per stay of a member in the talk's stage or voice channel, within the talk's window
-- (left_at_ms NULL: still there).
CREATE TABLE voice_presence (
    talk_id        INTEGER NOT NULL REFERENCES talks(id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL,
    joined_at_ms   INTEGER NOT NULL,
    left_at_ms     INTEGER,
    PRIMARY KEY (talk_id, user_id, joined_at_ms)
);
CREATE INDEX voice_presence_by_user ON voice_presence (user_id);
ALTER TABLE guild_settings ADD COLUMN feedback INTEGER NOT NULL DEFAULT 0 CHECK (feedback IN (0, 1));
-- Hours after a talk's end that its speaker gets the feedback summary by DM.
ALTER TABLE guild_settings ADD COLUMN feedback_summary_hours INTEGER NOT NULL DEFAULT 24
    CHECK (feedback_summary_hours BETWEEN 1 AND 168);
