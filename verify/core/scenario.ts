// Scenarios: something a lesson sets up and observes once per run, whose result several
// checks read (one started app, an outage, a SIGTERM in the middle of an upload). A check
// asks for one with `await ctx.scenario(x)`; the first ask starts it, later asks share it.
//
// A scenario runs under its own AbortSignal, not under the signal of the check that asked
// first: one check running out of time must not cut short what the others still need. It
// is aborted (which stops the processes and requests it started) once no check can need
// it any more: every check that asked has its verdict, and every check still to finish has
// declared the scenarios it reads (`scenarios: [...]`) without this one. A check that
// declares nothing may ask for anything, so it keeps every scenario alive until it is done.
// Order between scenarios is declared (`after`), not hidden in the order of awaits.
import type { CheckContext } from './check.ts';

export interface ScenarioDefinition<T> {
  /** Kebab-case, for messages: `postgres-outage`. */
  name: string;
  /**
   * Scenarios that must have finished before this one starts (they are started if needed).
   * List here every scenario this one reads: a check that declares this one needs those too.
   */
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

/** A scenario and every scenario it declares it reads (`after`), transitively. */
export function withPrerequisites(scenarios: readonly Scenario<unknown>[]): Set<Scenario<unknown>> {
  const all = new Set<Scenario<unknown>>();
  const visit = (s: Scenario<unknown>) => {
    if (all.has(s)) return;
    all.add(s);
    s.after.forEach(visit);
  };
  scenarios.forEach(visit);
  return all;
}

/** What the run knows of a check: its id, and the scenarios it declares it reads (if it does). */
export interface ScenarioReader {
  id: string;
  scenarios?: readonly Scenario<unknown>[];
}

/**
 * The scenarios of one lesson run. The runner tells it when each check finishes; it builds
 * each scenario's context with `contextFor` (probes bound to the scenario's signal, its own
 * `ctx.scenario` for scenarios it uses).
 */
export class ScenarioRun {
  private readonly entries = new Map<Scenario<unknown>, Entry>();
  /** Checks without a verdict yet → what they may still ask for (undefined: anything). */
  private readonly unfinished = new Map<string, Set<Scenario<unknown>> | undefined>();

  constructor(
    checks: readonly ScenarioReader[],
    private readonly contextFor: (signal: AbortSignal, obtain: <U>(s: Scenario<U>) => Promise<U>) => CheckContext,
  ) {
    for (const c of checks) this.unfinished.set(c.id, c.scenarios && withPrerequisites(c.scenarios));
  }

  /** The scenario's result, starting it on the first ask; `holder` now needs it. */
  obtain<T>(scenario: Scenario<T>, holder: Holder): Promise<T> {
    if (typeof holder === 'string') {
      // A check that ran out of time may still be running its code: it starts nothing more.
      if (!this.unfinished.has(holder)) return Promise.reject(Object.assign(new Error(`check ${holder} already has its verdict`), { name: 'AbortError' }));
      const declared = this.unfinished.get(holder);
      if (declared && !declared.has(scenario)) {
        // A bug in the lesson, not the learner's: the runner would stop the scenario early.
        return Promise.reject(new Error(`check ${holder} reads scenario ${scenario.name} but does not list it in its scenarios`));
      }
    }
    let entry = this.entries.get(scenario);
    if (!entry) entry = this.start(scenario);
    if (entry.controller.signal.aborted) {
      // Asked again after it was released (a check not foreseen): its result stands if it finished.
      return entry.result as Promise<T>;
    }
    entry.holders.add(holder);
    return entry.result as Promise<T>;
  }

  /** A check has its verdict (ran, or was skipped without running): release what nobody needs. */
  checkFinished(id: string): void {
    this.unfinished.delete(id);
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
    return typeof holder === 'string' ? this.unfinished.has(holder) : !holder.controller.signal.aborted;
  }

  /** A check without its verdict may still ask for `scenario`: it declared nothing, or declared it. */
  private mayStillAsk(scenario: Scenario<unknown>): boolean {
    return [...this.unfinished.values()].some((declared) => !declared || declared.has(scenario));
  }

  private releaseUnneeded(): void {
    // Releasing one scenario can leave another without holders: repeat until nothing changes.
    for (let changed = true; changed;) {
      changed = false;
      for (const entry of this.entries.values()) {
        if (entry.controller.signal.aborted || [...entry.holders].some((h) => this.live(h)) || this.mayStillAsk(entry.scenario)) continue;
        this.release(entry);
        changed = true;
      }
    }
  }

  private release(entry: Entry): void {
    if (!entry.controller.signal.aborted) entry.controller.abort(new ScenarioReleased(entry.scenario.name));
  }
}
