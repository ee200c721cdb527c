// Two kinds of trouble that are not the learner's code: the tool was called wrongly
// (UsageError) or the machine around it is not ready (EnvironmentError). Both exit 2
// with one clear line; neither prints a stack trace.

export const EXIT = { ok: 0, learnerHasWork: 1, broken: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class UsageError extends Error {
  override name = 'UsageError';
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
