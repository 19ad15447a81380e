/** Time as the scheduler sees it; tests inject one they move by hand. */
export interface Clock {
  /** Called detached (`clock.now` is handed on as a function). */
  now: () => number;
  /** Calls `fn` once `ms` have passed; the returned function cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    // Timers cannot wait longer than 2^31-1 ms; a longer wait re-arms on the way.
    const step = Math.min(ms, 2 ** 31 - 1);
    const timer = setTimeout(step === ms ? fn : () => (cancel = systemClock.setTimer(fn, ms - step)), step);
    timer.unref();
    let cancel = () => clearTimeout(timer);
    return () => cancel();
  },
};
