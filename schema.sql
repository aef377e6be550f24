-- Podium's schema: the current version, used to create a new database.
-- Older databases are upgraded by db/migrations/NNNN_*.sql; PRAGMA user_version is the schema version.
-- Instants are INTEGER unix milliseconds, UTC (columns ending in _ms). Time zones are IANA names.

CREATE TABLE guild_settings (
    guild_id              INTEGER PRIMARY KEY,
    timezone              TEXT    NOT NULL DEFAULT 'UTC',
    announce_channel_id   INTEGER,
    log_channel_id        INTEGER,
    moderator_role_id     INTEGER,
    weekly_enabled        INTEGER NOT NULL DEFAULT 1 CHECK (weekly_enabled IN (0, 1)),
    weekly_day            INTEGER NOT NULL DEFAULT 0 CHECK (weekly_day BETWEEN 0 AND 6),  -- 0 = Monday
    weekly_time           TEXT    NOT NULL DEFAULT '09:00',                               -- local HH:MM
    reminder_offsets      TEXT    NOT NULL DEFAULT '[86400, 3600]',                       -- JSON seconds before a talk
    reminder_via          TEXT    NOT NULL DEFAULT 'dm' CHECK (reminder_via IN ('dm', 'thread', 'channel')),
    engagement_days       INTEGER DEFAULT 14 CHECK (engagement_days IS NULL OR engagement_days BETWEEN 3 AND 60),
    talk_minutes          INTEGER NOT NULL DEFAULT 30 CHECK (talk_minutes BETWEEN 5 AND 240),
    ping_speakers         INTEGER NOT NULL DEFAULT 0 CHECK (ping_speakers IN (0, 1)),
    created_at_ms         INTEGER NOT NULL,
    updated_at_ms         INTEGER NOT NULL,
    starting_now          INTEGER NOT NULL DEFAULT 0 CHECK (starting_now IN (0, 1)),  -- post when a talk starts
    crosspost_summary     INTEGER NOT NULL DEFAULT 0 CHECK (crosspost_summary IN (0, 1)),  -- publish the summary
    locale                TEXT,                    -- channel posts' language; NULL: the server's Discord locale
    announce_new_talks    INTEGER NOT NULL DEFAULT 0 CHECK (announce_new_talks IN (0, 1)),  -- post each new talk
    -- Mirror talks as Discord scheduled events: on/off, entity type (1 stage, 2 voice, 3 external), where.
    events_enabled        INTEGER NOT NULL DEFAULT 0 CHECK (events_enabled IN (0, 1)),
    events_entity_type    INTEGER NOT NULL DEFAULT 3 CHECK (events_entity_type IN (1, 2, 3)),
    events_channel_id     INTEGER,                 -- the stage or voice channel (types 1, 2)
    events_location       TEXT CHECK (events_location IS NULL OR length(events_location) BETWEEN 1 AND 100),
    -- When the server first got an announcement channel: the first call for speakers waits a few days after it.
    announce_channel_set_at_ms INTEGER,
    -- A moderator chose the zone (1), so a chosen UTC is told from the default one; a zone other than UTC is chosen.
    timezone_chosen       INTEGER NOT NULL DEFAULT 0 CHECK (timezone_chosen IN (0, 1)),
    starts_soon           INTEGER NOT NULL DEFAULT 0 CHECK (starts_soon IN (0, 1)),  -- ⏳ 10 minutes before a talk
    feedback              INTEGER NOT NULL DEFAULT 0 CHECK (feedback IN (0, 1)),  -- ⭐ feedback post after a talk
    -- Hours after a talk's end that its speaker gets the feedback summary by DM.
    feedback_summary_hours INTEGER NOT NULL DEFAULT 24 CHECK (feedback_summary_hours BETWEEN 1 AND 168)
);

-- The server's name and preferred locale as Discord last told them (DM reminders name the server; channel
-- posts follow its locale unless guild_settings.locale is set); apart from guild_settings, whose row
-- means the server configured something.
CREATE TABLE guild_names (
    guild_id       INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    locale         TEXT                             -- the server's Discord preferred locale ("de", "en-US")
);

