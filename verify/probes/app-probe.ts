import type { Cleanup } from './cleanup.ts';
import { startApp, type StartOptions, type StartResult } from './app.ts';
import { freePort } from './ports.ts';

/** `ctx.app`: the process probe bound to the workspace and the run's cleanup. */
export class AppProbe {
  constructor(
    private readonly workspace: string,
    private readonly cleanup: Cleanup,
  ) {}

  start(opts: StartOptions): Promise<StartResult> {
    return startApp(this.workspace, opts, this.cleanup);
  }

  freePort(): Promise<number> {
    return freePort();
  }
}
