import { expect, test } from 'vitest';
import { parseMetrics, sum } from './prometheus.ts';

const TEXT = `# HELP http_requests_total Requests
# TYPE http_requests_total counter
http_requests_total{method="GET",route="/api/notes/:id",status_code="200"} 3
http_requests_total{method="GET",route="/api/notes/:id",status_code="500"} 1
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.1",path="/a \\"q\\""} 2
http_request_duration_seconds_bucket{le="+Inf",path="/a \\"q\\""} 3
http_request_duration_seconds_sum{path="/a \\"q\\""} 0.42
http_request_duration_seconds_count{path="/a \\"q\\""} 3
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.5"} 0.1
rpc_seconds_count 7
# TYPE jobs counter
jobs_total 5
jobs_created 1.7e9
`;

test('families are found by TYPE, their samples by suffix (_bucket, _sum, _count, _total), labels unescaped', () => {
  const m = parseMetrics(TEXT);
  expect([...m.keys()]).toEqual(['http_requests_total', 'http_request_duration_seconds', 'rpc_seconds', 'jobs']);
  expect(m.get('http_request_duration_seconds')!.type).toBe('histogram');
  expect(m.get('http_request_duration_seconds')!.samples.map((s) => s.name)).toContain('http_request_duration_seconds_count');
  expect(m.get('http_request_duration_seconds')!.samples[0]!.labels.path).toBe('/a "q"');
  // OpenMetrics names the counter family without _total; its samples carry it.
  expect(m.get('jobs')!.samples.map((s) => s.name)).toEqual(['jobs_total', 'jobs_created']);
  expect(sum(m.get('rpc_seconds'), 'rpc_seconds_count')).toBe(7);
});

test('sum adds the samples whose labels pass every test', () => {
  const m = parseMetrics(TEXT);
  const counter = m.get('http_requests_total');
  expect(sum(counter, 'http_requests_total')).toBe(4);
  expect(sum(counter, 'http_requests_total', { status_code: (v) => /^5/.test(v ?? '') })).toBe(1);
  expect(sum(undefined, 'x')).toBe(0);
});
