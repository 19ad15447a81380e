/** A job or task state as a coloured pill; the colour says whether it is going, done or wrong. */
export function StateBadge({ state }: { state: string }) {
  return <span class={`badge state-${state}`}>{state}</span>;
}
