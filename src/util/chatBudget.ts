/** A chat message as the front door, chat memory and the llm.chat backends pass it. */
export interface ChatMessage {
  role: string;
  content: string;
}

/**
 * The system messages plus the newest turns that fit `budget` tokens together, counted by `count`
 * (the hub's stand-in tokenizer, or a local model's own), and the index of the oldest turn kept
 * (turns before it no longer fit).
 */
export function fitToBudget<T extends ChatMessage & { tokens?: number }>(
  system: ChatMessage[],
  turns: T[],
  budget: number,
  count: (m: ChatMessage) => number,
): { messages: ChatMessage[]; firstKept: number } {
  let left = budget - system.reduce((n, m) => n + count(m), 0);
  let first = turns.length;
  while (first > 0) {
    const t = turns[first - 1]!;
    const cost = t.tokens ?? count(t);
    if (cost > left) break;
    left -= cost;
    first--;
  }
  const kept = turns.slice(first).map(({ role, content }) => ({ role, content }));
  return { messages: [...system, ...kept], firstKept: first };
}
