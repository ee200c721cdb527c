// The check model: a small declarative object per property we verify.
// A learner mistake is a `fail` result, never a thrown error; only a broken tool or
// environment throws (EnvironmentError), which the runner turns into exit code 2.
import type { Probes } from '../probes/index.ts';
import type { Polled, PollOptions } from './poll.ts';
import type { Scenario } from './scenario.ts';

export type Severity = 'required' | 'recommended' | 'info';
/** Where the evidence comes from; also lets a run leave out layers it cannot reach (`--no-cluster`). */
export type Layer = 'env' | 'code' | 'manifest' | 'cluster' | 'behaviour';
export type Status = 'pass' | 'fail' | 'skip';

export const LAYERS: readonly Layer[] = ['env', 'code', 'manifest', 'cluster', 'behaviour'];

/**
 * What a check needs from the cluster beyond an API server. A cluster backend serves some
 * of them (verify/core/cluster-backend.ts); the runner skips a check whose needs its
 * backend cannot serve, naming both, instead of every check testing the cluster itself.
 * - `real-pods`: containers really run and answer traffic (kubelets, a network).
 * - `image-store`: nodes hold images and report them (a kubelet's image list).
 */
export type Capability = 'real-pods' | 'image-store';
export const CAPABILITIES: readonly Capability[] = ['real-pods', 'image-store'];

/** The layers a run uses: all of them, or all but the cluster (`--no-cluster`). */
export function selectLayers(noCluster: boolean): { layers: ReadonlySet<Layer>; layersReason?: string } {
  return noCluster ? { layers: new Set(LAYERS.filter((l) => l !== 'cluster')), layersReason: '--no-cluster' } : { layers: new Set(LAYERS) };
}

export interface Outcome {
  status: Status;
  /** One line: what was found. */
  message: string;
  /** Where it was found: `src/db.js:4`, `k8s/deployment.yaml › spec.replicas`. */
  where?: string;
  observed?: string;
  expected?: string;
  /** Why it matters for this app, in one or two sentences. */
  why?: string;
  /** The exact next step: a code change or a command. */
  fix?: string;
  /** Raw evidence: trimmed log lines, Event messages, exit codes. */
  evidence?: string[];
}

/**
 * What a check is given, built for this check alone (verify/core/context.ts). A scenario's
 * `run` gets the same, bound to the scenario's signal instead.
 */
export interface CheckContext extends Probes {
  /** Absolute path of the learner's workspace (default `legacy-app/`). */
  workspace: string;
  /**
   * Aborted when the check's time budget runs out, or once it has its verdict. `http`, `kube`,
   * `app`, `poll` and `sleep` are bound to it: their requests, polls and processes stop then.
   */
  signal: AbortSignal;
  /**
   * Observe until `until` holds (default: a value that is not undefined, null or false) or
   * `timeout` ms pass. Never throws for a timeout: `ok` says whether it held, `value` is the
   * last observation, `message` names `what` and that observation for the learner.
   */
  poll<T>(what: string, observe: () => T | Promise<T>, opts: Omit<PollOptions<T>, 'signal'>): Promise<Polled<T>>;
  /** A fixed pause (a window in which something must NOT happen). To wait for something, poll. */
  sleep(ms: number): Promise<void>;
  /** The scenario's result: started on the first ask in this run, shared by every check that asks. */
  scenario<T>(scenario: Scenario<T>): Promise<T>;
}

export interface CheckDefinition {
  /** Stable id within the lesson, kebab-case; reported as `NN.id`. Never derive it from the title. */
  id: string;
  title: string;
  severity: Severity;
  layer: Layer;
  /** Local ids of checks that must pass first; if one does not, this check is skipped, not failed. */
  dependsOn?: string[];
  /** Progressive hints: symptom → concept → snippet. At least one. */
  hints: string[];
  /** Heading anchor in the lesson README, e.g. `#2-fail-fast-on-missing-values`. */
  learn: string;
  /**
   * The check deletes or scales something (and always restores it). It runs only with
   * `--disruptive`; otherwise it is skipped with that reason.
   */
  disruptive?: boolean;
  /** What the cluster must be able to do for this check to mean anything; see Capability. */
  requires?: Capability[];
  /** Time budget; the runner fails the check when it is exceeded. Default 15 s. */
  timeoutMs?: number;
  /**
   * The scenarios this check reads (`ctx.scenario(x)`, directly or through a helper). Lets the
   * runner stop a scenario, and what it started, as soon as no check still to finish reads it.
   * Without this list the check may read any scenario, so every scenario lives until it is done;
   * with it, reading a scenario not listed (nor in a listed one's `after`) is a bug it reports.
   */
  scenarios?: readonly Scenario<unknown>[];
  run(ctx: CheckContext): Promise<Outcome>;
}

export function defineCheck(check: CheckDefinition): CheckDefinition {
  return check;
}

type Details = Omit<Outcome, 'status' | 'message'>;

export function pass(message: string, details: Details = {}): Outcome {
  return { status: 'pass', message, ...details };
}

export function fail(message: string, details: Details = {}): Outcome {
  return { status: 'fail', message, ...details };
}

export function skip(message: string, details: Details = {}): Outcome {
  return { status: 'skip', message, ...details };
}
