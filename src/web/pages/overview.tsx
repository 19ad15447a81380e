import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { follow, get, query } from '../api.js';
import { Chart } from '../components/chart.js';
import { Notice } from '../components/notice.js';
import { ago, millis } from '../format.js';
import { messageOf, useNow } from '../hooks.js';
import { href } from '../router.js';
import type { MinutePoint, OverviewSnapshot } from '../types.js';

const RANGES = { '1h': 3_600_000, '24h': 86_400_000 } as const;
type Range = keyof typeof RANGES;

/** Jobs finished per second in a minute; the minute in progress counts only the seconds gone by. */
function perSecond(p: MinutePoint, count: number, at: number): number {
  const seconds = Math.min(60, Math.max(1, (at - p.minute) / 1000));
  return count / seconds;
}

/** A rate with as many decimals as its size needs: 120, 4.5, 0.25, 0.017. */
function rate(v: number): string {
  if (v === 0 || v >= 10) return v.toFixed(0);
  return v.toPrecision(2);
}

/** Live charts and counters: the per-minute series, then a snapshot every 2 s over SSE. */
export function Overview() {
  const [range, setRange] = useState<Range>('1h');
  const [points, setPoints] = useState(new Map<number, MinutePoint>());
  const [snap, setSnap] = useState<OverviewSnapshot | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = useNow(2000);

  useEffect(() => {
    let stop = () => {};
    const since = Date.now() - RANGES[range];
    get<{ minutes: MinutePoint[] }>(`/v1/stats/minutes${query({ since })}`).then(
      ({ minutes }) => {
        setPoints(new Map(minutes.map((p) => [p.minute, p])));
        stop = follow('/v1/stats/events', {
          overview: (s: OverviewSnapshot) => {
            setSnap(s);
            setError(null);
            setPoints((old) => {
              const next = new Map(old);
              for (const p of s.minutes) next.set(p.minute, p);
              for (const m of next.keys()) if (m < s.at - RANGES[range]) next.delete(m);
              return next;
            });
          },
        });
      },
      (e) => setError(messageOf(e)),
    );
    return () => stop();
  }, [range]);

  const series = useMemo(() => [...points.values()].sort((a, b) => a.minute - b.minute), [points]);
  const at = snap?.at ?? now;
  const times = series.map((p) => p.minute / 1000);
  const jobLines = useMemo(
    () => [
      {
        label: 'finished/s',
        color: '#1f6f5c',
        values: series.map((p) => perSecond(p, p.jobsSucceeded + p.jobsFailed, at)),
      },
      {
        label: 'created/s',
        color: '#3b6fd8',
        values: series.map((p) => perSecond(p, p.jobsCreated, at)),
        dashed: true,
      },
    ],
    [series, at],
  );
  const latencyLines = useMemo(
    () => [
      { label: 'p50', color: '#7a4ec2', values: series.map((p) => p.dispatchP50Ms) },
      { label: 'p99', color: '#d0573a', values: series.map((p) => p.dispatchP99Ms), dashed: true },
    ],
    [series],
  );

  const lastHour = series.filter((p) => p.minute >= at - RANGES['1h']);
  const finished = lastHour.reduce((n, p) => n + p.jobsSucceeded + p.jobsFailed, 0);
  const failed = lastHour.reduce((n, p) => n + p.jobsFailed, 0);
  const current = series.at(-1);
  const tasks = snap?.stats.tasks ?? [];
  const count = (state: string) => tasks.filter((t) => t.state === state).reduce((n, t) => n + t.count, 0);
  const kinds = [...new Set(tasks.map((t) => t.kind))].sort();
  const depth = kinds
    .map((kind) => ({
      kind,
      queued: tasks.find((t) => t.kind === kind && t.state === 'queued')?.count ?? 0,
      leased: tasks.find((t) => t.kind === kind && t.state === 'leased')?.count ?? 0,
    }))
    .filter((k) => k.queued + k.leased > 0);
  const deepest = Math.max(1, ...depth.map((k) => k.queued + k.leased));

  return (
    <section class="page">
      <header class="page-head">
        <h1>Overview</h1>
        <div class="segmented" role="group" aria-label="range">
          {(Object.keys(RANGES) as Range[]).map((r) => (
            <button class={r === range ? 'on' : ''} onClick={() => setRange(r)}>
              last {r}
            </button>
          ))}
        </div>
      </header>
      {error && <Notice kind="error">{error}</Notice>}
      <div class="tiles">
        <Tile
          label="Jobs finished, last hour"
          value={finished}
          testid="jobs-finished"
          note={failed ? `${failed} failed` : 'none failed'}
        />
        <Tile
          label="Jobs per second"
          value={current ? rate(perSecond(current, current.jobsSucceeded + current.jobsFailed, at)) : '—'}
          note="this minute"
        />
        <Tile
          label="Running jobs"
          value={snap?.stats.jobs.running ?? 0}
          note={`${snap?.stats.jobs.queued ?? 0} queued`}
        />
        <Tile label="Queued tasks" value={count('queued')} note={`${count('leased')} leased`} />
        <Tile
          label="Workers online"
          value={snap?.workersConnected ?? '—'}
          testid="workers-online"
          note={`claims waiting: ${snap?.waitingClaims ?? 0}`}
        />
        <Tile
          label="Dead tasks"
          value={count('dead')}
          note={count('dead') ? <a href={href('dead')}>redrive or purge</a> : 'all good'}
        />
      </div>
      <div class="grid-2">
        <div class="card">
          <h2>Jobs per second</h2>
          <Chart name="jobs-per-second" times={times} lines={jobLines} unit={rate} />
        </div>
        <div class="card">
          <h2>Dispatch latency, ready to claimed</h2>
          <Chart name="dispatch-latency" times={times} lines={latencyLines} unit={millis} />
        </div>
      </div>
      <div class="grid-2">
        <div class="card">
          <h2>Queue depth by kind</h2>
          {depth.length === 0 ? (
            <p class="muted">Nothing queued or running.</p>
          ) : (
            <table class="table depth">
              <thead>
                <tr>
                  <th>kind</th>
                  <th class="num">queued</th>
                  <th class="num">leased</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {depth.map((k) => (
                  <tr>
                    <td>
                      <a href={href('jobs', { kind: k.kind })}>{k.kind}</a>
                    </td>
                    <td class="num">{k.queued}</td>
                    <td class="num">{k.leased}</td>
                    <td class="bar-cell">
                      <span class="bar leased" style={{ width: `${(100 * k.leased) / deepest}%` }} />
                      <span class="bar queued" style={{ width: `${(100 * k.queued) / deepest}%` }} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div class="card">
          <h2>Recent failures</h2>
          {(snap?.dead.length ?? 0) === 0 ? (
            <p class="muted">No dead tasks.</p>
          ) : (
            <ul class="failures">
              {snap!.dead.map((t) => (
                <li>
                  <a href={href(`jobs/${t.jobId}`)}>{t.id}</a> <span class="muted">{t.kind}</span>{' '}
                  <span class="muted small">{ago(t.finishedAt, now)}</span>
                  <pre class="error-text">{t.error}</pre>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
}

function Tile({
  label,
  value,
  note,
  testid,
}: {
  label: string;
  value: string | number;
  note?: ComponentChildren;
  testid?: string;
}) {
  return (
    <div class="tile">
      <div class="tile-label">{label}</div>
      <div class="tile-value" data-testid={testid} data-value={value}>
        {typeof value === 'number' ? value.toLocaleString('en-US') : value}
      </div>
      {note !== undefined && <div class="tile-note">{note}</div>}
    </div>
  );
}
