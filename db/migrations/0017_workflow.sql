-- Issue 23 §3 and §4 (migration 17, podium/workflow.py): sign-ups a moderator approves, and speakers confirming they
-- will come. The server's choices, who decided a sign-up, and whether each talk's speaker answered the question.
CREATE TABLE workflow_settings (
    guild_id             INTEGER PRIMARY KEY,
    approval             INTEGER NOT NULL DEFAULT 0 CHECK (approval IN (0, 1)),
    review_channel_id    INTEGER,          -- NULL: the log channel
    confirm_hours        INTEGER NOT NULL DEFAULT 72 CHECK (confirm_hours BETWEEN 0 AND 720),  -- 0: no question
    release_unconfirmed  INTEGER NOT NULL DEFAULT 0 CHECK (release_unconfirmed IN (0, 1))
);
CREATE TABLE talk_reviews (
    talk_id        INTEGER PRIMARY KEY REFERENCES talks (id) ON DELETE CASCADE,
    decision       TEXT    NOT NULL CHECK (decision IN ('approved', 'declined')),
    decided_by     INTEGER NOT NULL,
    decided_at_ms  INTEGER NOT NULL,
    reason         TEXT CHECK (reason IS NULL OR length(reason) <= 300)
);
CREATE TABLE talk_confirmations (
    talk_id        INTEGER PRIMARY KEY REFERENCES talks (id) ON DELETE CASCADE,
    start_ms       INTEGER NOT NULL,       -- the start the answer is about: a moved talk is asked again
    state          TEXT    NOT NULL CHECK (state IN ('asked', 'confirmed', 'unanswered')),
    updated_at_ms  INTEGER NOT NULL
);
