-- Issues 23 and 24 (migration 14): the talk columns several features read, added once so each feature's own
-- migration (15 and up) adds only its own tables. A sign-up may wait for a moderator's approval (approval); a talk
-- may have a seat limit (seat_limit, NULL: no limit); after it, the speaker may attach slides and a recording.
ALTER TABLE talks ADD COLUMN approval TEXT NOT NULL DEFAULT 'approved'
    CHECK (approval IN ('pending', 'approved', 'declined'));
ALTER TABLE talks ADD COLUMN seat_limit INTEGER CHECK (seat_limit IS NULL OR seat_limit BETWEEN 1 AND 10000);
ALTER TABLE talks ADD COLUMN slides_url TEXT CHECK (slides_url IS NULL OR length(slides_url) <= 512);
ALTER TABLE talks ADD COLUMN recording_url TEXT CHECK (recording_url IS NULL OR length(recording_url) <= 512);
