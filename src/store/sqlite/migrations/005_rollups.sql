-- Per-minute rollups for the dashboard's charts, kept 24 hours. Each hub counts in memory and
-- writes its rows once a minute (never a write per task). The row of kind '' holds the job
-- counters (jobs are not counted per kind); a row per kind holds its claims and their dispatch
-- latencies (ready to leased) as a histogram, JSON {bucket upper bound in ms: count}, which adds
-- up across hubs, kinds and minutes.
CREATE TABLE rollups (
  minute         INTEGER NOT NULL,
  hub            TEXT NOT NULL,
  kind           TEXT NOT NULL,
  jobs_created   INTEGER NOT NULL DEFAULT 0,
  jobs_succeeded INTEGER NOT NULL DEFAULT 0,
  jobs_failed    INTEGER NOT NULL DEFAULT 0,
  claims         INTEGER NOT NULL DEFAULT 0,
  latency        TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (minute, hub, kind)
) WITHOUT ROWID;
