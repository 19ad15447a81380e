import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csrfMatches, SESSION_MS, Sessions } from '../../src/hub/sessions.js';

// Dashboard sessions: found by their id only, gone after they expire, on logout, or with their token.

test('a session is found by its id until it expires, and its CSRF value is checked exactly', () => {
  let now = 1_000;
  const sessions = new Sessions(() => now);
  const { id, session } = sessions.create('tok1', 'client');
  assert.equal(sessions.get(id), session);
  assert.equal(sessions.get(id.slice(0, -1) + (id.endsWith('A') ? 'B' : 'A')), null, 'a near miss finds nothing');
  assert.ok(csrfMatches(session, session.csrf));
  assert.ok(!csrfMatches(session, session.csrf.slice(1)) && !csrfMatches(session, undefined));
  now += SESSION_MS;
  assert.equal(sessions.get(id), null, 'expired');
});

test('logout and revoking the token end sessions; others stay', () => {
  const sessions = new Sessions();
  const a = sessions.create('tok1', 'admin');
  const b = sessions.create('tok1', 'admin');
  const c = sessions.create('tok2', 'client');
  assert.equal(sessions.delete(a.id), true);
  assert.equal(sessions.get(a.id), null);
  sessions.deleteForToken('tok1');
  assert.equal(sessions.get(b.id), null);
  assert.equal(sessions.get(c.id)?.tokenId, 'tok2');
});
