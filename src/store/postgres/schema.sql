-- pg_dump --schema-only of a freshly migrated schema, normalised by test/helpers/postgres.ts.
-- Do not edit: test/contract/postgres.test.ts checks that the migrations build exactly this.

CREATE FUNCTION roost_count_states() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO state_count_deltas (tbl, kind, state, n)
      SELECT TG_ARGV[0], CASE WHEN TG_ARGV[0] = 'jobs' THEN '' ELSE kind END, state, count(*)
      FROM new_rows GROUP BY 2, 3;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO state_count_deltas (tbl, kind, state, n)
      SELECT TG_ARGV[0], CASE WHEN TG_ARGV[0] = 'jobs' THEN '' ELSE kind END, state, -count(*)
      FROM old_rows GROUP BY 2, 3;
  ELSE
    INSERT INTO state_count_deltas (tbl, kind, state, n)
      SELECT TG_ARGV[0], CASE WHEN TG_ARGV[0] = 'jobs' THEN '' ELSE kind END, state, sum(d)
      FROM (SELECT kind, state, 1 AS d FROM new_rows UNION ALL SELECT kind, state, -1 FROM old_rows) AS c
      GROUP BY 2, 3 HAVING sum(d) <> 0;
  END IF;
  RETURN NULL;
END $$;

CREATE TABLE artifact_refs (
    sha256 text NOT NULL,
    owner text NOT NULL,
    created_at bigint NOT NULL
);

CREATE TABLE artifacts (
    sha256 text NOT NULL,
    size bigint NOT NULL,
    type text NOT NULL,
    created_at bigint NOT NULL,
    put_at bigint NOT NULL
);

CREATE TABLE bot_logs (
    id bigint NOT NULL,
    bot text NOT NULL,
    at bigint NOT NULL,
    level text NOT NULL,
    msg text NOT NULL,
    data text
);

ALTER TABLE bot_logs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME bot_logs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE bot_platform_cursors (
    bot text NOT NULL,
    platform text NOT NULL,
    cursor text NOT NULL
);

CREATE TABLE bot_state (
    bot text NOT NULL,
    key text NOT NULL,
    value text NOT NULL,
    updated_at bigint NOT NULL
);

CREATE TABLE bots (
    name text NOT NULL,
    module text NOT NULL,
    paused boolean DEFAULT false NOT NULL,
    created_at bigint NOT NULL,
    starts bigint DEFAULT 0 NOT NULL,
    restarts bigint DEFAULT 0 NOT NULL,
    runs bigint DEFAULT 0 NOT NULL,
    errors bigint DEFAULT 0 NOT NULL,
    last_error text,
    last_error_at bigint,
    last_run_at bigint,
    last_scheduled_at bigint,
    paused_reason text
);

CREATE TABLE chat_turns (
    conversation text NOT NULL,
    seq bigint NOT NULL,
    role text NOT NULL,
    content text NOT NULL,
    tokens bigint NOT NULL,
    created_at bigint NOT NULL
);

CREATE TABLE feed_cursors (
    feed text NOT NULL,
    consumer text NOT NULL,
    acked bigint NOT NULL
);

CREATE TABLE feed_items (
    feed text NOT NULL,
    seq bigint NOT NULL,
    item text NOT NULL,
    created_at bigint NOT NULL
);

CREATE TABLE feeds (
    name text NOT NULL,
    owner text,
    last_seq bigint DEFAULT 0 NOT NULL,
    created_at bigint NOT NULL
);

CREATE TABLE hub_logs (
    id text NOT NULL,
    at bigint NOT NULL,
    level integer NOT NULL,
    source text NOT NULL,
    msg text NOT NULL,
    data text
);

CREATE TABLE jobs (
    id text NOT NULL,
    kind text NOT NULL,
    input text NOT NULL,
    state text NOT NULL,
    variants integer NOT NULL,
    priority integer NOT NULL,
    seed bigint NOT NULL,
    max_attempts integer NOT NULL,
    backoff text NOT NULL,
    lease_ms bigint NOT NULL,
    requires text,
    key text,
    run_at bigint NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    finished_at bigint,
    concurrency_key text,
    enough boolean DEFAULT false NOT NULL,
    cache_key text,
    cached_from text,
    created_by text
);

