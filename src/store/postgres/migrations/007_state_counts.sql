-- Tasks per kind and state, and jobs per state, kept as rows change, so the stats the dashboard,
-- /v1/stats and /metrics read cost a few rows, not a count of every task. Each statement that
-- changes tasks or jobs appends its net change per kind and state to state_count_deltas (a
-- statement-level trigger over its transition tables: one insert per statement, not per row), so
-- writers never wait on a shared counter row; each hub folds the deltas into state_counts every few
-- seconds. A read adds both up in one snapshot, so it is right whether or not a fold has run.
CREATE TABLE state_counts (
  tbl   text NOT NULL,
  kind  text NOT NULL,
  state text NOT NULL,
  n     bigint NOT NULL,
  PRIMARY KEY (tbl, kind, state)
);
CREATE TABLE state_count_deltas (
  tbl   text NOT NULL,
  kind  text NOT NULL,
  state text NOT NULL,
  n     bigint NOT NULL
);

INSERT INTO state_counts (tbl, kind, state, n) SELECT 'tasks', kind, state, count(*) FROM tasks GROUP BY kind, state;
INSERT INTO state_counts (tbl, kind, state, n) SELECT 'jobs', '', state, count(*) FROM jobs GROUP BY state;

-- TG_ARGV[0]: the table's name in state_counts; jobs are counted per state only (kind '').
CREATE FUNCTION roost_count_states() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER tasks_counted_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION roost_count_states('tasks');
CREATE TRIGGER tasks_counted_update AFTER UPDATE ON tasks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION roost_count_states('tasks');
CREATE TRIGGER tasks_counted_delete AFTER DELETE ON tasks REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION roost_count_states('tasks');
CREATE TRIGGER jobs_counted_insert AFTER INSERT ON jobs REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION roost_count_states('jobs');
CREATE TRIGGER jobs_counted_update AFTER UPDATE ON jobs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION roost_count_states('jobs');
CREATE TRIGGER jobs_counted_delete AFTER DELETE ON jobs REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION roost_count_states('jobs');
