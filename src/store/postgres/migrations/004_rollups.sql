-- Per-minute rollups for the dashboard's charts, kept 24 hours. Each hub counts in memory and
-- writes its rows once a minute (never a write per task). The row of kind '' holds the job
-- counters (jobs are not counted per kind); a row per kind holds its claims and their dispatch
-- latencies (ready to leased) as a histogram, JSON {bucket upper bound in ms: count}, which adds
-- up across hubs, kinds and minutes.
CREATE TABLE rollups (
  minute         bigint NOT NULL,
  hub            text NOT NULL,
  kind           text NOT NULL,
  jobs_created   integer NOT NULL DEFAULT 0,
  jobs_succeeded integer NOT NULL DEFAULT 0,
  jobs_failed    integer NOT NULL DEFAULT 0,
  claims         integer NOT NULL DEFAULT 0,
  latency        text NOT NULL DEFAULT '{}',
  PRIMARY KEY (minute, hub, kind)
);
