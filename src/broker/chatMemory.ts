import type { ChatStore } from '../store/chatStore.js';
import { fitToBudget, type ChatMessage } from '../util/chatBudget.js';

export type { ChatMessage } from '../util/chatBudget.js';

/**
 * Chat memory (seed 001): a conversation's turns are stored (per bot and counterpart, or per
 * front-door key and conversation id), and each request gets the system prompt plus as many of
 * the newest turns as fit a token budget; turns that no longer fit are dropped from the store,
 * oldest first. The system prompt is never dropped.
 *
 * Tokens are counted with OpenAI's o200k_base tokenizer (gpt-tokenizer) plus 4 per message for
 * the chat format's framing: the hub does not hold the worker's model, so this is the maintained
 * stand-in for it; budgets should leave a margin for models whose tokenizers are less compact.
 */
let countTokens: ((text: string) => number) | null = null;
let loading: Promise<void> | null = null;

/**
 * Loads the tokenizer (its tables take longer to load than the rest of the hub, so a hub without
 * chat memory never loads them). ChatMemory calls it; call it before `messageTokens` elsewhere.
 */
export function loadTokenizer(): Promise<void> {
  return (loading ??= import('gpt-tokenizer').then((m) => void (countTokens = m.countTokens)));
}

/** Tokens a message takes in a chat prompt (after `loadTokenizer`). */
export function messageTokens(m: ChatMessage): number {
  if (!countTokens) throw new Error('the tokenizer is not loaded yet: await loadTokenizer() first');
  return countTokens(m.content) + 4;
}

export class ChatMemory {
  constructor(private readonly store: ChatStore) {}

  /**
   * The messages to send: `system`, the remembered turns that fit, then the new ones (which must
   * fit themselves: they are never dropped). Turns that no longer fit are forgotten.
   */
  async context(conversation: string, system: ChatMessage[], incoming: ChatMessage[], budget: number) {
    await loadTokenizer();
    const turns = await this.store.turns(conversation);
    const fresh = incoming.reduce((n, m) => n + messageTokens(m), 0);
    const { messages, firstKept } = fitToBudget(system, turns, budget - fresh, messageTokens);
    if (firstKept > 0) await this.store.dropBefore(conversation, turns[firstKept]!.seq);
    return [...messages, ...incoming];
  }

  /** Remembers turns (the user's message and the model's reply). */
  async remember(conversation: string, messages: ChatMessage[]): Promise<void> {
    await loadTokenizer();
    return this.store.append(
      conversation,
      messages.map((m) => ({ role: m.role, content: m.content, tokens: messageTokens(m) })),
      Date.now(),
    );
  }
}
