/** How times, durations and outputs read on the dashboard. */

export function ago(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined) return '—';
  const s = Math.round((now - ms) / 1000);
  if (s < 0) return `in ${span(-s)}`;
  if (s < 2) return 'just now';
  return `${span(s)} ago`;
}

function span(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60 ? `${s % 60}s` : ''}`.trim();
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

export function clock(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString([], { hour12: false }) : d.toLocaleString([], { hour12: false });
}

export function millis(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A result's output as a person reads it: its text when it has one, else JSON. */
export function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (output && typeof output === 'object' && typeof (output as { text?: unknown }).text === 'string')
    return (output as { text: string }).text;
  return JSON.stringify(output, null, 2);
}

/** The image artifacts an output references (`{ $artifact: "sha256:...", type: "image/..." }`), at any depth. */
export function imagesIn(output: unknown, found: string[] = []): string[] {
  if (Array.isArray(output)) for (const v of output) imagesIn(v, found);
  else if (output && typeof output === 'object') {
    const ref = output as { $artifact?: unknown; type?: unknown };
    const m = typeof ref.$artifact === 'string' ? /^sha256:([0-9a-f]{64})$/.exec(ref.$artifact) : null;
    if (m && typeof ref.type === 'string' && ref.type.startsWith('image/')) found.push(m[1]!);
    else for (const v of Object.values(output)) imagesIn(v, found);
  }
  return found;
}

/** The bot a job came from: bots submit under the concurrency key `bot:NAME`. */
export function botOf(concurrencyKey: string | null): string | null {
  return concurrencyKey?.startsWith('bot:') ? concurrencyKey.slice(4) : null;
}