-- Per person, across servers: a time zone and reminder preferences are personal.
CREATE TABLE users (
    user_id                     INTEGER PRIMARY KEY,
    timezone                    TEXT,                  -- NULL: the guild's
    reminder_offsets            TEXT,                  -- JSON seconds; NULL: the guild default
    reminder_via                TEXT CHECK (reminder_via IS NULL OR reminder_via IN ('dm', 'thread', 'channel')),
    opt_out_everything          INTEGER NOT NULL DEFAULT 0 CHECK (opt_out_everything IN (0, 1)),
    opt_out_talk_reminders      INTEGER NOT NULL DEFAULT 0 CHECK (opt_out_talk_reminders IN (0, 1)),
    opt_out_notices             INTEGER NOT NULL DEFAULT 0 CHECK (opt_out_notices IN (0, 1)),
    opt_out_personal_reminders  INTEGER NOT NULL DEFAULT 0 CHECK (opt_out_personal_reminders IN (0, 1)),
    opt_out_dms                 INTEGER NOT NULL DEFAULT 0 CHECK (opt_out_dms IN (0, 1)),
    dm_channel_id               INTEGER,               -- cached: a DM then costs one request
    created_at_ms               INTEGER NOT NULL,
    updated_at_ms               INTEGER NOT NULL,
    locale                      TEXT                   -- the Discord locale they last used Podium in (their DMs)
);

