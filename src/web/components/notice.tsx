import type { ComponentChildren } from 'preact';

/** A message in the page: an error from the hub, an empty list, a page this session may not see. */
export function Notice({ kind = 'info', children }: { kind?: 'info' | 'error'; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}
