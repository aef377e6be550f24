-- Issue 23 §5 (migration 18): a talk with a seat limit (talks.seat_limit) keeps a fair waitlist. A member who clicks
-- Join on a full talk waits here in the order they came (position); when a seat frees, the first waiting is offered
-- it (state 'offered', until offer_expires_at_ms); accepted, they become an attendee and their row goes; declined or
-- expired, their row goes and the next is offered.
CREATE TABLE waitlist (
    talk_id              INTEGER NOT NULL REFERENCES talks (id) ON DELETE CASCADE,
    user_id              INTEGER NOT NULL,
    position             INTEGER NOT NULL,       -- the order they joined in, per talk (1, 2, …; gaps once people go)
    joined_at_ms         INTEGER NOT NULL,
    state                TEXT    NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'offered')),
    offered_at_ms        INTEGER,
    offer_expires_at_ms  INTEGER,
    PRIMARY KEY (talk_id, user_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX waitlist_queue ON waitlist (talk_id, position);
CREATE INDEX waitlist_by_user ON waitlist (user_id, talk_id);
-- How long a seat offer stays open, per server (/announce-settings seats); no row: the default (12 h).
CREATE TABLE seat_settings (
    guild_id     INTEGER PRIMARY KEY,
    offer_hours  INTEGER NOT NULL CHECK (offer_hours BETWEEN 1 AND 168)
);