CREATE TABLE kinds (
    kind text NOT NULL,
    first_seen bigint NOT NULL
);

CREATE TABLE ledger (
    bot text NOT NULL,
    key text NOT NULL,
    hash text NOT NULL,
    platform text NOT NULL,
    state text NOT NULL,
    post_id text,
    created_at bigint NOT NULL,
    confirmed_at bigint,
    CONSTRAINT ledger_state_check CHECK ((state = ANY (ARRAY['pending'::text, 'confirmed'::text])))
);

CREATE TABLE limits (
    key text NOT NULL,
    concurrency integer,
    rate_count integer,
    rate_interval_ms bigint,
    updated_at bigint NOT NULL
);

CREATE TABLE model_usage (
    token_id text NOT NULL,
    day text NOT NULL,
    model text NOT NULL,
    requests bigint DEFAULT 0 NOT NULL,
    prompt_tokens bigint DEFAULT 0 NOT NULL,
    completion_tokens bigint DEFAULT 0 NOT NULL
);

CREATE TABLE pipeline_results (
    identity text NOT NULL,
    kind text NOT NULL,
    outputs text NOT NULL,
    output_hashes text NOT NULL,
    job_id text,
    created_at bigint NOT NULL
);

CREATE TABLE pipeline_runs (
    id text NOT NULL,
    name text NOT NULL,
    state text NOT NULL,
    definition text NOT NULL,
    error text,
    created_by text,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    finished_at bigint
);

CREATE TABLE pipeline_steps (
    run_id text NOT NULL,
    step text NOT NULL,
    state text NOT NULL,
    identity text,
    reused boolean NOT NULL,
    reason text,
    rounds integer NOT NULL,
    job_id text,
    input_hashes text,
    outputs text,
    output_hashes text,
    error text,
    updated_at bigint NOT NULL
);

CREATE TABLE platform_accounts (
    name text NOT NULL,
    platform text NOT NULL,
    instance text,
    sealed text,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);

CREATE TABLE platform_calls (
    id bigint NOT NULL,
    at bigint NOT NULL,
    platform text NOT NULL,
    account text NOT NULL,
    method text NOT NULL,
    status integer NOT NULL,
    duration_ms bigint NOT NULL,
    remaining bigint,
    wait_ms bigint NOT NULL,
    attempt integer NOT NULL,
    error text
);

ALTER TABLE platform_calls ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME platform_calls_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE rate_buckets (
    key text NOT NULL,
    tokens double precision NOT NULL,
    updated_at bigint NOT NULL
);

CREATE SEQUENCE result_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

CREATE TABLE rollups (
    minute bigint NOT NULL,
    hub text NOT NULL,
    kind text NOT NULL,
    jobs_created integer DEFAULT 0 NOT NULL,
    jobs_succeeded integer DEFAULT 0 NOT NULL,
    jobs_failed integer DEFAULT 0 NOT NULL,
    claims integer DEFAULT 0 NOT NULL,
    latency text DEFAULT '{}'::text NOT NULL
);

CREATE TABLE sandbox_accounts (
    name text NOT NULL,
    created_at bigint NOT NULL
);

CREATE TABLE sandbox_likes (
    post_id bigint NOT NULL,
    account text NOT NULL,
    created_at bigint NOT NULL
);

CREATE TABLE sandbox_mentions (
    post_id bigint NOT NULL,
    account text NOT NULL
);

CREATE TABLE sandbox_posts (
    id bigint NOT NULL,
    type text NOT NULL,
    author text NOT NULL,
    recipient text,
    reply_to bigint,
    text text NOT NULL,
    key text,
    created_at bigint NOT NULL,
    CONSTRAINT sandbox_posts_type_check CHECK ((type = ANY (ARRAY['post'::text, 'ask'::text])))
);

ALTER TABLE sandbox_posts ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME sandbox_posts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at bigint NOT NULL
);

CREATE TABLE state_count_deltas (
    tbl text NOT NULL,
    kind text NOT NULL,
    state text NOT NULL,
    n bigint NOT NULL
);

