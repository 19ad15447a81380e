/** What export and import report as they go: one section at a time, records done of its total. */
export interface Progress {
  /** `step` is what is done to the section: `export`, `check` (reading the archive through) or `import`. */
  start(step: string, section: string, total: number): void;
  update(done: number): void;
  end(): void;
}

export const NO_PROGRESS: Progress = { start() {}, update() {}, end() {} };
