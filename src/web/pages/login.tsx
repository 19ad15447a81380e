import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { messageOf } from '../hooks.js';
import type { SessionInfo } from '../types.js';

/** Exchanges a token for a session cookie; the token is dropped from the page as soon as it is sent. */
export function Login({ onLogin }: { onLogin: (s: SessionInfo) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // Keeps any error to show: it never rejects.
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await post<SessionInfo>('/v1/session', { token: token.trim() });
      setToken('');
      onLogin(session);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="login">
      <form class="login-card" onSubmit={(e) => void submit(e)}>
        <div class="brand brand-large">
          <img src="/favicon.svg" alt="" width="36" height="36" /> Roost
        </div>
        <p class="muted">Log in with a token. An admin token sees everything; a client token sees jobs.</p>
        <label for="token">Token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          placeholder="roost_…"
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
          required
        />
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy || token.trim() === ''}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <p class="muted small">
          The first start of a hub writes an admin token to <code>roost-data/admin.token</code>;{' '}
          <code>roost token create</code> makes others.
        </p>
      </form>
    </div>
  );
}
