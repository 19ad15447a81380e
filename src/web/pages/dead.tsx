import { get, post, query } from '../api.js';
import { Notice } from '../components/notice.js';
import { ago } from '../format.js';
import { useAction, useNow, usePolled } from '../hooks.js';
import { href, type Route } from '../router.js';
import type { DeadTask } from '../types.js';

/** Tasks that used up their attempts or failed for good: why, and redrive or purge. */
export function Dead({ route }: { route: Route }) {
  const cursor = route.params.get('cursor') ?? undefined;
  const list = usePolled(
    () => get<{ tasks: DeadTask[]; nextCursor: string | null }>(`/v1/tasks/dead${query({ cursor, limit: 50 })}`),
    5000,
    [cursor],
  );
  const action = useAction();
  const now = useNow();
  const act = (path: string, confirmText?: string) => {
    if (confirmText && !confirm(confirmText)) return;
    void action.run(async () => {
      await post(path);
      list.reload();
    });
  };
  const tasks = list.data?.tasks ?? [];
  return (
    <section class="page">
      <header class="page-head">
        <h1>Dead tasks</h1>
        <button
          class="danger"
          disabled={tasks.length === 0 || action.busy}
          onClick={() => act('/v1/tasks/dead/purge', 'Delete every job that holds a dead task, with all its results?')}
        >
          Purge all
        </button>
      </header>
      {(list.error || action.error) && <Notice kind="error">{list.error ?? action.error}</Notice>}
      {list.data && tasks.length === 0 && <Notice>No dead tasks.</Notice>}
      {tasks.length > 0 && (
        <table class="table dead" data-testid="dead-table">
          <thead>
            <tr>
              <th>task</th>
              <th>kind</th>
              <th class="num">attempts</th>
              <th>error</th>
              <th>died</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tasks.map((t) => (
              <tr>
                <td>
                  <a class="mono" href={href(`jobs/${t.jobId}`)}>
                    {t.id}
                  </a>
                </td>
                <td>{t.kind}</td>
                <td class="num">
                  {t.attempt}/{t.maxAttempts}
                </td>
                <td class="error-cell">
                  <pre class="error-text">{t.error}</pre>
                </td>
                <td>{ago(t.finishedAt, now)}</td>
                <td>
                  <div class="row-actions">
                    <button onClick={() => act(`/v1/tasks/${t.id}/redrive`)} disabled={action.busy}>
                      Redrive
                    </button>
                    <button
                      class="danger"
                      onClick={() => act(`/v1/tasks/${t.id}/purge`, `Delete job ${t.jobId} with all its results?`)}
                      disabled={action.busy}
                    >
                      Purge
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data?.nextCursor && (
        <p>
          <a class="button" href={href('dead', { cursor: list.data.nextCursor })}>
            older →
          </a>
        </p>
      )}
    </section>
  );
}
