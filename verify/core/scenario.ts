// Scenarios: something a lesson sets up and observes once per run, whose result several
// checks read (one started app, an outage, a SIGTERM in the middle of an upload). A check
// asks for one with `await ctx.scenario(x)`; the first ask starts it, later asks share it.
//
// A scenario runs under its own AbortSignal, not under the signal of the check that asked
// first: one check running out of time must not cut short what the others still need. It
// is aborted (which stops the processes and requests it started) once no check can need
// it any more: every check that asked has finished, and no check is left that has not
// started (a check not yet started may still ask). Order between scenarios is declared
// (`after`), not hidden in the order of awaits.
import type { CheckContext } from './check.ts';

export interface ScenarioDefinition<T> {
  /** Kebab-case, for messages: `postgres-outage`. */
  name: string;
  /** Scenarios that must have finished before this one starts (they are started if needed). */
  after?: readonly Scenario<unknown>[];
  /** Set up, observe, return what the checks read. `ctx.signal` is the scenario's own. */
  run(ctx: CheckContext): Promise<T>;
}

export interface Scenario<T> extends Readonly<Required<ScenarioDefinition<T>>> {
  /** Brand: scenarios are compared by identity, so each is defined once, at module level. */
  readonly kind: 'scenario';
}

export function defineScenario<T>(def: ScenarioDefinition<T>): Scenario<T> {
  return Object.freeze({ kind: 'scenario' as const, name: def.name, after: def.after ?? [], run: def.run });
}

/** Who asked for a scenario: a check (by id) or another scenario. */
type Holder = string | Entry;

interface Entry {
  scenario: Scenario<unknown>;
  controller: AbortController;
  result: Promise<unknown>;
  holders: Set<Holder>;
}

/** Thrown into a scenario that is aborted because no check needs it any more. */
export class ScenarioReleased extends Error {
  override name = 'AbortError';
  constructor(scenario: string) {
    super(`scenario ${scenario} stopped: no check still needs it`);
  }
}

/**
 * The scenarios of one lesson run. The runner tells it when each check starts and
 * finishes; it builds each scenario's context with `contextFor` (probes bound to the
 * scenario's signal, its own `ctx.scenario` for scenarios it uses).
 */
export class ScenarioRun {
  private readonly entries = new Map<Scenario<unknown>, Entry>();
  private readonly notStarted: Set<string>;
  private readonly running = new Set<string>();

  constructor(
    checkIds: readonly string[],
    private readonly contextFor: (signal: AbortSignal, obtain: <U>(s: Scenario<U>) => Promise<U>) => CheckContext,
  ) {
    this.notStarted = new Set(checkIds);
  }

  /** The scenario's result, starting it on the first ask; `holder` now needs it. */
  obtain<T>(scenario: Scenario<T>, holder: Holder): Promise<T> {
    let entry = this.entries.get(scenario);
    if (!entry) entry = this.start(scenario);
    if (entry.controller.signal.aborted) {
      // Asked again after it was released (a check not foreseen): its result stands if it finished.
      return entry.result as Promise<T>;
    }
    entry.holders.add(holder);
    return entry.result as Promise<T>;
  }

  /** A check began to run (it may ask for scenarios from now on). */
  checkStarted(id: string): void {
    this.notStarted.delete(id);
    this.running.add(id);
  }

  /** A check has its verdict (ran, or was skipped without running): release what nobody needs. */
  checkFinished(id: string): void {
    this.notStarted.delete(id);
    this.running.delete(id);
    this.releaseUnneeded();
  }

  /** The run is over: stop every scenario still going. */
  releaseAll(): void {
    for (const entry of this.entries.values()) this.release(entry);
  }

  private start(scenario: Scenario<unknown>): Entry {
    const controller = new AbortController();
    const entry: Entry = { scenario, controller, holders: new Set(), result: Promise.resolve() };
    this.entries.set(scenario, entry);
    const obtain = <U>(s: Scenario<U>) => this.obtain(s, entry);
    entry.result = (async () => {
      for (const before of scenario.after) await this.obtain(before, entry);
      controller.signal.throwIfAborted();
      return scenario.run(this.contextFor(controller.signal, obtain));
    })();
    // A scenario may finish with no check left to read it (every asker timed out).
    entry.result.catch(() => undefined);
    return entry;
  }

  private live(holder: Holder): boolean {
    return typeof holder === 'string' ? this.running.has(holder) : !holder.controller.signal.aborted;
  }

  private releaseUnneeded(): void {
    // A check that has not started may still ask for anything.
    if (this.notStarted.size) return;
    // Releasing one scenario can leave another without holders: repeat until nothing changes.
    for (let changed = true; changed; ) {
      changed = false;
      for (const entry of this.entries.values()) {
        if (entry.controller.signal.aborted || [...entry.holders].some((h) => this.live(h))) continue;
        this.release(entry);
        changed = true;
      }
    }
  }

  private release(entry: Entry): void {
    if (!entry.controller.signal.aborted) entry.controller.abort(new ScenarioReleased(entry.scenario.name));
  }
}
