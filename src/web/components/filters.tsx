import { href, type Route } from '../router.js';

/** The periods a list may be narrowed to, by how far back they reach. */
export const PERIODS: Record<string, number> = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
};

/** The `since` a period names, or undefined for none. */
export const sinceOf = (period: string): number | undefined =>
  PERIODS[period] ? Date.now() - PERIODS[period] : undefined;

/** Where a page's filters live: in the address, so a filtered view can be bookmarked and shared. */
export interface FilterTarget {
  route: Route;
  /** The page's path, e.g. `jobs`. */
  page: string;
  /** Paging parameters a new filter makes meaningless (a cursor, a longer page). */
  resets?: string[];
}

export function setFilter({ route, page, resets = [] }: FilterTarget, name: string, value: string): void {
  const params = Object.fromEntries(route.params);
  params[name] = value;
  for (const r of resets) if (r !== name) delete params[r];
  location.hash = href(page, params);
}

/** A select whose value is one filter of the address; `options` are [value, label], the first usually "any". */
export function FilterSelect({
  target,
  name,
  options,
}: {
  target: FilterTarget;
  name: string;
  options: Array<[string, string]>;
}) {
  return (
    <select
      name={name}
      value={target.route.params.get(name) ?? ''}
      onChange={(e) => setFilter(target, name, (e.target as HTMLSelectElement).value)}
    >
      {options.map(([value, label]) => (
        <option value={value}>{label}</option>
      ))}
    </select>
  );
}

/** The period filter: `none` is what no period means on this page ("any time", "all kept"). */
export function PeriodSelect({ target, none }: { target: FilterTarget; none: string }) {
  const options: Array<[string, string]> = [
    ['', none],
    ...Object.keys(PERIODS).map((k): [string, string] => [k, `last ${k}`]),
  ];
  return <FilterSelect target={target} name="period" options={options} />;
}
