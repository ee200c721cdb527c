// Ends a run with one line CI can read: `N passed, N failed` (skipped tests, if any
// ever appear, are counted too, so a skip can't hide). Above it, one `FAILED file > test` line per
// failure: CI keeps only the tail of a long log, and the failure's name must be in that tail.
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryLine implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const failures: string[] = [];
    for (const mod of modules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') {
          counts.failed++;
          const first = test.result().errors?.[0]?.message?.split('\n')[0] ?? '';
          failures.push(`FAILED ${mod.moduleId.replace(`${process.cwd()}/`, '')} > ${test.fullName}${first ? ` — ${first.slice(0, 200)}` : ''}`);
        } else counts.skipped++;
      }
      // A file that failed to load has no tests but must not read as green.
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) {
        counts.failed++;
        failures.push(`FAILED ${mod.moduleId.replace(`${process.cwd()}/`, '')} (the file did not load)`);
      }
    }
    const skipped = counts.skipped ? `, ${counts.skipped} skipped` : '';
    const list = failures.length ? `\n${failures.join('\n')}` : '';
    process.stdout.write(`${list}\n${counts.passed} passed, ${counts.failed} failed${skipped}\n`);
  }
}
