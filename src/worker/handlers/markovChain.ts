import { createRandom } from './random.js';

export interface GenerateOptions {
  prompt?: string;
  maxWords: number;
  seed: number;
}

// A closing quote or bracket may follow the stop: `sea."` still ends a sentence.
const SENTENCE_END = /[.!?]['"’”)\]]*$/;

/**
 * A word-level Markov chain. Words keep their punctuation so the output reads like its source;
 * states are matched case-insensitively so a prompt need not copy the corpus's capitals.
 */
export class MarkovChain {
  private constructor(
    readonly order: number,
    /** Every distinct word as written; transitions hold indexes into it to stay compact. */
    private readonly vocabulary: string[],
    /** transitions[k - 1]: the last k words (lower-cased) -> every word that followed them. */
    private readonly transitions: Map<string, number[]>[],
    /** Words that began a sentence, once per occurrence, so common openings are likelier. */
    private readonly sentenceStarts: number[],
  ) {}

  static train(text: string, order = 2): MarkovChain {
    if (!Number.isInteger(order) || order < 1) throw new RangeError(`order must be a positive integer, got ${order}`);
    const words = text.split(/\s+/).filter((word) => word.length > 0);
    const vocabulary: string[] = [];
    const ids = new Map<string, number>();
    const tokens = words.map((word) => {
      let id = ids.get(word);
      if (id === undefined) {
        id = vocabulary.push(word) - 1;
        ids.set(word, id);
      }
      return id;
    });
    const keys = words.map((word) => word.toLowerCase());

    // Lower orders are kept too: they let a prompt whose last words never occur together still continue.
    const transitions = Array.from({ length: order }, () => new Map<string, number[]>());
    const sentenceStarts: number[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const next = tokens[i]!;
      if (i === 0 || SENTENCE_END.test(words[i - 1]!)) sentenceStarts.push(next);
      let key = '';
      for (let k = 1; k <= order && k <= i; k++) {
        key = k === 1 ? keys[i - 1]! : `${keys[i - k]!} ${key}`;
        const table = transitions[k - 1]!;
        const followers = table.get(key);
        if (followers) followers.push(next);
        else table.set(key, [next]);
      }
    }
    return new MarkovChain(order, vocabulary, transitions, sentenceStarts);
  }

  /** The prompt (when given) followed by the generated words. */
  generate(options: GenerateOptions): string {
    return MarkovChain.compose(options.prompt, this.generateWords(options));
  }

  static compose(prompt: string | undefined, words: string[]): string {
    const head = prompt?.trimEnd() ?? '';
    const tail = words.join(' ');
    return head && tail ? `${head} ${tail}` : head || tail;
  }

  /**
   * Only the generated words: at most maxWords, stopping earlier at a sentence end once at least
   * half of them are out so texts tend to finish on a full stop. Same chain and options, same words.
   */
  generateWords({ prompt = '', maxWords, seed }: GenerateOptions): string[] {
    if (this.vocabulary.length === 0) return [];
    const random = createRandom(seed);
    const pick = (ids: number[]): string => this.vocabulary[ids[Math.floor(random() * ids.length)]!]!;
    const history = prompt
      .split(/\s+/)
      .filter((word) => word.length > 0)
      .slice(-this.order)
      .map((word) => word.toLowerCase());
    const out: string[] = [];
    while (out.length < maxWords) {
      const word = pick(this.followers(history) ?? this.sentenceStarts);
      out.push(word);
      history.push(word.toLowerCase());
      if (history.length > this.order) history.shift();
      if (out.length >= maxWords / 2 && SENTENCE_END.test(word)) break;
    }
    return out;
  }

  /** Backs off from the longest known state to shorter ones; undefined means start a new sentence. */
  private followers(history: string[]): number[] | undefined {
    for (let k = Math.min(this.order, history.length); k >= 1; k--) {
      const found = this.transitions[k - 1]!.get(history.slice(-k).join(' '));
      if (found) return found;
    }
    return undefined;
  }
}
