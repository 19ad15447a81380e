-- The hot writes (creating jobs of up to 250 tasks, claiming, completing) count the state changes
-- they make themselves and add them up once per transaction (countDeltas.ts): two upserts a row,
-- six rows a job, had cost more than the rows' own writes (docs/benchmarks.md). count_gate.hot is
-- 1 only inside the hub's transaction, around those writes; the triggers count every other write,
-- by any connection, as before.
CREATE TABLE count_gate (hot INTEGER NOT NULL);
INSERT INTO count_gate (hot) VALUES (0);

DROP TRIGGER tasks_counted_insert;
CREATE TRIGGER tasks_counted_insert AFTER INSERT ON tasks WHEN (SELECT hot FROM count_gate) = 0 BEGIN
  INSERT INTO state_counts (tbl, kind, state, n) VALUES ('tasks', new.kind, new.state, 1)
    ON CONFLICT (tbl, kind, state) DO UPDATE SET n = n + 1;
END;
DROP TRIGGER tasks_counted_update;
CREATE TRIGGER tasks_counted_update AFTER UPDATE OF state ON tasks
  WHEN old.state <> new.state AND (SELECT hot FROM count_gate) = 0 BEGIN
  UPDATE state_counts SET n = n - 1 WHERE tbl = 'tasks' AND kind = old.kind AND state = old.state;
  INSERT INTO state_counts (tbl, kind, state, n) VALUES ('tasks', new.kind, new.state, 1)
    ON CONFLICT (tbl, kind, state) DO UPDATE SET n = n + 1;
END;
DROP TRIGGER jobs_counted_insert;
CREATE TRIGGER jobs_counted_insert AFTER INSERT ON jobs WHEN (SELECT hot FROM count_gate) = 0 BEGIN
  INSERT INTO state_counts (tbl, kind, state, n) VALUES ('jobs', '', new.state, 1)
    ON CONFLICT (tbl, kind, state) DO UPDATE SET n = n + 1;
END;
DROP TRIGGER jobs_counted_update;
CREATE TRIGGER jobs_counted_update AFTER UPDATE OF state ON jobs
  WHEN old.state <> new.state AND (SELECT hot FROM count_gate) = 0 BEGIN
  UPDATE state_counts SET n = n - 1 WHERE tbl = 'jobs' AND kind = '' AND state = old.state;
  INSERT INTO state_counts (tbl, kind, state, n) VALUES ('jobs', '', new.state, 1)
    ON CONFLICT (tbl, kind, state) DO UPDATE SET n = n + 1;
END;
