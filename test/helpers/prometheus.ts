import assert from 'node:assert/strict';

const SPECIAL_VALUES = new Map([
  ['NaN', NaN],
  ['+Inf', Infinity],
  ['-Inf', -Infinity],
]);

export type Sample = { name: string; labels: Record<string, string>; value: number };

/** The Prometheus text exposition format: `# HELP`/`# TYPE` lines and `name{l="v",…} value`. */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    // The format's floats include NaN and ±Inf: prom-client reports the event loop's lag as NaN
    // until its histogram has a sample, which a scrape right after start can see (Node 22).
    const value = SPECIAL_VALUES.get(m[3]!) ?? Number(m[3]);
    assert.ok(m[3] === 'NaN' || !Number.isNaN(value), `not a number: ${line}`);
    samples.push({ name: m[1]!, labels, value });
  }
  return samples;
}

/** The sum of the samples of a metric whose labels include these. */
export const sampleValue = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);

/** GET /metrics with a token, as Prometheus scrapes it: 200, the text format's content type, parsed. */
export async function scrapeMetrics(url: string, token: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await res.text());
}
