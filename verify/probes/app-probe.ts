import type { Cleanup } from './cleanup.ts';
import { startApp, type StartOptions, type StartResult } from './app.ts';
import { freePort } from './ports.ts';

/**
 * `ctx.app`: the process probe bound to the workspace, the run's cleanup and (per check or
 * scenario) a signal that stops every process it started.
 */
export class AppProbe {
  constructor(
    private readonly workspace: string,
    private readonly cleanup: Cleanup,
    private readonly signal?: AbortSignal,
  ) {}

  /** The same probe, its processes stopped when `signal` fires (the runner gives each check one). */
  withSignal(signal: AbortSignal): AppProbe {
    return new AppProbe(this.workspace, this.cleanup, signal);
  }

  start(opts: StartOptions): Promise<StartResult> {
    return startApp(this.workspace, opts, this.cleanup, this.signal);
  }

  freePort(): Promise<number> {
    return freePort();
  }
}
