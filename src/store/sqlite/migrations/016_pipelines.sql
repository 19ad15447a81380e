-- Pipelines (docs/pipelines.md). A run is one execution of a pipeline definition (kept as sent,
-- files already uploaded as artifacts); its steps record what each step did: state, identity,
-- whether it was re-used or re-run and why, the last job it ran, its outputs and their hashes.
CREATE TABLE pipeline_runs (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  state       TEXT NOT NULL,
  definition  TEXT NOT NULL,
  error       TEXT,
  created_by  TEXT,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  finished_at INTEGER
) WITHOUT ROWID;
-- The previous run of a pipeline (to say why a step re-runs), and the runs to resume at start.
CREATE INDEX pipeline_runs_name ON pipeline_runs (name, id);
CREATE INDEX pipeline_runs_running ON pipeline_runs (id) WHERE state = 'running';
CREATE TABLE pipeline_steps (
  run_id        TEXT NOT NULL REFERENCES pipeline_runs (id) ON DELETE CASCADE,
  step          TEXT NOT NULL,
  state         TEXT NOT NULL,
  identity      TEXT,
  reused        INTEGER NOT NULL,
  reason        TEXT,
  rounds        INTEGER NOT NULL,
  job_id        TEXT,
  input_hashes  TEXT,
  outputs       TEXT,
  output_hashes TEXT,
  error         TEXT,
  updated_at    INTEGER NOT NULL,
  PRIMARY KEY (run_id, step)
) WITHOUT ROWID;
-- A succeeded step's outputs by identity (the hash of its kind, parameters and input hashes): a
-- step whose identity is here is not run again, by any run of any pipeline.
CREATE TABLE pipeline_results (
  identity      TEXT PRIMARY KEY,
  kind          TEXT NOT NULL,
  outputs       TEXT NOT NULL,
  output_hashes TEXT NOT NULL,
  job_id        TEXT,
  created_at    INTEGER NOT NULL
) WITHOUT ROWID;
