// Does a dashboard's PromQL compute RED (rate, errors, duration) from the metrics the app
// really exposes? Judged by what the queries let Prometheus compute, not by how they are
// written: any panel titles, `rate`, `irate` or `increase`, the counter or the histogram's
// `_count` for requests, any matcher that picks the 5xx answers, any tail quantile, and
// Grafana's `$__rate_interval` or a variable for the range.

export interface RedNames {
  /** The request counter, when the app has one (a histogram's `_count` counts requests too). */
  counter?: string;
  histogram: string;
  status: string;
}

const rate = (e: string) => /\b(i?rate|increase)\s*\(/.test(e);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A series name in an expression as a whole word (not `http_requests_total_x`). */
function mentions(expr: string, name: string): boolean {
  return new RegExp(`(^|[^a-zA-Z0-9_:])${escape(name)}($|[^a-zA-Z0-9_:])`).test(expr);
}

/** Request-counting series: the counter, or the duration histogram's `_count`. */
function requestSeries(names: RedNames): string[] {
  return [...(names.counter ? [names.counter] : []), `${names.histogram}_count`];
}

/**
 * Does the expression select the 5xx answers, and only them? Each matcher on the status
 * label is tried on sample codes, the way Prometheus would (regexes are anchored).
 */
export function selectsServerErrors(expr: string, status: string): boolean {
  const matchers = [...expr.matchAll(new RegExp(`\\b${escape(status)}\\s*(=~|!~|!=|=)\\s*"((?:[^"\\\\]|\\\\.)*)"`, 'g'))].map((m) => ({
    op: m[1]!,
    value: m[2]!.replace(/\\\\/g, '\\'),
  }));
  if (!matchers.length) return false;
  const keeps = (code: string) =>
    matchers.every(({ op, value }) => {
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${value})$`);
      } catch {
        return false;
      }
      return op === '=' ? code === value : op === '!=' ? code !== value : op === '=~' ? re.test(code) : !re.test(code);
    });
  return ['500', '502', '503'].every(keeps) && !['200', '201', '302', '404'].some(keeps);
}

/** The quantile a histogram_quantile asks for, if it is a number. */
function quantileOf(expr: string): number | undefined {
  const m = /histogram_quantile\s*\(\s*([0-9.]+)\s*,/.exec(expr);
  return m ? Number(m[1]) : undefined;
}

/**
 * Does every aggregation inside keep the `le` label? `sum by (le, route)` and `sum without
 * (pod)` do; `sum by (route)`, `sum without (le)` and a bare `sum(…)` throw the buckets
 * together, and histogram_quantile then returns nothing. No aggregation at all keeps `le`.
 */
export function keepsLe(expr: string): boolean {
  const clauses = [...expr.matchAll(/\b(by|without)\s*\(([^)]*)\)/g)].map((m) => ({ kind: m[1]!, labels: m[2]!.split(',').map((l) => l.trim()) }));
  if (clauses.some((c) => (c.kind === 'by' ? !c.labels.includes('le') : c.labels.includes('le')))) return false;
  const aggregations = [...expr.matchAll(/\b(sum|avg|min|max|count|group|stddev|stdvar|topk|bottomk|quantile)\s*(\(|by\b|without\b)/g)].length;
  return aggregations <= clauses.length;
}

/** What the dashboard lacks for RED, one line each; empty when it has all three. */
export function redProblems(exprs: string[], names: RedNames): string[] {
  const problems: string[] = [];
  const counts = requestSeries(names);
  const countsRequests = (e: string) => rate(e) && counts.some((c) => mentions(e, c));
  if (!exprs.some(countsRequests)) problems.push(`Rate: no rate(${counts.join(' or ')}[…]) query`);
  if (!exprs.some((e) => countsRequests(e) && selectsServerErrors(e, names.status)))
    problems.push(`Errors: no query of ${counts.join(' or ')} that selects the 5xx answers (${names.status}=~"5..")`);
  const durations = exprs.filter((e) => e.includes(`${names.histogram}_bucket`) && rate(e));
  const quantiles = durations.filter((e) => {
    const q = quantileOf(e);
    return q !== undefined && q >= 0.5 && q < 1;
  });
  if (!quantiles.length) problems.push(`Duration: no histogram_quantile(0.95, sum by (le, …) (rate(${names.histogram}_bucket[…])))`);
  else if (!quantiles.some(keepsLe))
    problems.push(`Duration: ${quantiles[0]} adds the buckets together without keeping le (write sum by (le, route)): histogram_quantile returns nothing`);
  const known = [...counts, `${names.histogram}_bucket`, `${names.histogram}_sum`, `${names.histogram}_count`];
  const unknown = [...new Set(exprs.flatMap((e) => [...e.matchAll(/\b(http_[a-z0-9_]+)\b/g)].map((m) => m[1]!)))].filter((n) => !known.includes(n));
  if (unknown.length)
    problems.push(`${unknown.join(', ')}: not a metric Teamnotes exposes (it has ${[names.counter, names.histogram].filter(Boolean).join(' and ')})`);
  return problems;
}
