// Reading the app's JSON log lines (pino's numeric levels, or level names).
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** The numeric level of a JSON log line; undefined when the line is not JSON. */
export function levelOf(line: string): number | undefined {
  try {
    const level = (JSON.parse(line) as { level?: number | string }).level;
    return typeof level === 'number' ? level : (LEVELS[String(level)] ?? 0);
  } catch {
    return undefined;
  }
}

/** Lines below error (info, warn, debug…) in a chunk of output; non-JSON lines count when `strict`. */
export function linesBelowError(output: string, strict = false): string[] {
  return output.split('\n').filter((l) => {
    if (!l.trim()) return false;
    const level = levelOf(l);
    return level === undefined ? strict : level < LEVELS.error!;
  });
}