CREATE TABLE state_counts (
    tbl text NOT NULL,
    kind text NOT NULL,
    state text NOT NULL,
    n bigint NOT NULL
);

CREATE TABLE tasks (
    id bigint NOT NULL,
    job_id text NOT NULL,
    idx integer NOT NULL,
    kind text NOT NULL,
    route text NOT NULL,
    priority integer NOT NULL,
    seed bigint NOT NULL,
    state text NOT NULL,
    run_at bigint NOT NULL,
    attempt integer DEFAULT 0 NOT NULL,
    max_attempts integer NOT NULL,
    lease_ms bigint NOT NULL,
    lease_token text,
    lease_expires_at bigint,
    worker_id text,
    output text,
    progress text,
    error text,
    done_seq bigint,
    finished_at bigint,
    concurrency_key text,
    lease_owner text
);

ALTER TABLE tasks ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME tasks_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE tokens (
    id text NOT NULL,
    name text NOT NULL,
    scope text NOT NULL,
    hash text NOT NULL,
    created_at bigint NOT NULL,
    revoked_at bigint,
    last_used_at bigint,
    kinds text,
    own_jobs boolean DEFAULT false NOT NULL,
    bot text
);

CREATE TABLE workers (
    worker_id text NOT NULL,
    name text NOT NULL,
    capabilities text NOT NULL,
    concurrency integer NOT NULL,
    version text NOT NULL,
    first_seen bigint NOT NULL,
    last_seen bigint NOT NULL
);

ALTER TABLE ONLY artifact_refs
    ADD CONSTRAINT artifact_refs_pkey PRIMARY KEY (sha256, owner);

ALTER TABLE ONLY artifacts
    ADD CONSTRAINT artifacts_pkey PRIMARY KEY (sha256);

ALTER TABLE ONLY bot_logs
    ADD CONSTRAINT bot_logs_pkey PRIMARY KEY (id);

ALTER TABLE ONLY bot_platform_cursors
    ADD CONSTRAINT bot_platform_cursors_pkey PRIMARY KEY (bot, platform);

ALTER TABLE ONLY bot_state
    ADD CONSTRAINT bot_state_pkey PRIMARY KEY (bot, key);

ALTER TABLE ONLY bots
    ADD CONSTRAINT bots_pkey PRIMARY KEY (name);

ALTER TABLE ONLY chat_turns
    ADD CONSTRAINT chat_turns_pkey PRIMARY KEY (conversation, seq);

ALTER TABLE ONLY feed_cursors
    ADD CONSTRAINT feed_cursors_pkey PRIMARY KEY (feed, consumer);

ALTER TABLE ONLY feed_items
    ADD CONSTRAINT feed_items_pkey PRIMARY KEY (feed, seq);

ALTER TABLE ONLY feeds
    ADD CONSTRAINT feeds_pkey PRIMARY KEY (name);

ALTER TABLE ONLY hub_logs
    ADD CONSTRAINT hub_logs_pkey PRIMARY KEY (id);

ALTER TABLE ONLY jobs
    ADD CONSTRAINT jobs_pkey PRIMARY KEY (id);

ALTER TABLE ONLY kinds
    ADD CONSTRAINT kinds_pkey PRIMARY KEY (kind);

ALTER TABLE ONLY ledger
    ADD CONSTRAINT ledger_pkey PRIMARY KEY (bot, key);

ALTER TABLE ONLY limits
    ADD CONSTRAINT limits_pkey PRIMARY KEY (key);

ALTER TABLE ONLY model_usage
    ADD CONSTRAINT model_usage_pkey PRIMARY KEY (token_id, day, model);

ALTER TABLE ONLY pipeline_results
    ADD CONSTRAINT pipeline_results_pkey PRIMARY KEY (identity);

ALTER TABLE ONLY pipeline_runs
    ADD CONSTRAINT pipeline_runs_pkey PRIMARY KEY (id);

ALTER TABLE ONLY pipeline_steps
    ADD CONSTRAINT pipeline_steps_pkey PRIMARY KEY (run_id, step);

