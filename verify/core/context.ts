// The context one check (or one scenario) runs with: the run's probes bound to its own
// AbortSignal, a poll and a sleep that stop with it, and access to the run's scenarios.
import type { CheckContext } from './check.ts';
import { poll, sleep } from './poll.ts';
import type { Scenario } from './scenario.ts';
import { bindProbes, type Probes } from '../probes/index.ts';

export function checkContext(probes: Probes, workspace: string, signal: AbortSignal, scenario: <T>(s: Scenario<T>) => Promise<T>): CheckContext {
  return {
    ...bindProbes(probes, signal),
    workspace,
    signal,
    poll: (what, observe, opts) => poll(what, observe, { ...opts, signal }),
    sleep: (ms) => sleep(ms, signal),
    scenario,
  };
}
