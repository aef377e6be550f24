-- Issue 19 §7: two outbox lookups that read every row of a guild's kind, or every due DM, go to an index.
-- A failure reported to the log channel looks up the previous outcome for the same guild, kind and target, inside
-- the write transaction: newest first among the final rows of that target, one row read.
CREATE INDEX outbox_last_outcome ON outbox (guild_id, kind, user_id, channel_id, id) WHERE state IN ('sent', 'failed');
-- The DM prefetch (once a second) looks at the next due DMs only: the pending DMs in due order, with their person.
CREATE INDEX outbox_due_dm ON outbox (next_attempt_at_ms, user_id) WHERE state = 'pending' AND target_type = 'dm';
