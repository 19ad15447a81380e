import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { validatePipeline } from '../../src/pipelines/definition.js';
import { components } from '../../src/pipelines/graph.js';
import { outputHashes, stepIdentity } from '../../src/pipelines/hashing.js';

const ok = {
  name: 'p',
  steps: {
    a: { kind: 'k.a', inputs: { f: { file: 'in.txt' } }, outputs: ['out'] },
    b: { kind: 'k.b', inputs: { x: { from: 'a.out' }, y: { from: 'c.n' } }, outputs: ['n'] },
    c: { kind: 'k.c', inputs: { x: { from: 'b.n' } }, outputs: ['n'] },
  },
};

/** The field and message a definition is refused with. */
function refusal(def: unknown): [string, string] {
  try {
    validatePipeline(def);
  } catch (e) {
    assert.ok(e instanceof InputError);
    return [e.field, e.message];
  }
  assert.fail('accepted');
}
const edit = (f: (d: any) => void) => {
  const d = structuredClone(ok) as any;
  f(d);
  return d;
};

test('a mistake in a pipeline is refused naming its field', () => {
  assert.deepEqual(refusal(edit((d) => (d.steps.b.inputs.x.from = 'z.out'))), [
    'steps.b.inputs.x.from',
    "steps.b.inputs.x.from: no step named 'z'",
  ]);
  assert.deepEqual(refusal(edit((d) => (d.steps.b.inputs.x.from = 'a.nope'))), [
    'steps.b.inputs.x.from',
    "steps.b.inputs.x.from: step 'a' has no output 'nope'",
  ]);
  assert.equal(refusal(edit((d) => (d.steps.b.inputs.x.from = 'a')))[0], 'steps.b.inputs.x.from');
  assert.equal(refusal(edit((d) => (d.steps.a.inputs.f.file = '../secret')))[0], 'steps.a.inputs.f.file');
  assert.equal(refusal(edit((d) => (d.steps.a.outputs = [])))[0], 'steps.a.outputs');
  assert.equal(refusal(edit((d) => (d.steps.a.kind = 'has space')))[0], 'steps.a.kind');
  assert.equal(refusal(edit((d) => (d.steps.a.colour = 'red')))[0], 'steps.a.colour');
  assert.equal(refusal(edit((d) => (d.steps.a.ignore = ['other.x'])))[0], 'steps.a.ignore.0');
  assert.equal(refusal(edit((d) => (d.steps.a.inputs.f = { artifact: 'sha256:12' })))[0], 'steps.a.inputs.f.artifact');
  assert.equal(refusal(edit((d) => (d.maxRounds = 0)))[0], 'maxRounds');
  assert.equal(refusal(edit((d) => (d.steps = {})))[0], 'steps');
  assert.equal(refusal(edit((d) => delete d.name))[0], 'name');
  assert.deepEqual(refusal(edit((d) => (d.publish = { feed: 'gallery', outputs: ['a.nope'] }))), [
    'publish.outputs.0',
    "publish.outputs.0: no step 'a' with an output 'nope'",
  ]);
  assert.equal(refusal(edit((d) => (d.publish = { feed: '', outputs: ['a.out'] })))[0], 'publish.feed');
  assert.equal(refusal(edit((d) => (d.publish = { feed: 'g', outputs: [] })))[0], 'publish.outputs');
  assert.deepEqual(validatePipeline(edit((d) => (d.publish = { feed: 'g', outputs: ['a.out'] }))).publish, {
    feed: 'g',
    outputs: ['a.out'],
  });
});

test('the steps of a cycle form one group, after the groups they read', () => {
  const groups = components(validatePipeline(ok) as never);
  assert.deepEqual(
    groups.map((g) => [g.steps, g.cyclic]),
    [
      [['a'], false],
      [['b', 'c'], true],
    ],
  );
  assert.deepEqual(groups[1]!.after, [0]);
});

test('identity follows kind, parameters and input hashes; ignored paths do not change an output hash', () => {
  const id = stepIdentity('k', { a: 1, b: 2 }, { x: 'h' });
  assert.equal(stepIdentity('k', { b: 2, a: 1 }, { x: 'h' }), id, 'key order is no change');
  assert.notEqual(stepIdentity('k', { a: 1, b: 3 }, { x: 'h' }), id);
  assert.notEqual(stepIdentity('k2', { a: 1, b: 2 }, { x: 'h' }), id);
  assert.notEqual(stepIdentity('k', { a: 1, b: 2 }, { x: 'h2' }), id);
  const ref = { $artifact: `sha256:${'a'.repeat(64)}`, size: 1, type: 'x/y' };
  const one = outputHashes({ out: { v: 1, at: 5 }, file: ref }, ['out.at']);
  assert.deepEqual(outputHashes({ out: { v: 1, at: 6 }, file: { ...ref, type: 'other' } }, ['out.at']), one);
  assert.equal(one.file, 'a'.repeat(64), "an artifact's hash is its own");
  assert.notDeepEqual(outputHashes({ out: { v: 2, at: 5 }, file: ref }, ['out.at']), one);
});
