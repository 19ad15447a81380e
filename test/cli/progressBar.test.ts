import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { progressOn } from '../../src/cli/progressBar.js';

function capture(isTTY: boolean): { stream: Writable & { isTTY: boolean }; text(): string } {
  let text = '';
  const stream = Object.assign(new Writable({ write: (c, _e, done) => ((text += String(c)), done()) }), { isTTY });
  return { stream, text: () => text };
}

test('on a terminal each section is a bar redrawn in place, ended by a newline; an error mid-section gets a line of its own', () => {
  const out = capture(true);
  const p = progressOn(out.stream);
  p.start('import', 'tasks', 4);
  p.update(4);
  p.end();
  p.start('import', 'tokens', 10);
  p.update(5);
  p.close();
  // ESC [ K clears what is left of the line after the bar.
  const lines = out.text().replaceAll('\x1b[K', '<clear>').split('\n');
  assert.match(lines[0]!, /^\rimport tasks\s+\[\.{30}\] 0\/4<clear>\rimport tasks\s+\[#{30}\] 4\/4<clear>$/);
  assert.match(lines[1]!, /^\rimport tokens\s+\[\.{30}\] 0\/10<clear>$/);
  assert.equal(lines[2], '', 'close() ends the half-drawn bar');
});

test('off a terminal a plain line per section, with no control characters', () => {
  const out = capture(false);
  const p = progressOn(out.stream);
  p.start('export', 'jobs', 2);
  p.update(2);
  p.end();
  p.start('export', 'kinds', 0);
  p.end();
  p.close();
  assert.equal(out.text(), 'export jobs: 2 records\nexport kinds: 0 records\n');
});
