-- Isolation between tokens (docs/protocol.md, "Isolation between tokens").
-- created_by: the id of the token that created the job; NULL for jobs made before this migration
-- and by the hub itself (a bot running in it). A confined client token lists its jobs by it.
ALTER TABLE jobs ADD COLUMN created_by text;
CREATE INDEX jobs_by_creator ON jobs (created_by, id) WHERE created_by IS NOT NULL;
-- lease_owner: the token that claimed the task's current lease; only it may report on the lease.
-- NULL: claimed before this migration, by any worker token.
ALTER TABLE tasks ADD COLUMN lease_owner text;
-- own_jobs: a client token that sees and changes only the jobs it created.
ALTER TABLE tokens ADD COLUMN own_jobs boolean NOT NULL DEFAULT false;
-- bot: a bot token that acts only for this bot (its state, its feeds); NULL for any bot.
ALTER TABLE tokens ADD COLUMN bot text;
