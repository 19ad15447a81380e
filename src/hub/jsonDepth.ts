import type { Ajv } from 'ajv';

/**
 * How deep a JSON value sent to the hub may nest (`[[1]]` nests 2 levels). Values are copied,
 * compared and hashed by recursive code (JSON.stringify, the cache key's canonical form), which a
 * few thousand levels overflow; no real input needs more than a handful.
 */
export const MAX_JSON_DEPTH = 64;

/** The schema keyword that holds a value to MAX_JSON_DEPTH; an OpenAPI extension, so documents stay valid. */
export const MAX_DEPTH_KEYWORD = 'x-maxDepth';

/** True when the value nests deeper than max levels; walks without recursion, so any depth is safe. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

export const depthMessage = (max: number) => `nests deeper than ${max} levels of arrays and objects; flatten it`;

/** Teaches the schema compiler the x-maxDepth keyword: `{ "x-maxDepth": 64 }` on any value. */
export function maxDepthKeyword(ajv: Ajv): Ajv {
  return ajv.addKeyword({
    keyword: MAX_DEPTH_KEYWORD,
    schemaType: 'number',
    errors: true,
    validate: function check(max: number, data: unknown) {
      if (!nestsDeeperThan(data, max)) return true;
      (check as { errors?: unknown[] }).errors = [
        { keyword: MAX_DEPTH_KEYWORD, message: depthMessage(max), params: { limit: max } },
      ];
      return false;
    },
  });
}
