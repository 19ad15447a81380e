import { get } from '../api.js';
import { Notice } from '../components/notice.js';
import { ago } from '../format.js';
import { useNow, usePolled } from '../hooks.js';
import type { WorkerView } from '../types.js';

/** Every worker the hub has heard from: what it can run, what it holds, how fast it takes work. */
export function Workers() {
  const list = usePolled(() => get<{ workers: WorkerView[] }>('/v1/workers'), 3000);
  const now = useNow();
  const workers = list.data?.workers ?? [];
  return (
    <section class="page">
      <header class="page-head">
        <h1>Workers</h1>
        <span class="muted">
          {workers.filter((w) => w.connected).length} online of {workers.length}
        </span>
      </header>
      {list.error && <Notice kind="error">{list.error}</Notice>}
      {list.data && workers.length === 0 && (
        <Notice>
          No worker has connected yet. Start one with <code>roost worker --hub URL --token TOKEN</code>.
        </Notice>
      )}
      {workers.length > 0 && (
        <table class="table workers" data-testid="workers-table">
          <thead>
            <tr>
              <th>worker</th>
              <th>capabilities and labels</th>
              <th class="num">in flight</th>
              <th class="num">throughput</th>
              <th>last seen</th>
              <th>version</th>
            </tr>
          </thead>
          <tbody>
            {workers.map((w) => (
              <tr class={w.connected ? '' : 'offline'}>
                <td>
                  <span
                    class={`dot ${w.connected ? 'on' : 'off'}`}
                    title={w.connected ? 'connected' : 'not connected'}
                  />
                  <strong>{w.name}</strong>
                  {w.name !== w.workerId && <div class="muted small mono">{w.workerId}</div>}
                </td>
                <td>
                  {w.capabilities.map((c) => (
                    <div class="capability">
                      <span class="kind">{c.kind}</span>
                      {Object.entries(c.labels).map(([k, v]) => (
                        <span class="label">
                          {k}={v}
                        </span>
                      ))}
                    </div>
                  ))}
                </td>
                <td class="num">
                  {w.inFlight} <span class="muted small">/ {w.concurrency}</span>
                </td>
                <td class="num" title={`${w.claimedLastHour} tasks claimed in the last hour`}>
                  {(w.claimedLast5m / 5).toFixed(1)}/min
                  <div class="muted small">{w.claimedLastHour} in 1 h</div>
                </td>
                <td>{ago(w.lastSeen, now)}</td>
                <td class="muted">{w.version}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
