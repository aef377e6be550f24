-- Issue 10: delivery that stays exactly-once and on time at the edges.
-- When the row was first claimed: a resend later than Discord's nonce window looks for the message first.
ALTER TABLE outbox ADD COLUMN first_attempt_at_ms INTEGER;
-- 1 once an attempt may have reached Discord without us knowing (5xx, timeout, a crash mid-send).
ALTER TABLE outbox ADD COLUMN maybe_sent INTEGER NOT NULL DEFAULT 0 CHECK (maybe_sent IN (0, 1));
-- For talk-bound messages: the talk's start they were planned for; a talk moved since makes them stale.
ALTER TABLE outbox ADD COLUMN talk_start_ms INTEGER;
-- The hourly weekly-summary and call-for-speakers checks look up one guild's rows of one kind.
CREATE INDEX outbox_by_guild_kind ON outbox (guild_id, kind, created_at_ms) WHERE guild_id IS NOT NULL;
