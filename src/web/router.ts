import { useEffect, useState } from 'preact/hooks';

/** A page address: `#/jobs/ID?state=failed` is path ['jobs', 'ID'] with params {state: 'failed'}. */
export interface Route {
  path: string[];
  params: URLSearchParams;
}

function current(): Route {
  const [path = '', q = ''] = location.hash.replace(/^#\/?/, '').split('?');
  return { path: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(q) };
}

/** Pages live in the URL's hash, so the hub serves one page and every address survives a reload. */
export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

export function href(path: string, params: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return `#/${path}${s ? `?${s}` : ''}`;
}