ALTER TABLE ONLY platform_accounts
    ADD CONSTRAINT platform_accounts_pkey PRIMARY KEY (name);

ALTER TABLE ONLY platform_calls
    ADD CONSTRAINT platform_calls_pkey PRIMARY KEY (id);

ALTER TABLE ONLY rate_buckets
    ADD CONSTRAINT rate_buckets_pkey PRIMARY KEY (key);

ALTER TABLE ONLY rollups
    ADD CONSTRAINT rollups_pkey PRIMARY KEY (minute, hub, kind);

ALTER TABLE ONLY sandbox_accounts
    ADD CONSTRAINT sandbox_accounts_pkey PRIMARY KEY (name);

ALTER TABLE ONLY sandbox_likes
    ADD CONSTRAINT sandbox_likes_pkey PRIMARY KEY (post_id, account);

ALTER TABLE ONLY sandbox_mentions
    ADD CONSTRAINT sandbox_mentions_pkey PRIMARY KEY (post_id, account);

ALTER TABLE ONLY sandbox_posts
    ADD CONSTRAINT sandbox_posts_pkey PRIMARY KEY (id);

ALTER TABLE ONLY schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);

ALTER TABLE ONLY state_counts
    ADD CONSTRAINT state_counts_pkey PRIMARY KEY (tbl, kind, state);

ALTER TABLE ONLY tasks
    ADD CONSTRAINT tasks_job_id_idx_key UNIQUE (job_id, idx);

ALTER TABLE ONLY tasks
    ADD CONSTRAINT tasks_pkey PRIMARY KEY (id);

ALTER TABLE ONLY tokens
    ADD CONSTRAINT tokens_pkey PRIMARY KEY (id);

ALTER TABLE ONLY workers
    ADD CONSTRAINT workers_pkey PRIMARY KEY (worker_id);

CREATE INDEX artifact_refs_owner ON artifact_refs USING btree (owner);

CREATE INDEX artifacts_put_at ON artifacts USING btree (put_at);

CREATE INDEX bot_logs_by_bot ON bot_logs USING btree (bot, at);

CREATE INDEX hub_logs_by_time ON hub_logs USING btree (at);

CREATE INDEX jobs_by_creator ON jobs USING btree (created_by, id) WHERE (created_by IS NOT NULL);

CREATE INDEX jobs_by_kind ON jobs USING btree (kind, id);

CREATE INDEX jobs_by_state ON jobs USING btree (state, id);

CREATE INDEX jobs_cache ON jobs USING btree (cache_key, finished_at) WHERE ((state = 'succeeded'::text) AND (cache_key IS NOT NULL));

CREATE UNIQUE INDEX jobs_key ON jobs USING btree (key) WHERE (key IS NOT NULL);

CREATE INDEX jobs_retention ON jobs USING btree (finished_at) WHERE (state = ANY (ARRAY['succeeded'::text, 'cancelled'::text]));

CREATE INDEX ledger_pending ON ledger USING btree (bot) WHERE (state = 'pending'::text);

CREATE INDEX pipeline_runs_name ON pipeline_runs USING btree (name, id);

CREATE INDEX pipeline_runs_running ON pipeline_runs USING btree (id) WHERE (state = 'running'::text);

CREATE INDEX platform_calls_account ON platform_calls USING btree (account, at);

CREATE INDEX platform_calls_at ON platform_calls USING btree (at);

CREATE INDEX sandbox_posts_by_key ON sandbox_posts USING btree (author, key) WHERE (key IS NOT NULL);

CREATE INDEX sandbox_posts_replies ON sandbox_posts USING btree (reply_to) WHERE (reply_to IS NOT NULL);

CREATE INDEX tasks_by_key ON tasks USING btree (concurrency_key) WHERE ((state = ANY (ARRAY['queued'::text, 'delayed'::text, 'leased'::text])) AND (concurrency_key IS NOT NULL));

CREATE INDEX tasks_dead ON tasks USING btree (id) WHERE (state = 'dead'::text);

CREATE INDEX tasks_delayed ON tasks USING btree (run_at) WHERE (state = 'delayed'::text);

