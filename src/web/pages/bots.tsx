import { useEffect, useRef, useState } from 'preact/hooks';
import { follow, get, post } from '../api.js';
import { Notice } from '../components/notice.js';
import { ago, clock, millis } from '../format.js';
import { useAction, useNow, usePolled } from '../hooks.js';
import { href } from '../router.js';
import type { BotLogLine, BotView } from '../types.js';

function status(b: BotView): { text: string; cls: string } {
  if (b.paused) return { text: 'paused', cls: 'state-cancelled' };
  if (b.waitingFor) return { text: 'waiting', cls: 'state-failed' };
  if (b.running) return { text: 'running', cls: 'state-succeeded' };
  return { text: 'restarting', cls: 'state-failed' };
}

/** The hub's bots; the one in the address shows its runs and a live tail of its log. */
export function Bots({ selected }: { selected: string | undefined }) {
  const list = usePolled(() => get<{ bots: BotView[] }>('/v1/bots'), 3000);
  const now = useNow();
  const bots = list.data?.bots ?? [];
  const bot = bots.find((b) => b.name === selected) ?? (selected ? undefined : bots[0]);
  return (
    <section class="page">
      <header class="page-head">
        <h1>Bots</h1>
        <a href={href('calls')}>platform calls →</a>
      </header>
      {list.error && <Notice kind="error">{list.error}</Notice>}
      {list.data && bots.length === 0 && (
        <Notice>
          No bots. <code>roost bot create NAME --from examples/bots/autoresponder</code> makes one.
        </Notice>
      )}
      {bots.length > 0 && (
        <table class="table bots" data-testid="bots-table">
          <thead>
            <tr>
              <th>bot</th>
              <th>status</th>
              <th>next run</th>
              <th class="num">runs</th>
              <th class="num">errors</th>
              <th class="num">posts</th>
              <th>last run</th>
            </tr>
          </thead>
          <tbody>
            {bots.map((b) => {
              const s = status(b);
              return (
                <tr class={b.name === bot?.name ? 'selected' : ''}>
                  <td>
                    <a href={href(`bots/${b.name}`)}>
                      <strong>{b.name}</strong>
                    </a>
                    {b.account && (
                      <a class="muted small" href={href('calls', { account: b.account })} title="its platform calls">
                        {' '}
                        @{b.account}
                      </a>
                    )}
                  </td>
                  <td>
                    <span class={`badge ${s.cls}`}>{s.text}</span>
                  </td>
                  <td>
                    {b.nextRunAt ? (
                      ago(b.nextRunAt, now)
                    ) : (
                      <span class="muted">{b.schedule ? '—' : 'no schedule'}</span>
                    )}
                  </td>
                  <td class="num">{b.runs}</td>
                  <td class={`num ${b.errors ? 'bad' : ''}`}>{b.errors}</td>
                  <td class="num">{b.postsMade}</td>
                  <td>{ago(b.lastRunAt, now)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {bot && <BotDetail bot={bot} reload={list.reload} now={now} />}
    </section>
  );
}

function BotDetail({ bot, reload, now }: { bot: BotView; reload: () => void; now: number }) {
  const action = useAction();
  const act = (what: 'pause' | 'resume' | 'run') => {
    void action.run(async () => {
      await post(`/v1/bots/${bot.name}/${what}`);
      reload();
    });
  };
  return (
    <div class="grid-2 bot-detail" data-bot={bot.name}>
      <div class="card">
        <header class="card-head">
          <h2>{bot.name}</h2>
          <div class="actions">
            {bot.paused ? (
              <button class="primary" onClick={() => act('resume')} disabled={action.busy}>
                Resume
              </button>
            ) : (
              <button onClick={() => act('pause')} disabled={action.busy}>
                Pause
              </button>
            )}
            <button onClick={() => act('run')} disabled={action.busy || bot.paused} title="run its onSchedule now">
              Run now
            </button>
          </div>
        </header>
        {action.error && <Notice kind="error">{action.error}</Notice>}
        {bot.paused && bot.pausedReason && (
          <Notice kind="error">
            <span data-testid="paused-reason">Paused: {bot.pausedReason}</span>
          </Notice>
        )}
        {bot.waitingFor && <Notice kind="error">Not started: {bot.waitingFor}</Notice>}
        <dl class="kv">
          <dt>schedule</dt>
          <dd>{bot.schedule ? `${bot.schedule} (${bot.timezone})` : '—'}</dd>
          <dt>next run</dt>
          <dd>{bot.nextRunAt ? `${clock(bot.nextRunAt)} (${ago(bot.nextRunAt, now)})` : '—'}</dd>
          <dt>runs, errors, restarts</dt>
          <dd>
            {bot.runs}, {bot.errors}, {bot.restarts}
          </dd>
          <dt>posts made</dt>
          <dd>{bot.postsMade}</dd>
          <dt>jobs</dt>
          <dd>
            <a href={href('jobs', { bot: bot.name })}>this bot's jobs</a>
          </dd>
          <dt>last error</dt>
          <dd class={bot.lastError ? 'bad' : ''}>
            {bot.lastError ? `${bot.lastError} (${ago(bot.lastErrorAt, now)})` : 'none'}
          </dd>
        </dl>
        <h3>Recent runs</h3>
        {bot.recentRuns.length === 0 ? (
          <p class="muted">No run since the hub started.</p>
        ) : (
          <table class="table compact">
            <tbody>
              {bot.recentRuns.map((r) => (
                <tr>
                  <td>{r.handler}</td>
                  <td>{clock(r.startedAt)}</td>
                  <td class="num">{millis(r.durationMs)}</td>
                  <td class={r.error ? 'bad' : 'good'}>{r.error ?? 'ok'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <LogTail bot={bot.name} />
    </div>
  );
}

const KEEP_LINES = 300;

/** The bot's log, followed live over SSE, newest at the bottom. */
function LogTail({ bot }: { bot: string }) {
  const [lines, setLines] = useState<BotLogLine[]>([]);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    setLines([]);
    return follow(`/v1/bots/${bot}/logs/events`, {
      log: (l: BotLogLine) => setLines((old) => [...old, l].slice(-KEEP_LINES)),
    });
  }, [bot]);
  useEffect(() => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines]);
  return (
    <div class="card">
      <h2>
        Log <span class="live">live</span>
      </h2>
      <div class="log" ref={box} data-testid="log-tail">
        {lines.length === 0 && <p class="muted">No log lines in the last hour.</p>}
        {lines.map((l) => (
          <div class={`log-line level-${l.level}`}>
            <span class="log-at">{clock(l.at)}</span> <span class="log-level">{l.level}</span> {l.msg}
            {l.data !== null && l.data !== undefined && <span class="log-data"> {JSON.stringify(l.data)}</span>}
          </div>
        ))}
      </div>
    </div>
  );
}
