// What git knows about the workspace: is a file tracked (committed or staged)?
import { execFileSync } from 'node:child_process';

export class GitProbe {
  constructor(private readonly workspace: string) {}

  private git(args: string[]): string | undefined {
    try {
      return execFileSync('git', args, { cwd: this.workspace, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return undefined;
    }
  }

  /** undefined when the workspace is not inside a git repository (or git is missing). */
  isRepository(): boolean {
    return this.git(['rev-parse', '--is-inside-work-tree'])?.trim() === 'true';
  }

  /** Tracked paths under the workspace matching `rel` (a path or glob relative to the workspace). */
  tracked(rel: string): string[] {
    return (this.git(['ls-files', '--', rel]) ?? '').split('\n').filter(Boolean);
  }
}
