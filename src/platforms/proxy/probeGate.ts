/**
 * Before an account's first answer the proxy knows nothing of the platform's limit, so calls
 * started together would all go out at once and may overrun it. The gate lets one call of each
 * account out until an answer comes back (its rate-limit headers then pace the rest, with the
 * configured budgets); a call that got no answer (a network error) hands the turn to the next.
 */
type Release = (answered: boolean) => void;

interface Turn {
  answered: boolean;
  busy: boolean;
  queue: Array<() => void>;
}

const free: Release = () => undefined;

export class ProbeGate {
  private readonly turns = new Map<string, Turn>();

  /** Resolves when a call of `key` may go; call the release once it has its answer (true) or failed (false). */
  async enter(key: string): Promise<Release> {
    let t = this.turns.get(key);
    if (!t) this.turns.set(key, (t = { answered: false, busy: false, queue: [] }));
    if (t.answered) return free;
    const turn = t;
    if (turn.busy) {
      // Woken either by the first answer (all go) or with the turn handed over (busy stays set).
      await new Promise<void>((resolve) => turn.queue.push(resolve));
      if (turn.answered) return free;
    } else turn.busy = true;
    return (answered) => {
      if (answered) {
        turn.answered = true;
        turn.busy = false;
        for (const wake of turn.queue.splice(0)) wake();
        return;
      }
      const next = turn.queue.shift();
      if (next) next();
      else turn.busy = false;
    };
  }
}
