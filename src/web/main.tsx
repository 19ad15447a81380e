import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { adoptSession, api, get } from './api.js';
import { Notice } from './components/notice.js';
import { Bots } from './pages/bots.js';
import { Calls } from './pages/calls.js';
import { Dead } from './pages/dead.js';
import { JobPage } from './pages/jobPage.js';
import { Jobs } from './pages/jobs.js';
import { Login } from './pages/login.js';
import { Logs } from './pages/logs.js';
import { Overview } from './pages/overview.js';
import { Pipelines } from './pages/pipelines.js';
import { Sandbox } from './pages/sandbox.js';
import { Usage } from './pages/usage.js';
import { Workers } from './pages/workers.js';
import { href, useRoute, type Route } from './router.js';
import type { SessionInfo } from './types.js';
import './style.css';

interface Page {
  path: string;
  title: string;
  /** Client (and bot) sessions see jobs only; the rest is for admin tokens. */
  adminOnly: boolean;
}

const PAGES: Page[] = [
  { path: '', title: 'Overview', adminOnly: false },
  { path: 'jobs', title: 'Jobs', adminOnly: false },
  { path: 'pipelines', title: 'Pipelines', adminOnly: false },
  { path: 'workers', title: 'Workers', adminOnly: true },
  { path: 'dead', title: 'Dead tasks', adminOnly: true },
  { path: 'bots', title: 'Bots', adminOnly: true },
  { path: 'calls', title: 'Platform calls', adminOnly: true },
  { path: 'sandbox', title: 'Sandbox', adminOnly: true },
  { path: 'usage', title: 'Usage', adminOnly: false },
  { path: 'logs', title: 'Logs', adminOnly: true },
];

function content(route: Route, session: SessionInfo) {
  const [page, id] = route.path;
  switch (page) {
    case undefined:
      return <Overview />;
    case 'jobs':
      return id ? <JobPage id={id} /> : <Jobs route={route} />;
    case 'pipelines':
      return <Pipelines selected={id} />;
    case 'workers':
      return <Workers />;
    case 'dead':
      return <Dead route={route} />;
    case 'bots':
      return <Bots selected={id} />;
    case 'sandbox':
      return <Sandbox />;
    case 'usage':
      return <Usage route={route} admin={session.scope === 'admin'} />;
    case 'calls':
      return <Calls route={route} />;
    case 'logs':
      return <Logs route={route} />;
    default:
      return <Notice kind="error">There is no page “{page}”.</Notice>;
  }
}

function Shell({ session, onLogout }: { session: SessionInfo; onLogout: () => void }) {
  const route = useRoute();
  const page = PAGES.find((p) => p.path === (route.path[0] ?? ''));
  const refused = page?.adminOnly && session.scope !== 'admin';
  // Signed out here whatever the hub answers: it never rejects.
  const logout = async () => {
    await api('DELETE', '/v1/session').catch(() => undefined);
    onLogout();
  };
  useEffect(() => {
    document.title = `${page?.title ?? 'Roost'} · Roost`;
  }, [page]);
  return (
    <div class="shell">
      <nav class="sidebar" aria-label="pages">
        <a class="brand" href={href('')}>
          <img src="/favicon.svg" alt="" width="26" height="26" /> Roost
        </a>
        {PAGES.filter((p) => !p.adminOnly || session.scope === 'admin').map((p) => (
          <a class={`nav ${p === page ? 'active' : ''}`} href={href(p.path)}>
            {p.title}
          </a>
        ))}
        <div class="whoami">
          <div>
            <span class="badge">{session.scope}</span> <span class="mono small">{session.tokenId}</span>
          </div>
          <button class="link" onClick={() => void logout()}>
            Log out
          </button>
        </div>
      </nav>
      <main>
        {refused ? (
          <Notice kind="error">
            The {page.title} page needs an admin token: this session was opened with a {session.scope} token, which sees
            jobs only. Log out and log in with an admin token to see it.
          </Notice>
        ) : (
          content(route, session)
        )}
      </main>
    </div>
  );
}

function App() {
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);
  const signedOut = () => setSession(null);
  const start = (s: SessionInfo) => {
    adoptSession(s.csrf, signedOut);
    setSession(s);
  };
  useEffect(() => {
    get<SessionInfo>('/v1/session').then(start, signedOut);
  }, []);
  if (session === undefined) return null;
  if (session === null) return <Login onLogin={start} />;
  return <Shell session={session} onLogout={signedOut} />;
}

render(<App />, document.getElementById('app')!);