CREATE INDEX tasks_leased ON tasks USING btree (lease_expires_at) WHERE (state = 'leased'::text);

CREATE INDEX tasks_ready ON tasks USING btree (route, priority DESC, run_at, id) WHERE (state = 'queued'::text);

CREATE INDEX tasks_running_by_key ON tasks USING btree (concurrency_key) WHERE ((state = 'leased'::text) AND (concurrency_key IS NOT NULL));

CREATE TRIGGER jobs_counted_delete AFTER DELETE ON jobs REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION roost_count_states('jobs');

CREATE TRIGGER jobs_counted_insert AFTER INSERT ON jobs REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION roost_count_states('jobs');

CREATE TRIGGER jobs_counted_update AFTER UPDATE ON jobs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION roost_count_states('jobs');

CREATE TRIGGER tasks_counted_delete AFTER DELETE ON tasks REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION roost_count_states('tasks');

CREATE TRIGGER tasks_counted_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION roost_count_states('tasks');

CREATE TRIGGER tasks_counted_update AFTER UPDATE ON tasks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION roost_count_states('tasks');

ALTER TABLE ONLY artifact_refs
    ADD CONSTRAINT artifact_refs_sha256_fkey FOREIGN KEY (sha256) REFERENCES artifacts(sha256) ON DELETE CASCADE;

ALTER TABLE ONLY bot_logs
    ADD CONSTRAINT bot_logs_bot_fkey FOREIGN KEY (bot) REFERENCES bots(name) ON DELETE CASCADE;

ALTER TABLE ONLY bot_platform_cursors
    ADD CONSTRAINT bot_platform_cursors_bot_fkey FOREIGN KEY (bot) REFERENCES bots(name) ON DELETE CASCADE;

ALTER TABLE ONLY bot_state
    ADD CONSTRAINT bot_state_bot_fkey FOREIGN KEY (bot) REFERENCES bots(name) ON DELETE CASCADE;

ALTER TABLE ONLY feed_cursors
    ADD CONSTRAINT feed_cursors_feed_fkey FOREIGN KEY (feed) REFERENCES feeds(name) ON DELETE CASCADE;

ALTER TABLE ONLY feed_items
    ADD CONSTRAINT feed_items_feed_fkey FOREIGN KEY (feed) REFERENCES feeds(name) ON DELETE CASCADE;

ALTER TABLE ONLY feeds
    ADD CONSTRAINT feeds_owner_fkey FOREIGN KEY (owner) REFERENCES bots(name) ON DELETE CASCADE;

ALTER TABLE ONLY ledger
    ADD CONSTRAINT ledger_bot_fkey FOREIGN KEY (bot) REFERENCES bots(name) ON DELETE CASCADE;

ALTER TABLE ONLY pipeline_steps
    ADD CONSTRAINT pipeline_steps_run_id_fkey FOREIGN KEY (run_id) REFERENCES pipeline_runs(id) ON DELETE CASCADE;

ALTER TABLE ONLY sandbox_likes
    ADD CONSTRAINT sandbox_likes_account_fkey FOREIGN KEY (account) REFERENCES sandbox_accounts(name);

ALTER TABLE ONLY sandbox_likes
    ADD CONSTRAINT sandbox_likes_post_id_fkey FOREIGN KEY (post_id) REFERENCES sandbox_posts(id);

ALTER TABLE ONLY sandbox_mentions
    ADD CONSTRAINT sandbox_mentions_post_id_fkey FOREIGN KEY (post_id) REFERENCES sandbox_posts(id);

ALTER TABLE ONLY sandbox_posts
    ADD CONSTRAINT sandbox_posts_author_fkey FOREIGN KEY (author) REFERENCES sandbox_accounts(name);

ALTER TABLE ONLY sandbox_posts
    ADD CONSTRAINT sandbox_posts_recipient_fkey FOREIGN KEY (recipient) REFERENCES sandbox_accounts(name);

ALTER TABLE ONLY sandbox_posts
    ADD CONSTRAINT sandbox_posts_reply_to_fkey FOREIGN KEY (reply_to) REFERENCES sandbox_posts(id);
