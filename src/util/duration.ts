import { InputError } from '../errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `500ms`, `30s`, `2m`, `1h`, `1d`, or a bare number in `bareUnit` (milliseconds unless said). */
export function parseDuration(text: string, field: string, bareUnit: keyof typeof UNITS = 'ms'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new InputError(field, `${field} must be a duration such as 500ms, 30s, 2m or 1h, got '${text}'`);
  return Math.round(Number(m[1]) * UNITS[m[2] ?? bareUnit]!);
}