CREATE TABLE talks (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id          INTEGER NOT NULL,
    speaker_id        INTEGER NOT NULL,
    topic             TEXT    NOT NULL CHECK (length(topic) BETWEEN 1 AND 200),
    starts_at_ms      INTEGER NOT NULL,
    duration_minutes  INTEGER NOT NULL CHECK (duration_minutes BETWEEN 5 AND 240),
    state             TEXT    NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'cancelled', 'done')),
    thread_id         INTEGER,                         -- the talk's thread in the announcement channel, once made
    announced         INTEGER NOT NULL DEFAULT 0 CHECK (announced IN (0, 1)),  -- shown in a weekly summary
    created_by        INTEGER NOT NULL,
    updated_by        INTEGER NOT NULL,
    created_at_ms     INTEGER NOT NULL,
    updated_at_ms     INTEGER NOT NULL,
    sequence          INTEGER NOT NULL DEFAULT 0,      -- iCalendar SEQUENCE: grows with every change
    speaker_name      TEXT,                            -- display name at the last sign-up or change (for feeds)
    description       TEXT CHECK (description IS NULL OR length(description) <= 1000),
    event_id          INTEGER,                         -- its Discord scheduled event, once made or imported
    -- A sign-up waiting for a moderator (approval on): nothing is announced, mirrored or reminded before 'approved'.
    approval          TEXT    NOT NULL DEFAULT 'approved' CHECK (approval IN ('pending', 'approved', 'declined')),
    seat_limit        INTEGER CHECK (seat_limit IS NULL OR seat_limit BETWEEN 1 AND 10000),  -- NULL: no limit
    slides_url        TEXT CHECK (slides_url IS NULL OR length(slides_url) <= 512),
    recording_url     TEXT CHECK (recording_url IS NULL OR length(recording_url) <= 512),
    -- A claimed slot of a series evening (podium/series.py): starts at evening start + slot × slot_minutes.
    evening_id        INTEGER REFERENCES series_evenings(id),
    slot              INTEGER CHECK (slot IS NULL OR slot BETWEEN 0 AND 9),
    links_embed       INTEGER NOT NULL DEFAULT 0 CHECK (links_embed IN (0, 1))  -- the links post previews them
);
-- One talk per scheduled event: gateway events find their talk through it; an event is imported once.
CREATE UNIQUE INDEX talks_by_event ON talks (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX talks_upcoming ON talks (guild_id, starts_at_ms) WHERE state = 'scheduled';
CREATE INDEX talks_by_speaker ON talks (speaker_id, starts_at_ms);
-- Cancelled talks stay in calendar feeds for 30 days: found by their last change.
CREATE INDEX talks_changed ON talks (guild_id, updated_at_ms);

-- Subscribable calendar feeds: one unguessable token each, a guild's (user_id NULL) or a member's.
CREATE TABLE calendar_feeds (
    token          TEXT    PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    user_id        INTEGER,
    created_at_ms  INTEGER NOT NULL
);
CREATE UNIQUE INDEX calendar_feeds_owner ON calendar_feeds (guild_id, coalesce(user_id, 0));

-- The audience: who asked to be reminded of which talk ("🔔 Remind me"). Every query on it is answered from an
-- index alone: the primary key (is X going, how many are going, the talk's attendees), attendees_by_user (X's talks).
CREATE TABLE attendees (
    talk_id        INTEGER NOT NULL REFERENCES talks (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (talk_id, user_id)
) WITHOUT ROWID;
CREATE INDEX attendees_by_user ON attendees (user_id, talk_id);

-- Members who ran /opt-out forget-me while a talk they were going to had a Discord event: a reconciliation after a
-- restart must not make them attendees again just because Discord still shows them Interested. Only a hash of the
-- id is kept, and only until the last of those talks has ended.
CREATE TABLE forgotten_members (
    digest    TEXT    PRIMARY KEY,
    until_ms  INTEGER NOT NULL
) WITHOUT ROWID;

-- The transactional outbox: one row per proactive message, written with the change that causes it.
-- pending -> sending -> sent, or failed / skipped / expired / cancelled. Only podium/outbox.py writes it.
CREATE TABLE outbox (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: the send nonce derives from it
    kind                  TEXT    NOT NULL,
    guild_id              INTEGER,
    target_type           TEXT    NOT NULL CHECK (target_type IN ('dm', 'thread', 'channel')),
    user_id               INTEGER,                 -- the person the message is for (DM recipient, or mentioned)
    channel_id            INTEGER,                 -- for channel and thread targets
    talk_id               INTEGER REFERENCES talks (id) ON DELETE SET NULL,
    payload               TEXT    NOT NULL DEFAULT '{}',      -- JSON: what to render
    due_at_ms             INTEGER NOT NULL,
    expires_at_ms         INTEGER,                 -- after it the message is pointless
    state                 TEXT    NOT NULL DEFAULT 'pending'
                          CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'expired', 'cancelled')),
    attempts              INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms    INTEGER NOT NULL,
    last_error            TEXT,
    dedupe_key            TEXT    NOT NULL UNIQUE,
    delivered_via         TEXT CHECK (delivered_via IS NULL OR delivered_via IN ('dm', 'thread', 'channel')),
    delivered_channel_id  INTEGER,
    message_id            INTEGER,
    created_at_ms         INTEGER NOT NULL,
    updated_at_ms         INTEGER NOT NULL,
    sent_at_ms            INTEGER,
    first_attempt_at_ms   INTEGER,                 -- first claim: a resend past Discord's nonce window looks first
    maybe_sent            INTEGER NOT NULL DEFAULT 0 CHECK (maybe_sent IN (0, 1)),  -- an attempt's fate is unknown
    talk_start_ms         INTEGER                  -- talk-bound: the start it was planned for (stale if moved)
);
-- The dispatcher's only hot query: the next due pending rows, one range scan of a small partial index.
CREATE INDEX outbox_due ON outbox (next_attempt_at_ms) WHERE state = 'pending';
CREATE INDEX outbox_in_flight ON outbox (id) WHERE state = 'sending';
-- A talk's rows, and one person's rows of a talk (a talk may have thousands of attendees).
CREATE INDEX outbox_by_talk_user ON outbox (talk_id, user_id, kind, due_at_ms) WHERE talk_id IS NOT NULL;
CREATE INDEX outbox_by_user ON outbox (user_id, state) WHERE user_id IS NOT NULL;
-- The hourly weekly-summary and call-for-speakers checks: one guild's rows of one kind.
CREATE INDEX outbox_by_guild_kind ON outbox (guild_id, kind, created_at_ms) WHERE guild_id IS NOT NULL;
-- A failure reported to the log channel: the previous outcome for the same guild, kind and target (one row read).
CREATE INDEX outbox_last_outcome ON outbox (guild_id, kind, user_id, channel_id, id) WHERE state IN ('sent', 'failed');
-- The DM prefetch: the next due DMs and their people, in due order.
CREATE INDEX outbox_due_dm ON outbox (next_attempt_at_ms, user_id) WHERE state = 'pending' AND target_type = 'dm';

