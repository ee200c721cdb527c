// Everything a verify run starts (apps, temp dirs, databases) is registered here and
// undone at the end, newest first, even when a check fails or times out — or when the
// learner presses Ctrl-C (cleanupAll).
const active = new Set<Cleanup>();

export class Cleanup {
  private tasks: Array<() => unknown> = [];
  private done = false;
  /** Tasks added after the run ended, still running: `run()` waits for them too. */
  private late = new Set<Promise<unknown>>();

  constructor() {
    active.add(this);
  }

  /**
   * Undo `task` at the end of the run; at once when the run is already over. A check that ran
   * out of time, or a stopped scenario, may still finish starting something after the run's
   * cleanup: it must not outlive the run (an app left running, a database never dropped).
   */
  add(task: () => unknown): void {
    if (this.done) {
      const running: Promise<unknown> = Promise.resolve()
        .then(task)
        .catch(() => undefined)
        .finally(() => this.late.delete(running));
      this.late.add(running);
      return;
    }
    this.tasks.push(task);
  }

  async run(): Promise<void> {
    this.done = true;
    active.delete(this);
    const tasks = this.tasks.reverse();
    this.tasks = [];
    for (const task of tasks) {
      try {
        await task();
      } catch {
        // Best effort: one failed cleanup must not keep the others from running.
      }
    }
    // A check still starting something while the run was being undone (Ctrl-C mid-check) adds
    // its undo late; the process must not exit before that undo has finished.
    while (this.late.size > 0) await Promise.all([...this.late]);
  }
}

/** Undo what every run still in progress started (its apps, temp copies, verify_* databases). */
export async function cleanupAll(): Promise<void> {
  await Promise.all([...active].map((c) => c.run()));
}

/**
 * Ctrl-C (or SIGTERM) while checks run: undo everything, print one line, exit 130 (the
 * shell's code for "stopped by Ctrl-C"). The signal can arrive twice (from the terminal
 * and relayed by npm): the second one is ignored, so cleaning up is never cut short.
 */
export function interruptCleanly(line: string, exitCode = 130): () => void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${line}\n`);
    // The apps got the Ctrl-C too and die mid-check: what the checks would report now is
    // not about the learner's code, so nothing more is printed.
    process.stdout.write = (() => true) as typeof process.stdout.write;
    void cleanupAll().finally(() => process.exit(exitCode));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
