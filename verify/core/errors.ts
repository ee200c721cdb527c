// Two kinds of trouble that are not the learner's code: the tool was called wrongly
// (UsageError) or the machine around it is not ready (EnvironmentError). Both exit 2
// with one clear line; neither prints a stack trace.

export const EXIT = { ok: 0, learnerHasWork: 1, broken: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class UsageError extends Error {
  override name = 'UsageError';
  /** The command that shows the right usage, when it is not `npm run <command> -- --help`. */
  readonly next?: string;
  constructor(message: string, next?: string) {
    super(message);
    this.next = next;
  }
}

export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
  /** The exact command that fixes it, printed on its own line. */
  readonly next?: string;
  constructor(message: string, next?: string) {
    super(message);
    this.next = next;
  }
}

export function isExpectedError(err: unknown): err is UsageError | EnvironmentError {
  return err instanceof UsageError || err instanceof EnvironmentError;
}

/**
 * A file of the learner's that cannot be read at all: a stray comma in package.json, a
 * tab in a YAML file. That is their work to fix (exit 1), not a broken machine: the
 * runner fails the first check that meets it, with file:line and a code frame, and skips
 * every other check that meets the same cause, pointing at that one.
 */
export class LearnerFileError extends Error {
  override name = 'LearnerFileError';
  constructor(
    message: string,
    /** Relative to the workspace, `/`-separated: `package.json`, `k8s/deployment.yaml`. */
    readonly file: string,
    readonly line: number | undefined,
    /** The lines around the mistake, the bad one marked: `> 4 |   "private": true,,`. */
    readonly frame: string[],
    /** The exact next step. */
    readonly fix: string,
  ) {
    super(message);
  }

  /** `package.json:4`: the same cause, whichever check met it. */
  get where(): string {
    return this.line ? `${this.file}:${this.line}` : this.file;
  }
}
