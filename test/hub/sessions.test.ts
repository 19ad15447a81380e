import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  csrfMatches,
  LOGIN_BURST,
  LOGIN_REFILL_MS,
  MAX_SESSIONS_PER_TOKEN,
  SESSION_MS,
  Sessions,
} from '../../src/hub/sessions.js';

// Dashboard sessions: found by their id only, gone after they expire, on logout, or with their token.

test('a session is found by its id until it expires, and its CSRF value is checked exactly', () => {
  let now = 1_000;
  const sessions = new Sessions(() => now);
  const made = sessions.create('tok1', 'client');
  assert.ok('id' in made);
  const { id, session } = made;
  assert.equal(sessions.get(id), session);
  assert.equal(sessions.get(id.slice(0, -1) + (id.endsWith('A') ? 'B' : 'A')), null, 'a near miss finds nothing');
  assert.ok(csrfMatches(session, session.csrf));
  assert.ok(!csrfMatches(session, session.csrf.slice(1)) && !csrfMatches(session, undefined));
  now += SESSION_MS;
  assert.equal(sessions.get(id), null, 'expired');
});

test('logout and revoking the token end sessions; others stay', () => {
  const sessions = new Sessions();
  const login = (tokenId: string) => {
    const s = sessions.create(tokenId, 'admin');
    assert.ok('id' in s);
    return s;
  };
  const a = login('tok1');
  const b = login('tok1');
  const c = login('tok2');
  assert.equal(sessions.delete(a.id), true);
  assert.equal(sessions.get(a.id), null);
  sessions.deleteForToken('tok1');
  assert.equal(sessions.get(b.id), null);
  assert.equal(sessions.get(c.id)?.tokenId, 'tok2');
});

test("one token's logins end only its own oldest sessions, and are rate-limited with a wait", () => {
  let now = 1_000;
  const sessions = new Sessions(() => now);
  const admin = sessions.create('admin', 'admin');
  assert.ok('id' in admin);
  const made: string[] = [];
  for (let i = 0; i < MAX_SESSIONS_PER_TOKEN + 5; i++) {
    const s = sessions.create('client', 'client');
    assert.ok('id' in s, `login ${i} refused`);
    made.push(s.id);
    now += LOGIN_REFILL_MS;
  }
  assert.equal(sessions.get(admin.id)?.tokenId, 'admin', "the admin's session stays");
  assert.equal(sessions.get(made[0]!), null, "the client's oldest went");
  assert.equal(sessions.get(made.at(-1)!)?.tokenId, 'client');
  assert.equal(made.filter((id) => sessions.get(id)).length, MAX_SESSIONS_PER_TOKEN);
  // One login per refill step kept the allowance full: a whole burst, then a wait of one step.
  for (let i = 0; i < LOGIN_BURST; i++) assert.ok('id' in sessions.create('client', 'client'));
  const refused = sessions.create('client', 'client');
  assert.ok('retryAfterMs' in refused && refused.retryAfterMs > 0 && refused.retryAfterMs <= LOGIN_REFILL_MS);
  assert.ok('id' in sessions.create('other', 'client'), 'another token still logs in');
  now += refused.retryAfterMs;
  assert.ok('id' in sessions.create('client', 'client'));
});
