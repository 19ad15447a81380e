-- Pipelines (docs/pipelines.md). A run is one execution of a pipeline definition (kept as sent,
-- files already uploaded as artifacts); its steps record what each step did: state, identity,
-- whether it was re-used or re-run and why, the last job it ran, its outputs and their hashes.
CREATE TABLE pipeline_runs (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  state       text NOT NULL,
  definition  text NOT NULL,
  error       text,
  created_by  text,
  created_at  bigint NOT NULL,
  updated_at  bigint NOT NULL,
  finished_at bigint
);
-- The previous run of a pipeline (to say why a step re-runs), and the runs to resume at start.
CREATE INDEX pipeline_runs_name ON pipeline_runs (name, id);
CREATE INDEX pipeline_runs_running ON pipeline_runs (id) WHERE state = 'running';
CREATE TABLE pipeline_steps (
  run_id        text NOT NULL REFERENCES pipeline_runs (id) ON DELETE CASCADE,
  step          text NOT NULL,
  state         text NOT NULL,
  identity      text,
  reused        boolean NOT NULL,
  reason        text,
  rounds        integer NOT NULL,
  job_id        text,
  input_hashes  text,
  outputs       text,
  output_hashes text,
  error         text,
  updated_at    bigint NOT NULL,
  PRIMARY KEY (run_id, step)
);
-- A succeeded step's outputs by identity (the hash of its kind, parameters and input hashes): a
-- step whose identity is here is not run again, by any run of any pipeline.
CREATE TABLE pipeline_results (
  identity      text PRIMARY KEY,
  kind          text NOT NULL,
  outputs       text NOT NULL,
  output_hashes text NOT NULL,
  job_id        text,
  created_at    bigint NOT NULL
);