-- Feedback after a talk (podium/feedback.py): one vote per member per talk, changeable.
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
CREATE INDEX feedback_votes_by_user ON feedback_votes (user_id);
-- Who came: one row per stay of a member in the talk's stage or voice channel, within the talk's window.
CREATE TABLE voice_presence (
    talk_id        INTEGER NOT NULL REFERENCES talks(id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL,
    joined_at_ms   INTEGER NOT NULL,
    left_at_ms     INTEGER,
    PRIMARY KEY (talk_id, user_id, joined_at_ms)
);
CREATE INDEX voice_presence_by_user ON voice_presence (user_id);
-- Recurring talk nights (issue 23 §1, podium/series.py): a rule in the server's zone, evenings planned ahead.
CREATE TABLE series (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id       INTEGER NOT NULL,
    name           TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    rule           TEXT    NOT NULL,                -- the recurrence as JSON (podium/recurrence.py)
    every_text     TEXT    NOT NULL,                -- as typed, shown back in the moderator's words
    timezone       TEXT    NOT NULL,                -- IANA: evenings keep their local wall time across DST
    slots          INTEGER NOT NULL CHECK (slots BETWEEN 1 AND 10),
    slot_minutes   INTEGER NOT NULL CHECK (slot_minutes BETWEEN 5 AND 240),
    seat_limit     INTEGER CHECK (seat_limit IS NULL OR seat_limit BETWEEN 1 AND 10000),
    until_ms       INTEGER,                         -- no evening starts after it (NULL: open-ended)
    channel_id     INTEGER,                         -- its post's channel (NULL: the announcement channel)
    state          TEXT    NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'ended')),
    created_by     INTEGER NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    sequence       INTEGER NOT NULL DEFAULT 0       -- grows with every change: its post's edits are keyed by it
);
-- A name is unique per guild among active series (case-insensitive: autocomplete and /series skip find it by name).
CREATE UNIQUE INDEX series_by_name ON series (guild_id, lower(name)) WHERE state = 'active';
CREATE TABLE series_evenings (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    series_id      INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    guild_id       INTEGER NOT NULL,
    starts_at_ms   INTEGER NOT NULL,
    state          TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'skipped')),
    skip_reason    TEXT CHECK (skip_reason IS NULL OR length(skip_reason) <= 300),
    event_id       INTEGER,                         -- its Discord scheduled event (series-claims)
    UNIQUE (series_id, starts_at_ms)
);
CREATE INDEX series_evenings_upcoming ON series_evenings (guild_id, starts_at_ms);
-- A slot is claimed iff a scheduled talk (approved or pending) holds it: a cancelled talk releases it, and two
-- claims can never both win (the second INSERT fails inside its transaction).
CREATE UNIQUE INDEX talks_by_slot ON talks (evening_id, slot) WHERE evening_id IS NOT NULL AND state = 'scheduled';
-- An evening's talks in any state (is it referenced: may a re-plan delete it?), without a scan of talks.
CREATE INDEX talks_by_evening ON talks (evening_id) WHERE evening_id IS NOT NULL;
-- Sign-ups a moderator approves, and speakers confirming they will come (podium/workflow.py, migration 17).
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
-- The archive (/schedule past): a server's talks that took place, newest first, without a scan of its other talks.
CREATE INDEX talks_by_guild_start ON talks (guild_id, starts_at_ms);
-- The community's web page of talks (podium/talk_page.py), one row per server while it is on (migration 21).
CREATE TABLE talk_pages (
    guild_id          INTEGER PRIMARY KEY,
    token             TEXT    NOT NULL UNIQUE,
    public            INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
    show_ratings      INTEGER NOT NULL DEFAULT 0 CHECK (show_ratings IN (0, 1)),
    created_at_ms     INTEGER NOT NULL,
    updated_at_ms     INTEGER NOT NULL
);
-- The page's archive reads a server's past talks newest first through talks_by_guild_start (above).
-- Issue 23 §2 (migration 16): claiming a series' slots (podium/slots.py). Per server: how many slots of one evening
-- a member may hold, and how many days before an evening its open slots are announced. No row: the defaults.
CREATE TABLE slot_settings (
    guild_id       INTEGER PRIMARY KEY,
    per_member     INTEGER NOT NULL DEFAULT 1 CHECK (per_member BETWEEN 1 AND 10),
    days_before    INTEGER NOT NULL DEFAULT 5 CHECK (days_before BETWEEN 1 AND 28),
    updated_at_ms  INTEGER NOT NULL
);
-- The speaker limit at each claim: one member's held slots of one evening.
CREATE INDEX talks_by_evening_speaker ON talks (evening_id, speaker_id) WHERE evening_id IS NOT NULL;
