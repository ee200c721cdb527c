// Parsing the Prometheus text exposition format (what /metrics serves; OpenMetrics too:
// counters named without _total, _created samples), enough to find
// families by type and labels and to compare samples before and after some traffic.
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  samples: Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const familyOf = (sample: string) => {
    for (const suffix of ['_bucket', '_sum', '_count', '_total', '_created', '']) {
      const base = suffix && sample.endsWith(suffix) ? sample.slice(0, -suffix.length) : sample;
      if (families.has(base)) return families.get(base)!;
    }
    const f: Family = { name: sample, type: 'untyped', samples: [] };
    families.set(sample, f);
    return f;
  };
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      families.set(type[1]!, { name: type[1]!, type: type[2]!, samples: [] });
      continue;
    }
    if (!line.trim() || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    familyOf(m[1]!).samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return families;
}

/** Sum of the samples named `name` whose labels match `where` (a value or a test per label). */
export function sum(family: Family | undefined, name: string, where: Record<string, (v: string | undefined) => boolean> = {}): number {
  if (!family) return 0;
  return family.samples.filter((s) => s.name === name && Object.entries(where).every(([k, test]) => test(s.labels[k]))).reduce((acc, s) => acc + s.value, 0);
}
