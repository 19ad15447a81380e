import { useEffect, useState } from 'preact/hooks';
import { follow, get, post } from '../api.js';
import { Notice } from '../components/notice.js';
import { ago } from '../format.js';
import { useAction, useNow } from '../hooks.js';
import type { SandboxPost } from '../types.js';

/** The sandbox platform: the live timeline, and a form to post or ask as any account. */
export function Sandbox() {
  const [posts, setPosts] = useState(new Map<number, SandboxPost>());
  const [accounts, setAccounts] = useState<string[]>([]);
  const now = useNow();

  useEffect(() => {
    get<{ accounts: string[] }>('/v1/sandbox/accounts').then(
      (a) => setAccounts(a.accounts),
      () => {},
    );
    return follow('/v1/sandbox/posts/events', {
      post: (p: SandboxPost) => setPosts((old) => new Map(old).set(p.id, p)),
    });
  }, []);

  const all = [...posts.values()];
  const replies = new Map<number, SandboxPost[]>();
  for (const p of all)
    if (p.replyTo !== null && posts.has(p.replyTo)) replies.set(p.replyTo, [...(replies.get(p.replyTo) ?? []), p]);
  const threads = all.filter((p) => p.replyTo === null || !posts.has(p.replyTo)).sort((a, b) => b.id - a.id);

  return (
    <section class="page">
      <header class="page-head">
        <h1>Sandbox</h1>
        <span class="muted">the platform built into the hub: anyone may act as any account</span>
      </header>
      <Composer accounts={accounts} />
      <div class="timeline" data-testid="timeline">
        {threads.length === 0 && <Notice>The timeline is empty.</Notice>}
        {threads.map((p) => (
          <Post post={p} replies={replies} now={now} />
        ))}
      </div>
    </section>
  );
}

function Post({
  post: p,
  replies,
  now,
  nested = false,
}: {
  post: SandboxPost;
  replies: Map<number, SandboxPost[]>;
  now: number;
  nested?: boolean;
}) {
  const below = (replies.get(p.id) ?? []).sort((a, b) => a.id - b.id);
  return (
    <article class={`post ${p.type}`} data-post={p.id}>
      <header>
        <strong>@{p.author}</strong>
        {p.type === 'ask' && <span class="badge ask">asks @{p.recipient}</span>}
        {p.replyTo !== null && !nested && <span class="muted small"> replying to #{p.replyTo}</span>}
        <span class="muted small">
          {' '}
          #{p.id} · {ago(p.createdAt, now)}
          {p.likes.length > 0 && ` · ♥ ${p.likes.length}`}
        </span>
      </header>
      <p class="post-text">{p.text}</p>
      {below.length > 0 && (
        <div class="replies">
          {below.map((r) => (
            <Post post={r} replies={replies} now={now} nested />
          ))}
        </div>
      )}
    </article>
  );
}

function Composer({ accounts }: { accounts: string[] }) {
  const [as, setAs] = useState('alice');
  const [mode, setMode] = useState<'post' | 'ask'>('ask');
  const [to, setTo] = useState('frank');
  const [text, setText] = useState('');
  const action = useAction();
  const send = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      if (mode === 'ask') await post('/v1/sandbox/asks', { from: as, to, text });
      else await post('/v1/sandbox/posts', { author: as, text });
      setText('');
    });
  };
  const value = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);
  return (
    <form class="card composer" onSubmit={send} aria-label="compose">
      <datalist id="accounts">
        {accounts.map((a) => (
          <option value={a} />
        ))}
      </datalist>
      <div class="composer-row">
        <label>
          as <input name="as" list="accounts" value={as} onInput={value(setAs)} required />
        </label>
        <div class="segmented" role="group" aria-label="post or ask">
          <button type="button" class={mode === 'post' ? 'on' : ''} onClick={() => setMode('post')}>
            post
          </button>
          <button type="button" class={mode === 'ask' ? 'on' : ''} onClick={() => setMode('ask')}>
            ask
          </button>
        </div>
        {mode === 'ask' && (
          <label>
            to <input name="to" list="accounts" value={to} onInput={value(setTo)} required />
          </label>
        )}
      </div>
      <textarea
        name="text"
        rows={2}
        placeholder={
          mode === 'ask' ? 'a question for a bot, e.g. is the sea deep at night?' : 'say something; @name mentions'
        }
        value={text}
        onInput={value(setText)}
        required
      />
      {action.error && (
        <p class="form-error" role="alert">
          {action.error}
        </p>
      )}
      <button type="submit" class="primary" disabled={action.busy || text.trim() === ''}>
        {mode === 'ask' ? 'Ask' : 'Post'}
      </button>
    </form>
  );
}
