// Progress lines for setup: one line per step and per result, plain when not a TTY or
// NO_COLOR is set, so a log pasted into a chat reads the same as the terminal did.
import pc from 'picocolors';

export interface Ui {
  step(text: string): void;
  ok(text: string): void;
  warn(text: string): void;
  fail(text: string): void;
  info(text: string): void;
  /** Run `work`, printing "still <doing> (45 s)" every 15 s so a slow pull never looks frozen. */
  withHeartbeat<T>(doing: string, work: () => Promise<T>): Promise<T>;
  color: ReturnType<typeof pc.createColors>;
}

export function createUi(write: (text: string) => void = (t) => process.stdout.write(t), color = process.stdout.isTTY === true && !process.env.NO_COLOR): Ui {
  const c = pc.createColors(color);
  return {
    color: c,
    step: (t) => write(`\n${c.bold(t)}\n`),
    ok: (t) => write(`  ${c.green('✔')} ${t}\n`),
    warn: (t) => write(`  ${c.yellow('▲')} ${t}\n`),
    fail: (t) => write(`  ${c.red('✖')} ${t}\n`),
    info: (t) => write(`    ${c.dim(t)}\n`),
    async withHeartbeat(doing, work) {
      const started = Date.now();
      const timer = setInterval(() => write(`    ${c.dim(`still ${doing} (${Math.round((Date.now() - started) / 1000)} s)`)}\n`), 15_000);
      try {
        return await work();
      } finally {
        clearInterval(timer);
      }
    },
  };
}
