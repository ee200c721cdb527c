// Reading the app's JSON log lines, whichever logger wrote them: pino and bunyan write
// numeric levels (30 = info), winston and hand-rolled loggers level names in any case
// ("info", "ERROR", "warning"), some under another key (`severity`, ECS's `log.level`).
const LEVELS: Record<string, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  notice: 35,
  warn: 40,
  warning: 40,
  error: 50,
  err: 50,
  fatal: 60,
  critical: 60,
  crit: 60,
  alert: 60,
  emerg: 60,
  emergency: 60,
  panic: 60,
};
const ERROR = LEVELS.error!;

/** The numeric level of a JSON log line (0 when it names none we know); undefined when the line is not JSON. */
export function levelOf(line: string): number | undefined {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return undefined;
  }
  const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
  const nested = (typeof e.log === 'object' && e.log !== null ? e.log : {}) as Record<string, unknown>;
  const level = e.level ?? e.severity ?? e.lvl ?? e['log.level'] ?? nested.level;
  return typeof level === 'number' ? level : (LEVELS[String(level).toLowerCase()] ?? 0);
}

/** Lines below error (info, warn, debug…) in a chunk of output; non-JSON lines count when `strict`. */
export function linesBelowError(output: string, strict = false): string[] {
  return output.split('\n').filter((l) => {
    if (!l.trim()) return false;
    const level = levelOf(l);
    return level === undefined ? strict : level < ERROR;
  });
}
