import { useEffect, useState } from 'preact/hooks';

/**
 * A text filter whose value lives in the address. What the user types is kept in the field's own
 * state until committed (Enter or leaving the field): a controlled input bound to the address
 * would be reset by every re-render of a polled list, losing half-typed text.
 */
export function FilterInput({
  name,
  placeholder,
  value,
  onCommit,
}: {
  name: string;
  placeholder: string;
  value: string;
  onCommit: (value: string) => void;
}) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  return (
    <input
      name={name}
      placeholder={placeholder}
      value={draft}
      onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
      onChange={(e) => onCommit((e.target as HTMLInputElement).value.trim())}
    />
  );
}
